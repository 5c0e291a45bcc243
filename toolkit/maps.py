"""``toolkit.maps`` is :mod:`toolkit.views.maps` (the short name notebooks use)."""

import sys

from toolkit.views import maps as _maps

sys.modules[__name__] = _maps
