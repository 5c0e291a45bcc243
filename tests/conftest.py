"""Shared fixtures: the article text (skipped clearly when absent) and scratch copies of the data."""

import shutil
from pathlib import Path

import pytest

import toolkit
from toolkit import article

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT.parent / "shared" / "article" / "article.txt"


@pytest.fixture(scope="session")
def text() -> str:
    if not ARTICLE.is_file():
        pytest.skip(f"article text not found at {ARTICLE}: quote and offset checks need it "
                    "(the project does not ship the article)")
    return article.read_text(ARTICLE)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the shipped data folder."""
    dst = tmp_path / "data"
    shutil.copytree(toolkit.tables.SHIPPED, dst)
    return dst
