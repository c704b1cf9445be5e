"""On-disk cache of finished simulation points (JSON lines), used to resume runs."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pathlib

from .records import Row

__all__ = ["PointCache", "point_key"]


def point_key(*, name: str, params: dict, N: int, index: int, seed: int, code: dict) -> str:
    """Hash identifying one simulation point: experiment, parameters, instance, code."""
    payload = json.dumps(
        {"name": name, "params": params, "N": N, "index": index, "seed": seed, "code": code},
        sort_keys=True, default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


class PointCache:
    """Append-only store of finished :class:`~validate.records.Row` objects.

    One ``<name>.jsonl`` file per experiment in ``directory``; each line holds a key (see
    :func:`point_key`) and a row, and is flushed to disk as soon as the point finishes.
    A truncated last line (interrupted write) is ignored on reading.

    Parameters
    ----------
    directory : path-like
        Folder of the cache files (created on demand).
    fresh : bool, optional
        If True, ignore what is stored (new points are still written).
    """

    def __init__(self, directory, *, fresh: bool = False):
        self.directory = pathlib.Path(directory)
        self.fresh = fresh
        self._loaded: dict[str, dict[str, Row]] = {}

    def _path(self, name: str) -> pathlib.Path:
        safe = "".join(c if c.isalnum() or c in "-_.=" else "_" for c in name)
        return self.directory / f"{safe}.jsonl"

    def _load(self, name: str) -> dict[str, Row]:
        if name in self._loaded:
            return self._loaded[name]
        rows: dict[str, Row] = {}
        path = self._path(name)
        if not self.fresh and path.exists():
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        entry = json.loads(line)
                        rows[entry["key"]] = Row(**entry["row"])
                    except (json.JSONDecodeError, KeyError, TypeError):
                        continue  # interrupted write: the point is simply recomputed
        self._loaded[name] = rows
        return rows

    def get(self, name: str, key: str) -> Row | None:
        """The stored row for ``key``, or None."""
        return self._load(name).get(key)

    def put(self, name: str, key: str, row: Row, **info) -> None:
        """Store ``row`` under ``key`` and flush it to disk."""
        self._load(name)[key] = row
        self.directory.mkdir(parents=True, exist_ok=True)
        d = dataclasses.asdict(row)
        if d["value"] is not None and not (abs(d["value"]) < float("inf")):
            d["value"] = None
        line = json.dumps({"key": key, "row": d, **info}, allow_nan=False, default=str)
        with open(self._path(name), "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())
