"""The review page: the text with every drafted row highlighted beside it, grouped by table (offline, escaped)."""

from __future__ import annotations

import html

COLOURS = {"estimates": "#E69F00", "statements": "#56B4E9", "events": "#009E73", "relations": "#CC79A7",
           "disputes": "#D55E00", "mentions": "#BBBBBB"}
SHOW = {"estimates": ("claimant_id", "value", "bound", "unit", "population", "claim_date", "period", "links"),
        "statements": ("speaker_id", "reported_via_id", "topic", "direct_quote", "event_id"),
        "events": ("kind", "sub_kind", "date", "place_id"),
        "relations": ("subject_id", "predicate", "object_id", "asserted_by"),
        "disputes": ("kind", "claim_ids", "summary")}
CSS = """body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#222}header{padding:12px 20px;background:#f4f4f4;border-bottom:1px solid #ddd}
main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.3fr);gap:20px;padding:0 20px}
.text{white-space:pre-wrap;max-height:calc(100vh - 90px);overflow:auto;position:sticky;top:0;padding:10px 0}
.rows{padding:10px 0}mark{background:none;border-bottom:3px solid var(--c);padding:0 1px}mark:target,mark.on{background:#ffe9a8}
table{border-collapse:collapse;width:100%;font-size:13px;margin-bottom:18px}td,th{border-bottom:1px solid #eee;padding:3px 5px;vertical-align:top;text-align:left;overflow-wrap:anywhere}
th{background:#fafafa}h2{font-size:16px;border-left:6px solid var(--c);padding-left:6px}.low{color:#b00}.q{color:#555;font-style:italic}
.conf{font-variant-numeric:tabular-nums}small{color:#666}a{color:inherit}"""


def _e(v) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        v = "; ".join(map(str, v))
    return html.escape(str(v))


def _derived(r: dict) -> dict:
    """Compact cells for the page: one value ("≥ 12", "50–70"), one date ("2016-05-13 day"), the links."""
    lo, best, hi = r.get("value_low"), r.get("value_best"), r.get("value_high")
    value = f"{lo:,}–{hi:,}" if lo is not None and hi is not None else f"≥ {lo:,}" if lo is not None else \
        f"≤ {hi:,}" if hi is not None else f"{best:,}" if best is not None else "(no number)"

    def when(a, b, p):
        if r.get(b) is None:
            return p and r.get(p)
        if r.get(a) is None:
            return f"before {r[b]}"
        span = str(r[b]) if r.get(a) == r.get(b) else f"{r[a]}..{r[b]}"
        return f"{span} ({r.get(p)})" if r.get(p) and r.get(p) != "day" else span

    links = "; ".join(f"{k.replace('_', ' ')} {r[k]}" for k in ("subset_of", "same_claim_as") if r.get(k))
    return {"value": value, "claim_date": when("claim_date_start", "claim_date_end", "claim_date_precision"),
            "period": when("period_start", "period_end", "period_precision"),
            "date": when("date_start", "date_end", "date_precision"), "links": links}


def _marks(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """The text with <mark> elements; overlapping spans are cut at every boundary, each piece marked by the innermost."""
    cuts = sorted({0, len(text), *[a for a, *_ in spans], *[b for _, b, *_ in spans]})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        cover = [s for s in spans if s[0] <= a and b <= s[1]]
        piece = html.escape(text[a:b])
        if cover:
            s = min(cover, key=lambda s: s[1] - s[0])
            anchor = f' id="t-{s[3]}"' if s[0] == a else ""
            out.append(f'<mark{anchor} style="--c:{COLOURS[s[2]]}" title="{html.escape(s[3])}">{piece}</mark>')
        else:
            out.append(piece)
    return "".join(out)


ENTITIES = {"actors": ("actor_id", "name", "kind", "role", "affiliation_id"),
            "places": ("place_id", "name", "kind", "iso_3166", "parent_id", "lat", "lon", "where_precision")}


def _entities(d) -> str:
    """New actors and places first (a known folder's rows are already checked), each with how it was found."""
    out = ["<section style='padding:0 20px 20px'>"]
    for table, cols in ENTITIES.items():
        rows = sorted(d.tables[table], key=lambda r: (r.get("confidence") or 0) >= 0.95)
        out.append(f"<h2 style='--c:#888'>{table} ({len(rows)})</h2><table><tr>"
                   + "".join(f"<th>{c}</th>" for c in cols) + "<th>drafted by</th><th>confidence</th></tr>")
        for r in rows:
            conf = r.get("confidence")
            out.append("<tr>" + "".join(f"<td>{_e(r.get(c))}</td>" for c in cols) + f"<td><small>{_e(r.get('draft'))}</small></td>"
                       f"<td class='conf{' low' if conf is not None and conf < 0.6 else ''}'>{'' if conf is None else f'{conf:.2f}'}</td></tr>")
        out.append("</table>")
    return "".join(out) + "</section>"


def page(d) -> str:
    """One HTML page for a draft: per text, the text with highlights and the drafted rows by table."""
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Review: {_e(d.descriptor.get('title'))}</title>"
             f"<style>{CSS}</style></head><body>"]
    n = {t: len(d.tables.get(t, [])) for t in SHOW}
    parts.append(f"<header><b>Draft to review</b>: {_e(d.descriptor.get('title'))}<br><small>"
                 + ", ".join(f"{v} {k}" for k, v in n.items())
                 + f", {len(d.tables['actors'])} actors, {len(d.tables['places'])} places. Every row is a machine draft: check it "
                 "against the highlighted words, correct it in the CSV file and empty its <code>draft</code> column. "
                 "Rows with confidence under 0.6 are in red. Underlined in the text: "
                 + " ".join(f"<span style='border-bottom:3px solid {c}'>{t}</span>" for t, c in COLOURS.items() if t != "mentions")
                 + "; a row's id links to its words.</small></header>")
    names = {r["actor_id"]: r["name"] for r in d.tables["actors"]} | {r["place_id"]: r["name"] for r in d.tables["places"]}
    for sid, text in d.texts.items():
        spans = []
        for t in SHOW:
            for r in d.tables.get(t, []):
                if r.get("source_id") == sid and r.get("char_start") is not None:
                    spans.append((r["char_start"], r["char_end"], t, r[next(iter(r))]))
        parts.append(f"<main><div class='text'><h2 style='--c:#888'>{_e(sid)}</h2>{_marks(text, spans)}</div><div class='rows'>")
        for t, cols in SHOW.items():
            rows = [r for r in d.tables.get(t, []) if r.get("source_id") == sid]
            if not rows:
                continue
            key = next(iter(rows[0]))
            cols = tuple(c for c in cols if c not in ("population", "reported_via_id", "links") or any(r.get(c) for r in rows)
                         or c == "links" and any(r.get("subset_of") or r.get("same_claim_as") for r in rows))
            parts.append(f"<h2 style='--c:{COLOURS[t]}'>{t} ({len(rows)})</h2><table><tr><th>id</th>"
                         + "".join(f"<th>{c}</th>" for c in cols) + "<th>confidence</th></tr>")
            for r in rows:
                r = {**_derived(r), **r}
                conf = r.get("confidence")
                cells = "".join(f"<td>{_e(names.get(r.get(c), r.get(c)) if c.endswith('_id') or c in ('asserted_by',) else r.get(c))}</td>"
                                for c in cols)
                parts.append(f"<tr><td><a href='#t-{_e(r[key])}'>{_e(r[key])}</a></td>{cells}"
                             f"<td class='conf{' low' if conf is not None and conf < 0.6 else ''}'>{'' if conf is None else f'{conf:.2f}'}</td></tr>"
                             f"<tr><td></td><td colspan='{len(cols) + 1}' class='q'>“{_e(r.get('quote'))}” <small>¶{_e(r.get('paragraph'))}"
                             f" · {_e(r.get('draft'))}</small></td></tr>")
            parts.append("</table>")
        parts.append("</div></main>")
    parts.append(_entities(d))
    parts.append("</body></html>")
    return "".join(parts)
