"""Domains of order parameters: open intervals (lo, hi), infinite ends allowed.

Small helpers every solver shares: whether a point is inside, a default start, and the scale
of each order parameter (its distance to the nearest end of its domain), which sets the
relative step and error tolerances.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["inside", "midpoint", "scale", "scale_rows", "to_unbounded", "from_unbounded"]


def inside(theta, domains) -> bool:
    """Whether every component of ``theta`` lies strictly inside its domain."""
    return all(lo < t < hi for t, (lo, hi) in zip(theta, domains))


def midpoint(domain) -> float:
    """A default start in ``domain``: its middle, or one unit inside a half-line, or 0."""
    lo, hi = domain
    if math.isfinite(lo) and math.isfinite(hi):
        return 0.5 * (lo + hi)
    if math.isfinite(lo):
        return lo + 1.0
    if math.isfinite(hi):
        return hi - 1.0
    return 0.0


def scale(theta, domains) -> np.ndarray:
    """Scale of each order parameter: its distance to the nearest end of its domain (and at
    most its magnitude), at least 1e-300; on an unbounded-below domain, max(|theta|, 1)."""
    return scale_rows(np.asarray(theta, dtype=float)[None, :], domains)[0]


def scale_rows(thetas, domains) -> np.ndarray:
    """:func:`scale` of every row of ``thetas`` (rows x order parameters)."""
    th = np.asarray(thetas, dtype=float)
    lo = np.array([d[0] for d in domains], dtype=float)
    hi = np.array([d[1] for d in domains], dtype=float)
    with np.errstate(invalid="ignore"):
        d = th - lo
        d = np.where(np.isfinite(hi), np.minimum(d, hi - th), d)
        s = np.maximum(np.where(th != 0, np.minimum(d, np.abs(th)), d), 1e-300)
        return np.where(np.isfinite(lo), s, np.maximum(np.abs(th), 1.0))


def to_unbounded(theta, domains) -> np.ndarray:
    """Unbounded coordinates x of ``theta``: logit on (lo, hi), log on (lo, inf), the identity
    on the whole line (the coordinates of the Newton driver)."""
    x = np.empty(len(theta))
    for i, (t, (lo, hi)) in enumerate(zip(theta, domains)):
        if math.isfinite(hi) and math.isfinite(lo):
            x[i] = math.log((t - lo) / (hi - t))
        elif math.isfinite(lo):
            x[i] = math.log(t - lo)
        elif math.isfinite(hi):
            x[i] = -math.log(hi - t)
        else:
            x[i] = t
    return x


def from_unbounded(x, domains):
    """``theta`` of the unbounded coordinates ``x`` and d theta / d x (see :func:`to_unbounded`)."""
    theta, dth = np.empty(len(x)), np.empty(len(x))
    for i, (v, (lo, hi)) in enumerate(zip(x, domains)):
        if math.isfinite(hi) and math.isfinite(lo):
            if v >= 0:
                e = math.exp(-v)
                s, u = 1.0 / (1.0 + e), e / (1.0 + e)
            else:
                e = math.exp(v)
                s, u = e / (1.0 + e), 1.0 / (1.0 + e)
            theta[i] = lo + (hi - lo) * s if s <= 0.5 else hi - (hi - lo) * u
            dth[i] = (hi - lo) * s * u
        elif math.isfinite(lo):
            theta[i] = lo + math.exp(v)
            dth[i] = theta[i] - lo
        elif math.isfinite(hi):
            theta[i] = hi - math.exp(-v)
            dth[i] = hi - theta[i]
        else:
            theta[i], dth[i] = v, 1.0
    return theta, dth
