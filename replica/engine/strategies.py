"""Fallback strategies of the saddle-point solver, declared by each free entropy.

When Newton from the starting point fails, :func:`replica.solve` tries the strategies of the
problem (by default those its free entropy declares, :attr:`replica.freeentropy.FreeEntropy.
strategies`), in order, and polishes each proposed start with Newton.  A strategy is a callable
``strategy(problem, theta0, tol) -> numpy.ndarray or None`` with a ``name`` and a flag
``reports_no_root`` (whether its None means "no saddle point inside the domains"); the problem
(:class:`replica.engine.problem.SaddleProblem`) gives the compiled free entropy
(``problem.cfe``), its control vector (``problem.ctrl``), the domains and
``problem.with_value(name, value)`` for homotopies.  The engine knows no physics: which
strategies make sense is the system's decision (the perceptron declares all three).

:class:`Bracket` and :class:`ConjugateFixedPoint` live in :mod:`replica.engine.starts` (they
need only the compiled free entropy); :class:`Homotopy` follows a branch with the engine's
continuation and is defined here, above it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .continuation import sweep_problem
from .starts import Bracket, ConjugateFixedPoint

__all__ = ["Bracket", "Homotopy", "ConjugateFixedPoint"]


@dataclass(frozen=True)
class Homotopy:
    """Follow the branch in one control from a value where the default start converges.

    The control goes from ``start`` (a value where the default start converges) to the
    target in ``n`` steps (continuation with tangent predictor and step halving): geometric
    when start and target have the same sign, linear otherwise; either direction, either
    sign.  ``fraction``, optional: when ``fraction * target`` has the sign of ``start`` and is
    nearer 0, begin there instead (the perceptron follows alpha from 0.02, or from a
    quarter of a smaller target: at small load the saddle point is close to its alpha -> 0
    limit).

    ``end``, optional, is a callable returning, from the problem's control values, the value
    of the control where the branch ends singularly (a capacity, where q -> 1), or None.  The
    path then approaches the target geometrically in the distance to that end: the order
    parameters vary on the scale of that distance (ln(1 - q) ~ ln(end - control)), so a
    target at 1 - target/end = 1e-7 is reached in a few steps per decade.  A target at or
    beyond the end, seen from the start, has no branch to follow.
    """

    control: str
    start: float = 0.02
    fraction: float | None = None
    n: int = 16
    end: object = None
    name: str = "continuation"
    reports_no_root: bool = False

    def path(self, problem):
        """The values of the control followed to the problem's target (None: no path)."""
        target = problem.values.get(self.control)
        if target is None or not np.isfinite(target) or target == self.start:
            return None
        geometric = self.start * target > 0
        a0 = self.start
        if geometric and self.fraction is not None and abs(self.fraction * target) < abs(a0):
            a0 = self.fraction * target
        end = self.end(problem.values) if self.end is not None else None
        if end is None or not np.isfinite(end):
            if geometric:
                return np.geomspace(a0, target, self.n)
            return np.linspace(a0, target, self.n)
        d0, d1 = end - a0, end - target
        if not (d0 * d1 > 0 and abs(d1) < abs(d0)):
            return None  # the target is at or beyond the branch's end
        n = self.n + int(np.ceil(3 * np.log10(d0 / d1)))
        return end - np.sign(d0) * np.geomspace(abs(d0), abs(d1), n)

    def __call__(self, problem, theta0, tol):
        path = self.path(problem)
        if path is None:
            return None
        br = sweep_problem(problem, self.control, path, x0=None, tol=tol, max_halvings=30,
                            throw=False, top=False)
        last = br.points[-1]
        if not (last.success or last.status == "inaccurate"):
            return None
        return np.array(list(last.order_params.values()))
