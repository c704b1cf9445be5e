"""Fallback strategies of the saddle-point solver, declared by each free entropy.

When Newton from the starting point fails, :func:`replica.solve` tries the strategies that the
free entropy declares (:attr:`replica.freeentropy.FreeEntropy.strategies`), in order, and
polishes each proposed start with Newton.  A strategy is a callable
``strategy(problem, theta0, tol) -> numpy.ndarray or None`` with a ``name``; the problem gives
the compiled free entropy (``problem.cfe``), its control vector (``problem.ctrl``), the domains
and ``problem.with_value(name, value)`` for homotopies.  The engine knows no physics: which
strategies make sense is the system's decision (the perceptron declares all three below).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .errors import NonFiniteError

__all__ = ["Bracket", "Homotopy", "ConjugateFixedPoint"]


@dataclass(frozen=True)
class Bracket:
    """One bounded order parameter: a sign change of d phi/d theta on a logit grid, then Brent.

    The grid (``n`` points, dense near both ends of the domain) reaches within 1e-13 of each
    end, where the physics of q -> 0 and q -> 1 sits.  ``None`` when the free entropy has more
    than one order parameter, an unbounded domain, or no sign change (then the solver reports
    ``no_root``).
    """

    n: int = 240
    name: str = "bracket"
    reports_no_root: bool = True

    def __call__(self, problem, theta0, tol):
        cfe = problem.cfe
        if cfe.n != 1:
            return None
        lo, hi = problem.domains[0]
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return None
        u = np.linspace(-30, 30, self.n)
        grid = lo + (hi - lo) / (1 + np.exp(-u))
        vals = np.full(self.n, np.nan)
        for i, g in enumerate(grid):
            try:
                vals[i] = cfe(np.array([g]), problem.ctrl).gradient[0]
            except NonFiniteError:
                pass
        for i in range(self.n - 1):
            a, b = vals[i], vals[i + 1]
            if np.isfinite(a) and np.isfinite(b) and a * b < 0:
                def f(t):
                    return cfe(np.array([t]), problem.ctrl).gradient[0]
                root = brentq(f, grid[i], grid[i + 1], xtol=1e-300,
                              rtol=4 * np.finfo(float).eps, maxiter=500)
                return np.array([root])
        return None


@dataclass(frozen=True)
class Homotopy:
    """Follow the branch in one control from a value where the default start converges.

    The control goes geometrically from ``min(start, fraction * target)`` to the target in
    ``n`` steps (continuation with tangent predictor and step halving).  The perceptron follows
    alpha from 0.02: at small load the saddle point is close to its alpha -> 0 limit.

    ``end``, optional, is a callable returning, from the problem's control values, the value
    of the control where the branch ends singularly (a capacity, where q -> 1), or None.  The
    path then approaches the target geometrically in the distance to that end: the order
    parameters vary on the scale of that distance (ln(1 - q) ~ ln(end - control)), so a
    target at 1 - target/end = 1e-7 is reached in a few steps per decade.  A target at or
    beyond the end has no branch to follow.
    """

    control: str
    start: float = 0.02
    fraction: float = 0.25
    n: int = 16
    end: object = None
    name: str = "continuation"
    reports_no_root: bool = False

    def path(self, problem):
        """The values of the control followed to the problem's target (None: no path)."""
        target = problem.values.get(self.control)
        if target is None or not target > 0:
            return None
        a0 = min(self.start, self.fraction * target)
        end = self.end(problem.values) if self.end is not None else None
        if end is None or not np.isfinite(end):
            return np.geomspace(a0, target, self.n)
        if not target < end:
            return None
        d0, d1 = end - a0, end - target
        n = self.n + int(np.ceil(3 * np.log10(d0 / d1)))
        return end - np.geomspace(d0, d1, n)

    def __call__(self, problem, theta0, tol):
        from .solvers import _sweep_problem

        path = self.path(problem)
        if path is None:
            return None
        br = _sweep_problem(problem, self.control, path, x0=None, tol=tol, max_halvings=30,
                            throw=False, top=False)
        last = br.points[-1]
        if not (last.success or last.status == "inaccurate"):
            return None
        return np.array(list(last.order_params.values()))


@dataclass(frozen=True)
class ConjugateFixedPoint:
    """Damped fixed point x <- x - 2 d phi/d xhat, xhat <- xhat - 2 d phi/d x on pairs.

    The pairs are order parameters named ``x`` and ``xhat`` (``q``/``qhat``, ``Q``/``Qhat``).
    With phi = -qhat (1-q)/2 + G(qhat) + alpha G_out(q) the map is exactly
    q <- 1 - 2 G'(qhat), qhat <- -2 alpha G_out'(q): the iteration physicists write by hand.
    A step that leaves a domain is shortened (half-way to the boundary), never clipped.
    """

    damping: float = 0.5
    max_iter: int = 2000
    tol: float = 1e-7
    name: str = "fixed_point"
    reports_no_root: bool = False

    def __call__(self, problem, theta0, tol):
        cfe = problem.cfe
        names = list(cfe.names)
        pairs = [(i, names.index(nm + "hat")) for i, nm in enumerate(names)
                 if nm + "hat" in names]
        if not pairs:
            return None
        theta = np.array(theta0, dtype=float)
        for _ in range(self.max_iter):
            try:
                ev = cfe(theta, problem.ctrl)
            except NonFiniteError:
                return None
            new = theta.copy()
            for i, j in pairs:
                new[i] = theta[i] - 2 * ev.gradient[j]
                new[j] = theta[j] - 2 * ev.gradient[i]
            new = (1 - self.damping) * theta + self.damping * new
            for k, (lo, hi) in enumerate(problem.domains):
                if not lo < new[k] < hi:
                    new[k] = theta[k] + 0.5 * ((lo if new[k] <= lo else hi) - theta[k])
            if np.max(np.abs(new - theta) / _scale(theta, problem.domains)) < self.tol:
                return new
            theta = new
        return theta


def _scale(theta, domains):
    """Scale of each order parameter: its distance to the nearest end of its domain."""
    s = np.empty_like(theta)
    for i, (lo, hi) in enumerate(domains):
        d = theta[i] - lo
        if math.isfinite(hi):
            d = min(d, hi - theta[i])
        s[i] = max(min(d, abs(theta[i])) if theta[i] != 0 else d, 1e-300)
        if not math.isfinite(lo):
            s[i] = max(abs(theta[i]), 1.0)
    return s
