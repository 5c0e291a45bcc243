"""A copy of tests/data/ledger with markup in every descriptor value and in the data's text fields.

Used by the tests of the pages the toolkit writes: nothing from a folder may become markup there.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

LEDGER = Path(__file__).resolve().parent / "data" / "ledger"
SCRIPT = "<script>alert('tk-xss')</script>"
ATTR = "\"><img src=x onerror=alert('tk-xss')>"
PAYLOAD = SCRIPT + ATTR
# text fields of the data that the report shows (names, titles, free text); ids, keys and quotes keep their
# values so that the folder stays valid
FIELDS = {"sources.csv": ["title", "author", "publisher", "credit", "note"], "actors.csv": ["name", "role", "note"],
          "places.csv": ["name", "note"], "estimates.csv": ["qualifier", "counted", "note"],
          "events.csv": ["summary", "note"], "disputes.csv": ["topic", "note"], "statements.csv": ["summary", "note"],
          "relations.csv": ["note"]}


def _hostile_descriptor(desc: dict) -> dict:
    desc["title"] = "Ledger " + PAYLOAD
    desc["description"] = "About " + PAYLOAD
    desc["version"] = "1.0" + PAYLOAD
    for lic in desc.get("licenses", []):
        lic["title"] = "Licence " + PAYLOAD
    for r in desc["resources"]:
        r["title"] = r.get("title", r["name"]) + PAYLOAD
        r["description"] = r.get("description", "") + PAYLOAD
        for f in r["schema"]["fields"]:
            f["description"] = f.get("description", "") + PAYLOAD
            f["title"] = f["name"] + PAYLOAD
            enum = f.get("constraints", {}).get("enum")
            if enum:
                enum.append("zz" + ATTR)  # an allowed value no row uses
    return desc


def make(dst: Path) -> Path:
    """Write the hostile copy into ``dst`` (a new folder) and return it."""
    shutil.copytree(LEDGER, dst)
    path = dst / "datapackage.json"
    path.write_text(json.dumps(_hostile_descriptor(json.loads(path.read_text(encoding="utf-8"))), indent=1),
                    encoding="utf-8")
    for name, columns in FIELDS.items():
        file = dst / name
        rows = list(csv.reader(io.StringIO(file.read_text(encoding="utf-8"))))
        header = rows[0]
        for row in rows[1:]:
            for c in columns:
                if c in header and (c not in ("name",) or row[header.index(c)]):
                    row[header.index(c)] = (row[header.index(c)] + " " + PAYLOAD).strip()
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        file.write_text(buf.getvalue(), encoding="utf-8")
    return dst
