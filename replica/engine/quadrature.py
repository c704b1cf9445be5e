"""Quadrature rules for Gaussian averages, with accuracy measured against mpmath.

Two rules:

* **Graded composite Gauss-Legendre** (``panel_rule``) for averages with steep features.  The
  real line is cut to [-ZMAX, ZMAX] = [-10, 10] (the Gaussian weight beyond is below 1e-22, times
  an integrand growing at most like z^2/(1-q)); a uniform mesh of panels of width 2 is refined
  geometrically around each declared point c with scale s: edges at c +- s * 2^k, k = 0, 1, ...,
  until the panels reach the coarse width.  Every panel gets an ``order``-point Gauss-Legendre rule.
  Near q -> 1 the channel integrands of the perceptron turn on a scale sqrt(1-q) around
  z = kappa/sqrt(q); the graded mesh resolves them with a number of nodes growing only like
  log(1/(1-q)).
* **Gauss-Hermite** (probabilists' weight) for smooth averages (``hermite_rule``).

Every solved saddle point is evaluated again on the check rules (CHECK_ORDER nodes per panel,
CHECK_GH_ORDER Gauss-Hermite nodes; the rules are kernel arguments, nothing is recompiled):
the differences are the a-posteriori error estimates of :mod:`replica.solvers`.

The measured accuracy (``tests/replica/test_backends.py``)
is below 2e-13 relative on the channel average ln H and its first two q-derivatives for
q in [0.01, 0.999] and kappa in [-2, 3] (order 12, at most ~280 nodes), and below 1e-10 relative
on every output of the compiled RS kernels along the saddle-point branches.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from ._numba_special import erfcx as _erfcx

__all__ = ["ZMAX", "legendre_reference", "hermite_rule", "panel_rule", "trunc_rule",
           "gauss_average", "edges_on", "BASE_WIDTH", "TILT_EDGE_MASS", "tilt_next",
           "tilt_window", "rule_on", "rule_on_log", "ORDER", "GH_ORDER", "CHECK_ORDER",
           "CHECK_GH_ORDER"]

#: Half-width of the truncated integration domain of the outer Gaussian averages.
ZMAX = 10.0
#: A tilted average whose two end nodes carry more than this fraction of its mass is redone
#: on a wider window.
TILT_EDGE_MASS = 1e-15
#: A tilted average whose mass sits on fewer (effective) nodes than this is redone with nodes
#: graded around the mass.
TILT_MIN_NODES = 6.0
#: Largest half-width of a tilted average's window.  The tilted passes carry the Gaussian
#: density in log space (:func:`rule_on_log`), so nothing underflows out there (a tilt such
#: as exp(-mu d^2/2) with mu ~ 1e4 moves the mass of the 1RSB jamming limit to |z| ~ 1e3);
#: beyond a width 2 _MAX_BASE_PANELS the coarse panels get wider than BASE_WIDTH, and the
#: passes after the first grade the mesh around the mass they found.
TILT_ZCAP = 1e4
#: Width of the coarse panels away from the declared steep points.
BASE_WIDTH = 2.0
#: Default Gauss-Legendre order per panel.
ORDER = 12
#: Gauss-Hermite order of the smooth averages (no declared steep points).
GH_ORDER = 64
#: The check rules: every saddle point is evaluated again with CHECK_ORDER Gauss-Legendre
#: nodes per panel (same panels) and CHECK_GH_ORDER Gauss-Hermite nodes; the differences are
#: the a-posteriori error estimates of phi and of its gradient (see replica.solvers).
CHECK_ORDER = 20
CHECK_GH_ORDER = 96
_MAX_EDGES = 512
#: Most coarse panels of one mesh (a wider window gets wider coarse panels).
_MAX_BASE_PANELS = 400
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)

_jit = numba.njit(cache=True, nogil=True)


def legendre_reference(order: int = ORDER):
    """Gauss-Legendre nodes and weights on [-1, 1]."""
    if order < 2:
        raise ValueError(f"order must be >= 2, got {order}")
    x, w = np.polynomial.legendre.leggauss(order)
    return np.ascontiguousarray(x), np.ascontiguousarray(w)


def hermite_rule(order: int = 64):
    """Nodes and weights of E_z f = sum_i w_i f(z_i) for z ~ N(0, 1) (Gauss-Hermite)."""
    if order < 2:
        raise ValueError(f"order must be >= 2, got {order}")
    x, w = np.polynomial.hermite_e.hermegauss(order)
    return np.ascontiguousarray(x), np.ascontiguousarray(w / math.sqrt(2.0 * math.pi))


@_jit
def edges_on(lo, hi, centers, scales, base):
    # (centers, scales: arrays or tuples of floats, as in every rule below)
    # a uniform mesh of panels of width <= base on [lo, hi], refined geometrically (edges at
    # c +- s 2^k) around each usable hint (c, s) until the panels reach the coarse width
    buf = np.empty(_MAX_EDGES)
    n = 0
    nb = min(_MAX_BASE_PANELS, max(1, int(math.ceil((hi - lo) / base - 1e-9))))
    for i in range(nb + 1):
        buf[n] = lo + (hi - lo) * i / nb
        n += 1
    for j in range(len(centers)):
        c = centers[j]
        s = scales[j]
        if not (math.isfinite(c) and math.isfinite(s)) or s <= 0.0:
            continue  # hint unusable here (e.g. centre at infinity when q = 0): smooth anyway
        if c < lo - base or c > hi + base or s >= base:
            continue
        if lo < c < hi and n < _MAX_EDGES - 2:
            buf[n] = c
            n += 1
        d = s
        while d < base and n < _MAX_EDGES - 2:
            if lo < c - d < hi:
                buf[n] = c - d
                n += 1
            if lo < c + d < hi:
                buf[n] = c + d
                n += 1
            d *= 2.0
    e = buf[:n]
    for i in range(1, n):  # insertion sort: the edges arrive in short sorted runs
        x = e[i]
        j = i - 1
        while j >= 0 and e[j] > x:
            e[j + 1] = e[j]
            j -= 1
        e[j + 1] = x
    # drop edges closer than a tiny fraction of the smallest scale (duplicates), in place
    m = 0
    for i in range(n):
        if m == 0 or e[i] - e[m - 1] > 1e-13 * (1.0 + abs(e[i])):
            e[m] = e[i]
            m += 1
    return e[:m]


@_jit
def panel_rule(centers, scales, ref_x, ref_w, zmax, base):
    """Nodes and Gaussian-weighted weights of the graded composite Gauss-Legendre rule."""
    return rule_on(-zmax, zmax, centers, scales, ref_x, ref_w, base)


@_jit
def trunc_rule(lower, centers, scales, ref_x, ref_w, zmax, base):
    """Nodes and weights of E[f(x) | x >= lower] for x ~ N(0, 1) (truncated Gaussian).

    The weights are phi(x)/H(lower) times the composite Gauss-Legendre weights on
    [max(lower, -zmax), upper] with upper = zmax for lower <= 0 and
    lower + min(zmax, 45/lower) beyond (the truncated density is below
    exp(-lower u - u^2/2) at x = lower + u).  For lower > 0 they are computed as
    exp(-(x - lower)(x + lower)/2) GH(lower), with the tail-stable inverse Mills ratio
    GH = phi/H, so that nothing underflows however deep in the tail the truncation lies.  The
    mesh is graded at ``lower`` on the scale min(1, 1/lower) and around the hints.
    """
    lo = max(lower, -zmax)
    if lower > 0.0:
        hi = lower + min(zmax, 45.0 / lower)
        s0 = min(1.0, 1.0 / lower) / 4.0
        gh = _SQRT_2_OVER_PI / _erfcx(lower / _SQRT2)
    else:
        hi = zmax
        s0 = 0.25
        gh = 0.0
    if not hi > lo:  # lower >= zmax cannot happen for lower > 0; lower = nan lands here
        return np.full(1, np.nan), np.full(1, np.nan)
    c2 = np.empty(len(centers) + 1)
    s2 = np.empty(len(centers) + 1)
    c2[0] = lo
    s2[0] = s0
    for j in range(len(centers)):
        c2[j + 1] = centers[j]
        s2[j + 1] = scales[j]
    e = edges_on(lo, hi, c2, s2, base)
    npan = e.shape[0] - 1
    k = ref_x.shape[0]
    nodes = np.empty(npan * k)
    weights = np.empty(npan * k)
    inv = 1.0 / math.sqrt(2.0 * math.pi)
    norm = 0.5 * math.erfc(lower / _SQRT2)
    for p_ in range(npan):
        a = e[p_]
        b = e[p_ + 1]
        h = 0.5 * (b - a)
        m = 0.5 * (a + b)
        for i in range(k):
            x = m + h * ref_x[i]
            nodes[p_ * k + i] = x
            if lower > 0.0:
                weights[p_ * k + i] = (h * ref_w[i] * gh
                                       * math.exp(-0.5 * (x - lower) * (x + lower)))
            else:
                weights[p_ * k + i] = h * ref_w[i] * inv * math.exp(-0.5 * x * x) / norm
    return nodes, weights


def gauss_average(f, points=(), *, order: int = ORDER, zmax: float = ZMAX):
    """E_z f(z) for a vectorised Python callable ``f`` on the graded rule (for tests and tools)."""
    centers = np.array([c for c, _ in points], dtype=float)
    scales = np.array([s for _, s in points], dtype=float)
    x, w = legendre_reference(order)
    nodes, weights = panel_rule(centers, scales, x, w, zmax, BASE_WIDTH)
    return float(np.dot(weights, f(nodes)))


@_jit
def rule_on_log(lo, hi, centers, scales, ref_x, ref_w, base):
    """The graded composite Gauss-Legendre rule on [lo, hi] with the Gaussian density apart:
    nodes, the plain Gauss-Legendre weights and ln phi(z) at the nodes (the tilted averages
    add ln phi to their exponent, so that no weight underflows far out in the tail)."""
    e = edges_on(lo, hi, centers, scales, base)
    npan = e.shape[0] - 1
    k = ref_x.shape[0]
    nodes = np.empty(npan * k)
    weights = np.empty(npan * k)
    logphi = np.empty(npan * k)
    for p in range(npan):
        h = 0.5 * (e[p + 1] - e[p])
        m = 0.5 * (e[p + 1] + e[p])
        for i in range(k):
            z = m + h * ref_x[i]
            nodes[p * k + i] = z
            weights[p * k + i] = h * ref_w[i]
            logphi[p * k + i] = -0.5 * z * z - _LOG_SQRT_2PI
    return nodes, weights, logphi


@_jit
def rule_on(lo, hi, centers, scales, ref_x, ref_w, base):
    """Nodes and Gaussian weights of the graded composite Gauss-Legendre rule on [lo, hi]."""
    nodes, weights, _ = rule_on_log(lo, hi, centers, scales, ref_x, ref_w, base)
    inv = 1.0 / math.sqrt(2.0 * math.pi)
    for i in range(nodes.shape[0]):
        z = nodes[i]
        weights[i] = weights[i] * inv * math.exp(-0.5 * z * z)
    return nodes, weights


@_jit
def tilt_window(centers, scales):
    """The first window of a tilted average: [-ZMAX, ZMAX] stretched to contain every declared
    hint (c, s) with a margin max(10 s, 2), within |u| <= TILT_ZCAP (hints with s >= BASE_WIDTH,
    smooth on the panels' scale, or beyond the cap are left out).

    A tilt moves the Gaussian mass to its steep points: a step at u0 = 25 puts the mass at
    u0 + O(1/u0), where a window fixed at |u| <= 10 has none of it.
    """
    lo = -ZMAX
    hi = ZMAX
    for j in range(len(centers)):
        c = centers[j]
        s = scales[j]
        if not (math.isfinite(c) and math.isfinite(s)) or s <= 0.0 or s >= BASE_WIDTH:
            continue  # unusable, or smooth on the coarse panels' scale
        pad = max(10.0 * s, 2.0)
        if abs(c) - pad > TILT_ZCAP:
            continue  # a feature beyond the largest window (its Gaussian weight underflows)
        lo = min(lo, max(c - pad, -TILT_ZCAP))
        hi = max(hi, min(c + pad, TILT_ZCAP))
    return lo, hi


@_jit
def tilt_next(nodes, mass, total, attempt, prev_reliable, lo, hi):
    """Decide whether a tilted average is done, and where the next pass puts its nodes.

    ``mass`` holds the tilted weight of each node (``total`` its sum).  A pass is reliable when
    its end nodes carry at most TILT_EDGE_MASS of the mass (the window contains it) and the mass
    is spread over at least TILT_MIN_NODES nodes (effective number (sum m)^2 / sum m^2: the
    rule resolves it).  Done: a reliable first pass (the declared hints resolve the mass where
    it is), or a reliable pass whose panels were graded around the mass found by a reliable
    pass, or the third pass.  Otherwise the next pass adds a hint (mean, standard deviation) of
    this pass's mass on a window [lo, hi] stretched to 12 deviations around it (and by the
    window's width at an end that still carries mass), within |u| <= TILT_ZCAP.

    Returns (done, reliable, lo, hi, hint_centre, hint_scale).
    """
    mu = 0.0
    m2 = 0.0
    for i in range(nodes.shape[0]):
        mu += mass[i] * nodes[i]
        m2 += mass[i] * mass[i]
    mu /= total
    var = 0.0
    for i in range(nodes.shape[0]):
        var += mass[i] * (nodes[i] - mu) ** 2
    sd = math.sqrt(var / total)
    left = mass[0] > 0.5 * TILT_EDGE_MASS * total
    right = mass[-1] > 0.5 * TILT_EDGE_MASS * total
    reliable = not (left or right) and total * total >= TILT_MIN_NODES * m2
    if reliable and (attempt == 0 or prev_reliable):
        return True, reliable, lo, hi, mu, sd
    if attempt >= 2:
        return True, reliable, lo, hi, mu, sd
    w = hi - lo
    r = 12.0 * max(sd, 1e-3)
    lo2 = min(lo - w if left else lo, mu - r)
    hi2 = max(hi + w if right else hi, mu + r)
    return False, reliable, max(lo2, -TILT_ZCAP), min(hi2, TILT_ZCAP), mu, max(sd, 1e-8)
