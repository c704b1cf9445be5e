"""The code part of a cached point's key follows the modules its simulator imports."""
from __future__ import annotations

import pytest

from validate import version


def _source_tree(tmp_path, monkeypatch, files):
    """A package tree of ``files`` (path -> text) under tmp_path, hashed from there."""
    (tmp_path / "simulate").mkdir()
    (tmp_path / "validate" / "experiments").mkdir(parents=True)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(version, "_ROOT", tmp_path)
    version.dependency_hash.cache_clear()
    yield tmp_path
    version.dependency_hash.cache_clear()


@pytest.fixture
def tree(tmp_path, monkeypatch):
    files = {
        "simulate/__init__.py": "from . import a, b\nfrom .b import g\n",
        "simulate/_jit.py": "JIT = 1\n",
        "simulate/a.py": "from ._jit import JIT\n\ndef f():\n    return JIT\n",
        "simulate/b.py": "def g():\n    return 2\n",
        "validate/experiments/_common.py": "P = 3\n",
        "validate/experiments/exp_a.py": (
            "from ._common import P\n\ndef sim(N, rng):\n    from simulate import a\n"
            "    return a.f() + P\n"),
        "validate/experiments/exp_g.py": (
            "def sim(N, rng):\n    from simulate import g\n    return g()\n"),
    }
    yield from _source_tree(tmp_path, monkeypatch, files)


def _hash(tree, name):
    version.dependency_hash.cache_clear()
    return version.dependency_hash(str(tree / "validate" / "experiments" / name))


def test_dependencies_are_followed_transitively(tree):
    _, files = version.dependency_hash(str(tree / "validate/experiments/exp_a.py"))
    assert files == ("simulate/_jit.py", "simulate/a.py", "validate/experiments/_common.py",
                     "validate/experiments/exp_a.py")
    # a name re-exported by the package's __init__: the __init__ and what it imports
    _, files = version.dependency_hash(str(tree / "validate/experiments/exp_g.py"))
    assert files == ("simulate/__init__.py", "simulate/_jit.py", "simulate/a.py",
                     "simulate/b.py", "validate/experiments/exp_g.py")


def test_an_edit_changes_the_hash_only_of_experiments_that_import_it(tree):
    a0, g0 = _hash(tree, "exp_a.py"), _hash(tree, "exp_g.py")
    (tree / "simulate/b.py").write_text("def g():\n    return 3\n")
    assert _hash(tree, "exp_a.py") == a0 and _hash(tree, "exp_g.py") != g0
    (tree / "simulate/_jit.py").write_text("JIT = 2\n")  # imported by a, two levels down
    assert _hash(tree, "exp_a.py") != a0
    a1 = _hash(tree, "exp_a.py")
    (tree / "validate/experiments/_common.py").write_text("P = 4\n")
    assert _hash(tree, "exp_a.py") != a1


@pytest.fixture
def sliced(tmp_path, monkeypatch):
    files = {
        "simulate/s.py": "def draw(n):\n    return n\n",
        "validate/experiments/_common.py": "P = 3\n",
        "validate/experiments/helpers.py": (
            "LIMIT = 5\n\ndef helper(x):\n    return min(x, LIMIT)\n\n"
            "def unrelated():\n    return 0\n"),
        "validate/experiments/exp.py": (
            "import math\nfrom ._common import P\nfrom .helpers import helper\n\n"
            "SCALE = 2.0\nNOTE = 'a declaration'\n\n"
            "def _inner(N):\n    from simulate.s import draw\n    return SCALE * draw(N)\n\n"
            "def sim(N, rng):\n    d = _inner(N)\n    return helper(d) + P + math.pi\n\n"
            "def other_sim(N, rng):\n    return NOTE\n\n"
            "EXPERIMENTS = tuple(('exp', d) for d in (0.1, 0.2))\n"),
    }
    yield from _source_tree(tmp_path, monkeypatch, files)


def _sim_hash(tree, fn="sim"):
    version.dependency_hash.cache_clear()
    return version.dependency_hash(str(tree / "validate/experiments/exp.py"), fn)


def _edit(tree, name, old, new):
    path = tree / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_simulator_is_keyed_on_what_it_reaches(sliced):
    """The key covers the simulator's slice of its module (helpers, constants, imports,
    followed by name) and the slice of a name imported from another experiment module; a
    comprehension variable of a declaration does not bind a module-level name."""
    sha, files = _sim_hash(sliced)
    assert files == ("simulate/s.py", "validate/experiments/_common.py",
                     "validate/experiments/exp.py", "validate/experiments/helpers.py")
    for name, old, new in [("validate/experiments/exp.py", "SCALE = 2.0", "SCALE = 3.0"),
                           ("validate/experiments/exp.py", "return SCALE", "return 1 * SCALE"),
                           ("validate/experiments/helpers.py", "LIMIT = 5", "LIMIT = 6"),
                           ("validate/experiments/_common.py", "P = 3", "P = 4"),
                           ("simulate/s.py", "return n", "return -n")]:
        _edit(sliced, name, old, new)
        new_sha = _sim_hash(sliced)[0]
        assert new_sha != sha, (name, old)
        sha = new_sha


def test_declarations_beside_a_simulator_do_not_change_its_key(sliced):
    sha = _sim_hash(sliced)[0]
    other = _sim_hash(sliced, "other_sim")[0]
    _edit(sliced, "validate/experiments/exp.py", "NOTE = 'a declaration'", "NOTE = 'edited'")
    _edit(sliced, "validate/experiments/exp.py", "(0.1, 0.2)", "(0.1, 0.2, 0.3)")
    _edit(sliced, "validate/experiments/helpers.py", "return 0", "return 1")
    assert _sim_hash(sliced)[0] == sha
    assert _sim_hash(sliced, "other_sim")[0] != other


def test_an_import_statement_counts_only_for_the_names_needed(sliced):
    sha = _sim_hash(sliced)[0]
    _edit(sliced, "validate/experiments/exp.py", "from .helpers import helper",
          "from .helpers import unrelated, helper")
    assert _sim_hash(sliced)[0] == sha
    _edit(sliced, "validate/experiments/exp.py", "from .helpers import unrelated, helper",
          "from .helpers import unrelated as helper")
    assert _sim_hash(sliced)[0] != sha
