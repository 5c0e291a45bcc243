"""toolkit: RFE/RL's March 2015 article on North Caucasian fighters with IS, as validated polars tables.

Every fact points back into the article (paragraph, character span, short quote); the article's
text itself is not included. Drawing lives in ``toolkit.charts``, ``toolkit.maps`` and ``toolkit.geo``,
imported only when used.

>>> import toolkit
>>> toolkit.load_estimates().select("estimate_id", "qualifier", "value_low").head(1)  # doctest: +SKIP
>>> toolkit.lookup("Dagestan").entity_id
'daghestan'
"""

from toolkit.lookup import Entity, UnknownName, lookup
from toolkit.schema import dictionary
from toolkit.tables import (
    cite,
    data_folder,
    list_tables,
    load,
    load_actors,
    load_aliases,
    load_disputes,
    load_estimates,
    load_events,
    load_mentions,
    load_places,
    load_relations,
    load_segments,
    load_sources,
    load_statements,
)
from toolkit.validate import DataError, Problem, Report, validate

__version__ = "0.1.0"
SOURCE_LINE = "Source: RFE/RL, J. Paraszczuk, March 2015"


def save(chart, path, scale: float = 2.0):
    """Save a chart for use offline: .html (Vega inlined), .png, .svg, .pdf or .json (see ``toolkit.saving``).

    >>> toolkit.save(charts.estimates(), "estimates.html")  # doctest: +SKIP
    """
    from toolkit.saving import save as _save

    return _save(chart, path, scale)


__all__ = [
    "DataError", "Entity", "Problem", "Report", "SOURCE_LINE", "UnknownName", "cite", "data_folder",
    "dictionary", "list_tables", "load", "load_actors", "load_aliases", "load_disputes", "load_estimates",
    "load_events", "load_mentions", "load_places", "load_relations", "load_segments", "load_sources",
    "load_statements", "lookup", "save", "validate",
]
