"""Shortcuts for the default dataset: ``load_estimates()`` is ``toolkit.open()["estimates"]``.

The default is the shipped data, or the folder named by ``$TOOLKIT_DATA_DIR``, or ``data_dir=``.
Each call hands out a copy: changing it never changes what the next call returns. One ``load_*``
function per table of the toolkit's schema; ``load(name, data_dir)`` loads any table a folder declares.

>>> import toolkit
>>> toolkit.load_estimates().filter(bound="upper")["value_high"].to_list()
[1700]
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from toolkit.core.descriptor import Descriptor
from toolkit.dataset.lookup import Entity, find
from toolkit.dataset.opening import coerce, open as _open
from toolkit.dataset.reading import data_folder  # noqa: F401 - re-exported
from toolkit.dataset.value import SHIPPED  # noqa: F401 - re-exported

__all__ = ["SHIPPED", "cite", "data_folder", "find_text", "list_tables", "load", "lookup", "tables"]


def _ds(data_dir):
    return _open(data_dir) if data_dir is not None else _open()


def tables(data_dir: str | Path | None = None) -> dict[str, pl.DataFrame]:
    """All tables of a folder (copies), checked once and cached until a file changes."""
    ds = _ds(data_dir)
    return {n: ds[n] for n in ds.table_names()}


def load(name: str, data_dir: str | Path | None = None) -> pl.DataFrame:
    """Load one table by name, any table the folder's own descriptor declares (see :func:`list_tables`).

    >>> load("places").filter(place_id="daghestan")["iso_3166"].item()
    'RU-DA'
    """
    return _ds(data_dir)[name]


def list_tables(data_dir: str | Path | None = None) -> pl.DataFrame:
    """Name, title, row count and description of every table."""
    return _ds(data_dir).list_tables()


def lookup(name: str, kind: str | None = None, data_dir: str | Path | None = None, *, ds=None) -> Entity:
    """The actor or place a name refers to, in ``ds`` (default: the default dataset), forgivingly.

    >>> lookup("Dagestan").entity_id == lookup("Daghestan").entity_id == "daghestan"
    True
    """
    return find(coerce(ds if ds is not None else data_dir), name, kind=kind)


def cite(record_id: str, data_dir: str | Path | None = None) -> str:
    """A citation for any fact row (estimate, event, statement, relation, dispute) by its id.

    >>> cite("est05").endswith('paragraph 18, characters 3290-3376: "as many as 1,700 Russian nationals could be '
    ...                        'fighting alongside militant groups in Iraq"')
    True
    """
    return _ds(data_dir).cite(record_id)


def find_text(data_dir: str | Path | None = None) -> Path | None:
    """Where the text of a one-article folder is (default: the default dataset), or None when it was not found.

    >>> find_text() is None or find_text().name.endswith(".txt")
    True
    """
    ds = _ds(data_dir)
    paths = list(ds.text_paths.values())
    return paths[0] if len(paths) == 1 else None


def _loader(name: str, desc: Descriptor):
    def loader(data_dir: str | Path | None = None) -> pl.DataFrame:
        return load(name, data_dir)

    loader.__name__ = loader.__qualname__ = f"load_{name}"
    loader.__doc__ = (f"Load the {name} table of the default dataset as a polars DataFrame "
                      f"(``toolkit.open(data_dir)[{name!r}]``).\n\n{desc.describe(name)}\n\n"
                      f"Example\n-------\n>>> import toolkit\n>>> toolkit.load_{name}().columns[:3]\n"
                      f"{desc.columns(name)[:3]!r}\n")
    return loader


for _name in Descriptor.shipped().table_names():  # load_sources(), load_estimates(), ... one per table of the schema
    globals()[f"load_{_name}"] = _loader(_name, Descriptor.shipped())
    __all__.append(f"load_{_name}")
