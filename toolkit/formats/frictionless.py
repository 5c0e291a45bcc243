"""A dataset as a zipped Frictionless Data Package: its own ``datapackage.json`` and one CSV per table.

The CSV files are written from the checked tables, columns in the descriptor's order (Frictionless
reads by position), lists joined by their ``delimiter``, so ``frictionless validate`` accepts the zip
even when the folder's own CSV files put columns in another order. The descriptor is the dataset's
own (title, licences, extra keys and tables kept); the ``x-...`` keys carry what the standard has no
field for. Texts go in only where the descriptor allows it (see :mod:`toolkit.dataset.parquet`).

>>> import toolkit, zipfile, io
>>> names = zipfile.ZipFile(io.BytesIO(package_bytes(toolkit.open()))).namelist()
>>> names[0], "texts/" in "".join(names)
('datapackage.json', False)
"""

from __future__ import annotations

import copy
import io
import json
import zipfile

import polars as pl

from toolkit.dataset.parquet import NAME, may_copy
from toolkit.core.output import OutputError
from toolkit.formats.writing import csv_bytes


def _cells(df: pl.DataFrame, fields: list[dict]) -> list[dict]:
    cols = []
    for f in fields:
        c = pl.col(f["name"])
        if f["type"] == "list":
            c = c.list.join(f.get("delimiter", ";"))
        cols.append(c.cast(pl.String) if f["type"] not in ("boolean",) else c)
    return df.select(cols).to_dicts()


def package_bytes(ds) -> bytes:
    """The zip as bytes: ``datapackage.json``, ``TABLE.csv`` for each table, ``texts/`` where allowed."""
    desc = ds.descriptor.to_dict() if hasattr(ds.descriptor, "to_dict") else copy.deepcopy(dict(ds.descriptor))
    desc.pop("x-format", None)
    sources = ds._tables.get("sources")
    copied = may_copy(desc, sources["source_id"].to_list() if sources is not None else []) & set(ds.texts)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for res in desc["resources"]:
            name = res.get("name")
            if not isinstance(name, str) or not NAME.match(name):
                raise OutputError(f"table name {name!r} is not a Frictionless name; it cannot name a file")
            res.pop("x-absent", None)
            res.update(path=f"{name}.csv", format="csv", encoding="utf-8")
            fields = res["schema"]["fields"]
            z.writestr(res["path"], csv_bytes([f["name"] for f in fields], _cells(ds._tables[name], fields)))
        if copied:
            desc["x-texts"] = dict(desc.get("x-texts") or {}, included=sorted(copied))
            for sid in sorted(copied):
                z.writestr(f"texts/{sid}.txt", ds.texts[sid].encode("utf-8"))
        z.writestr("datapackage.json", json.dumps(desc, indent=1, ensure_ascii=False) + "\n")
    data = buf.getvalue()
    # datapackage.json first, as readers that peek at the start of the zip expect
    return _reordered(data)


def _reordered(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    names = ["datapackage.json", *(n for n in src.namelist() if n != "datapackage.json")]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for n in names:
            z.writestr(n, src.read(n))
    return out.getvalue()
