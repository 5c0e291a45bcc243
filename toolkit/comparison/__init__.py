"""Compare extractions of the same text: matched, missing and extra rows, field agreement, Krippendorff's alpha.

Two or more data folders in the toolkit's schema (a reference and other coders) are read with the
toolkit's own loader, which validates them first. Rows are matched table by table: fact rows
(estimates, events, statements, relations, disputes) and mentions by overlapping evidence spans
(``char_start``-``char_end``, same ``source_id``; the coders' own ids may differ), rows without a
span and entity rows (sources, actors, places, aliases) by id. References to matched fact rows
(``statement_id``, ``same_claim_as``, ``claim_ids`` ...) are translated to the reference's ids
before values are compared.

Compared fields are the coded ones (allowed values, ids, numbers, dates, booleans, lists); locators
are the matching key; free-text fields (notes, summaries, names, qualifiers ...) are left out unless
``text=True``, a draft's bookkeeping (``draft``, ``confidence``, any field marked ``x-bookkeeping``) always. Krippendorff's alpha is computed per field across all coders with PyPI
``krippendorff``, at the level of measurement the field's type implies: nominal for allowed values,
ids, booleans, lists and text; ratio for counts (numbers with a minimum of 0); interval for other
numbers and for dates (in days). An empty cell is a value ("(empty)") at the nominal level and
missing data at the other levels.

>>> import toolkit
>>> same = toolkit.compare(toolkit.data_folder(), toolkit.data_folder())
>>> same.disagreements.height
0
>>> same.alpha.filter(table="estimates", field="bound")["alpha"].item()
1.0
"""

from __future__ import annotations

import bisect
import re
import warnings
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import polars as pl

from toolkit.core.descriptor import Descriptor, union
from toolkit.core.output import write_file
from toolkit.core.errors import InputError, UnknownTable
from toolkit.comparison.fields import (  # noqa: F401  (LOCATORS, PROSE, level: part of the module's reading)
    EMPTY, LOCATORS, PROSE, _norm, _quote, _show, _span, _spans, _targets, _translated, level,
)

MIN_UNITS = 10  # Krippendorff's alpha on fewer matched rows than this is flagged as resting on too few units
FEW = "few units"  # how such an alpha's note begins


@dataclass
class _Coder:
    label: str
    folder: Path | None
    tables: dict[str, pl.DataFrame]


@dataclass
class _Unit:
    """One thing the coders extracted: at most one row per coder (coder index -> row index)."""

    key: str
    rep: dict
    rows: dict[int, int] = field(default_factory=dict)
    ident: tuple = ()  # the rep's key, its references to other coders' rows in the reference's ids


def _read(source, i: int) -> tuple[_Coder, Descriptor]:
    """A coder's tables and own descriptor: a data folder, a Dataset, or a dict of tables (the toolkit's schema)."""
    if isinstance(source, dict):
        return _Coder(f"coder {i + 1}", None, source), Descriptor.shipped()
    from toolkit.dataset import Dataset, data_folder, open as open_dataset

    ds = source if isinstance(source, Dataset) else open_dataset(data_folder(source))
    folder = ds.folders[0] if len(ds.folders) == 1 else None
    return (_Coder(folder.name if folder is not None else ds.name, folder, {n: ds[n] for n in ds.table_names()}),
            ds.descriptor)


def _labels(coders: list[_Coder]) -> None:
    """Folder names, or paths, or numbered names when two coders would read the same."""
    names, paths = [c.label for c in coders], [str(c.folder) for c in coders]
    for i, c in enumerate(coders):
        if names.count(c.label) > 1:
            c.label = paths[i] if paths.count(paths[i]) == 1 else f"{c.label} ({i + 1})"


def _match(desc: Descriptor, units: list[_Unit], rows: list[dict], ci: int, table: str, compared: list[dict],
           text: bool, idents: list[tuple] | None = None) -> None:
    """Add coder ``ci``'s rows to the units: by overlapping span (then same id, then most agreeing
    fields), else by id (``idents``: each row's key with its references in the reference's ids); rows that
    match nothing start new units."""
    pk = desc.primary_key(table)
    idents = idents if idents is not None else [tuple(r[k] for k in pk) for r in rows]
    free = set(range(len(units)))
    todo = set(range(len(rows)))
    if _spans(desc, table):
        cands, index = [], {}  # per source: the units' spans sorted by start, and the longest span
        for ui in free:
            a = _span(units[ui].rep)
            if a:
                index.setdefault(a[0], []).append((a[1], a[2], ui))
        index = {k: (sorted(v), max(e - s for s, e, _ in v)) for k, v in index.items()}
        for ri in todo:
            b = _span(rows[ri])
            spans, longest = index.get(b[0], ([], 0)) if b else ([], 0)
            j = bisect.bisect_left(spans, (b[2],)) if b else 0
            while j > 0 and spans[j - 1][0] > b[1] - longest:  # units starting before b ends, and late enough to reach it
                j -= 1
                a, ui = (b[0], spans[j][0], spans[j][1]), spans[j][2]
                if a[1] < b[2] and b[1] < a[2]:
                    inter = min(a[2], b[2]) - max(a[1], b[1])
                    union = max(a[2], b[2]) - min(a[1], b[1])
                    agree = sum(_norm(units[ui].rep.get(f["name"]), f, text) == _norm(rows[ri].get(f["name"]), f, text)
                                for f in compared)
                    cands.append((units[ui].ident == idents[ri], inter / union, agree, -ui, -ri))
        for same, _, _, nui, nri in sorted(cands, reverse=True):
            if -nui in free and -nri in todo:
                units[-nui].rows[ci] = -nri
                free.discard(-nui)
                todo.discard(-nri)
    by_id = {}
    for ui in sorted(free):
        u = units[ui]
        by_id.setdefault((u.rep.get("source_id"), u.ident), ui)
    for ri in sorted(todo):
        r = rows[ri]
        ui = by_id.get((r.get("source_id"), idents[ri]))
        if ui is not None and ui in free and (not _spans(desc, table) or _span(r) is None or _span(units[ui].rep) is None):
            units[ui].rows[ci] = ri
            free.discard(ui)
            todo.discard(ri)
    if _spans(desc, table) and compared:  # rows without a span (other publications): the same source, most fields alike
        cands = []
        for ui in free:
            for ri in todo:
                a, b = units[ui].rep, rows[ri]
                if _span(a) is None and _span(b) is None and a.get("source_id") == b.get("source_id"):
                    agree = sum(_norm(a.get(f["name"]), f, text) == _norm(b.get(f["name"]), f, text) for f in compared)
                    if 2 * agree > len(compared):
                        cands.append((agree, -ui, -ri))
        for _, nui, nri in sorted(cands, reverse=True):
            if -nui in free and -nri in todo:
                units[-nui].rows[ci] = -nri
                free.discard(-nui)
                todo.discard(-nri)
    for ri in sorted(todo):
        units.append(_Unit("", rows[ri], {ci: ri}, idents[ri]))


def compare(ref, *others, tables: list[str] | None = None, fields: list[str] | None = None, text: bool = False) -> Comparison:
    """Compare the extraction in ``ref`` (a data folder, or a dict of tables) with one or more others.

    ``tables`` and ``fields`` restrict what is compared (``fields=[]`` only matches rows);
    ``text=True`` also compares free-text fields (case and spacing ignored).

    >>> import toolkit
    >>> c = toolkit.compare(toolkit.data_folder(), toolkit.data_folder())
    >>> c.summary.filter(table="estimates").select("matched", "missing", "extra").row(0)
    (16, 0, 0)
    """
    if not others:
        raise InputError("compare needs a reference and at least one other extraction")
    read = [_read(s, i) for i, s in enumerate((ref, *others))]
    coders = [c for c, _ in read]
    _labels(coders)
    desc = union([(c.label, d) for c, d in read])  # every table and column any coder's own descriptor declares
    names = [n for n in desc.table_names() if tables is None or n in tables]
    unknown = set(tables or ()) - set(desc.table_names())
    if unknown:
        raise UnknownTable(f"no table called {sorted(unknown)}; tables are: {', '.join(desc.table_names())}")
    plan, units, rows, idmap = {}, {}, {}, {}
    for name in sorted(names, key=lambda n: not _spans(desc, n)):  # span-matched rows first: others cite their ids
        compared = [(f, lv) for f in desc.fields(name) if (lv := level(desc, name, f, text))
                    and (fields is None or f["name"] in fields)]
        plan[name] = compared
        units[name] = []
        rows[name] = [list(c.tables[name].iter_rows(named=True)) if c.tables.get(name) is not None else [] for c in coders]
        pk, targets = desc.primary_key(name), _targets(desc, name)
        for ci in range(len(coders)):  # a row is matched by its key in the reference's ids (event_actors' event_id)
            idents = [tuple(_translated(idmap, targets.get(k), ci, r, r[k]) for k in pk) for r in rows[name][ci]]
            _match(desc, units[name], rows[name][ci], ci, name, [f for f, _ in compared], text, idents)
        for u in units[name]:
            first = min(u.rows)
            key = ",".join(str(rows[name][first][u.rows[first]][k]) for k in pk)
            u.key = key if first == 0 else f"{coders[first].label}:{key}"
        if _spans(desc, name):  # coders' ids of span-matched rows -> the unit's key (the reference's id when it has the row)
            idmap.update({(name, ci, rows[name][ci][ri][pk[0]]): u.key for u in units[name] for ci, ri in u.rows.items()})
    return Comparison(coders, names, plan, units, rows, idmap, text, desc)


class Comparison:
    """The result of :func:`compare`: polars frames ``summary`` (per table and coder), ``fields`` (per
    field and coder), ``disagreements`` (one row per differing value, missing or extra row, each with
    file, row and quote) and ``alpha`` (Krippendorff's alpha per field across all coders)."""

    def __init__(self, coders, names, plan, units, rows, idmap, text, desc: Descriptor):
        self.coders = [c.label for c in coders]
        self.descriptor = desc
        self._c, self._names, self._plan, self._units, self._rows = coders, names, plan, units, rows
        self._idmap, self._text = idmap, text
        self._build()

    # ------------------------------------------------------------------ values
    def _value(self, table: str, ci: int, ri: int, f: dict):
        row = self._rows[table][ci][ri]
        v = _translated(self._idmap, _targets(self.descriptor, table).get(f["name"]), ci, row, row.get(f["name"]))
        return _norm(v, f, self._text)

    def _where(self, table: str, ci: int, ri: int) -> dict:
        c, row = self._c[ci], self._rows[table][ci][ri]
        fname = self.descriptor.path(table)
        pk = self.descriptor.primary_key(table)
        return {"file": str(c.folder / fname) if c.folder is not None else fname, "row": ri + 1,
                "id": ",".join(str(row[k]) for k in pk), "quote": _quote(row)}

    def _build(self) -> None:
        summary, per_field, dis = [], [], []
        for ti, name in enumerate(self._names):
            plan, units = self._plan[name], self._units[name]
            order = {id(u): i for i, u in enumerate(units)}
            for ci in range(1, len(self._c)):
                both = [u for u in units if 0 in u.rows and ci in u.rows]
                missing = [u for u in units if 0 in u.rows and ci not in u.rows]
                extra = [u for u in units if 0 not in u.rows and ci in u.rows]
                cells = agree = 0
                for fi, (f, lv) in enumerate(plan):
                    same = 0
                    for u in both:
                        a, b = self._value(name, 0, u.rows[0], f), self._value(name, ci, u.rows[ci], f)
                        if a == b:
                            same += 1
                            continue
                        ref, mine = self._where(name, 0, u.rows[0]), self._where(name, ci, u.rows[ci])
                        dis.append(((ti, ci, order[id(u)], fi),
                                    self._dis(name, ci, "value", f["name"], u.key, ref, mine, _show(a), _show(b))))
                    per_field.append({"table": name, "field": f["name"], "level": lv, "coder": self.coders[ci],
                                      "compared": len(both), "agree": same,
                                      "agreement": same / len(both) if both else None})
                    cells += len(both)
                    agree += same
                for u in missing:
                    dis.append(((ti, ci, order[id(u)], -1),
                                self._dis(name, ci, "missing", None, u.key, self._where(name, 0, u.rows[0]), {}, None, None)))
                for u in extra:
                    dis.append(((ti, ci, order[id(u)], -1),
                                self._dis(name, ci, "extra", None, u.key, {}, self._where(name, ci, u.rows[ci]), None, None)))
                summary.append({"table": name, "coder": self.coders[ci], "reference_rows": len(self._rows[name][0]),
                                "rows": len(self._rows[name][ci]), "matched": len(both), "missing": len(missing),
                                "extra": len(extra), "fields": len(plan), "cells": cells, "cells_agree": agree,
                                "agreement": agree / cells if cells else None})
        self.summary = pl.DataFrame(summary, schema={
            "table": pl.String, "coder": pl.String, "reference_rows": pl.Int64, "rows": pl.Int64, "matched": pl.Int64,
            "missing": pl.Int64, "extra": pl.Int64, "fields": pl.Int64, "cells": pl.Int64, "cells_agree": pl.Int64,
            "agreement": pl.Float64})
        self.fields = pl.DataFrame(per_field, schema={
            "table": pl.String, "field": pl.String, "level": pl.String, "coder": pl.String, "compared": pl.Int64,
            "agree": pl.Int64, "agreement": pl.Float64})
        cols = ["table", "coder", "kind", "field", "unit", "ref_file", "ref_row", "ref_id", "ref_quote", "ref_value",
                "file", "row", "id", "quote", "value"]
        dis = [d for _, d in sorted(dis, key=lambda x: x[0])]  # table, coder, row, field: as one reads the files
        self.disagreements = pl.DataFrame(dis, schema={c: pl.Int64 if c in ("row", "ref_row") else pl.String for c in cols})

    def _dis(self, table, ci, kind, fname, unit, ref, mine, a, b) -> dict:
        return {"table": table, "coder": self.coders[ci], "kind": kind, "field": fname, "unit": unit,
                "ref_file": ref.get("file"), "ref_row": ref.get("row"), "ref_id": ref.get("id"), "ref_quote": ref.get("quote"),
                "ref_value": a, "file": mine.get("file"), "row": mine.get("row"), "id": mine.get("id"),
                "quote": mine.get("quote"), "value": b}

    # ------------------------------------------------------------------ reliability
    @cached_property
    def alpha(self) -> pl.DataFrame:
        """Krippendorff's alpha per table and field across all coders (units = matched rows), with the
        level of measurement, the number of units coded by two or more coders, and a note when alpha
        is undefined."""
        import numpy as np
        try:
            import krippendorff
        except ImportError as e:  # the matching and agreement work without it
            raise ImportError("Krippendorff's alpha needs the `krippendorff` package: "
                              "pip install 'nc-fighters-toolkit[compare]'") from e
        out, few = [], []
        for name in self._names:
            for f, lv in self._plan[name]:
                matrix = []
                for ci in range(len(self._c)):
                    line = []
                    for u in self._units[name]:
                        v = self._value(name, ci, u.rows[ci], f) if ci in u.rows else np.nan
                        if lv == "nominal" and ci in u.rows:
                            v = EMPTY if v is None else v
                        elif v is None:
                            v = np.nan
                        elif isinstance(v, str):  # a date, at the interval level
                            v = date.fromisoformat(v).toordinal()
                        line.append(v)
                    matrix.append(line)
                present = [[not (isinstance(v, float) and np.isnan(v)) for v in line] for line in matrix]
                pairable = [j for j in range(len(self._units[name])) if sum(p[j] for p in present) >= 2]
                values = {repr(matrix[i][j]) for j in pairable for i in range(len(matrix)) if present[i][j]}
                alpha, note = None, ""
                if 0 < len(pairable) < MIN_UNITS:
                    note = f"{FEW}: alpha rests on {len(pairable)} row(s) coded by two coders (fewer than {MIN_UNITS})"
                if not pairable:
                    note = ("undefined: no row was coded by two coders" if lv == "nominal" else
                            "undefined: no row has a value from two coders (an empty cell is missing data at this level)")
                elif len(values) < 2:
                    note = "undefined: every coder gave the same single value (no variation)"
                else:
                    if lv == "nominal":
                        codes = {}
                        data = [[codes.setdefault(repr(v), len(codes)) if p else np.nan for v, p in zip(line, pl_)]
                                for line, pl_ in zip(matrix, present)]
                    else:
                        data = matrix
                    alpha = float(krippendorff.alpha(reliability_data=np.array(data, dtype=float), level_of_measurement=lv))
                    if note:
                        few.append(f"{name}.{f['name']} ({len(pairable)})")
                out.append({"table": name, "field": f["name"], "level": lv, "coders": len(self._c),
                            "units": len(pairable), "alpha": alpha, "note": note})
        if few:
            warnings.warn(f"Krippendorff's alpha rests on fewer than {MIN_UNITS} units for {len(few)} field(s): "
                          + ", ".join(few[:8]) + (" ..." if len(few) > 8 else "") + "; read it with care", stacklevel=3)
        return pl.DataFrame(out, schema={"table": pl.String, "field": pl.String, "level": pl.String, "coders": pl.Int64,
                                         "units": pl.Int64, "alpha": pl.Float64, "note": pl.String})

    # ------------------------------------------------------------------ reading
    def sentences(self, limit: int | None = None) -> list[str]:
        """Every disagreement as one plain sentence naming the file, row, id and quote."""
        out = []
        for d in self.disagreements.head(limit).iter_rows(named=True) if limit else self.disagreements.iter_rows(named=True):
            ref = f"{Path(d['ref_file'] or '').name} row {d['ref_row']}, {d['ref_id']}"
            mine = f"{d['coder']}/{Path(d['file'] or '').name} row {d['row']} ({d['id']}{_q(d['quote'])})"
            if d["kind"] == "value":
                out.append(f"{mine}: {d['field']} is {_say(d['value'])}; the reference ({ref}) has {_say(d['ref_value'])}.")
            elif d["kind"] == "missing":
                out.append(f"{d['coder']} has no {d['table']} row for the reference's {ref}{_q(d['ref_quote'])}.")
            else:
                out.append(f"{mine} matches no {d['table']} row of the reference.")
        return out

    def __str__(self) -> str:
        lines = [f"Reference: {self.coders[0]}; compared: {', '.join(self.coders[1:])}"]
        for r in self.summary.filter(pl.col("reference_rows") + pl.col("rows") > 0).iter_rows(named=True):
            pct = "" if r["agreement"] is None else f", {r['agreement']:.0%} of {r['cells']} values agree"
            lines.append(f"  {r['table']} ({r['coder']}): {r['matched']} matched, {r['missing']} missing, {r['extra']} extra{pct}")
        n = self.disagreements.height
        lines.append(f"{n} disagreement(s)" + (":" if n else ""))
        lines += [f"  - {s}" for s in self.sentences(20)]
        if n > 20:
            lines.append(f"  ... and {n - 20} more (see .disagreements)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def print(self, console=None, limit: int = 30) -> None:
        """A terminal summary with rich: rows per table, alpha per field, the first disagreements."""
        from rich.console import Console
        from rich.table import Table

        console = console or Console()
        t = Table(title=f"Reference {self.coders[0]} vs {', '.join(self.coders[1:])}")
        for col in ("table", "coder", "ref rows", "rows", "matched", "missing", "extra", "values agree"):
            t.add_column(col, justify="left" if col in ("table", "coder") else "right")
        for r in self.summary.filter(pl.col("reference_rows") + pl.col("rows") > 0).iter_rows(named=True):
            t.add_row(r["table"], r["coder"], str(r["reference_rows"]), str(r["rows"]), str(r["matched"]),
                      _red(r["missing"]), _red(r["extra"]), "" if r["agreement"] is None else f"{r['agreement']:.0%}")
        console.print(t)
        try:
            alpha = self.alpha
        except ImportError as e:
            console.print(f"[yellow]{e}[/]")
        else:
            below = alpha.filter(pl.col("alpha") < 1)
            if below.height:
                a = Table(title="Krippendorff's alpha across all coders: fields below 1")
                for col in ("table", "field", "level", "units", "alpha"):
                    a.add_column(col, justify="right" if col in ("units", "alpha") else "left")
                for r in below.iter_rows(named=True):
                    colour = "green" if r["alpha"] >= 0.8 else "yellow" if r["alpha"] >= 0.667 else "red"
                    a.add_row(r["table"], r["field"], r["level"], str(r["units"]), f"[{colour}]{r['alpha']:.3f}[/]")
                console.print(a)
            perfect, undefined = alpha.filter(pl.col("alpha") == 1).height, alpha.filter(pl.col("alpha").is_null()).height
            few = alpha.filter(pl.col("alpha").is_not_null() & pl.col("note").str.starts_with(FEW)).height
            if few:
                console.print(f"[yellow]{few} field(s) rest on fewer than {MIN_UNITS} units: read their alpha with care[/]")
            console.print(f"Krippendorff's alpha: 1.000 for {perfect} field(s); undefined for {undefined} "
                          "(no variation, or no value from two coders); levels of measurement in .alpha and the HTML page.")
        n = self.disagreements.height
        console.print(f"[bold]{n} disagreement(s)[/]")
        for s in self.sentences(limit):
            console.print(f"  - {s}", markup=False, highlight=False)
        if n > limit:
            console.print(f"  ... and {n - limit} more")

    def to_html(self, path: str | Path | None = None) -> str:
        """The comparison as an HTML page in the report's style, written to ``path`` if given.

        The page is written beside ``path`` and moved into place when complete; a ``path`` inside a
        compared data folder, or one that is a folder, FIFO or device, is refused
        (:class:`~toolkit.core.output.OutputError`, naming it).
        """
        from toolkit.comparison.page import page

        text = page(self)
        if path is not None:
            write_file(path, text, inputs=[c.folder for c in self._c if c.folder is not None])
        return text

    def _repr_html_(self) -> str:
        from toolkit.comparison.page import STYLE, body

        return f'{STYLE}<div class="tk-page" style="margin:0;max-width:none">{body(self, limit=30, top=3)}</div>'


def _q(quote) -> str:
    if not quote:
        return ""
    quote = " ".join(str(quote).split())
    return f', "{quote[:57] + "..." if len(quote) > 60 else quote}"'


def _say(value: str | None) -> str:
    if value in (None, EMPTY):
        return "empty"
    return value if re.fullmatch(r"-?\d+(\.\d+)?", value) else repr(value)


def _red(n: int) -> str:
    return f"[red]{n}[/]" if n else "0"
