"""Numba quadrature of the training error of a point of the simplex spanned by y <= 3 vertices.

Law of the vertices' stabilities on a training pattern (RS, hard margins): fields
h = L z ~ N(0, Q_h) (Q_h[a, a] = q_a, Q_h[a, b] = q_ab), then independently
Delta_a = h_a + s_a x_a with s_a = sqrt(1 - q_a) and x_a ~ N(0, 1) truncated to
x_a >= A_a = (kappa_a - h_a)/s_a.  The kernels return

    e = P[sum_a g_a Delta_a < K]   (hard threshold), or
    e = E[H((sum_a g_a Delta_a - K)/sigma)]   (a Gaussian-smeared threshold, sigma > 0).

Quadrature: Gauss-Hermite in z (tensor rule, nodes of product weight < 1e-15 skipped; a
direction with a zero pivot of the semidefinite Cholesky factor gets one node), then
composite Gauss-Legendre in x_1 (, x_2) on [A_a, X_a] whose panels are graded geometrically
from both ends (the truncated density varies on a scale 1/(1 + |A|) at the lower end, the
conditional probability of the remaining vertices on the scale of their own width at the
upper end); the last vertex is integrated analytically,
P[A <= x < B | x >= A] = 1 - H(B)/H(A), computed as -expm1(log H(B) - log H(A)).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from ._numba_special import GH, logH

_jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")

#: the truncated density exp(-A u - u^2/2) is cut where it has dropped below e^-40
_TAIL = 40.0
#: largest number of panel edges of one truncated integral
_MAX_EDGES = 64
#: skip z-nodes whose product weight is below this
_WMIN = 1e-15


@_jit
def _last(B, A):
    """P[x < B | x >= A] for a standard normal x: 0 if B <= A."""
    if B <= A:
        return 0.0
    return -math.expm1(logH(B) - logH(A))


@_jit
def _edges(U, lA, lB, out):
    """Panel edges on [0, U]: geometric from 0 with scale lA and from U with scale lB."""
    n = 0
    out[n] = 0.0
    n += 1
    e = lA
    while e < U and n < _MAX_EDGES // 2:
        out[n] = e
        n += 1
        e *= 2.0
    e = lB
    while e < U and n < _MAX_EDGES - 1:
        out[n] = U - e
        n += 1
        e *= 2.0
    out[n] = U
    n += 1
    out[:n].sort()
    return n


@_jit
def _weights_on(A, X, scale_top, gl_x, gl_w, edges, nodes, weights):
    """Nodes and weights of E[f(x) 1(x <= X) | x >= A] (composite Gauss-Legendre); count."""
    if X <= A:
        return 0
    # the truncated density exp(-A u - u^2/2) (u = x - A) is below e^-40 past umax
    umax = -A + math.sqrt(A * A + 2.0 * _TAIL)
    U = min(X - A, umax)
    ne = _edges(U, 0.25 / (1.0 + abs(A)), 0.25 * scale_top, edges)
    gha = GH(A)
    m = 0
    for k in range(ne - 1):
        a, b = edges[k], edges[k + 1]
        if b <= a:
            continue
        half, mid = 0.5 * (b - a), 0.5 * (a + b)
        for j in range(gl_x.shape[0]):
            u = mid + half * gl_x[j]
            # density of x = A + u given x >= A: G(x)/H(A) = GH(A) exp(-A u - u^2/2)
            nodes[m] = A + u
            weights[m] = half * gl_w[j] * gha * math.exp(-A * u - 0.5 * u * u)
            m += 1
    return m


@_jit
def _upper(level, Krem, h, s, g, kap):
    """Largest x_level for which the later vertices can still satisfy the threshold."""
    low = 0.0
    for a in range(level + 1, h.shape[0]):
        low += g[a] * kap[a]
    return ((Krem - low) / g[level] - h[level]) / s[level]


@_jit
def _top_scale(level, A, s, g):
    top = 1.0
    for a in range(level + 1, s.shape[0]):
        if g[a] > 0.0:
            top = min(top, g[a] * s[a] / (g[level] * s[level]) / (1.0 + abs(A)))
    return top


@_jit
def _level_last(level, Krem, h, s, g, kap):
    """P[g_l Delta_l < Krem | Delta_l >= kappa_l] for the last vertex (analytic)."""
    A = (kap[level] - h[level]) / s[level]
    if g[level] == 0.0:
        return 1.0 if Krem > 0.0 else 0.0
    return _last((Krem / g[level] - h[level]) / s[level], A)


@_jit
def _level_mid(level, Krem, h, s, g, kap, gl_x, gl_w, buf):
    """P[sum_{a >= level} g_a Delta_a < Krem] with one vertex after ``level``."""
    if g[level] == 0.0:
        return _level_last(level + 1, Krem, h, s, g, kap)
    A = (kap[level] - h[level]) / s[level]
    X = _upper(level, Krem, h, s, g, kap)
    m = _weights_on(A, X, _top_scale(level, A, s, g), gl_x, gl_w, buf[level, 0],
                    buf[level, 1], buf[level, 2])
    tot = 0.0
    for j in range(m):
        x = buf[level, 1, j]
        tot += buf[level, 2, j] * _level_last(level + 1, Krem - g[level] * (h[level] + s[level] * x),
                                              h, s, g, kap)
    return tot


@_jit
def _level_top(Krem, h, s, g, kap, gl_x, gl_w, buf):
    """P[sum_a g_a Delta_a < Krem] for three vertices."""
    if g[0] == 0.0:
        return _level_mid(1, Krem, h, s, g, kap, gl_x, gl_w, buf)
    A = (kap[0] - h[0]) / s[0]
    X = _upper(0, Krem, h, s, g, kap)
    m = _weights_on(A, X, _top_scale(0, A, s, g), gl_x, gl_w, buf[0, 0], buf[0, 1], buf[0, 2])
    tot = 0.0
    for j in range(m):
        x = buf[0, 1, j]
        tot += buf[0, 2, j] * _level_mid(1, Krem - g[0] * (h[0] + s[0] * x), h, s, g, kap,
                                         gl_x, gl_w, buf)
    return tot


@_jit
def _hard_at(h, s, g, kap, K, gl_x, gl_w, buf):
    y = h.shape[0]
    if y == 1:
        return _level_last(0, K, h, s, g, kap)
    if y == 2:
        return _level_mid(0, K, h, s, g, kap, gl_x, gl_w, buf)
    return _level_top(K, h, s, g, kap, gl_x, gl_w, buf)


@_jit
def energy(L, active, q, kap, g, K, sigma, gh_x, gh_w, gl_x, gl_w, eta_x, eta_w):
    """e(gamma) for one point (see module notes).  L: (y, y) lower-triangular, h = L z."""
    y = q.shape[0]
    s = np.sqrt(1.0 - q)
    n = gh_x.shape[0]
    buf = np.empty((y, 3, _MAX_EDGES * gl_x.shape[0]))
    h = np.empty(y)
    z = np.zeros(y)
    idx = np.zeros(y, dtype=np.int64)
    tot = 0.0
    # odometer over the tensor Gauss-Hermite grid of the active directions
    while True:
        w = 1.0
        for a in range(y):
            if active[a]:
                z[a] = gh_x[idx[a]]
                w *= gh_w[idx[a]]
            else:
                z[a] = 0.0
        if w > _WMIN:
            for a in range(y):
                acc = 0.0
                for b in range(a + 1):
                    acc += L[a, b] * z[b]
                h[a] = acc
            if sigma == 0.0:
                tot += w * _hard_at(h, s, g, kap, K, gl_x, gl_w, buf)
            else:
                # smear the threshold: K -> K - sigma * eta, eta ~ N(0, 1) on [-9, eta0]
                low = 0.0
                for a in range(y):
                    low += g[a] * kap[a]
                eta0 = min((K - low) / sigma, 9.0)
                if eta0 > -9.0:
                    half, mid = 0.5 * (eta0 + 9.0), 0.5 * (eta0 - 9.0)
                    for j in range(eta_x.shape[0]):
                        et = mid + half * eta_x[j]
                        we = half * eta_w[j] * math.exp(-0.5 * et * et) / math.sqrt(2 * math.pi)
                        tot += w * we * _hard_at(h, s, g, kap, K - sigma * et, gl_x, gl_w,
                                                 buf)
        # advance
        a = 0
        while a < y:
            if active[a]:
                idx[a] += 1
                if idx[a] < n:
                    break
                idx[a] = 0
            a += 1
        if a == y:
            break
    return tot
