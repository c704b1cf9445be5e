"""Every docstring example of the packages runs, and prints what it says (doctest)."""
import doctest
import importlib
import pkgutil

import pytest

import replica
import simulate
import validate


def _modules():
    out = []
    for pkg in (replica, simulate, validate):
        out.append(pkg.__name__)
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if info.name.endswith("__main__"):
                continue
            out.append(info.name)
    return out


def _with_examples():
    finder = doctest.DocTestFinder(exclude_empty=True)
    names = []
    for name in _modules():
        mod = importlib.import_module(name)
        if any(t.examples for t in finder.find(mod, name) if t.filename == mod.__file__
               or t.filename is None or t.name.startswith(name)):
            names.append(name)
    return names


MODULES = _with_examples()


def test_the_scan_finds_the_examples():
    assert "replica" in MODULES and "replica.engine.problem" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(mod, name) if t.examples]
    # an object re-exported from another module is tested where it is defined
    tests = [t for t in tests if getattr(t, "filename", None) in (None, mod.__file__)]
    for t in tests:
        runner.run(t)
    res = runner.summarize(verbose=False)
    assert res.failed == 0, f"{res.failed} of {res.attempted} examples failed in {name}"
