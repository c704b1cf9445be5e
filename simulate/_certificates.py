"""Certificates of the maximal-margin solver, recomputed from the patterns themselves.

The Numba kernels (:mod:`simulate._minnorm`) work on Gram products; nothing they report is
trusted until the bounds are recomputed here from ``xi``: ``_exact_bounds`` (lower and upper
bounds on kappa_max from a convex combination), ``_verified`` (a SAT/UNSAT/gap stop confirmed),
``_certify_origin_in_hull`` (an explicit lambda >= 0, sum 1, with sum lambda xi = 0 at rounding
level: the proof of non-separability) and ``_polish`` (an exact affine minimisation on the
support).
"""
from __future__ import annotations

import math

import numpy as np
import scipy.linalg

from simulate._minnorm import _GAP, _SAT, _UNSAT


class _Problem:
    """Patterns, their Gram matrix and the scale used by the certificates."""

    def __init__(self, xi):
        self.xi = xi
        self.P, self.N = xi.shape
        self.G = xi @ xi.T
        self.diag = np.ascontiguousarray(np.diag(self.G))
        # Scale of the stabilities: rms |xi^mu| / sqrt(N) (= 1 for standard patterns).
        self.scale = math.sqrt(float(np.mean(self.diag)) / self.N)
        # Rounding level of |sum_mu lamda_mu xi^mu| (used by the non-separability certificate).
        self.cert_tol = 1e3 * np.finfo(np.float64).eps * math.sqrt(self.N) * float(np.max(np.abs(xi)))


def _exact_bounds(xi, lam):
    """Bounds recomputed from the patterns (not from the incrementally updated Gram products)."""
    lam = lam / lam.sum()
    p = lam @ xi
    upper = float(np.linalg.norm(p))
    if upper == 0.0:
        return p, 0.0, -np.inf
    lower = float(np.min(xi @ p)) / upper
    return p, upper, lower


def _certify_origin_in_hull(prob, P, lam):
    """Try to turn lam (with small |p|) into lamda' >= 0, sum 1, with |sum lamda'_mu xi^mu| tiny.

    The correction delta is the minimum-norm solution, supported on S = {lam > 0}, of
    X_S^T delta = -p, sum(delta) = 1 - sum(lam) (conjugate gradients on G_SS + 1 1^T, which is
    A_S^T A_S for A_S = [X_S^T; 1^T]), followed by two steps of iterative refinement.
    Returns lamda' (length P) or None.
    """
    lam = lam[:P] / lam[:P].sum()
    if float(np.linalg.norm(lam @ prob.xi[:P])) <= prob.cert_tol:
        return lam
    # Entries far below the typical weight are dropped first (they would turn negative).
    support = np.flatnonzero(lam > 1e-3 * lam.max())
    for _ in range(2):
        if support.size < 2:
            return None
        X = prob.xi[support]
        M = prob.G[np.ix_(support, support)] + 1.0
        lam_s = lam[support] / lam[support].sum()
        for _ in range(3):
            p = lam_s @ X
            rhs = -(X @ p) + (1.0 - lam_s.sum())
            lam_s = lam_s + _cg(M, rhs, maxiter=300)
        if np.min(lam_s) > 0.0:
            lam_s /= lam_s.sum()
            if float(np.linalg.norm(lam_s @ X)) > prob.cert_tol:
                return None
            out = np.zeros(P)
            out[support] = lam_s
            return out
        support = support[lam_s > 0.0]
    return None


def _cg(M, b, *, maxiter):
    """Conjugate gradients from 0 for a symmetric positive semi-definite, consistent M x = b."""
    x = np.zeros_like(b)
    r = b.copy()
    d = r.copy()
    rr = float(r @ r)
    stop = (1e-12 * math.sqrt(rr)) ** 2
    for _ in range(maxiter):
        if rr <= stop or rr == 0.0:
            break
        Md = M @ d
        dMd = float(d @ Md)
        if dMd <= 0.0:
            break
        step = rr / dMd
        x += step * d
        r -= step * Md
        rr_new = float(r @ r)
        d = r + (rr_new / rr) * d
        rr = rr_new
    return x


def _verified(prob, P, code, lam, kappa_sat, kappa_unsat, tol):
    """Bounds recomputed from the patterns for a _GAP/_SAT/_UNSAT stop; None if not confirmed."""
    _, upper_x, lower_x = _exact_bounds(prob.xi[:P], lam)
    ok = (
        (code == _GAP and lower_x > 0.0 and upper_x - lower_x <= tol)
        or (code == _SAT and lower_x > kappa_sat)
        or (code == _UNSAT and upper_x < kappa_unsat)
    )
    return (lower_x, upper_x) if ok else None




def _polish(prob, P, lam, g, max_minor=30):
    """Active-set acceleration on a guessed support, in place; True if lam changed.

    The guess S is the support of lam, cut to the N patterns with the smallest g_mu (the most
    active) if it is larger than N (a separable optimum has at most N support vectors for
    patterns in general position). On S the minimiser y of lamda^T G_SS lamda on the affine
    hull sum(lamda) = 1 is y = G_SS^{-1} 1 / (1^T G_SS^{-1} 1) (Cholesky). Indices with
    y <= 0 are dropped and y recomputed (at most ``max_minor`` times). A positive y replaces lam
    only if it lowers |p|^2 = lamda^T G lamda: the step is a heuristic guess of the optimal face,
    the certificate is always checked on the resulting iterate.
    """
    G = prob.G
    S = np.flatnonzero(lam[:P] > 0.0)
    if S.size > prob.N:
        S = S[np.argsort(g[S], kind="stable")[: prob.N]]
    f_ref = float(lam[:P] @ g)
    for _ in range(max_minor):
        if S.size < 1:
            return False
        GS = G[np.ix_(S, S)]
        try:
            factor = scipy.linalg.cho_factor(GS, check_finite=False)
        except np.linalg.LinAlgError:
            return False
        z = scipy.linalg.cho_solve(factor, np.ones(S.size), check_finite=False)
        total = z.sum()
        if not (total > 0.0 and np.all(np.isfinite(z))):
            return False
        y = z / total
        if np.all(y > 0.0):
            if not float(y @ GS @ y) < f_ref:
                return False
            lam[:P] = 0.0
            lam[S] = y
            return True
        S = S[y > 0.0]
    return False


def _null_direction(xi):
    """A unit vector orthogonal to every pattern (requires P < N)."""
    P, N = xi.shape
    q, _ = np.linalg.qr(np.concatenate([xi.T, np.eye(N)[:, : P + 1]], axis=1))
    # Column P of q is orthogonal to the first P columns, which span the patterns' span.
    u = q[:, P]
    return u / np.linalg.norm(u)
