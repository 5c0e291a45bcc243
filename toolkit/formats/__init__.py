"""Export a checked dataset in the field's formats: a Frictionless zip, Parquet, GeoJSON, ACLED, UCDP GED.

One module per format (:mod:`~toolkit.formats.frictionless`, :mod:`~toolkit.formats.parquet`,
:mod:`~toolkit.formats.geojson`, :mod:`~toolkit.formats.acled`, :mod:`~toolkit.formats.ged`), each a
pure function of a :class:`~toolkit.Dataset`; :mod:`~toolkit.formats.writing` holds what they share.
:func:`export` is the entry point behind ``python -m toolkit export``:

* the data are opened and checked first (bad data: :class:`~toolkit.DataError`, nothing written);
* an output inside a data folder being read, or an existing FIFO, device or folder where a file is
  expected, is refused (:class:`ExportError`, one line naming it);
* every output is written beside its target and moved into place only when complete, with the
  permissions your umask gives; a failed or interrupted export leaves an earlier one as it was.

What each column comes from, and what is lost, is in ``docs/exports.md``.

>>> from toolkit.formats import export
>>> export(None, "acled", "/tmp/acled.csv").name  # doctest: +SKIP
'acled.csv'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.core.output import OutputError, write_file

FORMATS = ("frictionless", "parquet", "geojson", "acled", "ged")
DEFAULT_OUT = {"frictionless": "{name}.zip", "parquet": "{name}-parquet", "geojson": "places.geojson",
               "acled": "acled.csv", "ged": "ged.csv"}


class ExportError(OutputError):
    """An export that cannot be written (unknown format, an output that would overwrite an input ...)."""


@dataclass
class Written:
    """What :func:`export` wrote: the path, and what the layout left out (e.g. statements from ACLED)."""

    path: Path
    rows: int | None = None
    left_out: list[str] = field(default_factory=list)


def _dataset(data):
    """A Dataset from a Dataset, a folder, several folders (a corpus) or None (the default dataset)."""
    from toolkit.dataset import Dataset, open as open_dataset

    if isinstance(data, Dataset):
        return data
    if isinstance(data, (list, tuple)):
        return open_dataset(*data)
    return open_dataset(data) if data is not None else open_dataset()


def write(data, format: str = "frictionless", out: str | Path | None = None) -> Written:
    """Like :func:`export`, returning what was written and what the layout left out."""
    if format not in FORMATS:
        import difflib

        close = difflib.get_close_matches(str(format), FORMATS, n=1)
        raise ExportError(f"unknown export format {format!r}" + (f"; did you mean {close[0]!r}?" if close else "")
                          + f" (formats: {', '.join(FORMATS)})")
    ds = _dataset(data)  # checked: bad data raise DataError before anything is written
    out = Path(out) if out is not None else Path(DEFAULT_OUT[format].format(name=ds.name))
    inputs = ds.folders
    try:
        if format == "parquet":
            from toolkit.formats import parquet

            return Written(parquet.write(ds, out, inputs=inputs))
        if format == "frictionless":
            from toolkit.formats import frictionless

            return Written(write_file(out, frictionless.package_bytes(ds), inputs=inputs))
        if format == "geojson":
            from toolkit.formats import geojson

            data = json.dumps(geojson.collection(ds), ensure_ascii=False).encode("utf-8")
            return Written(write_file(out, data, inputs=inputs))
        from toolkit.formats import acled, ged
        from toolkit.formats.writing import csv_bytes

        if format == "acled":
            rows, left_out = acled.rows(ds)
            columns = list(acled.COLUMNS)
        else:
            rows, left_out = ged.rows(ds), []
            columns = list(ged.COLUMNS)
        return Written(write_file(out, csv_bytes(columns, rows, spreadsheet=True), inputs=inputs), len(rows), left_out)
    except OutputError as e:
        raise ExportError(str(e)) from None


def export(data=None, format: str = "frictionless", out: str | Path | None = None) -> Path:
    """Write a checked dataset (a Dataset, a folder, several folders, or None: the default) as ``format``.

    Formats: ``frictionless`` (zipped data package), ``parquet`` (a folder, one file per table, that
    ``toolkit.open`` reopens), ``geojson`` (places), ``acled`` (events, ACLED's 31 columns, CSV),
    ``ged`` (deadly events and death counts, UCDP GED's 49 columns, CSV). Returns the path written.

    >>> export(format="ged", out="/tmp/ged.csv").read_text().splitlines()[0][:25]  # doctest: +SKIP
    'id,relid,year,active_year'
    """
    return write(data, format, out).path
