"""``toolkit.open(*folders)``: one folder, or several as a corpus, checked once and kept; ``validate``.

>>> open().title.startswith("Kremlin Envoy")
True
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from toolkit.checks import check_tables
from toolkit.core.problems import DataError, Problem, Report
from toolkit.dataset import cache
from toolkit.dataset.corpus import merge, merged_with_rows
from toolkit.dataset.reading import data_folder, data_folders, descriptor_of, read_folder
from toolkit.dataset.scan import Reads
from toolkit.dataset.value import PARQUET_FORMAT, Dataset


def _open_one(path) -> Dataset:
    """One folder, checked once: kept in memory until a file changes, and on disk (``~/.cache``) for the
    next process while its files, texts and the toolkit's code stay the same. ``validate()`` always checks."""
    folder = data_folder(path).resolve()
    ds = cache.remembered(folder)
    if ds is not None:
        return ds
    desc, problems = descriptor_of(folder)
    if desc is None:
        raise DataError(problems, folder)
    k = cache.key(folder, desc) if desc.get("x-format") != PARQUET_FORMAT else None
    ds = cache.load(k, folder) if k else None
    if ds is None:
        ds, problems = read_folder(folder, check=False)
        if problems:
            raise DataError(problems, folder)
        if k:
            cache.save(k, ds)
    cache.remember(folder, ds)
    return ds


def _is_reference(problem: Problem) -> bool:
    """A reference to an id the folder does not hold (it may live in another folder of a corpus)."""
    return problem.kind == "reference"


def open(*paths: str | Path) -> Dataset:  # noqa: A001 - the toolkit's one entry point, like vega_datasets.data
    """Open data folders as one checked :class:`~toolkit.Dataset` (none: the shipped data or ``$TOOLKIT_DATA_DIR``).

    Several folders make one corpus (see :func:`toolkit.dataset.corpus.merge`); folders of one schema are read,
    merged and checked in one pass (:mod:`toolkit.dataset.many`). Raises :class:`~toolkit.DataError` listing every
    problem by file, row and column (in a corpus, the file in its folder).
    """
    if not paths:
        return _open_one(None)
    if len(paths) == 1:
        return _open_one(paths[0])
    from toolkit.dataset.many import open_many

    folders = sorted(data_folders(paths), key=str)  # the same corpus whatever the order
    k = cache.corpus_key(folders)
    corpus = cache.load_corpus(k, folders) if k else None
    if corpus is not None:
        return corpus
    reads = Reads() if k else None  # every file's stat as it is opened: an edit later makes the entry unused
    corpus = open_many(folders, reads)  # folders of one schema: in one pass
    if corpus is not None:
        if k:
            cache.save_corpus(k, reads, corpus)
        return corpus
    parts, deferred = [], False
    for p in folders:  # a reference into another folder of the corpus (a dispute across sources) is checked on the whole
        try:
            parts.append(_open_one(p))
        except DataError as e:
            hard = [x for x in e.problems if not _is_reference(x)]
            if hard:
                raise DataError(hard, e.folder) from None
            parts.append(read_folder(p)[0])
            deferred = True
        deferred = deferred or bool(parts[-1].descriptor.get("x-cites"))  # its references were left for the corpus
    if not deferred:
        return merge(parts)
    from toolkit.dataset.many import for_every_copy, located_by_file

    corpus, rows, labels, copies = merged_with_rows(parts)
    # checked on the merged tables, each problem named in its folder's file and row (and in every folder holding
    # a shared row)
    found = [x for x in check_tables(corpus.descriptor, rows) if _is_reference(x)]
    problems = for_every_copy(located_by_file(found, corpus.descriptor, rows, labels), copies, corpus.descriptor, labels)
    if problems:
        raise DataError(problems, Path("corpus of " + ", ".join(str(f) for f in corpus.folders)))
    return corpus


def validate_corpus(paths) -> Report:
    """Check folders as one corpus (``python -m toolkit validate A B``): a :class:`~toolkit.Report` of every problem
    of every folder and of the corpus (ids between folders, shared rows), never raising, never writing."""
    from toolkit.dataset.many import corpus_label, read_corpus

    folders = sorted((data_folder(p).resolve() for p in paths), key=str)
    where = Path(corpus_label(folders))
    c = read_corpus(folders)
    if c is not None:
        return Report(where, c.problems, c.notes)
    try:
        ds = open(*folders)
    except DataError as e:
        return Report(where, list(e.problems), [])
    return Report(where, [], ds.notes)


def coerce(ds, **tables: pl.DataFrame) -> Dataset:
    """``None`` → the default dataset; a path → ``open(path)``; a Dataset as is; ``tables`` (e.g.
    ``estimates=df``) replace some of its tables, as every view allows: ``charts.estimates(ds, estimates=df)``."""
    if ds is None or isinstance(ds, (str, Path)):
        ds = open(ds) if ds is not None else open()
    if isinstance(ds, Dataset):
        return ds.with_tables(**{k: v for k, v in tables.items() if v is not None}) if tables else ds
    raise TypeError(f"expected a toolkit Dataset (toolkit.open(...)), a data folder or None, got {type(ds).__name__}; "
                    "to draw a subset pass the table by name, e.g. charts.estimates(estimates=df)")


def validate(data_dir: str | Path | None = None, text_path: str | Path | None = None) -> Report:
    """Check a data folder (default: the shipped data) and return a :class:`~toolkit.Report` of every problem.

    The folder's own ``datapackage.json`` is used when it has one. Quotes and offsets are checked
    against each source's text: ``texts/<source_id>.txt`` or ``article.txt`` in the folder, or
    ``text_path``; a text found elsewhere is used only when its checksum is the one recorded in
    ``sources.text_sha256``. The report's notes say which text was used. Never writes.

    >>> validate().ok
    True
    """
    folder = data_folder(data_dir)
    ds, problems = read_folder(folder, text_path)
    paths = list(ds.text_paths.values())
    return Report(folder, problems, ds.notes, paths[0] if len(paths) == 1 else None)
