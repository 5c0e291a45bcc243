"""The HTML page of a :class:`toolkit.comparison.Comparison`, in the report site's style; every value is escaped.

>>> import toolkit
>>> c = toolkit.compare(toolkit.data_folder(), toolkit.data_folder())
>>> "<h1>Comparing extractions</h1>" in c.to_html()
True
"""

from __future__ import annotations

import datetime as dt
from html import escape

import polars as pl

STYLE = """<style>
.tk-page{font:16px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
.tk-page table{border-collapse:collapse;font-size:14px;margin:.5rem 0 1.5rem}
.tk-page td,.tk-page th{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}
.tk-page th{background:#f3f3f3}.tk-page td.n{text-align:right;font-variant-numeric:tabular-nums}
.tk-page .good{color:#1a7f37}.tk-page .warn{color:#9a6700}.tk-page .bad{color:#cf222e;font-weight:600}
.tk-page .muted{color:#666;font-size:13px}.tk-page q{font-style:italic;color:#444}
.tk-page .val{font-family:ui-monospace,monospace;background:#f6f8fa;padding:0 3px}
.tk-foot{font:13px system-ui,sans-serif;color:#555;margin:2rem auto;max-width:72rem;padding:0 1rem}
</style>"""


def _e(v) -> str:
    return "" if v is None else escape(str(v))


def _pct(v) -> str:
    return "" if v is None else f"{v:.0%}"


def _agree(v) -> str:
    return f"<td class=\"n{' warn' if v is not None and v < 1 else ''}\">{_pct(v)}</td>"


def _alpha(v, note) -> str:
    if v is None:
        return f'<span class="muted">{_e(note)}</span>'
    cls = "good" if v >= 0.8 else "warn" if v >= 0.667 else "bad"
    few = f' <span class="muted">({_e(note)})</span>' if note else ""  # e.g. resting on few units
    return f'<span class="{cls}">{v:.3f}</span>{few}'


def _where(file, row, rid, quote, value=None, field=None) -> str:
    if file is None:
        return '<span class="muted">no row</span>'
    q = f"<br><q>{_e(quote)}</q>" if quote else ""
    v = f'<br><code>{_e(field)}</code> = <span class="val">{_e(value)}</span>' if field else ""
    return f'<code>{_e(file)}</code> row {_e(row)} <span class="val">{_e(rid)}</span>{q}{v}'


def body(c, limit: int | None = None, top: int = 1) -> str:
    """The page's content. For a notebook: ``limit`` disagreements, only the fields worth a look, headings from ``<h{top}>``."""
    many = len(c.coders) > 2
    ref = c._c[0]
    parts = ["<h1>Comparing extractions</h1>",
             f"<p>Reference: <b>{_e(ref.label)}</b>" + (f" (<code>{_e(ref.folder)}</code>)" if ref.folder and str(ref.folder) != ref.label else "")
             + ". Compared with: " + ", ".join(f"<b>{_e(k.label)}</b>" + (f" (<code>{_e(k.folder)}</code>)" if k.folder and str(k.folder) != k.label else "")
                                               for k in c._c[1:]) + ".</p>",
             '<p class="muted">Fact rows and mentions are matched by overlapping evidence spans in the same source, '
             "other rows by id. Locators and free-text fields are not compared as values.</p>"]
    coder_th = "<th>coder</th>" if many else ""
    rows = "".join(
        f"<tr><td>{_e(r['table'])}</td>" + (f"<td>{_e(r['coder'])}</td>" if many else "")
        + f"<td class=n>{r['reference_rows']}</td><td class=n>{r['rows']}</td>"
        f"<td class=n>{r['matched']}</td><td class=\"n{' bad' * bool(r['missing'])}\">{r['missing']}</td>"
        f"<td class=\"n{' bad' * bool(r['extra'])}\">{r['extra']}</td><td class=n>{_pct(r['agreement'])}</td></tr>"
        for r in c.summary.filter(pl.col("reference_rows") + pl.col("rows") > 0).iter_rows(named=True))
    parts.append(f"<h2>Rows per table</h2><table><tr><th>table</th>{coder_th}<th>reference rows</th><th>rows</th>"
                 f"<th>matched</th><th>missing</th><th>extra</th><th>values agree</th></tr>{rows}</table>")
    d = c.disagreements
    shown = d.head(limit) if limit else d
    what = {"missing": "missing row", "extra": "extra row"}
    rows = "".join(
        f"<tr><td>{_e(r['table'])}<br><b>{_e(what.get(r['kind'], r['field']))}</b></td>"
        + (f"<td>{_e(r['coder'])}</td>" if many else "")
        + f"<td>{_where(r['ref_file'], r['ref_row'], r['ref_id'], r['ref_quote'], r['ref_value'], r['field'])}</td>"
        f"<td>{_where(r['file'], r['row'], r['id'], r['quote'], r['value'], r['field'])}</td></tr>"
        for r in shown.iter_rows(named=True))
    more = f"<p class=muted>... and {d.height - shown.height} more.</p>" if d.height > shown.height else ""
    parts.append(f"<h2>Disagreements ({d.height})</h2>" + (
        f"<table><tr><th>table, field</th>{coder_th}<th>reference</th><th>{'coder' if many else _e(c.coders[1])}</th></tr>"
        f"{rows}</table>{more}" if d.height else "<p class=good>None: every row matched and every compared value agrees.</p>"))
    try:
        alpha = c.alpha
    except ImportError as err:
        alpha, parts = None, parts + [f"<p class=bad>{_e(err)}</p>"]
    coders = c.coders[1:]
    agree = {(r["table"], r["field"], r["coder"]): r for r in c.fields.iter_rows(named=True)}
    head = "".join(f"<th>agreement{' ' + _e(k) if many else ''}</th>" for k in coders)
    lines = []
    for name in c._names:
        if not c.summary.filter(table=name)["matched"].sum():
            continue
        for f, lv in c._plan[name]:
            a = alpha.filter(table=name, field=f["name"]).row(0, named=True) if alpha is not None else None
            shares = [agree[(name, f["name"], k)]["agreement"] for k in coders]
            if limit and all(x in (None, 1) for x in shares) and (a is None or a["alpha"] is None):
                continue  # in a notebook: only the fields worth a look
            cells = "".join(_agree(x) for x in shares)
            lines.append(f"<tr><td>{_e(name)}</td><td><code>{_e(f['name'])}</code></td><td>{_e(lv)}</td>{cells}"
                         + (f"<td class=n>{a['units']}</td><td>{_alpha(a['alpha'], a['note'])}</td>" if a else "<td></td><td></td>")
                         + "</tr>")
    parts.append("<h2>Fields: agreement and Krippendorff's alpha</h2>"
                 "<p class=\"muted\">Agreement: the share of matched rows with the same value. Alpha: across all coders, at "
                 "the level of measurement shown; units are rows coded by at least two coders; α ≥ 0.800 is commonly taken "
                 "as reliable, 0.667–0.800 as tentative." + (" Fields in full agreement with no defined alpha are not shown."
                                                            if limit else "") + "</p>"
                 f"<table><tr><th>table</th><th>field</th><th>level</th>{head}<th>units</th><th>alpha</th></tr>{''.join(lines)}</table>")
    text = "".join(parts)
    return text if top == 1 else text.replace("<h2>", f"<h{top + 1}>").replace("</h2>", f"</h{top + 1}>").replace(
        "<h1>", f"<h{top}>").replace("</h1>", f"</h{top}>")


def page(c) -> str:
    """A standalone page (opens from disk, no network)."""
    import toolkit

    foot = f"nc-fighters-toolkit {_e(toolkit.__version__)} · built {dt.date.today().isoformat()}"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f"<title>Comparing extractions</title>{STYLE}</head><body><main class=\"tk-page\">{body(c)}</main>"
            f'<footer class="tk-foot">{foot}</footer></body></html>')
