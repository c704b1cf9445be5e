"""Numba kernels of the maximal-margin solver: minimum-norm point of the convex hull of the
patterns, by pair steps (Mitchell-Demyanov-Malozemov with second-order working-set selection)
and by Wolfe's exact minimum-norm-point algorithm.

They work on the simplex weights lambda of p = sum_mu lambda_mu xi^mu and return stop codes;
the certificates built from their iterates, and the public API, are in
:mod:`simulate.perceptron`.

References
----------
P. Wolfe, "Finding the nearest point in a polytope", Math. Programming 11, 128 (1976);
R.-E. Fan, P.-H. Chen and C.-J. Lin, J. Mach. Learn. Res. 6, 1889 (2005).
"""
from __future__ import annotations

import math

import numpy as np

from simulate._jit import jit

# Stop codes of the Numba kernel.
_GAP = 0  # upper - lower <= tol with lower > 0
_SAT = 1  # lower > kappa_sat
_UNSAT = 2  # upper < kappa_unsat
_NONSEP = 3  # lower <= 0 and upper <= sep_thresh: try to certify the origin in the hull
_MAXITER = 4
_STALL = 5  # no pair step decreases |p| (only with duplicated patterns at rounding level)


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
def _normalise(w, m):
    """w[:m] scaled to sum 1."""
    total = 0.0
    for i in range(m):
        total += w[i]
    for i in range(m):
        w[i] /= total


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
    _normalise(a, m)


@jit
def _fill_lam(lam_out, S, w, m):
    for i in range(lam_out.size):
        lam_out[i] = 0.0
    for i in range(m):
        lam_out[S[i]] = max(w[i], 0.0)


_CONTINUE = -1  # the minor cycles ended at an affine minimiser inside the simplex


@jit
def _wolfe_corral(S0, w0, R, S, w, inS, G, c, z2, mcap):
    """The initial corral from the candidates S0 (in order, in blocks of 64; numerically
    affinely dependent ones are skipped) with their weights w0, normalised; returns its size."""
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
    _normalise(w, m)
    return m


@jit
def _wolfe_minor(R, m, S, w, a, inS, n_new, it, max_iter, lam_out):
    """Wolfe's minor cycles: move towards the affine minimiser of the corral, dropping members
    whose weight reaches zero.  Returns (code, m, n_new, it): ``_CONTINUE`` when the affine
    minimiser lies inside the simplex (its weights are in w), a final code otherwise."""
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
            return _CONTINUE, m, n_new, it
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
                return _STALL, m, n_new, it
        if m == 0:
            return _STALL, m, n_new, it
        _normalise(w, m)
        it += 1
        if it >= max_iter:
            _fill_lam(lam_out, S, w, m)
            return _MAXITER, m, n_new, it


@jit
def _improving(g, thr, jmin, inS, kadd, cand):
    """Up to ``kadd`` improving patterns (g_k < thr) outside the corral, the most violated
    (jmin) first; returns how many were written to ``cand``."""
    ncand = 1
    cand[0] = jmin
    if kadd > 1:
        order = np.argsort(g)
        for q in range(1, g.size):
            k = order[q]
            if g[k] >= thr or ncand >= kadd:
                break
            if not inS[k]:
                cand[ncand] = k
                ncand += 1
    return ncand


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
    m = _wolfe_corral(S0, w0, R, S, w, inS, G, c, z2, mcap)
    if m == 0:
        return _STALL, 0, -np.inf, np.inf, best_lower
    it = 0
    lower = -np.inf
    upper = np.inf
    n_new = 0
    cand = np.empty(kadd, dtype=np.int64)
    while True:
        code, m, n_new, it = _wolfe_minor(R, m, S, w, a, inS, n_new, it, max_iter, lam_out)
        if code != _CONTINUE:
            return code, it, lower, upper, best_lower
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
        ncand = _improving(g, thr, jmin, inS, kadd, cand)
        m_new = _chol_append_block(R, m, S, G, c, cand[:ncand], z2, mcap)
        if m_new == m:
            return _STALL, it, lower, upper, best_lower
        for i in range(m, m_new):
            w[i] = 0.0
            inS[S[i]] = True
        n_new = m_new - m
        m = m_new
        it += 1
