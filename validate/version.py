"""Code version stamped on records and on cached simulation points."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import pathlib
import subprocess

__all__ = ["code_version", "source_hash", "platform_info"]

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
