"""The deformation N h(s.v/N) of a spherical spin glass as coupling tensors (module notes of
:mod:`simulate.pspin`): input checks for h and v, and the rank-one tensors of each degree."""
from __future__ import annotations

import math
import numbers

import numpy as np


def _check_deformation(deformation):
    if deformation is None:
        return {}
    if not isinstance(deformation, dict):
        raise ValueError(f"deformation must be a dict {{r: d_r}} (h(m) = sum_r d_r m^r), got "
                         f"{deformation!r}")
    out = {}
    for r, d in deformation.items():
        if isinstance(r, bool) or not isinstance(r, numbers.Real) or not float(r).is_integer() \
                or r < 1:
            raise ValueError(f"deformation: the degree {r!r} must be an integer >= 1")
        if isinstance(d, bool) or not isinstance(d, numbers.Real) or not math.isfinite(d):
            raise ValueError(f"deformation[{r}] = {d!r} must be a finite real number")
        if d != 0:
            out[int(r)] = float(d)
    return dict(sorted(out.items()))


def _direction(direction, N):
    if direction is None:
        return np.ones(N)
    v = np.asarray(direction, dtype=float)
    if v.shape != (N,) or not np.all(np.isfinite(v)) or not np.any(v != 0):
        raise ValueError(f"direction must be a finite nonzero vector of shape ({N},)")
    return v * math.sqrt(N / float(v @ v))


def _deformation_tensors(deformation, v, N):
    """{degree: tensor} of N h(s.v/N) on the sphere (degree 1 lifted to 3)."""
    out = {}
    for r, d in deformation.items():
        if r == 1:
            t = np.einsum("i,jk->ijk", v, np.eye(N))
            t = (t + t.transpose(1, 0, 2) + t.transpose(2, 1, 0)) * (d / (3.0 * N))
            deg = 3
        else:
            t = v
            for _ in range(r - 1):
                t = np.multiply.outer(t, v)
            t = t * (d * N ** (1.0 - r))
            deg = r
        out[deg] = out[deg] + t if deg in out else t
    return out
