"""JSON round trip of the result objects (frozen dataclasses with arrays, dicts and enums).

Every result class mixes in :class:`Serializable`: ``obj.to_dict()`` gives plain JSON types
(arrays as ``{"__ndarray__": [...], "dtype": ...}``, tuple-keyed dicts as lists of pairs, nested
results tagged with their class), ``Cls.from_dict(d)`` rebuilds an equal object, and
``obj.save(path)`` / ``Cls.load(path)`` write and read a JSON file.  NaN and infinities are
written as the strings ``"nan"``, ``"inf"``, ``"-inf"`` so that the file is strict JSON.
"""
from __future__ import annotations

import dataclasses
import enum
import json
import math
from pathlib import Path

import numpy as np

__all__ = ["Serializable", "to_jsonable", "from_jsonable", "load"]

_REGISTRY: dict[str, type] = {}
_FORMAT = "replica-landscapes/result/1"


def _float(v):
    v = float(v)
    if math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def to_jsonable(obj):
    """Plain JSON types for a result, array, enum, dict, tuple or scalar."""
    if isinstance(obj, enum.Enum):
        return {"__enum__": type(obj).__name__, "value": obj.value}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {"__type__": type(obj).__name__}
        for f in dataclasses.fields(obj):
            if f.name.startswith("_"):
                continue
            out[f.name] = to_jsonable(getattr(obj, f.name))
        return out
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise TypeError("object arrays are not serialisable")
        data = obj.tolist()
        if obj.dtype.kind == "f":
            data = np.vectorize(_float, otypes=[object])(obj).tolist() if obj.size else []
        return {"__ndarray__": data, "dtype": obj.dtype.str, "shape": list(obj.shape)}
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _float(obj)
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"__dict__": {k: to_jsonable(v) for k, v in obj.items()}}
        return {"__items__": [[to_jsonable(k), to_jsonable(v)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [to_jsonable(v) for v in obj]}
    if isinstance(obj, list):
        return [to_jsonable(v) for v in obj]
    raise TypeError(f"cannot serialise {type(obj).__name__}: {obj!r}")


def _unfloat(v):
    if isinstance(v, str):
        return float(v)
    return v


def from_jsonable(d):
    """Inverse of :func:`to_jsonable`."""
    if isinstance(d, list):
        return [from_jsonable(v) for v in d]
    if not isinstance(d, dict):
        return d
    if "__ndarray__" in d:
        dtype = np.dtype(d["dtype"])
        data = d["__ndarray__"]
        if dtype.kind == "f":
            arr = np.array(_deep_unfloat(data), dtype=dtype)
        else:
            arr = np.array(data, dtype=dtype)
        return arr.reshape(d["shape"])
    if "__dict__" in d:
        return {k: from_jsonable(v) for k, v in d["__dict__"].items()}
    if "__items__" in d:
        return {_hashable(from_jsonable(k)): from_jsonable(v) for k, v in d["__items__"]}
    if "__tuple__" in d:
        return tuple(from_jsonable(v) for v in d["__tuple__"])
    if "__enum__" in d:
        return _REGISTRY[d["__enum__"]](d["value"])
    if "__type__" in d:
        cls = _REGISTRY.get(d["__type__"])
        if cls is None:
            raise ValueError(f"unknown result type {d['__type__']!r}")
        kw = {k: from_jsonable(v) for k, v in d.items() if k != "__type__"}
        upgrade = getattr(cls, "upgrade_fields", None)
        if upgrade is not None:  # fields renamed or removed since the data were written
            kw = upgrade(kw)
        return cls(**kw)
    raise ValueError(f"not a serialised result: keys {sorted(d)}")


def _deep_unfloat(data):
    if isinstance(data, list):
        return [_deep_unfloat(v) for v in data]
    return _unfloat(data)


def _hashable(k):
    return tuple(_hashable(v) for v in k) if isinstance(k, list) else k


def register(cls):
    """Class decorator: make ``cls`` known to :func:`from_jsonable`."""
    _REGISTRY[cls.__name__] = cls
    return cls


class Serializable:
    """Mixin: ``to_dict``/``from_dict`` (plain JSON types) and ``save``/``load`` (a file)."""

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        _REGISTRY[cls.__name__] = cls

    def to_dict(self) -> dict:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls, d: dict):
        obj = from_jsonable(d)
        if not isinstance(obj, cls):
            raise ValueError(f"the data describe a {type(obj).__name__}, not a {cls.__name__}")
        return obj

    def save(self, path) -> Path:
        path = Path(path)
        path.write_text(json.dumps({"format": _FORMAT, "result": self.to_dict()},
                                   allow_nan=False, indent=1))
        return path

    @classmethod
    def load(cls, path):
        return cls.from_dict(_read(path))


def _read(path):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not a replica-landscapes result file (not JSON: "
                         f"{err})") from None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ValueError(f"{path}: not a replica-landscapes result file")
    return data["result"]


def load(path):
    """Read any result written by ``save``."""
    return from_jsonable(_read(path))
