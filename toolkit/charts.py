"""``toolkit.charts`` is :mod:`toolkit.views.charts` (the short name notebooks use)."""

import sys

from toolkit.views import charts as _charts

sys.modules[__name__] = _charts
