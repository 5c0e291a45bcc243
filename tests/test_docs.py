"""The examples in the docstrings run and give what they show."""

import doctest
import importlib

import pytest

MODULES = ["toolkit", "toolkit.core.descriptor", "toolkit.core.text", "toolkit.dataset.lookup", "toolkit.dataset.shortcuts",
           "toolkit.checks", "toolkit.checks.columns", "toolkit.core.problems", "toolkit.dataset.opening",
           "toolkit.dataset.reading", "toolkit.dataset", "toolkit.dataset.value", "toolkit.dataset.corpus",
           "toolkit.dataset.create", "toolkit.tools.site.chapters", "toolkit.checks.rules", "toolkit.formats",
           "toolkit.views.maps.placement", "toolkit.geo", "toolkit.views.theme", "toolkit.dataset.subset"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
