"""Pieces every chart shares: sizes, names, tooltips, data values, wrapping."""

from __future__ import annotations

import textwrap

import altair as alt
import polars as pl



_WIDTH = 700
_PICK = "pick_actor"  # name of the dashboard's selection parameter
_FADED = 0.15
_BOUND = {  # bound -> (legend label, point shape)
    "lower": ("lower bound: at least", "triangle-right"),
    "upper": ("upper bound: at most", "triangle-left"),
    "exact": ("exact", "circle"),
    "approximate": ("approximate", "diamond"),
}
_NOT_STATED, _ELSEWHERE = "not stated", "published elsewhere"
# certainty (the text's hedge): these are drawn solid; every other value (claimed, alleged, possible, unconfirmed,
# denied, or one a folder adds) hollow or dashed: the text does not establish it. Absent column: "stated".
_FIRM = ("stated", "reported", "likely")
_CERTAINTY_ORDER = ("stated", "reported", "likely", "possible", "claimed", "alleged", "unconfirmed", "denied")
_EST_TIPS = [("id", "claim"), ("claimant", "claimant"), ("said", "as worded"), ("counted", "counted"),
             ("certainty", "certainty"), ("said_on", "said on"), ("period", "period counted"), ("where", "where"),
             ("quote", "quote"), ("paragraph", "paragraph"), ("source", "source"), ("note", "note")]


# --- shared helpers ---------------------------------------------------------------------------------

def _short(name: str) -> str:
    """'Federal Security Service (FSB)' -> 'FSB'; other names unchanged."""
    if name.endswith(")") and "(" in name:
        inner = name[name.rindex("(") + 1:-1]
        if inner and len(inner) <= 8 and " " not in inner:
            return inner
    return name


def _names(actors: pl.DataFrame, short: bool = False) -> dict:
    return {a: (_short(n) if short else n) for a, n in zip(actors["actor_id"], actors["name"])}


def _iso(d) -> str | None:
    return d.isoformat() if d is not None else None


def _tips(fields) -> list:
    return [alt.Tooltip(f"{f}:N", title=t) for f, t in fields]


def _data(rows: list[dict]) -> alt.Data:
    return alt.Data(values=rows)


def _wrap(text: str, width: int = 18) -> list[str]:
    """Lines for a multi-line text mark (Vega draws a list as lines)."""
    return textwrap.wrap(text, width) or [""]


def _limit(width, less: int = 0):
    """A text mark's ``limit``: the view's width (a signal, for a chart sized by its container) less ``less``."""
    return alt.ExprRef(f"max(40, width - {less})") if width == "container" else width - less


def _title(text: str, width="container"):
    """A panel's title, cut to the panel's width."""
    return alt.Title(text, limit=_limit(width)) if width == "container" else text


def _verb(ds, one: str, many: str) -> str:
    """The verb that agrees with ``ds.noun``: 'names' after 'the article', 'name' after 'the 3 articles'."""
    return one if getattr(ds, "one_article", ds.articles().height <= 1) else many


def _certainty(row: dict) -> str:
    """A row's certainty ('stated' where the table has no such column: an older folder)."""
    return str(row.get("certainty") or "stated")


def _hedged(certainty: str) -> bool:
    return certainty not in _FIRM


_HOLLOW = alt.condition("datum.hedged", alt.value(0.0), alt.value(1.0))  # fillOpacity: hollow when not established
_DASHED = alt.condition("datum.hedged", alt.value([4, 3]), alt.value([1, 0]))  # strokeDash


def _certainty_key(values, width="container", colour: str = "#333333"):
    """A key for the certainty styles (Vega-Lite draws no legend for a fill opacity): one line for the values
    drawn solid, one for those drawn hollow or dashed; None when every value is firm."""
    values = list(dict.fromkeys(values))
    known = [c for c in _CERTAINTY_ORDER if c in values] + sorted(set(values) - set(_CERTAINTY_ORDER))
    firm, hedged = [c for c in known if c in _FIRM], [c for c in known if c not in _FIRM]
    if not hedged:
        return None
    rows = [{"i": 0, "hedged": False, "t": "solid: " + ", ".join(firm or ["stated"])},
            {"i": 1, "hedged": True, "t": "hollow or dashed: " + ", ".join(hedged) + " (the text does not establish it)"}]
    base = alt.Chart(_data(rows)).encode(y=alt.Y("i:O", axis=None, title=None))
    return alt.layer(
        base.mark_point(size=90, strokeWidth=1.8, color=colour, stroke=colour, filled=True).encode(
            x=alt.value(6), fillOpacity=_HOLLOW),
        base.mark_rule(strokeWidth=2, color=colour).encode(
            x=alt.value(18), x2=alt.value(40), strokeDash=_DASHED),
        base.mark_text(align="left", limit=_limit(width)).encode(x=alt.value(48), text="t:N"),
    ).properties(width=width, height=alt.Step(18), title=alt.Title("certainty", fontSize=11, fontWeight="normal"))


def _unit_name(unit) -> str:
    """A unit as words: 'deaths', 'groups'; an open unit by its own name ('people_detained' -> 'people detained')."""
    return str(unit or "not stated").replace("_", " ")


def _axis_title(unit) -> str:
    """'number of deaths'; a share is no count ('share')."""
    name = _unit_name(unit)
    return name if name in ("share", "percent", "percentage", "proportion") else f"number of {name}"
