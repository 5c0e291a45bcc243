"""Who leads, heads or speaks for whom: a layered graph (``charts.actors``)."""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from toolkit.views import embed, theme
from toolkit.dataset import Dataset, coerce
from toolkit.views.charts.common import _DASHED, _certainty, _data, _hedged, _limit, _short, _verb, _wrap
from toolkit.core.errors import CannotDraw
from toolkit.core.dates import phrase


_KINDS = ["person", "armed_group", "government_body", "state", "media", "collective",
          "research_organisation", "place"]


def _layers(nodes: list, edges: list) -> tuple[dict, dict]:
    """Layered layout, left to right: longest-path layers, dummy points on long edges, barycentre order.

    Returns (layer -> ordered members, edge -> chain of members from source to target).
    """
    layer = dict.fromkeys(nodes, 0)
    for _ in nodes:  # longest path from the sources; a cycle stops after len(nodes) rounds
        changed = False
        for s, o in edges:
            if layer[o] < layer[s] + 1 <= len(nodes):
                layer[o], changed = layer[s] + 1, True
        if not changed:
            break
    chains = {}
    for s, o in edges:
        lo, hi = sorted((layer[s], layer[o]))
        chains[(s, o)] = [s, *(("via", s, o, k) for k in range(lo + 1, hi)), o]
        layer.update({d: k for k, d in zip(range(lo + 1, hi), chains[(s, o)][1:-1])})
    cols: dict = {}
    for n, k in layer.items():
        cols.setdefault(k, []).append(n)
    links: dict = {}
    for chain in chains.values():
        for a, b in zip(chain, chain[1:]):
            links.setdefault(a, []).append(b)
            links.setdefault(b, []).append(a)
    for sweep in range(12):  # barycentre heuristic, alternating directions
        forward = sweep % 2 == 0
        for k in sorted(cols, reverse=not forward)[1:]:
            pos = {n: i for i, n in enumerate(cols.get(k - 1 if forward else k + 1, []))}
            def bary(i, n):  # noqa: E306
                near = [pos[m] for m in links.get(n, []) if m in pos]
                return (sum(near) / len(near) if near else i, i)
            cols[k] = [n for i, n in sorted(enumerate(cols[k]), key=lambda t: bary(*t))]
    return dict(sorted(cols.items())), chains


def _heights(cols: dict, chains: dict, size: dict, gap: float) -> dict:
    """Vertical centres: each member near the mean of its neighbours, never closer than ``gap``."""
    links: dict = {}
    for chain in chains.values():
        for a, b in zip(chain, chain[1:]):
            links.setdefault(a, []).append(b)
            links.setdefault(b, []).append(a)
    y: dict = {}
    def place(col, want):  # noqa: E306
        out = []
        for i, n in enumerate(col):
            lowest = out[-1] + (size[col[i - 1]] + size[n]) / 2 + gap if out else -math.inf
            out.append(max(want[n], lowest))
        shift = sum(o - want[n] for o, n in zip(out, col)) / len(col)
        y.update({n: o - shift for o, n in zip(out, col)})
    for k, col in cols.items():  # start: stacked
        place(col, {n: i * 40.0 for i, n in enumerate(col)})
    for sweep in range(6):
        for k in (list(cols) if sweep % 2 == 0 else list(cols)[::-1]):
            want = {n: (sum(y[m] for m in links.get(n, [])) / len(links[n]) if links.get(n) else y[n])
                    for n in cols[k]}
            place(cols[k], want)
    return y


def _spread(labels: list[dict], gap: float = 12, char: float = 5.9) -> None:
    """Push edge labels down until no two overlap: each is a box (its longest line wide, one line per ``gap``
    high, centred on x; ``y`` is the top of its first line, as drawn with ``baseline="top"``)."""
    placed: list[tuple[float, float, float, float]] = []
    for r in sorted(labels, key=lambda r: (r["y"], r["x"])):
        w, h = max(len(t) for t in r["text"]) * char + 8, gap * len(r["text"])
        while True:
            clash = [p for p in placed if abs(p[0] - r["x"]) < (p[1] + w) / 2 and r["y"] < p[3] + 4 and p[2] < r["y"] + h + 4]
            if not clash:
                break
            r["y"] = max(p[3] for p in clash) + 4
        placed.append((r["x"], w, r["y"], r["y"] + h))


def _period(r: dict) -> str:
    """When a relation held, briefly ("since 2014", "before 2015", "2012–2014"); empty when the text gives no date.

    >>> import datetime as dt
    >>> _period({"period_start": dt.date(2014, 1, 1), "period_end": None, "period_precision": "on_or_after"})
    'since 2014'
    """
    start, end, prec = r.get("period_start"), r.get("period_end"), str(r.get("period_precision") or "unknown")
    if start is None and end is None or prec == "unknown":
        return ""
    short = lambda d: str(d.year) if (d.month, d.day) == (1, 1) else f"{d.day} {d:%b} {d.year}"  # noqa: E731
    if prec in ("on_or_after", "after") and start:
        return f"{'since' if prec == 'on_or_after' else 'after'} {short(start)}"
    if prec == "before" and end:
        return f"before {short(end)}"
    return phrase(start, end, prec)


def actors(ds: Dataset | None = None, **tables: pl.DataFrame) -> alt.LayerChart:
    """Who leads, heads, backs or designates whom: a layered network with a fixed layout.

    >>> chart = actors()
    >>> chart.to_dict()["title"]["text"]
    'Who is who: the relations the article states'
    """
    ds = coerce(ds, **tables)
    rel, act, pla = ds["relations"], ds["actors"], ds["places"]
    rel = rel.filter(~pl.col("subject_type").cast(pl.String).is_in(["event"]))  # event order is drawn by timeline()
    info = {a["actor_id"]: (a["name"], a["kind"], a["role"] or "") for a in act.to_dicts()}
    info |= {p["place_id"]: (p["name"], "place", p["kind"]) for p in pla.to_dicts()}
    grouped: dict = {}
    for r in rel.sort("paragraph").to_dicts():
        grouped.setdefault((r["subject_id"], r["object_id"]), []).append(r)
    if not grouped:
        raise CannotDraw("actors(): no relations to draw")
    nodes = list(dict.fromkeys(n for e in grouped for n in e))
    cols, chains = _layers(nodes, list(grouped))
    char, line, pad, gap_x = 6.1, 13, 9, 120
    lines = {n: _wrap(info.get(n, (n,))[0]) for n in nodes}
    wide = {n: max(len(s) for s in lines[n]) * char + 14 for n in nodes}
    size = {n: pad + line * len(lines[n]) if n in lines else 6 for col in cols.values() for n in col}
    y = _heights(cols, chains, size, gap=12)
    top = min(y[n] - size[n] / 2 for n in y) - 20
    left, right, x = {}, {}, 10.0
    for k, col in cols.items():
        left[k], right[k] = x, x + max([wide[n] for n in col if n in wide] + [40])
        x = right[k] + gap_x
    layer = {n: k for k, col in cols.items() for n in col}
    node_rows = []
    for n in nodes:
        nx, ny = left[layer[n]], y[n] - top
        name, kind, role = info.get(n, (n, "place", ""))
        node_rows.append({"x": nx, "x2": nx + wide[n], "y": ny - size[n] / 2, "y2": ny + size[n] / 2,
                          "tx": nx + 7, "ty": ny - line / 2 * (len(lines[n]) - 1), "lines": lines[n],
                          "name": name, "kind": kind.replace("_", " "), "role": role})
    edge_rows, label_rows = [], []
    for (s, o), rs in grouped.items():
        chain, forward = chains[(s, o)], layer[o] > layer[s]
        pts = [(left[layer[n]], y[n] - top) for n in chain]
        start = (pts[0][0] + (wide[s] if forward else 0), pts[0][1])
        end = (pts[-1][0] + (0 if forward else wide[o]), pts[-1][1])
        step = 25 if forward else -25
        via = [p for n, (px, py) in zip(chain[1:-1], pts[1:-1]) for p in ((px - 10, py), (px + 50, py))]
        route = [start, (start[0] + step, start[1]), *via, (end[0] - step, end[1]), end]
        edge_rows += [{"edge": f"{s}>{o}", "i": i, "x": px, "y": py} for i, (px, py) in enumerate(route)]
        (ax, ay), (bx, by) = route[1], route[2]
        lx = (right[layer[s]] + gap_x / 2) if forward else (ax + bx) / 2  # the gap after the source's column
        ly = ay + (by - ay) * min(max((lx - ax) / ((bx - ax) or 1), 0), 1)
        hedged = [c for c in dict.fromkeys(_certainty(r) for r in rs) if _hedged(c)]
        text = _wrap("; ".join(dict.fromkeys(", ".join(filter(None, (r["predicate"].replace("_", " "), _period(r))))
                                             for r in rs))
                     + (f" ({', '.join(hedged)})" if hedged else ""), 16)
        edge_rows[-len(route):] = [e | {"hedged": len(hedged) > 0 and all(_hedged(_certainty(r)) for r in rs)}
                                   for e in edge_rows[-len(route):]]
        label_rows.append({
            "x": lx, "y": ly - 3 - 12 * len(text), "ax": end[0], "ay": end[1], "text": text,
            "relation": f"{info.get(s, (s,))[0]} → {info.get(o, (o,))[0]}",
            "quote": " | ".join(r["quote"] or "" for r in rs),
            "paragraph": ", ".join(str(r["paragraph"]) for r in rs),
            "certainty": ", ".join(dict.fromkeys(_certainty(r) for r in rs)),
            "note": " | ".join(r["note"] or "" for r in rs if r["note"])})
    _spread(label_rows)
    width = max(r["x2"] for r in node_rows) + 10
    height = max(r["y2"] for r in node_rows) + 20
    xs = alt.Scale(domain=[0, width], nice=False, zero=False)
    ys = alt.Scale(domain=[0, height], nice=False, zero=False, reverse=True)
    X = lambda f: alt.X(f"{f}:Q", scale=xs, axis=None)  # noqa: E731
    Y = lambda f: alt.Y(f"{f}:Q", scale=ys, axis=None)  # noqa: E731
    kinds = [k.replace("_", " ") for k in _KINDS]
    colour = alt.Color("kind:N", title="kind", scale=alt.Scale(domain=kinds, range=theme.PALETTE + [theme.GREY]))
    tips = [alt.Tooltip("relation:N"), alt.Tooltip("text:N", title="stated as"), alt.Tooltip("certainty:N"),
            alt.Tooltip("quote:N"), alt.Tooltip("paragraph:N"), alt.Tooltip("note:N")]
    grey = "#8A8A8A"
    # Narrower than 80 % of the graph (a phone), the same relations as a list: subject, how, object.
    cut = round(width * 0.8)
    order = {n: i for i, n in enumerate(nodes)}
    listed, y0 = [], 4
    for (s, o), rs in sorted(grouped.items(), key=lambda kv: (layer[kv[0][0]], order[kv[0][0]])):
        hedged = [c for c in dict.fromkeys(_certainty(r) for r in rs) if _hedged(c)]
        how = "; ".join(dict.fromkeys(", ".join(filter(None, (r["predicate"].replace("_", " "), _period(r)))) for r in rs)) \
            + (f" ({', '.join(hedged)})" if hedged else "")
        listed.append({"ly": y0, "lines": [info.get(s, (s,))[0], f"  {how} → {info.get(o, (o,))[0]}"],
                       "relation": f"{info.get(s, (s,))[0]} → {info.get(o, (o,))[0]}", "text": how,
                       "certainty": ", ".join(dict.fromkeys(_certainty(r) for r in rs)),
                       "quote": " | ".join(r["quote"] or "" for r in rs), "paragraph": ", ".join(str(r["paragraph"]) for r in rs),
                       "note": " | ".join(r["note"] or "" for r in rs if r["note"])})
        y0 += 36
    wide, narrow = f"{embed.ROOM} >= {cut}", f"{embed.ROOM} < {cut}"
    chart = alt.layer(
        alt.Chart(_data(listed)).transform_filter(narrow).mark_text(
            align="left", baseline="top", lineHeight=14, fontSize=11, limit=_limit("container")).encode(
            x=alt.value(0), y=alt.Y("ly:Q", scale=None), text="lines:N", tooltip=tips),
        alt.Chart(_data(edge_rows)).transform_filter(wide).mark_line(interpolate="basis", color=grey, strokeWidth=1.3).encode(
            x=X("x"), y=Y("y"), detail="edge:N", order="i:Q", strokeDash=_DASHED),
        alt.Chart(_data(label_rows)).transform_filter(wide).mark_point(shape="triangle-right", filled=True, size=40, color=grey,
                                                xOffset=-3).encode(x=X("ax"), y=Y("ay")),
        alt.Chart(_data(label_rows)).transform_filter(wide).mark_text(fontSize=10, fontStyle="italic", color="#505050",
                                               baseline="top", lineHeight=12).encode(
            x=X("x"), y=Y("y"), text="text:N", tooltip=tips),
        alt.Chart(_data(node_rows)).transform_filter(wide).mark_rect(cornerRadius=4, strokeWidth=1.5, fillOpacity=0.2).encode(
            x=X("x"), x2="x2:Q", y=Y("y"), y2="y2:Q", fill=colour, stroke=colour,
            tooltip=[alt.Tooltip("name:N"), alt.Tooltip("kind:N"), alt.Tooltip("role:N", title="role / kind")]),
        alt.Chart(_data(node_rows)).transform_filter(wide).mark_text(align="left", baseline="middle", lineHeight=line, fontSize=11,
                                              color="#111111").encode(x=X("tx"), y=Y("ty"), text="lines:N"),
    ).add_params(alt.param(name=embed.ROOM, value=width)).properties(width="container", height=height)
    loose = [_short(info[a][0]) for a in act["actor_id"] if a not in nodes and a in info]
    return theme.finish(
        chart, f"Who is who: the relations {ds.noun} {_verb(ds, 'states', 'state')}",
        f"Read left to right: subject → object; the label says how {ds.noun} {_verb(ds, 'puts', 'put')} it "
        "(dashed, with the hedge in brackets: not established by the text). Hover a label for the quote.",
        f"Not drawn, no stated relation ({len(loose)}): {', '.join(loose)}." if loose else "", source=ds.source_line,
        width=round(width), least=280, switch={"below": cut, "height": y0 + 4})
