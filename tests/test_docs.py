"""The examples in the docstrings run and give what they show."""

import doctest
import importlib

import pytest

MODULES = ["toolkit", "toolkit.schema", "toolkit.article", "toolkit.lookup", "toolkit.tables", "toolkit.validate",
           "toolkit.dataset", "toolkit.corpus", "toolkit.create", "toolkit.chapters",
           "toolkit.rules", "toolkit.export", "toolkit.placement",
           "toolkit.geo", "toolkit.theme"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
