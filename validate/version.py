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


#: Files under this package are hashed by *slice*: a simulator's key covers the top-level
#: statements it needs, not the experiment declarations beside it (see :func:`dependency_hash`).
_SLICED = "validate.experiments"


def _sliced(path: pathlib.Path) -> bool:
    try:
        rel = path.relative_to(_ROOT.joinpath(*_SLICED.split(".")))
    except ValueError:
        return False
    return rel.name != "__init__.py"


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _bound_names(stmt) -> set[str]:
    """Names a top-level statement binds in the module's namespace: a def's or class's name,
    an import's names, and every name stored in it outside the scopes it opens (the
    variables of a comprehension or a nested function are not module-level names)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    found: set[str] = set()
    todo = [stmt]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)  # a def inside a top-level if/try: bound, body not walked
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= {(a.asname or a.name).split(".")[0] for a in node.names}
        if not isinstance(node, _SCOPES):
            todo.extend(ast.iter_child_nodes(node))
    return found


def _parsed(path: pathlib.Path):
    src = path.read_bytes()
    return src, ast.parse(src, filename=str(path))


def _slice(path: pathlib.Path, names: frozenset[str] | None):
    """The top-level statements of ``path`` that the top-level ``names`` need, transitively by
    the names they use (all statements when ``names`` is None), and their text: the exact
    lines of each statement (decorators included), in file order; an import statement is cut
    to the names needed from it (so that importing one more name elsewhere in the same
    statement changes nothing)."""
    src, tree = _parsed(path)
    body = tree.body
    if names is None:
        return body, src
    binders: dict[str, list[int]] = {}
    for i, stmt in enumerate(body):
        for name in _bound_names(stmt):
            binders.setdefault(name, []).append(i)
    keep: dict[int, set[str]] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        for i in binders.get(name, ()):
            if i in keep:
                keep[i].add(name)
                continue
            keep[i] = {name}
            todo.extend(n.id for n in ast.walk(body[i]) if isinstance(n, ast.Name))
    lines = src.splitlines(keepends=True)
    stmts, text = [], b""
    for i in sorted(keep):
        stmt = body[i]
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            aliases = [a for a in stmt.names
                       if (a.asname or a.name).split(".")[0] in keep[i]]
            stmt = (ast.Import(names=aliases) if isinstance(stmt, ast.Import) else
                    ast.ImportFrom(module=stmt.module, names=aliases, level=stmt.level))
            text += (ast.unparse(stmt) + "\n").encode()
        else:
            first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])
            text += b"".join(lines[first - 1:stmt.end_lineno])
        stmts.append(stmt)
    return stmts, text


def _imports(path: pathlib.Path, stmts) -> dict[pathlib.Path, frozenset[str] | None]:
    """Tracked modules that the statements ``stmts`` of ``path`` import, anywhere in them (also
    inside functions): file -> the names imported from it where the file is hashed by slice
    (:data:`_SLICED`), None for the whole file.  ``from pkg import name`` depends on
    ``pkg.name`` where that is a module, otherwise on ``pkg`` itself (the module that defines
    or re-exports ``name``)."""
    parts = list(path.relative_to(_ROOT).with_suffix("").parts)
    package = parts[:-1]  # the package of a module, and of a package's __init__ itself
    found: dict[pathlib.Path, frozenset[str] | None] = {}

    def add(f, name=None):
        if name is None or not _sliced(f) or found.get(f, frozenset()) is None:
            found[f] = None
        else:
            found[f] = found.get(f, frozenset()) | {name}

    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    f = _module_file(alias.name)
                    if f:
                        add(f)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                for alias in node.names:
                    f = _module_file(f"{mod}.{alias.name}")
                    if f:
                        add(f)
                    elif alias.name != "*" and (f := _module_file(mod)):
                        add(f, alias.name)
                    elif f := _module_file(mod):
                        add(f)
    return found


@functools.cache
def dependency_hash(path: str, function: str | None = None) -> tuple[str, tuple[str, ...]]:
    """SHA-256 (16 hex digits) of a source file and of every ``simulate`` and
    ``validate.experiments`` module it imports, transitively, and the files hashed (relative
    paths).

    With ``function`` (a top-level name of ``path``), the experiment modules contribute only
    their *slice*: the top-level statements that function needs, followed by the names they
    use (constants, helpers, imports), and from an experiment module imported by name, the
    slice of that name.  Editing an experiment's declaration, description or resolution, or
    another family's simulator in the same module, then keeps the finished points; editing
    anything the simulator reaches changes the key.  A simulator must therefore refer to
    module-level names directly (not through ``globals()`` or ``getattr`` on its module).
    ``simulate`` modules are hashed whole.

    The cache key of a simulation point uses it for the experiment's simulation callable, so
    that editing one simulator (``simulate/pspin.py``) keeps the cached points of
    experiments that never import it.  A package's ``__init__`` is hashed only where a
    module imports a name from it that is not a submodule (it re-exports many modules; the
    modules actually imported are followed instead).  Simulation modules must have no
    import-time effects on each other (they define functions and constants only).
    """
    start = pathlib.Path(path).resolve()
    wanted: dict[pathlib.Path, frozenset[str] | None] = {
        start: frozenset({function}) if function and _sliced(start) else None}
    done: dict[pathlib.Path, frozenset[str] | None] = {}
    todo = [start]
    while todo:
        f = todo.pop()
        names = wanted[f]
        if f in done and done[f] == names:
            continue
        done[f] = names
        try:
            stmts, _ = _slice(f, names)
            deps = _imports(f, stmts)
        except (OSError, SyntaxError, ValueError):
            continue
        for g, more in deps.items():
            old = wanted.get(g, frozenset())
            new = None if old is None or more is None else old | more
            if g not in wanted or new != old:
                wanted[g] = new
                todo.append(g)
    h = hashlib.sha256()
    names = []
    for f in sorted(wanted):
        try:
            name = str(f.relative_to(_ROOT))
        except ValueError:
            name = str(f)
        names.append(name)
        h.update(name.encode())
        try:
            h.update(_slice(f, wanted[f])[1])
        except (OSError, SyntaxError, ValueError):
            h.update(b"<unreadable>")
    return h.hexdigest()[:16], tuple(names)
