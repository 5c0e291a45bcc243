"""The drafted folder's own descriptor: the toolkit's schema, the values a draft needs, and two columns.

Every table gains two optional columns: ``draft`` (how the row was drafted, in words: the rule that made
it; a reviewer empties it once the row is checked) and ``confidence`` (0-1: how sure that rule is).
Vocabularies the shipped schema does not have yet are added here (a folder may add allowed values):
arrests, injuries, people and families as units, any population, armed clashes among battles (killings, reported
deaths, arrests and attacks are the schema's own sub_kinds), villages as places, NGOs as actors, and a few statement topics.
"""

from __future__ import annotations

import copy

DRAFT_FIELDS = [
    {"name": "draft", "type": "string", "title": "Drafted by",
     "description": "How the drafter made this row (the rule, in words); empty once a coder has checked it"},
    {"name": "confidence", "type": "number", "title": "Drafter's confidence",
     "description": "0-1: how sure the drafter's rule is (not a probability); empty once checked",
     "constraints": {"minimum": 0, "maximum": 1}},
]
ADD = {  # table, column -> values to allow
    ("estimates", "unit"): ["arrests", "injuries", "people", "families"],
    ("events", "sub_kind"): ["armed_clash"],
    ("places", "kind"): ["village"],
    ("actors", "kind"): ["ngo"],
    ("statements", "topic"): ["casualties", "arrests", "denial", "other"],
}
OPEN = [("estimates", "population")]  # open vocabularies: any value


def descriptor(title: str, name: str) -> dict:
    from toolkit.dataset.create import descriptor as base

    d = copy.deepcopy(base(title, name, f"A machine draft of {title!r}: every row to be checked (columns draft, confidence)."))
    for res in d["resources"]:
        fields = res["schema"]["fields"]
        for (table, column), values in ADD.items():
            if res["name"] == table:
                for f in fields:
                    enum = f.get("constraints", {}).get("enum")
                    if f["name"] == column and enum is not None:
                        f["constraints"]["enum"] = enum + [v for v in values if v not in enum]
        for table, column in OPEN:
            if res["name"] == table:
                for f in fields:
                    if f["name"] == column:
                        f.get("constraints", {}).pop("enum", None)
        if not any(f["name"] == "draft" for f in fields):
            fields.extend(copy.deepcopy(DRAFT_FIELDS))
    d["x-draft"] = {"generator": "python -m toolkit draft", "note": "Rows are drafts: check each, then empty its draft column"}
    return d


def is_draft(doc: dict) -> bool:
    return isinstance(doc, dict) and "x-draft" in doc
