"""On-disk cache of finished simulation points (JSON lines), used to resume runs."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pathlib
import time

from .records import Row

__all__ = ["PointCache", "point_key"]


def point_key(*, name: str, params: dict, N: int, index: int, seed: int, code: dict) -> str:
    """Hash identifying one simulation point: experiment, parameters, instance, code."""
    payload = json.dumps(
        {"name": name, "params": params, "N": N, "index": index, "seed": seed, "code": code},
        sort_keys=True, default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _checksum(key: str, row: dict) -> str:
    payload = json.dumps({"key": key, "row": row}, sort_keys=True, allow_nan=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


class PointCache:
    """Append-only store of finished :class:`~validate.records.Row` objects.

    One ``<name>.jsonl`` file per experiment in ``directory``; each line holds a key (see
    :func:`point_key`), a row and a checksum (SHA-256 of the key and the row). A line is
    written and flushed to the operating system as soon as its point finishes, so an
    interrupted or crashed run loses nothing it finished; ``os.fsync`` (protection against
    a crash of the machine itself) runs at most every ``sync_every`` seconds and on
    :meth:`sync`. On reading, a truncated line (interrupted write) and a line whose checksum
    does not match (an edited value) are ignored and counted in :attr:`rejected`: the point
    is recomputed, never trusted.

    Parameters
    ----------
    directory : path-like
        Folder of the cache files (created on demand).
    fresh : bool, optional
        If True, ignore what is stored (new points are still written).
    sync_every : float, optional
        Seconds between ``os.fsync`` calls (default 2).
    """

    def __init__(self, directory, *, fresh: bool = False, sync_every: float = 2.0):
        self.directory = pathlib.Path(directory)
        self.fresh = fresh
        self.sync_every = float(sync_every)
        self._loaded: dict[str, dict[str, Row]] = {}
        self._last_sync = time.monotonic()
        self._unsynced: set[pathlib.Path] = set()
        #: Lines ignored on reading, per experiment: ``{"truncated": k, "checksum": m}``.
        self.rejected: dict[str, dict[str, int]] = {}

    def _path(self, name: str) -> pathlib.Path:
        safe = "".join(c if c.isalnum() or c in "-_.=" else "_" for c in name)
        return self.directory / f"{safe}.jsonl"

    def _load(self, name: str) -> dict[str, Row]:
        if name in self._loaded:
            return self._loaded[name]
        rows: dict[str, Row] = {}
        bad = {"truncated": 0, "checksum": 0}
        path = self._path(name)
        if not self.fresh and path.exists():
            # a line with bytes that are not UTF-8 (a foreign or damaged file) is rejected
            # like a truncated one, never a crash
            with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                for line in fh:
                    try:
                        line.encode("utf-8")
                        entry = json.loads(line)
                        key, row = entry["key"], entry["row"]
                        if entry.get("sha") != _checksum(key, row):
                            bad["checksum"] += 1  # edited or foreign line: recomputed
                            continue
                        rows[key] = Row(**row)
                    except (json.JSONDecodeError, KeyError, TypeError, AttributeError,
                            UnicodeEncodeError):
                        bad["truncated"] += 1  # interrupted write: recomputed
        if any(bad.values()):
            self.rejected[name] = bad
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
        d = json.loads(json.dumps(d, allow_nan=False, default=str))  # as it will be read
        line = json.dumps({"key": key, "row": d, "sha": _checksum(key, d), **info},
                          allow_nan=False, default=str)
        path = self._path(name)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            self._unsynced.add(path)
            if time.monotonic() - self._last_sync >= self.sync_every:
                os.fsync(fh.fileno())
                self._unsynced.discard(path)
                self._sync_others()

    def _sync_others(self) -> None:
        for path in list(self._unsynced):
            try:
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError:
                pass
            self._unsynced.discard(path)
        self._last_sync = time.monotonic()

    def sync(self) -> None:
        """``os.fsync`` every file written since the last sync."""
        self._sync_others()
