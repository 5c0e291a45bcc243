"""Altair views of a dataset: estimates, timeline, actors, mentions, and a linked dashboard.

Each function takes a :class:`~toolkit.Dataset` (``None``: the default dataset; to draw a subset,
``ds.with_tables(estimates=...)``) and returns an Altair chart with a title, the dataset's source
line and the toolkit theme (carried by the chart; nothing global changes). Text from the data goes into data values and plain
tooltip fields only — never into markup or Vega expressions.

>>> from toolkit import charts
>>> charts.estimates().to_dict()["title"]["text"]
'Every number in the article, on one scale'
"""

from toolkit.views import theme
from toolkit.views.charts.actors import _layers, actors  # noqa: F401 - _layers is read by the tests
from toolkit.views.charts.dashboard import dashboard
from toolkit.views.charts.estimates import estimates
from toolkit.views.charts.mentions import mentions
from toolkit.views.charts.timeline import timeline

__all__ = ["actors", "dashboard", "estimates", "mentions", "timeline"]

