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
_EST_TIPS = [("id", "claim"), ("claimant", "claimant"), ("said", "as worded"), ("counted", "counted"),
             ("where", "where"), ("quote", "quote"), ("paragraph", "paragraph"), ("source", "source"),
             ("note", "note")]


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
