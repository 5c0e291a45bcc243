"""Generic report chapters for any dataset: the claims, the map, actors and timeline, disputes.

``python -m toolkit report --data DIR [--data DIR2 ...]`` writes these notebooks (one code cell
opens the dataset by its folders; nothing else names it) and builds them like the narrative ones.
Text from the data reaches the page only through code outputs, never through markdown.

>>> import tempfile, toolkit
>>> paths = write(tempfile.mkdtemp(), [toolkit.data_folder()])
>>> [p.name for p in paths]
['01-the-claims.ipynb', '02-the-map.ipynb', '03-actors-and-timeline.ipynb', '04-disputes.ipynb']
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CHAPTERS", "write"]

_SETUP = '''import os

import polars as pl
import toolkit
from toolkit.views import charts
from toolkit.views import maps

# The data folder(s) this chapter reads: downloaded, it opens the folders named here from your working folder;
# put your copy's path instead. The report builder hands the kernel its own paths ($TOOLKIT_CHAPTER_DATA).
DATA = {names}
ds = toolkit.open(*(os.environ["TOOLKIT_CHAPTER_DATA"].split(os.pathsep) if os.environ.get("TOOLKIT_CHAPTER_DATA") else DATA))


def show(view, *args, **kwargs):
    """Draw a view, or say why there is nothing to draw for this dataset."""
    try:
        return view(ds, *args, **kwargs)
    except toolkit.CannotDraw as e:  # only "nothing to draw": any other error stops the build
        print(f"Not drawn: {{e}}")


ds'''

CHAPTERS: dict[str, list[tuple[str, str]]] = {
    "01-the-claims": [
        ("markdown", "# The claims\n\nEvery numeric claim in the dataset, who made it and how sure they were. "
                     "Each row points back into its text: paragraph, character span and a short quote."),
        ("code", "SETUP"),
        ("code", "ds.list_tables()"),
        ("code", "show(charts.estimates)"),
        ("markdown", "## Every claim with its citation"),
        ("code", 'est = ds["estimates"]\n'
                 'est.select("estimate_id", "claimant_id", "qualifier", "value_low", "value_best", "value_high", '
                 '"bound", "counted", "source_id")'),
        ("code", 'for eid in est["estimate_id"].head(8):\n    print(eid, "—", ds.cite(eid))'),
    ],
    "02-the-map": [
        ("markdown", "# The map\n\nThe regions the texts name, shaded by how often, and the movements they report. "
                     "Boundaries are Natural Earth's; a place without an outline is drawn as a point or as its "
                     "stand-in (``drawn_as``)."),
        ("code", "SETUP"),
        ("code", "show(maps.regions)"),
        ("code", "show(maps.flows)"),
        ("code", 'ds["places"].select("place_id", "name", "kind", "iso_3166", "parent_id", "where_precision")'),
    ],
    "03-actors-and-timeline": [
        ("markdown", "# Actors and timeline\n\nWho is who, what happened when, and who is named where."),
        ("code", "SETUP"),
        ("code", "show(charts.actors)"),
        ("code", "show(charts.timeline)"),
        ("code", "show(charts.mentions)"),
    ],
    "04-disputes": [
        ("markdown", "# Disputes\n\nWhere claims contradict each other — between officials, between officials and "
                     "the author, between the texts and other sources, or between texts of a corpus."),
        ("code", "SETUP"),
        ("code", 'claims = pl.concat([\n'
                 '    ds["estimates"].select(pl.col("estimate_id").alias("claim_id"), "source_id", "quote"),\n'
                 '    ds["statements"].select(pl.col("statement_id").alias("claim_id"), "source_id", "quote"),\n'
                 '])\n'
                 'ds["disputes"].explode("claim_ids").join(claims, left_on="claim_ids", right_on="claim_id", how="left")'
                 '.select("dispute_id", "kind", "topic", "claim_ids", "source_id", "quote")'),
        ("code", "show(charts.dashboard)"),
    ],
}


def write(folder: str | Path, paths: list[str | Path]) -> list[Path]:
    """Write the generic chapters for the dataset at ``paths`` into ``folder``; returns their paths."""
    import nbformat

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    setup = _SETUP.format(names=repr([Path(p).resolve().name for p in paths]))  # no path of this machine
    written = []
    for name, cells in CHAPTERS.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        for i, (kind, src) in enumerate(cells):
            src = setup if src == "SETUP" else src
            cell = nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src)
            cell["id"] = f"{name}-{i}"  # stable ids: the same dataset writes the same file
            nb.cells.append(cell)
        path = folder / f"{name}.ipynb"
        new = nbformat.writes(nb)
        if not path.is_file() or path.read_text(encoding="utf-8") != new:
            path.write_text(new, encoding="utf-8")
        written.append(path)
    return written
