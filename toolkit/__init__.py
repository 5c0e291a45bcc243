"""toolkit: news articles about conflict as validated, provenance-linked polars tables, charts and maps.

A data folder (CSV tables declared in a Frictionless ``datapackage.json``, plus the texts it points
into) is opened as a :class:`Dataset`; every view takes one. The toolkit ships one extracted
article; ``toolkit.open(folder, ...)`` opens any other, or several as a corpus. Drawing lives in
``toolkit.charts``, ``toolkit.maps`` and ``toolkit.geo``, imported only when used.

>>> import toolkit
>>> ds = toolkit.open()                   # the shipped dataset
>>> ds.lookup("Dagestan").entity_id
'daghestan'
>>> toolkit.load_estimates().height == ds["estimates"].height   # shortcuts for the default dataset
True
"""

from toolkit.core.descriptor import Descriptor, DescriptorError
from toolkit.core.problems import DataError, Problem, Report, ToolkitError
from toolkit.core.errors import CannotDraw, InputError, UnknownTable
from toolkit.dataset import shortcuts as _tables
from toolkit.dataset.lookup import Entity, UnknownName
from toolkit.dataset.opening import open, validate
from toolkit.dataset.shortcuts import cite, find_text, list_tables, load, lookup
from toolkit.dataset import SHIPPED, Dataset
from toolkit.dataset.reading import data_folder

__version__ = "0.2.0"

for _cls in (CannotDraw, DataError, Dataset, Descriptor, DescriptorError, Entity, InputError, Problem, Report, ToolkitError,
             UnknownName, UnknownTable):  # shown as toolkit.X in tracebacks
    _cls.__module__ = "toolkit"

for _name in _tables.__all__:
    if _name.startswith("load_"):
        globals()[_name] = getattr(_tables, _name)


def dictionary(ds=None):
    """The data dictionary of a dataset's own descriptor (default: the default dataset): every table's
    columns, types, allowed values (open vocabularies with the values in use) and meaning.

    >>> dictionary().filter(table="estimates", column="bound")["vocabulary"].item()
    'closed'
    """
    from toolkit.dataset.opening import coerce

    return coerce(ds).dictionary()


def source_line(ds=None) -> str:
    """The source line of a dataset (default: the default dataset), as drawn under every view.

    >>> source_line().startswith("Source:")
    True
    """
    from toolkit.dataset.opening import coerce

    return coerce(ds).source_line


# Modules that moved when the library was split into core, checks, dataset, views, formats and tools;
# ``from toolkit import article`` keeps working for a release.
_MOVED = {"article": "toolkit.core.text", "schema": "toolkit.core.descriptor", "tables": "toolkit.dataset.shortcuts",
          "corpus": "toolkit.dataset.corpus", "theme": "toolkit.views.theme", "embed": "toolkit.views.embed",
          "saving": "toolkit.views.saving", "export": "toolkit.formats", "create": "toolkit.dataset.create"}


def __getattr__(name: str):
    if name == "SOURCE_LINE":  # kept for notebooks written against 0.1: the default dataset's line
        return source_line()
    if name in _MOVED:
        import importlib

        module = importlib.import_module(_MOVED[name])
        if name == "article" and not hasattr(module, "find_text"):  # find_text() now lives with the datasets
            module.find_text = _tables.find_text
        return module
    raise AttributeError(f"module 'toolkit' has no attribute {name!r}")



def compare(ref, *others, **options):
    """Compare extractions of the same text (data folders): matched/missing/extra rows, field agreement,
    Krippendorff's alpha and every disagreement; see :func:`toolkit.comparison.compare`.

    >>> compare("my_extraction", "classmate").disagreements  # doctest: +SKIP
    """
    from toolkit.comparison import compare as _compare

    return _compare(ref, *others, **options)



def save(chart, path, scale: float = 2.0):
    """Save a chart for use offline: .html (Vega inlined), .png, .svg, .pdf or .json (see ``toolkit.saving``).

    >>> toolkit.save(charts.estimates(), "estimates.html")  # doctest: +SKIP
    """
    from toolkit.views.saving import save as _save

    return _save(chart, path, scale)


__all__ = [
    "SHIPPED", "CannotDraw", "DataError", "InputError", "Dataset", "Descriptor", "DescriptorError", "Entity", "ToolkitError", "Problem", "Report", "UnknownName", "UnknownTable", "cite", "compare", "data_folder", "dictionary", "find_text",
    "list_tables", "load", "lookup", "open", "save", "source_line", "validate",
    *(n for n in _tables.__all__ if n.startswith("load_")),
]
