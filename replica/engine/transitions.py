"""Transition finders: zero crossings of an observable along a control parameter."""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from .bordered import bordered_root
from .continuation import sweep_problem
from .errors import ReplicaError, SaddlePointConvergenceError
from .problem import as_problem, gather_controls, swept_control, require_saddle
from .results import Transition
from .solvers import solve_problem

__all__ = ["find_zero"]


def find_zero(model, observable, *, bracket, param=None, ansatz=None, n=24, xtol=1e-13,
              description="", x0=None, grid=None, controls=None, need=(), condition=None,
              **kw_controls) -> Transition:
    """Locate where ``observable(saddle_point)`` changes sign along ``param``.

    Parameters
    ----------
    model : System, FreeEntropy or SaddleProblem
        See :func:`replica.engine.solvers.solve`.
    observable : callable
        SaddlePoint -> float (e.g. ``lambda sp: sp.phi`` for a zero-entropy point).
    bracket : (float, float)
        Interval of ``param`` to search; the branch is followed from ``bracket[0]`` towards
        ``bracket[1]`` (either order).
    param : str, optional
        The control swept (a raw free entropy's control, or a system's: the perceptron's
        ``"alpha"`` or one of its parameters, then ``alpha`` is given as a control).
        Default: the system's primary control; a raw free entropy has none.
    controls : dict, optional
        Values of the other controls (also as keywords, ``alpha=0.5``, ``m=0.3``).
    n : int
        Points of the coarse continuation used to find a sign change.
    grid : array, optional
        The continuation grid itself (overrides ``bracket`` spacing and ``n``), e.g. geometric
        towards an end point.  Points where ``observable`` returns NaN count as failed.
    xtol : float
        Absolute tolerance on the located value.
    condition : replica.engine.bordered.Condition, optional
        The observable as a symbolic condition (``Condition("phi")``, or an expression of the
        order parameters and controls, e.g. a replicon): the root is then polished by the
        bordered Newton solve (:func:`~replica.engine.bordered.bordered_solve`), from the
        bracketing point, with quadratic convergence; Brent's method on ``observable`` is the
        fallback when that solve fails or leaves the bracket.
    need : tuple of str, optional
        The quantities ``observable`` uses (``"order_params"``, ``"gradient"``, ``"phi"``;
        see :meth:`~replica.results.SaddlePoint.accurate`): a point whose error estimates are
        within tolerance for these is used even if its status is ``inaccurate`` for another
        one.  Default: all (only ``converged`` points).

    Returns
    -------
    Transition
        The value, the final bracket, and the saddle point at the transition.

    Raises
    ------
    ReplicaError
        No sign change on the bracket (the message gives the observable at both ends), or the
        branch could not be followed.
    """
    lo, hi = map(float, bracket)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo != hi):
        raise ValueError(f"bracket must be two finite distinct values, got {bracket}")
    grid = np.linspace(lo, hi, n) if grid is None else np.asarray(grid, dtype=float)
    n = grid.size
    fixed = gather_controls(model, controls, kw_controls)
    param = swept_control(model, param, "find_zero")
    pb = require_saddle(as_problem(model, {**fixed, param: float(grid[0])}, ansatz),
                        "find_zero")

    br, vals, idx = _first_sign_change(pb, param, grid, observable, need, x0, description)
    a, b = sorted((grid[idx], grid[idx + 1]))
    if condition is not None:
        ends = [(grid[i], br.points[i], vals[i]) for i in (idx, idx + 1)]
        polished = bordered_root(pb, param, ends, condition,
                                 accept=lambda bp: bp.saddle_point.accurate(*need))
        if polished is not None:
            return Transition(param, polished.value, (float(a), float(b)),
                              polished.saddle_point, description)
    root, spt = _brent_root(pb, param, (a, b), observable, need, br.points[idx], xtol,
                            description)
    return Transition(param, root, (float(a), float(b)), spt, description)


def _first_sign_change(pb, param, grid, observable, need, x0, description):
    """The branch followed along ``grid`` up to the first sign change of ``observable`` (at
    points accurate in ``need``): (branch, observable values, index i of the change between
    grid[i] and grid[i + 1])."""
    def obs(p):
        return observable(p) if p.accurate(*need) else np.nan

    def stop(points):  # stop the continuation at the first sign change
        good = [obs(p) for p in points[-2:]]
        return len(good) == 2 and np.all(np.isfinite(good)) and good[0] * good[1] <= 0

    br = sweep_problem(pb, param, grid, x0=x0, tol=1e-10, max_halvings=10, throw=False,
                       top=True, stop=stop)
    vals = np.array([obs(p) for p in br.points])
    for i in range(len(vals) - 1):
        if np.isfinite(vals[i]) and np.isfinite(vals[i + 1]) and vals[i] * vals[i + 1] <= 0:
            return br, vals, i
    raise ReplicaError(f"{description or 'observable'} has no sign change on {param} in "
                       f"[{grid[0]}, {grid[-1]}]: values {vals[0]:.4g} ... {vals[-1]:.4g} "
                       f"({int((~br.success).sum())} failed points)")


def _brent_root(pb, param, bracket, observable, need, start, xtol, description):
    """Brent's method on ``observable`` in ``bracket``, every point solved from ``start``;
    (root, saddle point there)."""
    cache = {}

    def at(v):
        sp_ = solve_problem(pb.with_value(param, v), x0=dict(start.order_params), throw=False)
        if not sp_.accurate(*need):
            raise SaddlePointConvergenceError(
                f"{description or 'transition'}: no saddle point accurate in {need or 'all'} at "
                f"{param} = {v} ({sp_.status}; exceeded: {sp_.exceeded}); residual "
                f"{sp_.residual:.3e}", sp_)
        return sp_

    def f(v):
        sp_ = cache[v] = at(v)
        return observable(sp_)

    root = brentq(f, *bracket, xtol=xtol, rtol=4 * np.finfo(float).eps, maxiter=200)
    return float(root), cache.get(root) or at(root)
