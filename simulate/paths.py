"""Training error along paths between configurations: simplices, geodesics, Hamming paths.

* :func:`simplex_energy` — points of the simplex spanned by y vertices, projected on the sphere.
* :func:`geodesic_energy`, :func:`straight_energy` — the great-circle arc between two points,
  with the angle-uniform (slerp) or the chord-uniform parameterisation.
* :func:`barycenter_energy` — the centre of the simplex.
* :func:`hamming_path_energy` — binary paths that switch the disagreeing weights one by one.

Every energy is the fraction of the P constraints violated (training error per pattern, not per
N): constraint mu is violated iff Delta^mu(w) < kappa.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulate._fixedorder import atan2, dot, matvec_t, norm, sin
from simulate._inputs import (_check_count, _check_grid, _check_patterns, _check_real,
                              _check_rng, _check_weights, _integer_valued)
from simulate._jit import jit
from simulate.binary import _integer_threshold

__all__ = ["PathEnergy", "simplex_energy", "geodesic_energy", "straight_energy",
           "barycenter_energy", "hamming_path_energy", "CANCEL_RTOL"]

#: A point sum_a gamma_a w^a whose norm is below CANCEL_RTOL * sum_a gamma_a |w^a| has no
#: reliable direction (the vertices nearly cancel): an error is raised. Above it the rounding of
#: g^T G g leaves a relative error below ~eps / CANCEL_RTOL^2 ~ 2e-8 on the stabilities.
CANCEL_RTOL = 1e-4


@dataclass(frozen=True)
class PathEnergy:
    """Energy along a binary (Hamming) path, averaged over random switching orders.

    Attributes
    ----------
    t : ndarray, shape (n_t,)
        Path parameters in [0, 1].
    energy : ndarray, shape (n_t,)
        Mean over orders of the fraction of violated constraints (energy per P).
    stderr : ndarray, shape (n_t,)
        Standard error of ``energy`` over the orders (std with ddof 1 / sqrt(n_orders)).
    n_orders : int
        Number of random switching orders.
    n_switched : ndarray of int64, shape (n_t,)
        Coordinates switched at each t: round(t D) (``numpy.rint``, halves to even).
    distance : int
        D, the number of coordinates where the endpoints differ.
    """

    t: np.ndarray
    energy: np.ndarray
    stderr: np.ndarray
    n_orders: int
    n_switched: np.ndarray
    distance: int


# --------------------------------------------------------------------------------------------
# Numba kernels
# --------------------------------------------------------------------------------------------


@jit
def _simplex_kernel(X, W, gamma, thr):
    """Violated constraints at w_gamma (counts) and sq[k] = g^T G g, g = gamma[k]/sum:
    the fields are h = (H g)/sqrt(g^T G g), H = X W^T, G = W W^T/N; violated iff h < thr.
    H and G are summed in the fixed order of ``simulate._fixedorder`` (no BLAS: the same bits,
    hence the same counts, on every machine)."""
    N = X.shape[1]
    P = X.shape[0]
    y = W.shape[0]
    H = np.empty((P, y))
    for mu in range(P):
        for a in range(y):
            H[mu, a] = dot(X[mu], W[a])
    G = np.empty((y, y))
    for a in range(y):
        for c in range(y):
            G[a, c] = dot(W[a], W[c]) / N
    n_points = gamma.shape[0]
    counts = np.zeros(n_points, np.int64)
    sq = np.empty(n_points)
    g = np.empty(y)
    for k in range(n_points):
        total = 0.0
        for a in range(y):
            total += gamma[k, a]
        for a in range(y):
            g[a] = gamma[k, a] / total
        s = 0.0
        for a in range(y):
            if g[a] != 0.0:
                for c in range(y):
                    s += g[a] * g[c] * G[a, c]
        sq[k] = s
        if not s > 0.0:
            continue
        den = math.sqrt(s)
        n_bad = 0
        for mu in range(P):
            num = 0.0
            for a in range(y):
                num += H[mu, a] * g[a]
            if num / den < thr:
                n_bad += 1
        counts[k] = n_bad
    return counts, sq


@jit
def _hamming_kernel(C, h1, h2, orders, ks, thr):
    """counts[o, j]: violated constraints after switching the first ks[j] (sorted) coordinates
    of orders[o]; switching i adds -2 C[i] to the fields; k = 0, D use h1, h2."""
    n_orders, D = orders.shape
    P = h1.shape[0]
    n_t = ks.shape[0]
    counts = np.zeros((n_orders, n_t), np.int64)
    h = np.empty(P)
    for o in range(n_orders):
        h[:] = h1
        done = 0
        for j in range(n_t):
            k = ks[j]
            while done < k:
                i = orders[o, done]
                for mu in range(P):
                    h[mu] -= 2.0 * C[i, mu]
                done += 1
            ref = h1 if k == 0 else (h2 if k == D else h)
            n_bad = 0
            for mu in range(P):
                if ref[mu] < thr:
                    n_bad += 1
            counts[o, j] = n_bad
    return counts


# --------------------------------------------------------------------------------------------
# Inputs and shared pieces
# --------------------------------------------------------------------------------------------


def _check_vertices(W, N) -> np.ndarray:
    arr = np.asarray(W)
    if arr.ndim != 2 or arr.shape[1] != N or arr.shape[0] < 1:
        raise ValueError(f"W must have shape (y, N) with y >= 1 and N = {N} to match xi, got "
                         f"{arr.shape}")
    return np.stack([_check_weights(arr[a], N, f"W[{a}]") for a in range(arr.shape[0])])


def _check_gamma(gamma, y) -> np.ndarray:
    arr = np.asarray(gamma)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != y or arr.shape[0] < 1:
        raise ValueError(f"gamma must have shape (n_points, y) with y = {y} vertices, got "
                         f"{np.shape(gamma)}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"gamma must be real, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    bad = ~(np.isfinite(arr) & (arr >= 0.0))
    if bad.any():
        k, a = np.argwhere(bad)[0]
        raise ValueError(f"gamma[{k}, {a}] = {arr[k, a]} must be finite and >= 0")
    zero = ~arr.any(axis=1)
    if zero.any():
        raise ValueError(f"gamma[{int(np.argmax(zero))}] is all zeros: the point is undefined")
    return arr


def _energies(X, W, gamma, kappa) -> np.ndarray:
    """Fractions of violated constraints at the simplex points; raises on cancellation."""
    P, N = X.shape
    counts, sq = _simplex_kernel(X, W, gamma, kappa * math.sqrt(N))
    norms = np.sqrt(np.einsum("ij,ij->i", W, W) / N)
    scale = (gamma @ norms) / gamma.sum(axis=1)  # sum_a g_a |w^a| / sqrt(N), g unit sum
    bad = ~(sq > (CANCEL_RTOL * scale) ** 2)
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(f"point {k}: sum_a gamma_a w^a nearly vanishes (the vertices cancel), "
                         f"its direction is undefined")
    return counts / P


def _prepare(xi, kappa):
    X = _check_patterns(xi)
    if X.shape[0] < 1:
        raise ValueError("xi must hold P >= 1 patterns")
    return X, _check_real(kappa, "kappa")


def _geodesic_weights(w1, w2, t):
    """Vertices sqrt(N) w/|w| (exactly w if w is binary), slerp weights
    (sin((1-t) theta), sin(t theta)) ((1-t, t) if theta = 0) and theta."""
    root = math.sqrt(w1.size)
    V = np.stack([w1 * (root / norm(w1)), w2 * (root / norm(w2))])
    plus = norm(V[0] + V[1]) / root
    if plus < CANCEL_RTOL:
        raise ValueError("w1 and w2 are antipodal: the geodesic between them is not unique")
    theta = 2.0 * atan2(norm(V[0] - V[1]) / root, plus)
    if theta == 0.0:
        gamma = np.stack([1.0 - t, t], axis=1)
    else:  # portable sin, not libm's or a SIMD ufunc's (they differ between machines)
        gamma = np.array([[sin((1.0 - x) * theta), sin(x * theta)] for x in t],
                         dtype=np.float64).reshape(-1, 2)
    return V, np.ascontiguousarray(gamma), theta


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def simplex_energy(xi, W, gamma, kappa) -> np.ndarray:
    r"""Training error at points of the simplex spanned by y configurations.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows); P >= 1.
    W : array_like, shape (y, N)
        Vertices (any non-zero real vectors; typically solutions with |w|^2 = N).
    gamma : array_like, shape (n_points, y) or (y,)
        Non-negative weights of the vertices, not all zero in a row (a 1-D gamma is one point).
    kappa : float
        Margin: constraint mu is violated iff Delta^mu(w_gamma) < kappa.

    Returns
    -------
    ndarray of float64, shape (n_points,)
        Fraction of violated constraints (energy per P) at each point.

    Raises
    ------
    ValueError
        On bad ``xi`` or ``kappa``, a ``W`` of the wrong shape, non-finite or with a zero row, a
        negative, non-finite or all-zero row of ``gamma`` (named by index), or a point where the
        weighted vertices cancel (norm below ``CANCEL_RTOL`` times the weighted sum of norms).

    Notes
    -----
    The point of weights gamma is projected back on the sphere,

    .. math:: w_\gamma=\sqrt N\,\frac{\sum_a\gamma_a w^a}{|\sum_a\gamma_a w^a|},\qquad
              \Delta^\mu(w_\gamma)=\frac{\sum_a\gamma_a D_{\mu a}}
              {\sqrt{\sum_{ab}\gamma_a\gamma_b G_{ab}}},

    with :math:`D_{\mu a}=\Delta^\mu(w^a)` computed with the unnormalised w^a and
    :math:`G_{ab}=w^a\cdot w^b/N` formed once (Numba; O(P y) per point after O(P N y)). gamma
    is first scaled to unit sum, so that a vertex (gamma = e_a) gives exactly the stabilities of
    :math:`\sqrt N w^a/|w^a|`. The comparison is made on the fields :math:`h=\sqrt N\Delta`
    against :math:`\kappa\sqrt N`. For y replicas at mutual overlap q the barycenter
    is at overlap :math:`\sqrt{(1+(y-1)q)/y}` with each vertex. The energy of the simplex of y
    solutions (its maximum is a barrier) is the observable of [1]_ [2]_: in the negative
    perceptron even simplices of many solutions are solutions (a star-shaped space).

    References
    ----------
    .. [1] B. L. Annesi, C. Lauditi, C. Lucibello, E. M. Malatesta, G. Perugini, F. Pittorino
       and L. Saglietti, "Star-shaped space of solutions of the spherical negative
       perceptron", Phys. Rev. Lett. 131, 227301 (2023), arXiv:2305.10623.
    .. [2] E. M. Malatesta, "High-dimensional manifold of solutions in neural networks:
       insights from statistical physics", lecture notes, arXiv:2309.09240.
    """
    X, kappa = _prepare(xi, kappa)
    Wv = _check_vertices(W, X.shape[1])
    g = _check_gamma(gamma, Wv.shape[0])
    return _energies(X, Wv, g, kappa)


def barycenter_energy(xi, W, kappa) -> float:
    """Training error (fraction of P) at the barycenter gamma = (1/y, ..., 1/y) of the simplex.

    Same conventions and errors as :func:`simplex_energy`.
    """
    X, kappa = _prepare(xi, kappa)
    Wv = _check_vertices(W, X.shape[1])
    g = np.full((1, Wv.shape[0]), 1.0 / Wv.shape[0])
    return float(_energies(X, Wv, g, kappa)[0])


def geodesic_energy(xi, w1, w2, t, kappa) -> np.ndarray:
    r"""Training error along the great-circle arc from w1 to w2, uniform in angle (slerp).

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows); P >= 1.
    w1, w2 : array_like, shape (N,)
        Endpoints (non-zero; normalised to |w|^2 = N).
    t : array_like, shape (n_t,)
        Parameters in [0, 1].
    kappa : float
        Margin.

    Returns
    -------
    ndarray of float64, shape (n_t,)
        Fraction of violated constraints (energy per P).

    Raises
    ------
    ValueError
        On bad inputs, t outside [0, 1] (named by index), or antipodal endpoints.

    Notes
    -----
    With :math:`u_a=w_a/|w_a|` and :math:`\cos\theta=u_1\cdot u_2` (computed as
    :math:`\theta=2\,\mathrm{atan2}(|u_1-u_2|,|u_1+u_2|)`),

    .. math:: w(t)=\sqrt N\,\frac{\sin((1-t)\theta)\,u_1+\sin(t\theta)\,u_2}{\sin\theta},

    so that :math:`|w(t)|^2=N` and :math:`w(t)\cdot u_1/\sqrt N=\cos(t\theta)`. Evaluated as the
    simplex of :func:`simplex_energy` with vertices :math:`\sqrt N u_a` and weights
    :math:`(\sin((1-t)\theta),\sin(t\theta))`: t = 0 and t = 1 give exactly the endpoint
    stabilities. References as in :func:`simplex_energy`.
    """
    X, kappa = _prepare(xi, kappa)
    N = X.shape[1]
    a = _check_weights(w1, N, "w1")
    b = _check_weights(w2, N, "w2")
    tt = _check_grid(t, "t", 0.0, 1.0)
    U, gamma, _ = _geodesic_weights(a, b, tt)
    return _energies(X, U, gamma, kappa)


def straight_energy(xi, w1, w2, t, kappa) -> np.ndarray:
    r"""Training error along the straight segment from w1 to w2, projected on the sphere.

    Parameters and errors as in :func:`geodesic_energy` (antipodal endpoints of equal norm make
    the segment pass through the origin: an error at that point).

    Notes
    -----
    :math:`w(t)=\sqrt N\,((1-t)w_1+tw_2)/|(1-t)w_1+tw_2|`, the simplex of :func:`simplex_energy`
    with vertices (w1, w2) as given and weights (1 - t, t). For |w1| = |w2| it is the same curve
    as the geodesic, reached at the angle
    :math:`\mathrm{atan2}(t\sin\theta,\,1-t+t\cos\theta)` from w1 instead of :math:`t\theta`.
    """
    X, kappa = _prepare(xi, kappa)
    N = X.shape[1]
    Wv = np.stack([_check_weights(w1, N, "w1"), _check_weights(w2, N, "w2")])
    tt = _check_grid(t, "t", 0.0, 1.0)
    gamma = np.ascontiguousarray(np.stack([1.0 - tt, tt], axis=1))
    return _energies(X, Wv, gamma, kappa)


def hamming_path_energy(xi, w1, w2, t, kappa, *, n_orders, rng) -> PathEnergy:
    r"""Training error along binary paths from w1 to w2, averaged over random switching orders.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows); P >= 1.
    w1, w2 : array_like of ±1, shape (N,)
        Binary endpoints.
    t : array_like, shape (n_t,)
        Parameters in [0, 1].
    kappa : float
        Margin.
    n_orders : int
        Random orders (>= 2).
    rng : numpy.random.Generator
        Source of the orders (keyword only).

    Returns
    -------
    PathEnergy
        Mean fraction of violated constraints (energy per P) and its standard error per t.

    Raises
    ------
    ValueError
        On bad inputs (named), endpoints not ±1, t outside [0, 1], ``n_orders < 2``.

    Notes
    -----
    Let :math:`S=\{i:w_{1,i}\ne w_{2,i}\}`, D = |S|. An order is a uniformly random permutation
    of S (``rng.permuted`` of the sorted S, one row per order); at parameter t the first
    k = round(t D) coordinates of the order are switched from :math:`w_{1,i}` to
    :math:`w_{2,i}`, so every point is binary and lies at Hamming distance k from w1 and D - k
    from w2. The fields are updated incrementally,
    :math:`h^\mu\leftarrow h^\mu-2w_{1,i}\xi^\mu_i` (O(P) per switch, Numba), and mu is violated
    iff :math:`h^\mu<\kappa\sqrt N`; for integer patterns the fields are exact and the
    threshold is the integer of :func:`simulate.binary.enumerate_solutions` (a stability equal
    to kappa is satisfied). t = 0 and t = 1 use the endpoint fields computed directly.
    References as in :func:`simplex_energy`.
    """
    X, kappa = _prepare(xi, kappa)
    P, N = X.shape
    a = _check_weights(w1, N, "w1", binary=True)
    b = _check_weights(w2, N, "w2", binary=True)
    tt = _check_grid(t, "t", 0.0, 1.0).copy()
    n_orders = _check_count(n_orders, "n_orders", minimum=2)
    _check_rng(rng)
    diff = np.flatnonzero(a != b).astype(np.int64)
    D = int(diff.size)
    ks = np.rint(tt * D).astype(np.int64)
    order = np.argsort(ks, kind="stable")
    amax = float(np.max(np.abs(X)))
    XT = np.ascontiguousarray(X.T)
    h1, h2 = np.empty(P), np.empty(P)
    matvec_t(XT, np.ascontiguousarray(a, dtype=np.float64), h1)  # fixed order, no BLAS
    matvec_t(XT, np.ascontiguousarray(b, dtype=np.float64), h2)
    if _integer_valued(X) and amax * N < 2.0**52:
        thr = float(_integer_threshold(kappa, N, int(amax) * N))
        h1, h2 = np.rint(h1), np.rint(h2)
    else:
        thr = kappa * math.sqrt(N)
    orders = rng.permuted(np.broadcast_to(diff, (n_orders, D)), axis=1)
    C = np.ascontiguousarray((X * a).T)
    counts = np.empty((n_orders, ks.size), np.int64)
    counts[:, order] = _hamming_kernel(C, h1, h2, np.ascontiguousarray(orders), ks[order], thr)
    energy = counts.mean(axis=0) / P
    stderr = counts.std(axis=0, ddof=1) / (P * math.sqrt(n_orders))
    for arr in (tt, energy, stderr, ks):
        arr.setflags(write=False)
    return PathEnergy(t=tt, energy=energy, stderr=stderr, n_orders=n_orders, n_switched=ks,
                      distance=D)
