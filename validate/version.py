"""Code version stamped on records and on cached simulation points."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import pathlib
import subprocess

__all__ = ["code_version", "source_hash"]

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
    return commit if out.returncode == 0 and commit else "unknown"


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
    """Package version, git commit hash (``"unknown"`` if unavailable) and source hashes."""
    try:
        version = importlib.metadata.version(_DIST)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "package": version,
        "commit": _git_commit(),
        "simulate_sha": source_hash("simulate"),
        "replica_sha": source_hash("replica"),
    }
