"""Numba quadrature of the training error of a point of the simplex spanned by y <= 3 vertices.

Law of the vertices' stabilities on a training pattern (RS, hard margins): fields
h = L z ~ N(0, Q_h) (Q_h[a, a] = q_a, Q_h[a, b] = q_ab), then independently
Delta_a = h_a + s_a x_a with s_a = sqrt(1 - q_a) and x_a ~ N(0, 1) truncated to
x_a >= A_a = (kappa_a - h_a)/s_a.  The kernels return

    e = P[sum_a g_a Delta_a < K]   (hard threshold), or
    e = E[H((sum_a g_a Delta_a - K)/sigma)]   (a Gaussian-smeared threshold, sigma > 0).

Quadrature: graded composite Gauss-Legendre rules in z (:func:`replica.quadrature.panel_rule`),
one direction after the other, refined around the kink h_a = kappa_a of that direction's
vertex given the outer variables (nodes of product weight < 1e-15 skipped; a direction with a
zero pivot of the semidefinite Cholesky factor, i.e. a vertex equal in law to an earlier
one, gets none), then
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

from ..engine._numba_special import GH, logH
from ..engine.quadrature import BASE_WIDTH, ZMAX, edges_on, panel_rule

_jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")

#: the truncated density exp(-A u - u^2/2) is cut where it has dropped below e^-40
_TAIL = 40.0
#: largest number of panel edges of one truncated integral
_MAX_EDGES = 64
#: kink scale (in z) above which a field direction is smooth enough for Gauss-Hermite
_SMOOTH = 0.5
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
        rest = Krem - g[level] * (h[level] + s[level] * x)
        tot += buf[level, 2, j] * _level_last(level + 1, rest, h, s, g, kap)
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
def _z_rule(center, scale, ref_x, ref_w):
    """Gaussian-weighted composite rule on [-ZMAX, ZMAX] graded around a kink (center, scale)."""
    c = np.array([center])
    sc = np.array([scale])
    return panel_rule(c, sc, ref_x, ref_w, ZMAX, BASE_WIDTH)


@_jit
def _smeared(h, s, g, kap, K, sigma, gl_x, gl_w, eta_x, eta_w, buf):
    if sigma == 0.0:
        return _hard_at(h, s, g, kap, K, gl_x, gl_w, buf)
    # smear the threshold: K -> K - sigma * eta, eta ~ N(0, 1) on [-9, eta0]
    low = 0.0
    for a in range(h.shape[0]):
        low += g[a] * kap[a]
    eta0 = min((K - low) / sigma, 9.0)
    tot = 0.0
    if eta0 > -9.0:
        half, mid = 0.5 * (eta0 + 9.0), 0.5 * (eta0 - 9.0)
        for j in range(eta_x.shape[0]):
            et = mid + half * eta_x[j]
            we = half * eta_w[j] * math.exp(-0.5 * et * et) / math.sqrt(2 * math.pi)
            tot += we * _hard_at(h, s, g, kap, K - sigma * et, gl_x, gl_w, buf)
    return tot


@_jit
def energy(L, active, q, kap, g, K, sigma, gh_x, gh_w, ref_x, ref_w, gl_x, gl_w, eta_x, eta_w):
    """e(gamma) for one point (see module notes).  L: (y, y) lower-triangular, h = L z.

    The field directions are integrated one after the other (depth first): with Gauss-Hermite
    where the vertex's kink h_a = kappa_a is wide in z_a (scale sqrt(1-q_a)/L[a,a] >= _SMOOTH),
    else with a graded composite rule rebuilt at each level around that kink, whose position
    depends on the outer variables.
    """
    y = q.shape[0]
    s = np.sqrt(1.0 - q)
    buf = np.empty((y, 3, _MAX_EDGES * gl_x.shape[0]))
    dims = np.empty(y, dtype=np.int64)
    nd = 0
    for a in range(y):
        if active[a]:
            dims[nd] = a
            nd += 1
    maxn = 4096
    nodes = np.empty((nd, maxn))
    wts = np.empty((nd, maxn))
    cnt = np.zeros(nd, dtype=np.int64)
    idx = np.zeros(nd, dtype=np.int64)
    z = np.zeros(y)
    h = np.empty(y)
    tot = 0.0
    level = 0
    build = True
    while level >= 0:
        if build:
            a = dims[level]
            part = 0.0
            for b in range(a):
                part += L[a, b] * z[b]
            if s[a] / L[a, a] >= _SMOOTH:
                zn, zw = gh_x, gh_w
            else:
                zn, zw = _z_rule((kap[a] - part) / L[a, a], s[a] / L[a, a], ref_x, ref_w)
            m = min(zn.shape[0], maxn)
            nodes[level, :m] = zn[:m]
            wts[level, :m] = zw[:m]
            cnt[level] = m
            idx[level] = 0
            build = False
        if idx[level] >= cnt[level]:
            level -= 1
            if level >= 0:
                idx[level] += 1
            continue
        z[dims[level]] = nodes[level, idx[level]]
        w = 1.0
        for k in range(level + 1):
            w *= wts[k, idx[k]]
        if w < _WMIN:
            idx[level] += 1
            continue
        if level < nd - 1:
            level += 1
            build = True
            continue
        for a in range(y):
            acc = 0.0
            for b in range(a + 1):
                acc += L[a, b] * z[b]
            h[a] = acc
        tot += w * _smeared(h, s, g, kap, K, sigma, gl_x, gl_w, eta_x, eta_w, buf)
        idx[level] += 1
    return tot


@_jit
def _log_tilt(h, kap, s, m):
    """m ln H((kappa - h)/s): the weight of a state whose cavity field is h (1RSB)."""
    return m * logH((kap - h) / s)


@_jit
def _tilted_rule(c, a1, s1, kap, m, ref_x, ref_w):
    """Graded rule for z1 under the state weight phi(z1) H((kappa - c - a1 z1)/s1)^m.

    The weighted density is log-concave with curvature >= 1: it lives within ZMAX of its mode
    zp, the root of zp = m (a1/s1) GH((kappa - c - a1 zp)/s1) (bisection; the left side
    minus the right side increases with zp).  Nodes on [min(-ZMAX, zp - ZMAX), zp + ZMAX]
    (at least [-ZMAX, ZMAX]), refined around the kink z1 = (kappa - c)/a1 when it lies there.
    """
    lo, hi = 0.0, 1.0
    while hi - m * (a1 / s1) * GH((kap - c - a1 * hi) / s1) < 0.0:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid - m * (a1 / s1) * GH((kap - c - a1 * mid) / s1) < 0.0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * (1.0 + hi):
            break
    zp = 0.5 * (lo + hi)
    left, right = min(-ZMAX, zp - ZMAX), max(ZMAX, zp + ZMAX)
    left = max(left, -ZMAX)  # zp >= 0: the prior side already holds the left tail
    e = edges_on(left, right, np.array([(kap - c) / a1]), np.array([s1 / a1]), BASE_WIDTH)
    npan = e.shape[0] - 1
    k = ref_x.shape[0]
    nodes = np.empty(npan * k)
    weights = np.empty(npan * k)
    for p in range(npan):
        half, mid = 0.5 * (e[p + 1] - e[p]), 0.5 * (e[p + 1] + e[p])
        for i in range(k):
            z = mid + half * ref_x[i]
            nodes[p * k + i] = z
            weights[p * k + i] = half * ref_w[i] * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return nodes, weights


@_jit
def energy_1rsb_pair(q0, q1, m, kap, g, K, same, ref_x, ref_w, gl_x, gl_w):
    """Energy of g_1 Delta_1 + g_2 Delta_2 < K for two vertices of one 1RSB measure.

    Cavity fields h = sqrt(q0) z0 + sqrt(q1 - q0) z1 of a state, states weighted by
    H(A)^m (A = (kappa - h)/sqrt(1 - q1)), stabilities truncated normals of variance 1 - q1
    around h.  ``same``: both vertices in one state (common z1); else in two states (z1, z1').
    Graded rules: z0 around kappa/sqrt(q0) (scale sqrt(1 - q0)/sqrt(q0)), z1 around the
    kink h = kappa (scale sqrt(1 - q1)/sqrt(q1 - q0)).
    """
    s1 = math.sqrt(1.0 - q1)
    a0, a1 = math.sqrt(q0), math.sqrt(q1 - q0)
    s = np.array([s1, s1])
    kv = np.array([kap, kap])
    h = np.empty(2)
    buf = np.empty((2, 3, _MAX_EDGES * gl_x.shape[0]))
    z0n, z0w = _z_rule(kap / a0, math.sqrt(1.0 - q0) / a0, ref_x, ref_w)
    tot = 0.0
    for i in range(z0n.shape[0]):
        if z0w[i] < _WMIN:
            continue
        c = a0 * z0n[i]
        zn, zw = _tilted_rule(c, a1, s1, kap, m, ref_x, ref_w)
        n = zn.shape[0]
        lt = np.empty(n)
        mx = -1e300
        for j in range(n):
            lt[j] = _log_tilt(c + a1 * zn[j], kap, s1, m)
            mx = max(mx, lt[j])
        norm = 0.0
        wt = np.empty(n)
        for j in range(n):
            wt[j] = zw[j] * math.exp(lt[j] - mx)
            norm += wt[j]
        acc = 0.0
        if same:
            for j in range(n):
                if wt[j] < _WMIN * norm:
                    continue
                h[0] = c + a1 * zn[j]
                h[1] = h[0]
                acc += wt[j] * _level_mid(0, K, h, s, g, kv, gl_x, gl_w, buf)
            tot += z0w[i] * acc / norm
        else:
            for j in range(n):
                if wt[j] < _WMIN * norm:
                    continue
                h[0] = c + a1 * zn[j]
                for k in range(n):
                    if wt[j] * wt[k] < _WMIN * norm * norm:
                        continue
                    h[1] = c + a1 * zn[k]
                    acc += wt[j] * wt[k] * _level_mid(0, K, h, s, g, kv, gl_x, gl_w, buf)
            tot += z0w[i] * acc / (norm * norm)
    return tot
