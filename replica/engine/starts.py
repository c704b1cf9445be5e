"""Starts proposed to the saddle-point solver when Newton from the default start fails.

Two strategies that need nothing but the compiled free entropy (see :mod:`replica.engine.
strategies` for the protocol and for :class:`~replica.engine.strategies.Homotopy`, which
follows a branch and so lives above the continuation):

* :class:`Bracket`: a sign change of the gradient of a single bounded order parameter;
* :class:`ConjugateFixedPoint`: the damped fixed-point iteration on conjugate pairs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .domains import scale
from .errors import NonFiniteError

__all__ = ["Bracket", "ConjugateFixedPoint"]


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
            if np.max(np.abs(new - theta) / scale(theta, problem.domains)) < self.tol:
                return new
            theta = new
        return theta
