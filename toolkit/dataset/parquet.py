"""A dataset as a Parquet folder: one ``TABLE.parquet`` per table, the dataset's own descriptor, and texts
only where their licence allows; ``toolkit.open(folder)`` reads it back and checks it like a CSV folder.

Written by ``ds.to_parquet(out)`` and ``python -m toolkit export --format parquet`` (the same folder).
The descriptor keeps the dataset's title, licences, extra keys and extra tables; each resource points
to its ``.parquet`` file and ``"x-format": "toolkit-parquet"`` says how to read it.

Texts: a source's text is copied into ``texts/`` only when the descriptor allows it, with
``"x-texts": {"redistribute": true}`` (every text) or ``{"redistribute": ["source_id", ...]}``; the
written descriptor lists under ``x-texts`` what was ``included`` and ``not_included``. A text not
included is found on reopening as the folder finds it: beside the data (``$TOOLKIT_ARTICLE``,
``shared/article/article.txt``) and used only when its checksum is ``sources.text_sha256``.

>>> import toolkit
>>> sorted(may_copy(toolkit.open().descriptor, ["a"]))
[]
>>> sorted(may_copy({"x-texts": {"redistribute": True}}, ["a", "b"]))
['a', 'b']
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import polars as pl

from toolkit.core.text import own_text
from toolkit.core.output import OutputError, replace_folder

FORMAT = "toolkit-parquet"
TEXTS = "texts"
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")  # Frictionless' resource names; also safe as a file name


def may_copy(descriptor: dict, source_ids) -> set[str]:
    """The sources whose texts the descriptor allows to be copied into an export."""
    allowed = (descriptor.get("x-texts") or {}).get("redistribute")
    ids = {s for s in source_ids if s}
    if allowed is True:
        return ids
    if isinstance(allowed, list):
        return ids & {str(x) for x in allowed}
    return set()


def descriptor_for(descriptor: dict, copied: set[str], not_copied: set[str]) -> dict:
    """The dataset's own descriptor, pointing to the Parquet files, with what happened to the texts."""
    desc = descriptor.to_dict() if hasattr(descriptor, "to_dict") else copy.deepcopy(dict(descriptor))
    desc["x-format"] = FORMAT
    for res in desc["resources"]:
        name = res.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise OutputError(f"table name {name!r} is not a Frictionless name (a-z, 0-9, '.', '-', '_'); "
                              "it cannot name a file")
        res.pop("x-absent", None)  # written as an (empty) table now
        res.pop("encoding", None)
        res.pop("dialect", None)
        res["path"], res["format"] = f"{name}.parquet", "parquet"
    texts = dict(desc.get("x-texts") or {})
    texts["included"], texts["not_included"] = sorted(copied), sorted(not_copied)
    desc["x-texts"] = texts
    return desc


def write(ds, out: str | Path, *, inputs=()) -> Path:
    """Write ``ds`` as a Parquet folder at ``out`` (replacing only an earlier export); return ``out``."""
    sources = ds._tables.get("sources")
    ids = set(sources["source_id"].to_list()) if sources is not None and "source_id" in sources.columns else set()
    copied = may_copy(ds.descriptor, ids) & set(ds.texts)
    articles = set(sources.filter(own_text(sources.columns))["source_id"].to_list()) if ids and "kind" in sources.columns else set()
    desc = descriptor_for(ds.descriptor, copied, (articles | set(ds.texts)) - copied)

    def fill(tmp: Path) -> None:
        for res in desc["resources"]:
            table = ds._tables.get(res["name"])
            if table is None:  # a table declared but not read (an older folder): written empty, as declared
                table = pl.DataFrame(schema=ds.descriptor.polars_schema(res["name"]))
            table.write_parquet(tmp / res["path"])
        (tmp / "datapackage.json").write_text(json.dumps(desc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        if copied:
            (tmp / TEXTS).mkdir()
            for sid in sorted(copied):
                with (tmp / TEXTS / f"{sid}.txt").open("w", encoding="utf-8", newline="") as fh:
                    fh.write(ds.texts[sid])

    return replace_folder(out, fill, inputs=(*inputs, *ds.folders), kind=FORMAT)


def text_notes(desc) -> list[str]:
    """What a reopened export says about the texts it was not allowed to include."""
    left_out = (desc.get("x-texts") or {}).get("not_included") or []
    if not left_out:
        return []
    return [f"texts not included in this export (their licence does not allow copying): {', '.join(left_out)}; "
            "each is used only when found beside the data with the checksum in sources.text_sha256"]
