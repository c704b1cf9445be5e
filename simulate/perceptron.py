"""Maximal margin of the spherical perceptron on a finite pattern set, with certificates.

For patterns xi^mu in R^N (rows of ``xi``, shape ``(P, N)``) and spherical weights |w|^2 = N, the
stability is Delta^mu(w) = w . xi^mu / sqrt(N) and the maximal margin is

    kappa_max = max_{|w|^2 = N} min_mu Delta^mu(w) = max_{|u| = 1} min_mu u . xi^mu.

When the set is separable (kappa_max > 0) this is the distance from the origin to the convex
hull K = conv{xi^mu} (hard-margin SVM without bias). It is computed here by a Numba SMO /
Mitchell-Demyanov-Malozemov solver on the simplex weights lamda of p = sum_mu lamda_mu xi^mu,
which at every iterate gives the bounds

    lower = min_mu p . xi^mu / |p|  <=  kappa_max  <=  |p| = upper,

(the lower bound is achieved by w = sqrt(N) p / |p|; the upper bound holds because p is in K).
The solver stops on a certificate (upper - lower <= tol, or a bound excluding a margin kappa),
never on an iteration count.

An exact, finitely terminating phase runs first: Wolfe's minimum-norm-point algorithm, which
keeps a corral S of affinely independent patterns, the Cholesky factor R^T R = G_SS + c 1 1^T
(updated in O(|S|^2) when a pattern enters or leaves: forward substitution / Givens rotations)
and the min-norm point of aff(S) (coefficients ~ (G_SS + c 1 1^T)^{-1} 1). It ends with
min_mu p . xi^mu >= |p|^2 (up to rounding: p is the nearest point of the hull) or with the
origin in the affine hull of a corral with positive weights (|p| at rounding level: the
non-separability certificate). Every answer is verified from ``xi``; if the verification
fails the pair-step solver takes over from Wolfe's last iterate. When the origin lies in K the problem is non-convex
(negative perceptron); that case is certified by an explicit lamda >= 0 with sum_mu lamda_mu xi^mu
= 0 up to rounding (see :func:`max_margin_certified`), and only the sign of kappa_max is exact.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from simulate._jit import jit

__all__ = [
    "ConvergenceError",
    "MaxMarginResult",
    "max_margin",
    "max_margin_certified",
    "is_sat",
    "instance_capacity",
]

# Stop codes of the Numba kernel.
_GAP = 0  # upper - lower <= tol with lower > 0
_SAT = 1  # lower > kappa_sat
_UNSAT = 2  # upper < kappa_unsat
_NONSEP = 3  # lower <= 0 and upper <= sep_thresh: try to certify the origin in the hull
_MAXITER = 4
_STALL = 5  # no pair step decreases |p| (only with duplicated patterns at rounding level)

_DEFAULT_MAX_ITER = 10_000_000
# Run Wolfe's exact phase before the pair steps (False: pair steps only, for comparisons).
_USE_WOLFE = True
# instance_capacity: warm-start Wolfe's corral from the largest SAT prefix's support.
_CAPACITY_WARM = True


class ConvergenceError(RuntimeError):
    """The max-margin solver ran out of iterations before a certificate.

    Attributes
    ----------
    lower, upper : float
        The last certified bounds, lower <= kappa_max <= upper.
    iterations : int
        Iterations spent.
    result : MaxMarginResult
        The last iterate, with status ``"max_iter"``.
    """

    def __init__(self, message, *, lower, upper, iterations, result=None):
        super().__init__(message)
        self.lower = lower
        self.upper = upper
        self.iterations = iterations
        self.result = result


@dataclass(frozen=True)
class MaxMarginResult:
    """Certified maximal margin of one pattern set.

    Attributes
    ----------
    kappa_max : float
        The estimate returned by :func:`max_margin` (see there for its meaning per status).
    lower, upper : float
        Certified bounds, lower <= kappa_max(true) <= upper. ``lower`` is the smallest
        stability of ``w``.
    w : ndarray, shape (N,)
        A weight vector with |w|^2 = N and min_mu w . xi^mu / sqrt(N) = lower (up to rounding).
    iterations : int
        Pair (SMO) steps taken.
    separable : bool
        True when some w has all stabilities > 0 (certified: lower > 0).
    status : str
        ``"separable"`` (upper - lower <= tol, lower > 0), ``"non_separable"`` (origin certified
        in the hull, kappa_max <= 0; ``kappa_max`` is the lower bound of a found w),
        ``"degenerate"`` (origin in the hull and P < N: kappa_max = 0 exactly) or
        ``"max_iter"`` (no certificate; only with ``throw=False``).
    """

    kappa_max: float
    lower: float
    upper: float
    w: np.ndarray
    iterations: int
    separable: bool
    status: str


# ----------------------------------------------------------------------------------------------
# Numba kernel
# ----------------------------------------------------------------------------------------------


@jit
def _smo_kernel(G, diag, P, lam, g, kappa_sat, kappa_unsat, tol, sep_thresh, max_iter,
                best_lam, best_lower, refresh_every):
    """Pair (SMO / MDM) steps on min_lamda lamda^T G lamda over the simplex of the first P patterns.

    ``g`` holds G[:P, :P] @ lam and is updated in place (refreshed every ``refresh_every``
    steps); ``lam`` is updated in place. Returns (code, iterations, lower, upper, best_lower).
    """
    lower = -np.inf
    upper = np.inf
    it = 0
    while True:
        # One pass: f = |p|^2, the toward vertex (min g) and the away vertex (max g on support).
        f = 0.0
        gmin = np.inf
        gmax = -np.inf
        jmax = -1
        for k in range(P):
            gk = g[k]
            lk = lam[k]
            f += lk * gk
            if gk < gmin:
                gmin = gk
            if lk > 0.0 and gk > gmax:
                gmax = gk
                jmax = k
        if f <= 0.0:
            return _NONSEP, it, lower, 0.0, best_lower
        upper = math.sqrt(f)
        lower = gmin / upper
        if lower > best_lower:
            best_lower = lower
            for k in range(P):
                best_lam[k] = lam[k]
        if lower > kappa_sat:
            return _SAT, it, lower, upper, best_lower
        if upper < kappa_unsat:
            return _UNSAT, it, lower, upper, best_lower
        if lower > 0.0 and upper - lower <= tol:
            return _GAP, it, lower, upper, best_lower
        if lower <= 0.0 and upper <= sep_thresh:
            return _NONSEP, it, lower, upper, best_lower
        if it >= max_iter:
            return _MAXITER, it, lower, upper, best_lower
        # Second-order working-set selection (Fan, Chen & Lin 2005) with j = away vertex.
        Gj = G[jmax]
        djj = diag[jmax]
        best_score = 0.0
        ib = -1
        a_ib = 0.0
        for k in range(P):
            d = gmax - g[k]
            if d > 0.0:
                a = diag[k] + djj - 2.0 * Gj[k]
                if a > 0.0:
                    score = d * d / a
                    if score > best_score:
                        best_score = score
                        ib = k
                        a_ib = a
        if ib < 0:
            return _STALL, it, lower, upper, best_lower
        t = (gmax - g[ib]) / a_ib
        if t >= lam[jmax]:
            t = lam[jmax]
            lam[jmax] = 0.0
        else:
            lam[jmax] -= t
        lam[ib] += t
        Gi = G[ib]
        it += 1
        if it % refresh_every == 0:
            for k in range(P):
                s = 0.0
                Gk = G[k]
                for m in range(P):
                    s += Gk[m] * lam[m]
                g[k] = s
        else:
            for k in range(P):
                g[k] += t * (Gi[k] - Gj[k])


# ----------------------------------------------------------------------------------------------
# Wolfe's minimum-norm-point algorithm (exact, finitely terminating phase)
# ----------------------------------------------------------------------------------------------

_OPT = 6  # Wolfe: no improving pattern at rounding level, but the gap is above tol
# Wolfe's tolerances: improvement test g_j < |p|^2 - Z1 |p| max|xi| (relative rounding of the
# products), affine-independence test rho^2 > Z2 (|xi_j|^2 + c) for a new corral member.
_WOLFE_Z1 = 1e-11
_WOLFE_Z2 = 1e-12


@jit
def _chol_append_block(R, m, S, G, c, cand, z2, mcap):
    """Append the patterns ``cand`` (in order) to the corral factor R, R^T R = G_SS + c 1 1^T.

    A candidate whose new pivot rho^2 = |xi_j|^2 + c - |r|^2 is <= z2 (|xi_j|^2 + c) is
    numerically in the affine hull of the corral and is skipped. The forward substitution
    with the old factor is done for all candidates in one pass over R (O(m^2) memory traffic
    for the block). Returns the new corral size.
    """
    k = cand.size
    m0 = m
    B = np.zeros((k, m0 + k))
    for t in range(k):
        Gj = G[cand[t]]
        bt = B[t]
        for i in range(m0):
            bt[i] = Gj[S[i]] + c
    for i in range(m0):
        Ri = R[i]
        piv = Ri[i]
        for t in range(k):
            bt = B[t]
            v = bt[i] / piv
            bt[i] = v
            for l in range(i + 1, m0):
                bt[l] -= Ri[l] * v
    Cn = np.zeros((k, m0 + k))  # accepted new columns, contiguous
    for t in range(k):
        if m >= mcap:
            break
        j = cand[t]
        Gj = G[j]
        bt = B[t]
        for i in range(m0, m):
            s = Gj[S[i]] + c
            ci = Cn[i - m0]
            for l in range(i):
                s -= ci[l] * bt[l]
            bt[i] = s / ci[i]
        d = Gj[j] + c
        rho2 = d
        for l in range(m):
            rho2 -= bt[l] * bt[l]
        if rho2 > z2 * d:
            rho = math.sqrt(rho2)
            cm = Cn[m - m0]
            for l in range(m):
                R[l, m] = bt[l]
                cm[l] = bt[l]
            cm[m] = rho
            Rm = R[m]
            for l in range(R.shape[1]):
                Rm[l] = 0.0
            R[m, m] = rho
            S[m] = j
            m += 1
    return m


@jit
def _chol_delete(R, m, S, w, k):
    """Remove corral member k (column k of R), restoring triangularity by Givens rotations."""
    for i in range(m):
        Ri = R[i]
        for col in range(k, m - 1):
            Ri[col] = Ri[col + 1]
        Ri[m - 1] = 0.0
    for col in range(k, m - 1):
        S[col] = S[col + 1]
        w[col] = w[col + 1]
    for i in range(k, m - 1):
        a = R[i, i]
        b = R[i + 1, i]
        h = math.hypot(a, b)
        if h == 0.0:
            continue
        cs = a / h
        sn = b / h
        Ri = R[i]
        Ri1 = R[i + 1]
        for col in range(i, m - 1):
            t1 = Ri[col]
            t2 = Ri1[col]
            Ri[col] = cs * t1 + sn * t2
            Ri1[col] = -sn * t1 + cs * t2
        Ri1[i] = 0.0
    Rl = R[m - 1]
    for col in range(m):
        Rl[col] = 0.0


@jit
def _dot4(u, v, lo, hi):
    """sum_{lo <= l < hi} u[l] v[l] with four partial sums (a fixed, reproducible order)."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    l = lo
    while l + 4 <= hi:
        s0 += u[l] * v[l]
        s1 += u[l + 1] * v[l + 1]
        s2 += u[l + 2] * v[l + 2]
        s3 += u[l + 3] * v[l + 3]
        l += 4
    while l < hi:
        s0 += u[l] * v[l]
        l += 1
    return (s0 + s1) + (s2 + s3)


@jit
def _affine_min(R, m, a):
    """Coefficients a (sum 1) of the min-norm point of the corral's affine hull: a ~ M^{-1} 1."""
    for i in range(m):
        a[i] = 1.0
    for i in range(m):
        ai = a[i] / R[i, i]
        a[i] = ai
        Ri = R[i]
        for l in range(i + 1, m):
            a[l] -= Ri[l] * ai
    for i in range(m - 1, -1, -1):
        a[i] = (a[i] - _dot4(R[i], a, i + 1, m)) / R[i, i]
    total = 0.0
    for i in range(m):
        total += a[i]
    for i in range(m):
        a[i] /= total


@jit
def _fill_lam(lam_out, S, w, m):
    for i in range(lam_out.size):
        lam_out[i] = 0.0
    for i in range(m):
        lam_out[S[i]] = max(w[i], 0.0)


@jit
def _wolfe_kernel(xiP, G, S0, w0, c, kappa_sat, kappa_unsat, tol, nonsep_tol, z1, z2,
                  kadd, max_iter, lam_out, best_lam, best_lower):
    """Wolfe's min-norm point of conv{rows of xiP}, with a corral warm-started from S0.

    The initial corral is built from the candidates S0 (in order; numerically affinely
    dependent ones are skipped) with weights w0 > 0. Each major cycle adds up to ``kadd``
    improving patterns (the most violated first; kadd = 1 is Wolfe's original rule: every
    added pattern has p . xi_j < |p|^2, so the norm decreases strictly and the method is
    finite). Returns (code, iterations, lower, upper, best_lower); the final simplex weights
    are written to ``lam_out`` (length P) and those of the best lower bound to ``best_lam``.
    """
    P, N = xiP.shape
    mcap = min(P, N + 1)
    mmax = mcap + 1
    R = np.zeros((mmax, mmax))
    S = np.empty(mmax, dtype=np.int64)
    w = np.zeros(mmax)
    a = np.zeros(mmax)
    x = np.zeros(N)
    inS = np.zeros(P, dtype=np.bool_)
    maxnorm = 0.0
    for k in range(P):
        if G[k, k] > maxnorm:
            maxnorm = G[k, k]
    maxnorm = math.sqrt(maxnorm)
    m = 0
    block = 64
    for t0 in range(0, S0.size, block):
        if m >= mcap:
            break
        t1 = min(t0 + block, S0.size)
        m_new = _chol_append_block(R, m, S, G, c, S0[t0:t1], z2, mcap)
        # weights of the accepted candidates (S0 has no repeats)
        t = t0
        for i in range(m, m_new):
            while S0[t] != S[i]:
                t += 1
            w[i] = w0[t]
            inS[S[i]] = True
        m = m_new
    if m == 0:
        return _STALL, 0, -np.inf, np.inf, best_lower
    total = 0.0
    for i in range(m):
        total += w[i]
    for i in range(m):
        w[i] /= total
    it = 0
    lower = -np.inf
    upper = np.inf
    n_new = 0
    cand = np.empty(kadd, dtype=np.int64)
    while True:
        # Minor cycles: move towards the affine minimiser, dropping members that reach zero.
        while True:
            _affine_min(R, m, a)
            allpos = True
            for i in range(m):
                if not a[i] > 0.0:
                    allpos = False
                    break
            if allpos:
                for i in range(m):
                    w[i] = a[i]
                break
            theta = 1.0
            kdrop = -1
            for i in range(m):
                if a[i] <= 0.0:
                    den = w[i] - a[i]
                    th = w[i] / den if den > 0.0 else 0.0
                    if kdrop < 0 or th < theta:
                        theta = th
                        kdrop = i
            if theta > 0.0:
                for i in range(m):
                    w[i] = theta * a[i] + (1.0 - theta) * w[i]
                w[kdrop] = 0.0
                n_new = 0
                for i in range(m - 1, -1, -1):
                    if w[i] <= 0.0:
                        inS[S[i]] = False
                        _chol_delete(R, m, S, w, i)
                        m -= 1
            else:
                # A just-added pattern with a non-positive affine weight: drop it, x unchanged.
                inS[S[kdrop]] = False
                _chol_delete(R, m, S, w, kdrop)
                m -= 1
                n_new -= 1
                if n_new <= 0:
                    _fill_lam(lam_out, S, w, m)
                    return _STALL, it, lower, upper, best_lower
            if m == 0:
                return _STALL, it, lower, upper, best_lower
            total = 0.0
            for i in range(m):
                total += w[i]
            for i in range(m):
                w[i] /= total
            it += 1
            if it >= max_iter:
                _fill_lam(lam_out, S, w, m)
                return _MAXITER, it, lower, upper, best_lower
        n_new = 0
        # Major cycle: the current point from the patterns, its products and the bounds.
        for l in range(N):
            x[l] = 0.0
        for i in range(m):
            wi = w[i]
            row = xiP[S[i]]
            for l in range(N):
                x[l] += wi * row[l]
        f = 0.0
        for l in range(N):
            f += x[l] * x[l]
        _fill_lam(lam_out, S, w, m)
        upper = math.sqrt(f)
        if upper <= nonsep_tol:
            return _NONSEP, it, lower, upper, best_lower
        g = np.dot(xiP, x)
        jmin = 0
        gmin = g[0]
        for k in range(1, P):
            if g[k] < gmin:
                gmin = g[k]
                jmin = k
        lower = gmin / upper
        if lower > best_lower:
            best_lower = lower
            for k in range(P):
                best_lam[k] = lam_out[k]
        if lower > kappa_sat:
            return _SAT, it, lower, upper, best_lower
        if upper < kappa_unsat:
            return _UNSAT, it, lower, upper, best_lower
        if lower > 0.0 and upper - lower <= tol:
            return _GAP, it, lower, upper, best_lower
        thr = f - z1 * upper * maxnorm
        if gmin >= thr:
            # No pattern improves |p| at rounding level: p is the min-norm point.
            if lower <= 0.0:
                return _NONSEP, it, lower, upper, best_lower
            return _OPT, it, lower, upper, best_lower
        if it >= max_iter:
            return _MAXITER, it, lower, upper, best_lower
        if inS[jmin] or m >= mcap:
            return _STALL, it, lower, upper, best_lower
        # Up to kadd improving patterns outside the corral, most violated first.
        ncand = 1
        cand[0] = jmin
        if kadd > 1:
            order = np.argsort(g)
            for q in range(1, P):
                k = order[q]
                if g[k] >= thr or ncand >= kadd:
                    break
                if not inS[k]:
                    cand[ncand] = k
                    ncand += 1
        m_new = _chol_append_block(R, m, S, G, c, cand[:ncand], z2, mcap)
        if m_new == m:
            return _STALL, it, lower, upper, best_lower
        for i in range(m, m_new):
            w[i] = 0.0
            inS[S[i]] = True
        n_new = m_new - m
        m = m_new
        it += 1


# ----------------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------------


def _check_patterns(xi):
    arr = np.asarray(xi)
    if arr.ndim != 2:
        raise ValueError(f"xi must have shape (P, N), got an array with shape {arr.shape}")
    P, N = arr.shape
    if P < 1:
        raise ValueError(f"xi must hold P >= 1 patterns, got P = {P}")
    if N < 1:
        raise ValueError(f"xi must have dimension N >= 1, got N = {N}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"xi must be a real array, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"xi has a non-finite entry at xi[{bad[0]}, {bad[1]}] = {arr[tuple(bad)]}")
    if not np.any(arr):
        raise ValueError("xi is all zeros: every stability is 0 and the margin is undefined")
    return arr


def _check_tol(tol):
    tol = float(tol)
    if not (tol > 0.0 and math.isfinite(tol)):
        raise ValueError(f"tol must be a finite number > 0, got {tol}")
    return tol


def _check_max_iter(max_iter):
    try:
        max_iter = operator.index(max_iter)
    except TypeError:
        raise ValueError(f"max_iter must be an integer, got {max_iter!r}") from None
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    return max_iter


def _check_kappa(kappa):
    try:
        kappa = float(kappa)
    except (TypeError, ValueError):
        raise ValueError(f"kappa must be a real number, got {kappa!r}") from None
    if math.isnan(kappa):
        raise ValueError("kappa is NaN")
    if not math.isfinite(kappa):
        raise ValueError(f"kappa must be finite, got {kappa}")
    if kappa < 0.0:
        raise ValueError(
            f"kappa = {kappa} < 0: the negative perceptron is non-convex and is not decided "
            "exactly here (use kappa >= 0)"
        )
    return kappa


# ----------------------------------------------------------------------------------------------
# The solver driver
# ----------------------------------------------------------------------------------------------


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


def _wolfe_block(P, N):
    """Patterns added per major cycle of Wolfe's method (1 = Wolfe's rule, for small N)."""
    return int(min(_WOLFE_KADD_MAX, max(1, min(P, N) // _WOLFE_KADD_DIV)))


_WOLFE_KADD_MAX = 16
_WOLFE_KADD_DIV = 64


def _wolfe(prob, P, lam, *, warm, kappa_sat, kappa_unsat, tol, max_iter):
    """Wolfe's min-norm-point phase on the first P patterns (see :func:`_wolfe_kernel`).

    With ``warm`` the initial corral is built from the support of ``lam`` (largest weights
    first), otherwise it is the single pattern of smallest norm.
    Returns (code, iterations, lam, lower, upper, best_lam, best_lower).
    """
    if warm:
        support = np.flatnonzero(lam[:P] > 0.0)
        order = support[np.argsort(-lam[support], kind="stable")]
        S0 = np.ascontiguousarray(order, dtype=np.int64)
        w0 = np.ascontiguousarray(lam[order], dtype=np.float64)
    else:
        S0 = np.array([int(np.argmin(prob.diag[:P]))], dtype=np.int64)
        w0 = np.ones(1)
    if S0.size == 0:
        return _STALL, 0, lam, -np.inf, np.inf, lam.copy(), -np.inf
    lam_out = np.zeros(P)
    best_lam = np.zeros(P)
    best_lam[S0] = w0 / w0.sum()
    c = float(np.mean(prob.diag[:P]))
    code, it, lower, upper, best_lower = _wolfe_kernel(
        prob.xi[:P], prob.G, S0, w0, c, kappa_sat, kappa_unsat, tol, prob.cert_tol,
        _WOLFE_Z1, _WOLFE_Z2, _wolfe_block(P, prob.N), max_iter, lam_out, best_lam, -np.inf)
    return code, it, lam_out, lower, upper, best_lam, best_lower


def _solve(prob, P, lam, *, kappa_sat, kappa_unsat, tol, max_iter, warm=False):
    """Run the solvers on the first P patterns until a certificate.

    Wolfe's exact phase runs first; if its answer cannot be verified from the patterns, the
    pair-step kernel takes over from its last iterate.
    Returns (code, lam, lower, upper, iterations, best_lam, best_lower, cert_lam) with code one of
    _GAP, _SAT, _UNSAT, _NONSEP (certified: cert_lam is set), _MAXITER.
    """
    G, diag = prob.G, prob.diag
    lam = np.ascontiguousarray(lam[:P], dtype=np.float64)
    probe_its = 0
    max_iter_total = max_iter
    if _USE_WOLFE and not warm:
        # A short pair-step probe first: easy instances (far from the threshold) are decided
        # in O(P) steps; the hard ones go to Wolfe's exact phase from a cold start.
        lam_p = lam.copy()
        g = prob.G[:P, :P] @ lam_p
        bl = lam_p.copy()
        budget = min(max(1000, 2 * P), max_iter)
        code, probe_its, lower, upper, best_lower = _smo_kernel(
            prob.G, prob.diag, P, lam_p, g, kappa_sat, kappa_unsat, tol, 0.0, budget, bl,
            -np.inf, max(1000, 4 * P))
        if code in (_GAP, _SAT, _UNSAT):
            bounds = _verified(prob, P, code, lam_p, kappa_sat, kappa_unsat, tol)
            if bounds is not None:
                return code, lam_p, bounds[0], bounds[1], probe_its, bl, best_lower, None
        if probe_its >= max_iter:
            return _MAXITER, lam_p, lower, upper, probe_its, bl, best_lower, None
        max_iter = max_iter - probe_its
    if _USE_WOLFE:
        code, iterations, lam_w, lower, upper, best_lam, best_lower = _wolfe(
            prob, P, lam, warm=warm, kappa_sat=kappa_sat, kappa_unsat=kappa_unsat, tol=tol,
            max_iter=max_iter)
        iterations += probe_its
    else:
        code, iterations, lam_w = _STALL, 0, lam
    max_iter = max_iter_total
    if code in (_GAP, _SAT, _UNSAT):
        bounds = _verified(prob, P, code, lam_w, kappa_sat, kappa_unsat, tol)
        if bounds is not None:
            return code, lam_w, bounds[0], bounds[1], iterations, best_lam, best_lower, None
    elif code == _NONSEP:
        cert = _certify_origin_in_hull(prob, P, lam_w)
        if cert is not None:
            return _NONSEP, lam_w, lower, upper, iterations, best_lam, best_lower, cert
    elif code == _MAXITER:
        return _MAXITER, lam_w, lower, upper, iterations, best_lam, best_lower, None
    if np.any(lam_w > 0.0):
        lam = lam_w / lam_w.sum()
    # Fallback: pair steps from the last Wolfe iterate.
    g = G[:P, :P] @ lam
    best_lam = lam.copy()
    best_lower = -np.inf
    sep_thresh = 1e-3 * prob.scale
    refresh_every = max(1000, 4 * P)
    lower, upper = -np.inf, np.inf
    chunk = max(1000, 2 * P)
    # |p|^2 = lamda^T g loses relative precision ~ eps * max|G| / |p|^2: below f_floor the
    # kernel's |p| is noise and the exact |p| is checked here after every chunk instead.
    f_floor = 1e-6 * prob.scale
    last_try = np.inf
    while True:
        budget = min(chunk, max_iter - iterations)
        code, it, lower, upper, best_lower = _smo_kernel(
            G, diag, P, lam, g, kappa_sat, kappa_unsat, tol, sep_thresh, budget,
            best_lam, best_lower, refresh_every)
        iterations += it
        if code == _MAXITER:
            if iterations >= max_iter:
                return _MAXITER, lam, lower, upper, iterations, best_lam, best_lower, None
            if _polish(prob, P, lam, g):
                g = G[:P, :P] @ lam
            if best_lower <= 0.0 and sep_thresh <= f_floor:
                _, up_x, _ = _exact_bounds(prob.xi[:P], lam)
                if up_x <= prob.cert_tol or up_x <= 0.1 * last_try:
                    last_try = up_x
                    cert = _certify_origin_in_hull(prob, P, lam)
                    if cert is not None:
                        return _NONSEP, lam, lower, up_x, iterations, best_lam, best_lower, cert
            continue
        if code == _NONSEP:
            cert = _certify_origin_in_hull(prob, P, lam)
            if cert is not None:
                return _NONSEP, lam, lower, upper, iterations, best_lam, best_lower, cert
            if upper == 0.0:
                # p = 0 exactly in floating point but the support is degenerate: keep lam as the
                # certificate (the sum is exact up to the rounding of the pair steps).
                p, up, _ = _exact_bounds(prob.xi[:P], lam)
                if up <= prob.cert_tol:
                    return _NONSEP, lam, lower, 0.0, iterations, best_lam, best_lower, lam / lam.sum()
            # Try again once |p| has decreased tenfold; at |p| <= cert_tol the certificate is
            # lamda itself.
            sep_thresh = max(0.1 * min(sep_thresh, upper), f_floor)
            g = G[:P, :P] @ lam
            continue
        if code == _STALL:
            # Rounding: refresh the Gram products once and retry; if it persists, give up.
            g = G[:P, :P] @ lam
            code2, it2, lower, upper, best_lower = _smo_kernel(
                G, diag, P, lam, g, kappa_sat, kappa_unsat, tol, sep_thresh, 1,
                best_lam, best_lower, refresh_every)
            iterations += it2
            if code2 == _STALL:
                return _MAXITER, lam, lower, upper, iterations, best_lam, best_lower, None
            continue
        # _GAP, _SAT, _UNSAT: confirm with bounds recomputed from the patterns.
        _, upper_x, lower_x = _exact_bounds(prob.xi[:P], lam)
        ok = (
            (code == _GAP and lower_x > 0.0 and upper_x - lower_x <= tol)
            or (code == _SAT and lower_x > kappa_sat)
            or (code == _UNSAT and upper_x < kappa_unsat)
        )
        if ok:
            return code, lam, lower_x, upper_x, iterations, best_lam, best_lower, None
        g = G[:P, :P] @ lam  # drift of the incremental products: refresh and go on


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


def _result_from(prob, P, code, lam, lower, upper, iterations, best_lam, cert, tol):
    xi = prob.xi[:P]
    N = prob.N
    if code in (_GAP, _SAT, _UNSAT, _MAXITER):
        p, upper_x, lower_x = _exact_bounds(xi, lam)
        w = math.sqrt(N) * p / upper_x
        separable = lower_x > 0.0
        status = "separable" if code == _GAP else ("max_iter" if code == _MAXITER else "decided")
        kappa = 0.5 * (lower_x + upper_x) if code == _GAP else lower_x
        return MaxMarginResult(kappa, lower_x, upper_x, w, iterations, separable, status)
    # Non-separable: the origin is in the hull, kappa_max <= 0.
    if P < N:
        u = _null_direction(xi)
        return MaxMarginResult(0.0, 0.0, 0.0, math.sqrt(N) * u, iterations, False, "degenerate")
    p, up_b, _ = _exact_bounds(xi, best_lam)
    if up_b == 0.0:
        p = xi[int(np.argmax(prob.diag[:P]))]
        up_b = float(np.linalg.norm(p))
    u = p / up_b
    lower_x = float(np.min(xi @ u))
    return MaxMarginResult(lower_x, lower_x, 0.0, math.sqrt(N) * u, iterations, False,
                           "non_separable")


# ----------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------


def max_margin_certified(xi, *, tol=1e-8, max_iter=_DEFAULT_MAX_ITER, throw=True):
    """Maximal margin kappa_max of a pattern set, with certified bounds and the weights.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns xi^mu as rows; finite real entries, not all zero.
    tol : float, optional
        Certificate width: for a separable set the solver stops when upper - lower <= tol.
    max_iter : int, optional
        Maximal number of pair steps.
    throw : bool, optional
        If True (default) raise :class:`ConvergenceError` when ``max_iter`` is reached without
        certificate; if False return the last iterate with status ``"max_iter"``.

    Returns
    -------
    MaxMarginResult
        ``kappa_max`` is (lower + upper) / 2 for a separable set (error <= tol / 2), the margin
        of the returned w (a negative lower bound) for a non-separable set, and 0 in the
        degenerate case (origin in the hull and P < N).

    Raises
    ------
    ValueError
        Bad ``xi`` (shape, non-finite entries, P < 1, N < 1, all zeros), ``tol`` or ``max_iter``.
    ConvergenceError
        No certificate within ``max_iter`` steps (``throw=True``).

    Notes
    -----
    With Delta^mu(w) = w . xi^mu / sqrt(N) and |w|^2 = N, writing w = sqrt(N) u with |u| = 1,

    .. math:: \\kappa_{max} = \\max_{|u|=1} \\min_\\mu u\\cdot\\xi^\\mu
              = \\operatorname{dist}(0, K), \\quad K = \\operatorname{conv}\\{\\xi^\\mu\\},

    when 0 is not in K (note: distance to the hull of the xi^mu themselves, not of
    xi^mu / sqrt(N)). The solver minimises |p|^2, p = sum_mu lamda_mu xi^mu over the simplex
    (the dual of the hard-margin SVM without bias, min |v|^2 s.t. v . xi^mu >= 1, with
    kappa_max = 1 / |v*|), by pair steps lamda_i += t, lamda_j -= t between the away vertex j
    (max of g_mu = p . xi^mu on the support) and the toward vertex i chosen by second-order
    gain (g_j - g_i)^2 / |xi^i - xi^j|^2, with exact line search. The Gram matrix G = xi xi^T
    is formed once (BLAS) and g is updated in O(P) per step. Every iterate certifies

    .. math:: \\min_\\mu g_\\mu / |p| \\le \\kappa_{max} \\le |p|,

    and the width of this interval is the Frank-Wolfe duality gap divided by |p|. Final bounds
    are recomputed from ``xi`` (not from the updated products).

    Before the pair steps, Wolfe's minimum-norm-point method [4]_ runs (up to 16 improving
    patterns are added per major cycle for large N; ``iterations`` then counts its major and
    minor cycles): it is exact and finite, and certifies both tiny margins and origins barely
    inside the hull near alpha = 2, where the pair steps converge only linearly. Its answer is
    verified from ``xi``; otherwise the pair steps continue from its last iterate.

    Non-separable sets (0 in K) give kappa_max = -(distance from 0 to the boundary of K) <= 0,
    a non-convex problem. When |p| is small and the lower bound <= 0, the iterate lamda is
    corrected on its support by the minimum-norm solution of sum_S delta_mu xi^mu = -p,
    sum_S delta_mu = 0; if the corrected lamda' is >= 0 and |sum lamda'_mu xi^mu| is at the
    rounding level (1e3 * eps * sqrt(N) * max|xi|), the origin is certified in K up to that
    rounding-level perturbation of the patterns (a Farkas / LP certificate), so kappa_max <= 0,
    and ``upper = 0``. The returned value is then the margin of an explicit w (the best
    iterate direction p / |p| met on the way), a valid lower bound, strictly negative unless
    the origin is on the boundary of K. Degenerate boundary case: if 0 is in K and P < N,
    a w orthogonal to all patterns has all stabilities 0 and kappa_max = 0 exactly, returned
    with status ``"degenerate"`` (it happens e.g. for a set containing xi and -xi with P < N;
    for P >= N a boundary origin is non-generic and reported through the lower bound of the
    found w, which is then <= 0 at rounding level). A separable set whose margin is below
    the rounding level cannot be told from a non-separable one in floating point.

    References
    ----------
    .. [1] B. F. Mitchell, V. F. Dem'yanov, V. N. Malozemov, "Finding the point of a polyhedron
       closest to the origin", SIAM J. Control 12, 19 (1974).
    .. [2] R.-E. Fan, P.-H. Chen, C.-J. Lin, "Working set selection using second order
       information for training support vector machines", JMLR 6, 1889 (2005).
    .. [3] E. Gardner, "The space of interactions in neural network models",
       J. Phys. A 21, 257 (1988).
    .. [4] P. Wolfe, "Finding the nearest point in a polytope", Math. Programming 11, 128
       (1976).
    """
    xi = _check_patterns(xi)
    tol = _check_tol(tol)
    max_iter = _check_max_iter(max_iter)
    prob = _Problem(xi)
    P = prob.P
    lam0 = np.full(P, 1.0 / P)
    code, lam, lower, upper, iterations, best_lam, _, cert = _solve(
        prob, P, lam0, kappa_sat=np.inf, kappa_unsat=-np.inf, tol=tol, max_iter=max_iter)
    result = _result_from(prob, P, code, lam, lower, upper, iterations, best_lam, cert, tol)
    if code == _MAXITER and throw:
        raise ConvergenceError(
            f"max_margin: no certificate after {iterations} steps (max_iter = {max_iter}); "
            f"bounds {result.lower!r} <= kappa_max <= {result.upper!r}",
            lower=result.lower, upper=result.upper, iterations=iterations, result=result)
    return result


def max_margin(xi, *, tol=1e-8, max_iter=_DEFAULT_MAX_ITER):
    """Maximal margin kappa_max = max_{|w|^2=N} min_mu w . xi^mu / sqrt(N) of the patterns xi.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns xi^mu as rows.
    tol : float, optional
        Certified accuracy for a separable set: the true value is within tol / 2.
    max_iter : int, optional
        Maximal number of solver steps (:class:`ConvergenceError` beyond).

    Returns
    -------
    float
        kappa_max (> 0) for a separable set; for a non-separable set a strictly negative
        lower bound (the margin of an explicit w; only the sign is exact); 0.0 exactly in the
        degenerate case P < N with the origin in the hull of the patterns.

    Notes
    -----
    kappa_max = dist(0, conv{xi^mu}) when positive; see :func:`max_margin_certified` for the
    algorithm, the certificates and the degenerate cases.

    References
    ----------
    .. [1] E. Gardner, "The space of interactions in neural network models",
       J. Phys. A 21, 257 (1988).
    .. [2] T. M. Cover, "Geometrical and statistical properties of systems of linear
       inequalities with applications in pattern recognition", IEEE Trans. Electron.
       Comput. EC-14, 326 (1965).
    """
    return max_margin_certified(xi, tol=tol, max_iter=max_iter).kappa_max


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


def is_sat(xi, kappa, *, tol=1e-10, max_iter=_DEFAULT_MAX_ITER):
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
    xi = _check_patterns(xi)
    kappa = _check_kappa(kappa)
    tol = _check_tol(tol)
    max_iter = _check_max_iter(max_iter)
    prob = _Problem(xi)
    sat, _ = _decide(prob, prob.P, kappa, np.full(prob.P, 1.0 / prob.P), tol, max_iter)
    return sat


def instance_capacity(xi, kappa, *, tol=1e-10, max_iter=_DEFAULT_MAX_ITER):
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
    xi = _check_patterns(xi)
    kappa = _check_kappa(kappa)
    tol = _check_tol(tol)
    max_iter = _check_max_iter(max_iter)
    prob = _Problem(xi)
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
