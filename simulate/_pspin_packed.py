"""Packed storage of a symmetric 3-tensor: one number per multiset {i <= j <= k}.

A dense symmetrised 3-tensor holds N^3 numbers (N = 400: 512 MB); its independent entries are
the N(N+1)(N+2)/6 sorted triples (N = 800: 686 MB, N = 1000: 1.3 GB).  Each triple stores
w = mult * T_ijk, mult = 6, 3 or 1 the number of ordered triples it stands for, so that

    H(s) = sum_{i<=j<=k} w_ijk s_i s_j s_k,

and the gradient and Hessian follow from the product rule on each monomial (repeated indices
included).  For T = sqrt(c)/N sym(G) with G i.i.d. standard Gaussians, w_ijk is Gaussian with
variance c mult / N^2 (mult = 6: the mean of 6 independent entries, times 6; mult = 3: of 3,
each twice; mult = 1: G_iii), independent across triples: the same law as the dense tensor.
"""
from __future__ import annotations

import math


from ._jit import jit


def size(N):
    return N * (N + 1) * (N + 2) // 6


@jit
def _multiplicities_scale(w, N, scale):
    """w[idx] *= scale * sqrt(mult) (w: standard Gaussians in packed order)."""
    idx = 0
    s6, s3 = math.sqrt(6.0) * scale, math.sqrt(3.0) * scale
    for i in range(N):
        for j in range(i, N):
            for k in range(j, N):
                if i < j < k:
                    w[idx] *= s6
                elif i == j == k:
                    w[idx] *= scale
                else:
                    w[idx] *= s3
                idx += 1


def gaussian(N, c, gen):
    """Packed w of sqrt(c)/N sym(G)."""
    w = gen.standard_normal(size(N))
    _multiplicities_scale(w, N, math.sqrt(c) / N)
    return w


@jit
def _add_rank_one(w, N, v, d, lift):
    """Add the packed form of d N^{-2} v(x)v(x)v (lift=False) or of the degree-3 lift
    d sym(v (x) I)/N of the linear term d s.v on the sphere (lift=True)."""
    idx = 0
    for i in range(N):
        for j in range(i, N):
            for k in range(j, N):
                if lift:
                    # (d/N)(s.v)(s.s): s_i^3 <- v_i; s_i s_j^2 (i < j) <- v_i;
                    # s_i^2 s_k (i < k) <- v_k; distinct triples <- 0
                    if j == k:
                        val = v[i]
                    elif i == j:
                        val = v[k]
                    else:
                        val = 0.0
                    w[idx] += d / N * val
                else:
                    mult = 6.0 if i < j < k else (1.0 if i == j == k else 3.0)
                    w[idx] += d * mult * v[i] * v[j] * v[k] / (N * N)
                idx += 1


@jit
def _grad(w, N, s, g):
    """H(s) and the Euclidean gradient added to g (four partial sums per row: a fixed
    summation order, vectorisable without fast-math)."""
    H = 0.0
    idx = 0
    for i in range(N):
        si = s[i]
        for j in range(i, N):
            sj = s[j]
            a = si * sj
            n = N - j
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            a3 = 0.0
            q = 0
            while q + 4 <= n:
                w0 = w[idx + q]
                w1 = w[idx + q + 1]
                w2 = w[idx + q + 2]
                w3 = w[idx + q + 3]
                a0 += w0 * s[j + q]
                a1 += w1 * s[j + q + 1]
                a2 += w2 * s[j + q + 2]
                a3 += w3 * s[j + q + 3]
                g[j + q] += w0 * a
                g[j + q + 1] += w1 * a
                g[j + q + 2] += w2 * a
                g[j + q + 3] += w3 * a
                q += 4
            while q < n:
                wq = w[idx + q]
                a0 += wq * s[j + q]
                g[j + q] += wq * a
                q += 1
            acc = (a0 + a1) + (a2 + a3)
            idx += n
            H += a * acc
            g[i] += sj * acc
            g[j] += si * acc
    return H


@jit
def _hess(w, N, s, g, h):
    """H(s); gradient added to g and Hessian to h."""
    H = 0.0
    idx = 0
    for i in range(N):
        si = s[i]
        for j in range(i, N):
            sj = s[j]
            a = si * sj
            acc = 0.0
            for k in range(j, N):
                wk = w[idx + k - j]
                acc += wk * s[k]
                g[k] += wk * a
                h[i, k] += wk * sj
                h[k, i] += wk * sj
                h[j, k] += wk * si
                h[k, j] += wk * si
            idx += N - j
            H += a * acc
            g[i] += sj * acc
            g[j] += si * acc
            h[i, j] += acc
            h[j, i] += acc
    return H


def derivs(w, N, s, g, h, order):
    """H(s); adds the Euclidean gradient to g and (order 2) the Hessian to h."""
    if order >= 2:
        return _hess(w, N, s, g, h)
    return _grad(w, N, s, g)
