"""The code part of a cached point's key follows the modules its simulator imports."""
from __future__ import annotations

import pytest

from validate import version


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "simulate").mkdir()
    (tmp_path / "validate" / "experiments").mkdir(parents=True)
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
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(version, "_ROOT", tmp_path)
    version.dependency_hash.cache_clear()
    yield tmp_path
    version.dependency_hash.cache_clear()


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
