"""Where the large-deviation local entropy of the binary perceptron stops being monotonic.

Around the densest references (:func:`.large_deviation_entropy`, y -> infinity) S(d) increases
with the distance d at small loads; from alpha_LE on, dS/dd < 0 somewhere: a dip separates the
dense core from the rest.  dS/dd = 2 phat(y -> infinity), so the transition is the root of
m(alpha) = min_d dS/dd, found here from the engine's finite-y saddle points.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine.serialize import Serializable
from .largedev import large_deviation_entropy

__all__ = ["large_deviation_transition", "LargeDeviationTransition"]


@dataclass(frozen=True)
class LargeDeviationTransition(Serializable):
    """The load alpha_LE where the large-deviation S(d) first turns non-monotonic.

    Attributes
    ----------
    alphas : numpy.ndarray
        The loads evaluated (increasing).
    min_slope, min_slope_error : numpy.ndarray
        m(alpha) = min_d dS/dd (the vertex of the parabola through the smallest slope on the
        distance grid and its two neighbours) and its error (the largest ``slope_error`` of
        those three points); NaN where the minimum could not be located.
    d_min : numpy.ndarray
        Where the minimum lies.
    distances : numpy.ndarray
        The distance grid.
    slopes, slope_errors : numpy.ndarray, shape (len(alphas), len(distances))
        dS/dd and its error at every point (NaN where the point failed).
    value : float
        The root of m by linear interpolation between the two loads that bracket it.
    bracket : tuple of float
        The loads where m - err and m + err cross zero (same interpolation; NaN where that
        band does not cross within the loads): alpha_LE lies within it as far as the finite-y
        extrapolation's error estimate is right.
    status : str
        ``converged``, or why there is no value: ``no_sign_change``, or the first load's
        reason (``minimum_at_edge``, ``no_point``).
    statuses : tuple of str
        Per load: ``converged`` or why m is NaN.
    """

    alphas: np.ndarray
    min_slope: np.ndarray
    min_slope_error: np.ndarray
    d_min: np.ndarray
    distances: np.ndarray
    slopes: np.ndarray
    slope_errors: np.ndarray
    value: float
    bracket: tuple
    status: str
    statuses: tuple


def _vertex(d, m, e):
    """Minimum of the parabola through three points (d, m), and the largest error."""
    A = np.vander(d, 3)
    a, b, c = np.linalg.solve(A, m)
    if not a > 0:
        i = int(np.argmin(m))
        return float(m[i]), float(d[i]), float(np.max(e))
    dv = -b / (2 * a)
    return float(c - b * b / (4 * a)), float(dv), float(np.max(e))


def _crossing(alphas, f):
    """Linear interpolation of the first sign change of f from + to -; NaN if none."""
    for i in range(len(alphas) - 1):
        if np.isfinite(f[i]) and np.isfinite(f[i + 1]) and f[i] > 0 >= f[i + 1]:
            t = f[i] / (f[i] - f[i + 1])
            return float(alphas[i] + t * (alphas[i + 1] - alphas[i]))
    return math.nan


def large_deviation_transition(alphas, *, distances, kappa=0.0, ys=(10.0, 20.0, 40.0),
                               tol=1e-10) -> LargeDeviationTransition:
    """alpha_LE of the large-deviation local entropy (binary weights, free reference).

    Parameters
    ----------
    alphas : sequence of float
        Increasing loads, with m(alpha) = min_d dS/dd > 0 at the first and < 0 at the last.
    distances : sequence of float
        Increasing distances that contain the dip (its minimum must not be at either end).
    kappa : float
        Margin of the neighbours.
    ys, tol
        As for :func:`large_deviation_entropy`.

    Returns
    -------
    LargeDeviationTransition

    Notes
    -----
    dS/dd = 2 phat(y -> infinity) (see :func:`large_deviation_entropy`); at each load the
    minimum over the distance grid is refined by a parabola through the smallest value and its
    neighbours.  A load whose minimum sits at an end of the grid, or next to a point that
    failed, has m = NaN and its status says so.  The value and the bracket interpolate
    linearly in alpha: choose loads close enough that m is linear between them (m changes by
    ~0.15 per 0.01 in alpha near 0.755 at kappa = 0); with y <= 40 the error band of m
    (~0.1) may not close within the loads whose dip the ladder reaches (see the bracket).

    References
    ----------
    C. Baldassi, A. Ingrosso, C. Lucibello, L. Saglietti and R. Zecchina, Phys. Rev. Lett.
    115, 128101 (2015); C. Baldassi et al., PNAS 113, E7655 (2016).
    """
    alphas = np.asarray(alphas, dtype=float)
    ds = np.asarray(distances, dtype=float)
    if alphas.ndim != 1 or alphas.size < 2 or not np.all(np.diff(alphas) > 0):
        raise ValueError(f"alphas must be at least two increasing loads, got {alphas!r}")
    if ds.ndim != 1 or ds.size < 3 or not np.all(np.diff(ds) > 0):
        raise ValueError(f"distances must be at least three increasing values, got {ds!r}")
    n = alphas.size
    m, err, dmin = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    slopes, slope_errors = np.full((n, ds.size), np.nan), np.full((n, ds.size), np.nan)
    statuses = []
    for k, a in enumerate(alphas):
        le = large_deviation_entropy(a, distances=ds, kappa=kappa, ys=ys, tol=tol, throw=False)
        ok = np.array([s in ("converged", "inaccurate") for s in le.status])
        slope = np.where(ok, le.slope, np.nan)
        slopes[k], slope_errors[k] = slope, np.where(ok, le.slope_error, np.nan)
        if not np.any(ok):
            statuses.append("no_point")
            continue
        i = int(np.nanargmin(slope))
        if i == 0 or i == ds.size - 1 or not (ok[i - 1] and ok[i + 1]):
            statuses.append("minimum_at_edge")
            continue
        sl = slice(i - 1, i + 2)
        m[k], dmin[k], err[k] = _vertex(ds[sl], slope[sl], le.slope_error[sl])
        statuses.append("converged")
    value = _crossing(alphas, m)
    lo, hi = _crossing(alphas, m - err), _crossing(alphas, m + err)
    failed = [s for s in statuses if s != "converged"]
    status = "converged" if math.isfinite(value) else failed[0] if failed else "no_sign_change"
    return LargeDeviationTransition(alphas=alphas, min_slope=m, min_slope_error=err,
                                    d_min=dmin, distances=ds, slopes=slopes,
                                    slope_errors=slope_errors, value=value, bracket=(lo, hi), status=status,
                                    statuses=tuple(statuses))
