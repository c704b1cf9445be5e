"""Certified SAT decisions of the spherical perceptron on a finite pattern set, and the
instance capacity (the largest prefix of the patterns with margin >= kappa).

Built on the certified maximal-margin solver of :mod:`simulate.perceptron`: a decision
kappa_max(first P patterns) >= kappa stops as soon as a bound excludes one side, never on an
iteration count, and the capacity is a bisection over prefixes (kappa_max of a prefix is
nonincreasing in P) with warm starts from the largest SAT prefix's support.
"""
from __future__ import annotations

import numpy as np

from simulate._certificates import _Problem
from simulate._minnorm import _GAP, _NONSEP, _SAT, _UNSAT
from simulate.perceptron import (_DEFAULT_MAX_ITER, ConvergenceError, _check_kappa,
                                 _check_max_iter, _check_patterns, _check_tol, _solve)

__all__ = ["is_sat", "instance_capacity"]

# instance_capacity: warm-start Wolfe's corral from the largest SAT prefix's support.
_CAPACITY_WARM = True


def _checked(xi, kappa, tol, max_iter):
    """The validated problem and parameters of a decision (named errors on bad input)."""
    xi = _check_patterns(xi)
    kappa, tol, max_iter = _check_kappa(kappa), _check_tol(tol), _check_max_iter(max_iter)
    return _Problem(xi), kappa, tol, max_iter


def _decide(prob, P, kappa, lam0, tol, max_iter, warm=False):
    """Certified decision of kappa_max(first P patterns) >= kappa (kappa >= 0).

    Returns (sat, lam) where lam is the final simplex iterate (a warm start).
    """
    if kappa == 0.0 and P < prob.N:
        return True, lam0  # a w orthogonal to all patterns has all stabilities 0
    code, lam, lower, upper, iterations, _, _, cert = _solve(
        prob, P, lam0, kappa_sat=kappa, kappa_unsat=kappa, tol=tol, max_iter=max_iter,
        warm=warm)
    if code == _SAT:
        return True, lam
    if code == _UNSAT:
        return False, lam
    if code == _NONSEP:
        # Origin in the hull: kappa_max <= 0, SAT only at kappa = 0 on the boundary, which is
        # handled above for P < N and is non-generic otherwise.
        return False, lam
    if code == _GAP:
        # kappa within the certified interval of width <= tol: decided by the midpoint.
        return 0.5 * (lower + upper) >= kappa, lam
    raise ConvergenceError(
        f"is_sat: no certificate after {iterations} steps (max_iter = {max_iter}) for "
        f"P = {P}, kappa = {kappa}; bounds {lower!r} <= kappa_max <= {upper!r}",
        lower=lower, upper=upper, iterations=iterations)


def is_sat(xi, kappa, *, tol=1e-10, max_iter=_DEFAULT_MAX_ITER) -> bool:
    """Decide whether some |w|^2 = N has w . xi^mu / sqrt(N) >= kappa for every pattern.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns xi^mu as rows.
    kappa : float
        Margin, kappa >= 0 (the negative perceptron is non-convex: ValueError).
    tol : float, optional
        Tie width: if kappa lies inside a certified interval of width <= tol the answer is
        given by its midpoint.
    max_iter : int, optional
        Maximal number of solver steps (:class:`ConvergenceError` beyond).

    Returns
    -------
    bool
        True if SAT (kappa_max >= kappa).

    Notes
    -----
    The max-margin solver of :func:`max_margin_certified` stops as soon as its certificate
    excludes kappa: lower = min_mu p . xi^mu / |p| > kappa gives SAT (the w = sqrt(N) p / |p|
    is a solution), upper = |p| < kappa gives UNSAT. At kappa = 0, UNSAT is certified by the
    origin lying in the hull of the patterns; for P < N the answer at kappa = 0 is always SAT
    (w orthogonal to all patterns).

    References
    ----------
    .. [1] E. Gardner, "The space of interactions in neural network models",
       J. Phys. A 21, 257 (1988).
    """
    prob, kappa, tol, max_iter = _checked(xi, kappa, tol, max_iter)
    return _decide(prob, prob.P, kappa, np.full(prob.P, 1.0 / prob.P), tol, max_iter)[0]


def instance_capacity(xi, kappa, *, tol=1e-10, max_iter=_DEFAULT_MAX_ITER) -> int:
    """Largest P such that the first P patterns of a stream are SAT at margin kappa.

    Parameters
    ----------
    xi : array_like, shape (P_max, N)
        A stream of patterns; prefixes xi[:P] are tested.
    kappa : float
        Margin, kappa >= 0.
    tol, max_iter
        As in :func:`is_sat`.

    Returns
    -------
    int
        P_c = max{P : xi[:P] is SAT at kappa}, 0 if even the first pattern is UNSAT.
        The per-instance capacity is alpha_c = P_c / N (or (P_c + 1/2) / N).

    Raises
    ------
    ValueError
        If all P_max patterns are SAT: the capacity is not reached, supply more patterns.

    Notes
    -----
    kappa_max(xi[:P]) is nonincreasing in P (a prefix's hull is contained in the next one's),
    so SAT(P) is monotone and P_c is found by bisection on P, each decision certified as in
    :func:`is_sat`. The Gram matrix is formed once; each decision is warm-started from the
    simplex weights of the largest SAT prefix found so far (padded with zeros).

    References
    ----------
    .. [1] E. Gardner, "The space of interactions in neural network models",
       J. Phys. A 21, 257 (1988).
    """
    prob, kappa, tol, max_iter = _checked(xi, kappa, tol, max_iter)
    P_max = prob.P
    sat, _ = _decide(prob, P_max, kappa, np.full(P_max, 1.0 / P_max), tol, max_iter)
    if sat:
        raise ValueError(
            f"all P_max = {P_max} patterns are SAT at kappa = {kappa} (N = {prob.N}): the "
            "capacity is not reached, supply more patterns (a larger P_max)"
        )
    lo, hi = 0, P_max  # lo: largest known SAT prefix (0 = empty), hi: smallest known UNSAT
    warm = None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lam0 = np.zeros(mid)
        if warm is None:
            lam0[:] = 1.0 / mid
        else:
            lam0[: warm.size] = warm
        sat, lam = _decide(prob, mid, kappa, lam0, tol, max_iter,
                           warm=_CAPACITY_WARM and warm is not None)
        if sat:
            lo = mid
            if lam.size == mid and np.any(lam > 0.0):
                warm = lam / lam.sum()
        else:
            hi = mid
    return lo
