"""Shortcuts for the default dataset: ``load_estimates()`` is ``toolkit.open()["estimates"]``.

The default is the shipped data, or the folder named by ``$TOOLKIT_DATA_DIR``, or ``data_dir=``.
Each call hands out a copy: changing it never changes what the next call returns.

>>> import toolkit
>>> toolkit.load_estimates().filter(bound="upper")["value_high"].to_list()
[1700]
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from toolkit.core import descriptor as schema
from toolkit.dataset.value import SHIPPED, data_folder, open as _open  # noqa: F401 - SHIPPED, data_folder re-exported

__all__ = ["SHIPPED", "cite", "data_folder", "list_tables", "load", "tables"]


def tables(data_dir: str | Path | None = None) -> dict[str, pl.DataFrame]:
    """All tables of a folder (copies), checked once and cached until a file changes."""
    ds = _open(data_dir) if data_dir is not None else _open()
    return {n: ds[n] for n in ds.table_names()}


def load(name: str, data_dir: str | Path | None = None) -> pl.DataFrame:
    """Load one table by name (see :func:`list_tables`).

    >>> load("places").filter(place_id="daghestan")["iso_3166"].item()
    'RU-DA'
    """
    schema.resource(name)  # a helpful error for unknown names
    return (_open(data_dir) if data_dir is not None else _open())[name]


def list_tables(data_dir: str | Path | None = None) -> pl.DataFrame:
    """Name, title, row count and description of every table."""
    return (_open(data_dir) if data_dir is not None else _open()).list_tables()


def _loader(name: str):
    def loader(data_dir: str | Path | None = None) -> pl.DataFrame:
        return load(name, data_dir)

    loader.__name__ = loader.__qualname__ = f"load_{name}"
    loader.__doc__ = (f"Load the {name} table of the default dataset as a polars DataFrame "
                      f"(``toolkit.open(data_dir)[{name!r}]``).\n\n{schema.describe(name)}\n\n"
                      f"Example\n-------\n>>> import toolkit\n>>> toolkit.load_{name}().columns[:3]\n"
                      f"{[f['name'] for f in schema.fields(name)][:3]!r}\n")
    return loader


for _name in schema.table_names():  # load_sources(), load_estimates(), ... one per declared table
    globals()[f"load_{_name}"] = _loader(_name)
    __all__.append(f"load_{_name}")


def cite(record_id: str, data_dir: str | Path | None = None) -> str:
    """A citation for any fact row (estimate, event, statement, relation, dispute) by its id.

    >>> cite("est05").endswith('paragraph 18, characters 3290-3376: "as many as 1,700 Russian nationals could be '
    ...                        'fighting alongside militant groups in Iraq"')
    True
    """
    return (_open(data_dir) if data_dir is not None else _open()).cite(record_id)
