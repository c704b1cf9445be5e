"""The engine's modules form no import circle and use no private name of one another.

Every import statement counts, also those inside functions (a lazy import only hides a
circle).  A private name is one with a leading underscore; the engine's private modules
(``_newton``, ``_rules_c``, ``_sig``, ``_numba_special``) are the compiled implementation of
one public module each and may be imported by it, never their private names by others.
"""
import ast
import pathlib

import pytest

import replica.engine

ENGINE = pathlib.Path(replica.engine.__file__).parent
MODULES = sorted(p.stem for p in ENGINE.glob("*.py") if p.stem != "__init__")


def _imports(name):
    """(module imported, names imported from it) for every relative import of ``name``."""
    tree = ast.parse((ENGINE / f"{name}.py").read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.append((node.module.split(".")[0], [a.name for a in node.names]))
            else:  # from . import x, y
                out.extend((a.name, []) for a in node.names)
    return out


def _graph():
    return {m: {t for t, _ in _imports(m) if t in MODULES} for m in MODULES}


def test_the_scan_sees_the_engine():
    g = _graph()
    assert {"problem", "solvers", "continuation", "strategies", "transitions"} <= set(g)
    assert "compiled" in g["problem"] and "solvers" in g["continuation"]


def _find_circle(g):
    """A circle of the directed graph ``g`` (module -> imported modules) as a list, or None."""
    state = {}

    def visit(m, path):
        state[m] = "open"
        for t in sorted(g.get(m, ())):
            if state.get(t) == "open":
                return path + [m, t]
            if t not in state:
                found = visit(t, path + [m])
                if found:
                    return found
        state[m] = "done"
        return None

    for m in sorted(g):
        if m not in state:
            found = visit(m, [])
            if found:
                return found
    return None


def test_no_import_circle():
    circle = _find_circle(_graph())
    assert circle is None, "import circle: " + " -> ".join(circle)


def test_a_circle_would_be_found():
    """The check can fail: a circle is found, a tree is not."""
    assert _find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_circle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.parametrize("name", MODULES)
def test_no_private_name_of_another_module(name):
    for target, names in _imports(name):
        private = [n for n in names if n.startswith("_")]
        assert not private, f"{name} imports {private} from {target}"
