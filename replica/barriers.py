"""Energy barriers in the simplex spanned by equilibrium solutions, and along paths between two.

>>> import numpy as np, replica
>>> from replica import models
>>> m = models.perceptron(weights="spherical", kappa=-0.5)
>>> pe = replica.path_energy(m, alpha=1.0, kappas=(-0.5, -0.5), t=np.linspace(0, 1, 5))

y vertices are drawn independently from the flat measures over the solutions of margins
kappa_1..kappa_y of the same patterns (their RS saddle points and mutual overlaps come from
:mod:`replica.simplex`); the training error of the point sum_a gamma_a w^a, projected back on
the sphere, counts the patterns with stability below the model's margin kappa.  For y = 2 the
geodesic between the two vertices gives the energy barrier between them.

Notes
-----
On a training pattern the vertices' stabilities are Delta_a = h_a + sqrt(1 - q_a) x_a with
cavity fields h ~ N(0, Q_h) (Q_h[a, a] = q_a, Q_h[a, b] = q_ab) and, given h, independent
standard normals x_a truncated to Delta_a >= kappa_a (each vertex is a solution).  The
normalised point has stability sum_a gamma_a Delta_a / n(gamma), n^2 = sum_ab gamma_a gamma_b
C_ab with C_aa = 1, C_ab = q_ab, hence

    e(gamma) = P[ sum_a gamma_a Delta_a < kappa n(gamma) ],

evaluated by the quadrature of :mod:`replica._barrierkernels` (y <= 3).  The support of
(Delta_a) is the orthant Delta_a >= kappa_a, so e(gamma) = 0 exactly iff
sum_a gamma_a kappa_a >= kappa n(gamma): in RS the zero-energy region of the simplex is known in
closed form (:func:`zero_energy_margin`).

References
----------
B. L. Annesi, C. Lauditi, C. Lucibello, E. M. Malatesta, G. Perugini, F. Pittorino and
L. Saglietti, "Star-shaped space of solutions of the spherical negative perceptron",
Phys. Rev. Lett. 131, 227301 (2023), arXiv:2305.10623.
E. M. Malatesta, "High-dimensional manifold of solutions in neural networks: insights from
statistical physics", lecture notes, arXiv:2309.09240 (linear mode connectivity).
"""
from __future__ import annotations

import math

import numpy as np

from . import _barrierkernels as _bk
from .errors import ModelError, ReplicaError, SaddlePointConvergenceError
from .models import CompiledFreeEntropy, Model, _check_alpha, _check_finite
from .quadrature import hermite_rule, legendre_reference
from .results import PathEnergy, SimplexEnergy, Vertices
from .simplex import cross_free_entropy
from .solvers import _bracket_1d, newton, solve
from .stability import stability

__all__ = ["vertices", "simplex_energy", "path_energy", "zero_energy_margin", "star_transition",
           "PATHS"]

#: the paths of :func:`path_energy`
PATHS = ("geodesic", "straight", "hamming")
_CROSS = {}


def _cross_compiled(model):
    key = (model.prior.name, model.channel.key)
    cfe = _CROSS.get(key)
    if cfe is None:
        cfe = _CROSS[key] = CompiledFreeEntropy(cross_free_entropy(model.prior, model.channel))
    return cfe


def _check_model(model):
    if not isinstance(model, Model):
        raise ValueError(f"model must be a replica.models.Model, got {type(model).__name__}")
    if model.channel.name != "margin":
        raise ModelError(f"energy barriers need hard-margin vertices (the 'margin' channel); "
                         f"got the channel {model.channel.name!r}")


def _check_kappas(kappas, *, max_y=None):
    try:
        ks = tuple(_check_finite(f"kappas[{i}]", k) for i, k in enumerate(kappas))
    except TypeError:
        raise ValueError(f"kappas must be a sequence of margins, got {kappas!r}") from None
    if len(ks) == 0:
        raise ValueError("kappas must hold at least one vertex margin")
    if max_y is not None and len(ks) > max_y:
        raise ValueError(f"the quadrature handles y <= {max_y} vertices, got {len(ks)} kappas")
    return ks


def _cross_overlap(model, alpha, sp_a, sp_b, ka, kb):
    """Solve the O(n_a n_b) saddle point for vertices of distinct margins."""
    cfe = _cross_compiled(model)
    binary = model.prior.name == "binary"
    qa, qb = sp_a.order_params["q"], sp_b.order_params["q"]
    ctrl = [alpha, qa, qb]
    if binary:
        ctrl += [sp_a.order_params["qhat"], sp_b.order_params["qhat"]]
    ctrl = np.array(ctrl + [ka, kb])
    last = None
    starts = ([0.9, 0.5, 0.99, 0.0] if not binary
              else [[0.9, 0.9], [0.5, 0.5], [0.99, 0.99], [0.0, 0.0]])
    for th0 in starts:
        th0 = np.atleast_1d(np.array(th0, dtype=float))
        try:
            th, ev, it, status, step = newton(cfe, th0, ctrl, cfe.domains)
        except ReplicaError as err:
            last = err
            continue
        if status == "converged":
            return th, ev, it, "newton"
        last = (th, ev, status)
    if not binary:
        root = _bracket_1d(cfe, ctrl, cfe.domains[0])
        if root is not None:
            th, ev, it, status, step = newton(cfe, root, ctrl, cfe.domains)
            if status == "converged":
                return th, ev, it, "bracket+newton"
    raise SaddlePointConvergenceError(
        f"no cross saddle point between vertices of margins {ka} and {kb} at alpha={alpha} "
        f"(last attempt: {last})", last)


def vertices(model: Model, *, alpha, kappas) -> Vertices:
    """RS saddle points and mutual overlaps of y vertices drawn from equilibrium.

    Parameters
    ----------
    model : replica.models.Model
        A perceptron with the hard-margin channel (spherical or binary weights).
    alpha : float
        Constraint density P/N, > 0.
    kappas : sequence of float
        The vertices' margins kappa_1..kappa_y; each must admit solutions at ``alpha``.

    Returns
    -------
    Vertices
        q_a, the overlap matrix, the replicon eigenvalue of each vertex (RS stability).

    Raises
    ------
    SaddlePointConvergenceError
        If a vertex's RS saddle point or a cross overlap cannot be solved (e.g. kappa_a above
        the capacity margin at this alpha).

    Notes
    -----
    See :mod:`replica.simplex`: spherical weights, q_ab = alpha (1-q_a)(1-q_b) E[g_a g_b];
    binary weights, q_ab = E[tanh u_a tanh u_b], qhat_ab = alpha E[g_a g_b].  Two vertices of
    the same margin are two samples of one measure: q_ab = q_a.
    """
    _check_model(model)
    alpha = _check_alpha(alpha)
    ks = _check_kappas(kappas)
    binary = model.prior.name == "binary"
    sps, reps = [], []
    for i, k in enumerate(ks):
        mk = model.with_params(kappa=k)
        try:
            spk = solve(mk, alpha)
        except SaddlePointConvergenceError as err:
            raise SaddlePointConvergenceError(
                f"vertex {i} (kappa_{i + 1} = {k}): no RS saddle point at alpha = {alpha} "
                f"({err})", err.result) from err
        sps.append(spk)
        reps.append(stability(mk, saddle_point=spk).replicon)
    y = len(ks)
    q = np.array([s.order_params["q"] for s in sps])
    qhat = np.array([s.order_params["qhat"] for s in sps]) if binary else None
    ov = np.eye(y)
    cross = {}
    for a in range(y):
        for b in range(a + 1, y):
            if ks[a] == ks[b]:
                ov[a, b] = ov[b, a] = q[a]
                continue
            th, ev, it, method = _cross_overlap(model, alpha, sps[a], sps[b], ks[a], ks[b])
            ov[a, b] = ov[b, a] = th[0] * math.sqrt(q[a] * q[b])
            info = dict(c12=float(th[0]), iterations=it, residual=ev.scaled_residual,
                        method=method)
            if binary:
                info["chat12"] = float(th[1])
                info["qhat12"] = float(th[1] * math.sqrt(qhat[a] * qhat[b]))
            cross[(a, b)] = info
    return Vertices(model.name, model.prior.name, alpha, ks, q, ov, qhat, np.array(reps),
                    tuple(sps), cross)


def _semidefinite_cholesky(c):
    """Lower-triangular L with L L^T = c for a PSD c; zero pivots (equal vertices) flagged."""
    y = c.shape[0]
    L = np.zeros((y, y))
    active = np.zeros(y, dtype=np.bool_)
    for j in range(y):
        d = c[j, j] - L[j, :j] @ L[j, :j]
        if d > 1e-12 * c[j, j]:
            L[j, j] = math.sqrt(d)
            active[j] = True
            for i in range(j + 1, y):
                L[i, j] = (c[i, j] - L[i, :j] @ L[j, :j]) / L[j, j]
        elif d < -1e-10 * c[j, j]:
            raise ReplicaError(f"the vertices' field covariance is not positive semidefinite "
                               f"(pivot {j}: {d:.3g}); overlaps {c.tolist()}")
    return L, active


class _Rules:
    def __init__(self, order):
        self.gh = hermite_rule(order)
        self.gl = legendre_reference(max(8, order // 4))
        self.eta = legendre_reference(order)


def _energy_points(v: Vertices, kappa, G, K, sigma, order):
    """Energies at rows of G (coefficients) with thresholds K (and smearing sigma)."""
    L, active = _semidefinite_cholesky(v.field_covariance)
    r = _Rules(order)
    kap = np.array(v.kappas, dtype=float)
    out = np.empty(G.shape[0])
    for i in range(G.shape[0]):
        out[i] = _bk.energy(L, active, v.q, kap, np.ascontiguousarray(G[i]), float(K[i]),
                            float(sigma[i]), r.gh[0], r.gh[1], r.gl[0], r.gl[1], r.eta[0],
                            r.eta[1])
    if not np.all(np.isfinite(out)):
        raise ReplicaError(f"non-finite energy at gamma = {G[~np.isfinite(out)][0]}")
    return out


def _margin_of(model, kappa):
    return model.params["kappa"] if kappa is None else _check_finite("kappa", kappa)


def simplex_energy(model: Model, *, alpha, kappas, gamma, kappa=None, order=48
                   ) -> SimplexEnergy:
    """Training error of points of the simplex spanned by y <= 3 equilibrium vertices.

    Parameters
    ----------
    model : replica.models.Model
        Hard-margin perceptron; its ``kappa`` is the margin at which errors are counted.
    alpha : float
    kappas : sequence of float
        The vertices' margins (y = len(kappas) in 1..3).
    gamma : array_like, shape (y,) or (n_points, y)
        Nonnegative simplex weights (not all zero); normalisation is irrelevant.
    kappa : float, optional
        Count errors at this margin instead of the model's.
    order : int, default 48
        Gauss-Hermite order per field direction (Gauss-Legendre: order/4 per panel).

    Returns
    -------
    SimplexEnergy
        ``energy`` per point: the fraction of the P training constraints violated.

    Notes
    -----
    e(gamma) = P[sum_a gamma_a Delta_a < kappa n(gamma)] (module notes).  Measured accuracy:
    doubling ``order`` changes e by < 1e-14; Monte Carlo of the stability law agrees within
    its standard error (tests).
    """
    _check_model(model)
    ks = _check_kappas(kappas, max_y=3)
    g = np.atleast_2d(np.asarray(gamma, dtype=float))
    if g.ndim != 2 or g.shape[1] != len(ks):
        raise ValueError(f"gamma must have shape (n_points, {len(ks)}) for {len(ks)} vertices,"
                         f" got {np.shape(gamma)}")
    if not np.all(np.isfinite(g)) or np.any(g < 0) or np.any(g.sum(axis=1) <= 0):
        raise ValueError(f"gamma must be finite, nonnegative and not all zero per row; got {g}")
    kap = _margin_of(model, kappa)
    v = vertices(model, alpha=alpha, kappas=ks)
    norm = np.sqrt(np.einsum("ia,ab,ib->i", g, v.overlaps, g))
    e = _energy_points(v, kap, g, kap * norm, np.zeros(len(g)), order)
    return SimplexEnergy(kap, g, e, v)


def _path_gamma(path, t, q12):
    if path == "geodesic":
        th = math.acos(q12)
        return np.stack([np.sin((1 - t) * th), np.sin(t * th)], axis=1) / math.sin(th)
    return np.stack([1 - t, t], axis=1)


def path_energy(model: Model, *, alpha, kappas, t, kappa=None, path="geodesic", order=48
                ) -> PathEnergy:
    """Training error along a path from a kappa_1-solution (t = 0) to a kappa_2-solution (t = 1).

    Parameters
    ----------
    model : replica.models.Model
        Hard-margin perceptron (spherical or binary); errors are counted at its ``kappa``.
    alpha : float
    kappas : (float, float)
        Margins of the two endpoints, both drawn from equilibrium.
    t : array_like
        Path parameters in [0, 1].
    kappa : float, optional
        Count errors at this margin instead of the model's.
    path : {"geodesic", "straight", "hamming"}
        ``"geodesic"``: the great circle, w(t) = [sin((1-t) theta) w^1 + sin(t theta) w^2] /
        sin(theta), cos(theta) = q_12 (uniform in angle).  ``"straight"``: linear mode
        connectivity, w(t) proportional to (1-t) w^1 + t w^2 projected back on the sphere (the
        same curve, parameterised linearly; for binary weights the points leave the
        hypercube).  ``"hamming"`` (binary weights): the path that stays binary, switching the
        N(1 - q_12)/2 disagreeing weights from w^1 to w^2 in a random order, a fraction t of
        them at time t.
    order : int, default 48

    Returns
    -------
    PathEnergy

    Notes
    -----
    Geodesic and straight paths: e(t) = P[g_1 Delta_1 + g_2 Delta_2 < kappa n(t)].  The
    Hamming path: the switched subset is independent of the patterns, so Delta(t) =
    (1-t) Delta_1 + t Delta_2 + sigma_t eta with eta ~ N(0, 1), sigma_t^2 = 2 t (1-t)(1-q_12)
    (the fluctuation of a random fraction t of the N(1-q_12)/2 terms (w2_i - w1_i) xi_i/sqrt N);
    e(t) = E[H(((1-t)Delta_1 + t Delta_2 - kappa)/sigma_t)].  The sign of the straight
    interpolation, sign((1-t) w^1 + t w^2), is w^1 for t < 1/2 and w^2 for t > 1/2: it is not
    a path, hence the Hamming path as the binary counterpart.
    """
    _check_model(model)
    if path not in PATHS:
        raise ValueError(f"Unknown path {path!r}; known: {PATHS}")
    ks = _check_kappas(kappas)
    if len(ks) != 2:
        raise ValueError(f"a path joins two vertices: kappas must hold 2 margins, got {ks}")
    if path == "hamming" and model.prior.name != "binary":
        raise ValueError("the 'hamming' path is defined for binary weights only")
    tt = np.atleast_1d(np.asarray(t, dtype=float))
    if tt.ndim != 1 or tt.size == 0 or not np.all(np.isfinite(tt)):
        raise ValueError(f"t must be a non-empty 1-d array of finite values, got {t!r}")
    if np.any((tt < 0) | (tt > 1)):
        raise ValueError(f"t must lie in [0, 1]; got {tt[(tt < 0) | (tt > 1)]}")
    kap = _margin_of(model, kappa)
    v = vertices(model, alpha=alpha, kappas=ks)
    q12 = float(v.overlaps[0, 1])
    G = _path_gamma(path, tt, q12)
    if path == "hamming":
        K = np.full(tt.size, kap)
        sigma = np.sqrt(2.0 * tt * (1.0 - tt) * (1.0 - q12))
    else:
        K = kap * np.sqrt(np.einsum("ia,ab,ib->i", G, v.overlaps, G))
        sigma = np.zeros(tt.size)
    e = _energy_points(v, kap, G, K, sigma, order)
    return PathEnergy(path, kap, tt, e, G, v)


def zero_energy_margin(model: Model, *, alpha, kappa=None, bracket=None, n_t=2001):
    """Smallest margin kappa_2 whose solutions are joined to typical ones at zero energy.

    The geodesic from a typical solution of the model's margin kappa to a solution of margin
    kappa_2 has zero training error at every t iff

        min_t [g_1(t) kappa + g_2(t) kappa_2 - kappa] >= 0,
        g_1 = sin((1-t) theta)/sin(theta), g_2 = sin(t theta)/sin(theta), cos(theta) = q_12(kappa_2),

    (the support of the stabilities, module notes).  Near t = 0 this requires
    kappa_2 >= q_12 kappa.  Returns the root in kappa_2 of that minimum (Brent on ``bracket``,
    default (kappa, kappa_max(alpha)) shrunk by 1e-6), or None where even the largest margin
    does not suffice (beyond the star-shaped regime).
    """
    from scipy.optimize import brentq

    from .localentropy import kappa_max

    _check_model(model)
    alpha = _check_alpha(alpha)
    kap = _margin_of(model, kappa)
    tt = np.linspace(0.0, 1.0, n_t)[1:]

    def slack(k2):
        """min over t of M(t)/t, with M(t)/t -> theta (k2 - q12 kappa)/sin(theta) at t = 0."""
        q12 = float(vertices(model, alpha=alpha, kappas=(kap, k2)).overlaps[0, 1])
        th = math.acos(q12)
        g = _path_gamma("geodesic", tt, q12)
        interior = np.min((g[:, 0] * kap + g[:, 1] * k2 - kap) / tt)
        return float(min(th * (k2 - q12 * kap) / math.sin(th), interior))

    if bracket is None:
        kmax = kappa_max(model.prior.name, alpha)
        bracket = (kap + 1e-6, kmax - 1e-6)
    lo, hi = bracket
    s_lo, s_hi = slack(lo), slack(hi)
    if s_hi < 0:
        return None
    if s_lo >= 0:
        return lo
    return brentq(slack, lo, hi, xtol=1e-10)


def star_transition(model: Model, *, bracket, kappa=None, delta=1e-9, xtol=1e-4):
    """The alpha beyond which no solution is joined at zero energy to typical ones.

    Below it the maximal-margin solutions (kappa_2 -> kappa_max(alpha), approached as
    kappa_max - ``delta``) are geodesically connected at zero training error to the typical
    solutions of margin kappa (a star-shaped solution space); above it even they are not:
    :func:`zero_energy_margin` would exceed kappa_max.  Located by bisection of the slack of
    the zero-energy condition (see :func:`zero_energy_margin`) in alpha.

    Returns
    -------
    replica.results.Transition
        ``value`` and ``bracket`` in alpha; ``saddle_point`` is the typical vertex's.
    """
    from scipy.optimize import brentq

    from .localentropy import kappa_max
    from .results import Transition

    _check_model(model)
    kap = _margin_of(model, kappa)
    tt = np.linspace(0.0, 1.0, 2001)[1:]

    def slack(a):
        k2 = kappa_max(model.prior.name, a) - delta
        q12 = float(vertices(model, alpha=a, kappas=(kap, k2)).overlaps[0, 1])
        th = math.acos(q12)
        g = _path_gamma("geodesic", tt, q12)
        interior = np.min((g[:, 0] * kap + g[:, 1] * k2 - kap) / tt)
        return float(min(th * (k2 - q12 * kap) / math.sin(th), interior))

    lo, hi = (float(b) for b in bracket)
    s_lo, s_hi = slack(lo), slack(hi)
    if s_lo * s_hi > 0:
        raise ReplicaError(f"the zero-energy slack has one sign on alpha in [{lo}, {hi}]: "
                           f"{s_lo:.4g}, {s_hi:.4g}")
    a = brentq(slack, lo, hi, xtol=xtol)
    sp0 = solve(model.with_params(kappa=kap), a)
    return Transition("alpha", a, (a - xtol, a + xtol), sp0,
                      "zero-energy geodesic from typical to maximal-margin solutions")
