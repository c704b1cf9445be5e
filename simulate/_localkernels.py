"""Numba kernels of :mod:`simulate.localentropy`, :mod:`simulate.localenergy` and
:mod:`simulate.hinge`.

Kernels take arrays and scalars only; random numbers are drawn by the callers from a
``numpy.random.Generator`` and passed in, so every kernel is deterministic. Each one has a slow
NumPy twin in ``tests/simulate/test_localentropy.py``.
"""
from __future__ import annotations

import numba
import numpy as np

from simulate._jit import jit

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
_U1 = np.uint64(1)
_U2 = np.uint64(2)
_U4 = np.uint64(4)
_U56 = np.uint64(56)


@jit
def _popcount(x):
    """Number of set bits of a uint64 (SWAR; LLVM lowers it to a popcnt instruction)."""
    x = x - ((x >> _U1) & _M1)
    x = (x & _M2) + ((x >> _U2) & _M2)
    x = (x + (x >> _U4)) & _M4
    return np.int64((x * _H01) >> _U56)


@jit
def _distance_counts_kernel(ref_codes, sol_codes, N):
    """counts[r, k] = #{s : popcount(ref_codes[r] ^ sol_codes[s]) == k}, shape (R, N+1)."""
    R = ref_codes.shape[0]
    M = sol_codes.shape[0]
    counts = np.zeros((R, N + 1), np.int64)
    for r in range(R):
        c = ref_codes[r]
        for s in range(M):
            counts[r, _popcount(c ^ sol_codes[s])] += 1
    return counts


@jit
def _fields(X, w):
    """h^mu = xi^mu . w, summed in index order."""
    P, N = X.shape
    h = np.zeros(P)
    for mu in range(P):
        acc = 0.0
        for i in range(N):
            acc += X[mu, i] * w[i]
        h[mu] = acc
    return h


@jit(parallel=True)
def _sphere_violations_kernel(X, w_hat, G, p, kappa):
    """Violated constraints of w_s = p w_hat + sqrt(1-p^2) u_s for each row g_s of ``G``.

    u_s = sqrt(N) v_s/|v_s| with v_s = g_s - (g_s . w_hat / N) w_hat, |w_hat|^2 = N.
    Uses Delta^mu(w_s) = p Delta^mu(w_hat) + sqrt(1-p^2) (xi^mu.g_s - a_s xi^mu.w_hat)/|v_s|.
    Returns int64 counts, shape (n,). Samples are independent (prange): thread-count free.
    """
    P, N = X.shape
    n = G.shape[0]
    sqrt_n = np.sqrt(N)
    s = np.sqrt(max(0.0, 1.0 - p * p))
    h_ref = _fields(X, w_hat)
    out = np.zeros(n, np.int64)
    if s == 0.0:
        e = 0
        for mu in range(P):
            if p * h_ref[mu] / sqrt_n < kappa:
                e += 1
        out[:] = e
        return out
    for k in numba.prange(n):
        a = 0.0
        for i in range(N):
            a += G[k, i] * w_hat[i]
        a /= N
        vv = 0.0
        for i in range(N):
            v = G[k, i] - a * w_hat[i]
            vv += v * v
        inv = 1.0 / np.sqrt(vv)
        e = 0
        for mu in range(P):
            acc = 0.0
            for i in range(N):
                acc += X[mu, i] * G[k, i]
            delta = p * h_ref[mu] / sqrt_n + s * (acc - a * h_ref[mu]) * inv
            if delta < kappa:
                e += 1
        out[k] = e
    return out


@jit(parallel=True)
def _flip_violations_kernel(C, h_ref, keys, n_flip, thr):
    """Violated constraints after flipping the ``n_flip`` coordinates with smallest keys.

    ``C[i, mu] = w_ref_i xi^mu_i`` (shape (N, P)), ``h_ref[mu] = w_ref . xi^mu``; flipping the
    set F gives h^mu = h_ref^mu - 2 sum_{i in F} C[i, mu]; violated iff h^mu < thr.
    """
    N, P = C.shape
    n = keys.shape[0]
    out = np.zeros(n, np.int64)
    for k in numba.prange(n):
        order = np.argsort(keys[k])
        h = h_ref.copy()
        for j in range(n_flip):
            i = order[j]
            for mu in range(P):
                h[mu] -= 2.0 * C[i, mu]
        e = 0
        for mu in range(P):
            if h[mu] < thr:
                e += 1
        out[k] = e
    return out


@jit
def _min_stability(X, w):
    P, N = X.shape
    sqrt_n = np.sqrt(N)
    best = np.inf
    for mu in range(P):
        acc = 0.0
        for i in range(N):
            acc += X[mu, i] * w[i]
        d = acc / sqrt_n
        if d < best:
            best = d
    return best


@jit
def _perceptron_kernel(X, w, perms, kappa_stop, kappa_target, lr):
    """Run the epochs listed in ``perms`` (one presentation order per row) on ``w`` in place.

    Before each epoch the stabilities are recomputed; if min_mu Delta^mu >= kappa_stop the run
    stops. In an epoch, for mu in the order of the row: if Delta^mu < kappa_target,
    w += lr xi^mu / sqrt(N), then w is rescaled to |w|^2 = N.
    Returns (epochs run, converged, min stability of the final w).
    """
    P, N = X.shape
    sqrt_n = np.sqrt(N)
    step = lr / sqrt_n
    n_epochs = perms.shape[0]
    for ep in range(n_epochs):
        m = _min_stability(X, w)
        if m >= kappa_stop:
            return ep, True, m
        for t in range(P):
            mu = perms[ep, t]
            acc = 0.0
            for i in range(N):
                acc += X[mu, i] * w[i]
            if acc / sqrt_n < kappa_target:
                nrm = 0.0
                for i in range(N):
                    w[i] += step * X[mu, i]
                    nrm += w[i] * w[i]
                scale = sqrt_n / np.sqrt(nrm)
                for i in range(N):
                    w[i] *= scale
    m = _min_stability(X, w)
    return n_epochs, m >= kappa_stop, m
