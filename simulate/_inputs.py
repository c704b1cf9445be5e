"""Input checks shared by the local-entropy, local-energy and solver modules (clear errors
that name the culprit)."""
from __future__ import annotations

import math
import operator

import numpy as np


def _check_patterns(xi, *, max_n=None) -> np.ndarray:
    arr = np.asarray(xi)
    if arr.ndim != 2:
        raise ValueError(f"xi must have shape (P, N), got an array with shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"xi must be a real array, got dtype {arr.dtype}")
    P, N = arr.shape
    if N < 1:
        raise ValueError(f"xi must have dimension N >= 1, got N = {N}")
    if max_n is not None and N > max_n:
        raise ValueError(f"xi has N = {N} columns; exact enumeration supports N <= {max_n}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"xi has a non-finite entry at xi[{bad[0]}, {bad[1]}] = {arr[tuple(bad)]}")
    return arr


def _check_real(value, name) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _check_count(value, name, minimum=1) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )


def _check_weights(w, N, name, *, binary=False) -> np.ndarray:
    arr = np.asarray(w)
    if arr.shape != (N,):
        raise ValueError(f"{name} must have shape (N,) = ({N},) to match xi, got {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must be a real array, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has a non-finite entry at index {np.argmin(np.isfinite(arr))}")
    if binary and not np.all((arr == 1.0) | (arr == -1.0)):
        raise ValueError(f"{name} must contain only +1 and -1 entries")
    if not np.any(arr):
        raise ValueError(f"{name} is the zero vector: it has no direction")
    return arr


def _check_grid(values, name, lo, hi) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must be real, got dtype {arr.dtype}")
    arr = np.asarray(arr, dtype=np.float64)
    bad = ~(np.isfinite(arr) & (arr >= lo) & (arr <= hi))
    if np.any(bad):
        j = int(np.argmax(bad))
        raise ValueError(f"{name}[{j}] = {arr[j]} is outside [{lo}, {hi}]")
    return arr


# --------------------------------------------------------------------------------------------
# Margins
# --------------------------------------------------------------------------------------------


def _integer_valued(a: np.ndarray) -> bool:
    return bool(np.all(a == np.rint(a)))
