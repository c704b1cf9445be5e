"""Code version stamped on records and on cached simulation points."""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import importlib.util
import pathlib
import subprocess

__all__ = ["code_version", "source_hash", "platform_info", "dependency_hash"]

_DIST = "replica-landscapes"


@functools.cache
def _git_commit() -> str:
    root = pathlib.Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = out.stdout.strip()
    if out.returncode != 0 or not commit:
        return "unknown"
    try:
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        dirty = ""
    return commit + ("-dirty" if dirty.strip() else "")


@functools.cache
def platform_info() -> dict:
    """Python, NumPy, SciPy and Numba versions and the machine: what a record's last digits
    may depend on (NumPy's generators, library kernels; the samplers themselves sum in a
    fixed order and give the same bits on any x86-64 CPU)."""
    import platform

    import numba
    import numpy
    import scipy

    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "scipy": scipy.__version__, "numba": numba.__version__,
            "machine": platform.machine(), "system": platform.system()}


@functools.cache
def source_hash(*packages: str) -> str:
    """SHA-256 (first 16 hex digits) of the ``.py`` sources of ``packages``.

    The packages are located with :func:`importlib.util.find_spec` without being imported;
    a package that cannot be found contributes its name only.
    """
    h = hashlib.sha256()
    for name in packages:
        h.update(name.encode())
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = pathlib.Path(spec.origin)
        files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
        for f in files:
            h.update(str(f.relative_to(origin.parent)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def code_version() -> dict:
    """Package version, git commit (``-dirty`` with uncommitted changes; ``"unknown"`` if
    unavailable), source hashes and :func:`platform_info`."""
    try:
        version = importlib.metadata.version(_DIST)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "package": version,
        "commit": _git_commit(),
        "simulate_sha": source_hash("simulate"),
        "replica_sha": source_hash("replica"),
        **platform_info(),
    }


_ROOT = pathlib.Path(__file__).resolve().parent.parent
#: Packages whose modules a simulation callable's results can depend on (followed by
#: :func:`dependency_hash`): the simulators and the experiment definitions, not the runner
#: (the seed of a point is part of its key) and never ``replica`` (``simulate`` must not
#: import it).
_TRACKED = ("simulate", "validate.experiments")


def _module_file(module: str) -> pathlib.Path | None:
    """The source file of a dotted module name inside the tracked packages, or None."""
    if not any(module == t or module.startswith(t + ".") for t in _TRACKED):
        return None
    base = _ROOT.joinpath(*module.split("."))
    for f in (base.with_suffix(".py"), base / "__init__.py"):
        if f.is_file():
            return f
    return None


def _imports(path: pathlib.Path) -> set[pathlib.Path]:
    """Files of the tracked modules that ``path`` imports, anywhere in it (also inside
    functions). ``from pkg import name`` depends on ``pkg.name`` where that is a module,
    otherwise on ``pkg`` itself (the module that defines or re-exports ``name``)."""
    parts = list(path.relative_to(_ROOT).with_suffix("").parts)
    package = parts[:-1]  # the package of a module, and of a package's __init__ itself
    found: set[pathlib.Path] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                f = _module_file(alias.name)
                if f:
                    found.add(f)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for alias in node.names:
                f = _module_file(f"{mod}.{alias.name}") or _module_file(mod)
                if f:
                    found.add(f)
    return found


@functools.cache
def dependency_hash(path: str) -> tuple[str, tuple[str, ...]]:
    """SHA-256 (16 hex digits) of a source file and of every ``simulate`` and
    ``validate.experiments`` module it imports, transitively, and the files hashed (relative
    paths).

    The cache key of a simulation point uses it for the file of the experiment's simulation
    callable, so that editing one simulator (``simulate/pspin.py``) keeps the cached points
    of experiments that never import it.  A package's ``__init__`` is hashed only where a
    module imports a name from it that is not a submodule (it re-exports many modules; the
    modules actually imported are followed instead).  Simulation modules must have no
    import-time effects on each other (they define functions and constants only).
    """
    start = pathlib.Path(path).resolve()
    seen: set[pathlib.Path] = set()
    todo = [start]
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        try:
            todo.extend(_imports(f) - seen)
        except (OSError, SyntaxError, ValueError):
            continue
    h = hashlib.sha256()
    names = []
    for f in sorted(seen):
        try:
            name = str(f.relative_to(_ROOT))
        except ValueError:
            name = str(f)
        names.append(name)
        h.update(name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16], tuple(names)
