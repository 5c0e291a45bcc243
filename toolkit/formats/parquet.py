"""The Parquet export: the same folder as ``ds.to_parquet(out)`` (see :mod:`toolkit.dataset.parquet`).

One ``TABLE.parquet`` per table, typed as the loaders return them (dates, booleans, lists; allowed
values as dictionary-encoded strings), the dataset's own descriptor, and texts only where their
licence allows. ``toolkit.open(out)`` reopens and checks it; DuckDB, Spark or pandas read the files.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.dataset import parquet


def write(ds, out: str | Path, *, inputs=()) -> Path:
    """Write ``ds`` as a Parquet folder at ``out``; only an earlier export there is replaced."""
    return parquet.write(ds, out, inputs=inputs)
