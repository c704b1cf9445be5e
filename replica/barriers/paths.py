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

from . import _kernels as _bk
from ..engine.errors import ModelError, ReplicaError, SaddlePointConvergenceError
from ..engine.results import Transition
from ..perceptron.models import Model, _check_alpha, _check_finite, compiled_construction
from ..engine.quadrature import hermite_rule, legendre_reference
from .results import PathEnergy, SimplexEnergy, Vertices
from .simplex import cross_free_entropy
from ..engine.solvers import solve, solve_needing
from ..perceptron.stability import stability

__all__ = ["vertices", "simplex_energy", "path_energy", "zero_energy_margin", "star_transition",
           "rsb_vertex",
           "PATHS"]

#: the paths of :func:`path_energy`
PATHS = ("geodesic", "straight", "hamming")
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
    """Solve the O(n_a n_b) saddle point for vertices of distinct margins (public ``solve`` on
    the construction's free entropy, from several starts, then its declared bracketing)."""
    fe = compiled_construction(cross_free_entropy, model).fe
    binary = model.prior.is_binary
    qa, qb = sp_a.order_params["q"], sp_b.order_params["q"]
    ctrl = [alpha, qa, qb]
    if binary:
        ctrl += [sp_a.order_params["qhat"], sp_b.order_params["qhat"]]
    controls = dict(zip((s.name for s in fe.controls), ctrl + [ka, kb]))
    names = [s.name for s in fe.order_params]
    starts = ([0.9, 0.5, 0.99, 0.0] if not binary
              else [[0.9, 0.9], [0.5, 0.5], [0.99, 0.99], [0.0, 0.0]])
    last = None
    for k, th0 in enumerate(starts):
        x0 = dict(zip(names, np.atleast_1d(np.array(th0, dtype=float))))
        res = solve(fe, controls, x0=x0, throw=False, fallback=k == len(starts) - 1)
        if res.success:
            return res
        last = res
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
    binary = model.prior.is_binary
    sps, reps = [], []
    for i, k in enumerate(ks):
        mk = model.with_params(kappa=k)
        try:
            spk = solve_needing(mk, alpha)  # a vertex needs q (and qhat), not phi
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
            res = _cross_overlap(model, alpha, sps[a], sps[b], ks[a], ks[b])
            th = list(res.order_params.values())
            ov[a, b] = ov[b, a] = th[0] * math.sqrt(q[a] * q[b])
            info = dict(c12=float(th[0]), iterations=res.iterations, residual=res.residual,
                        method=res.method)
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
    """``order``-point Gauss-Hermite for smooth field directions; per-panel Gauss-Legendre
    orders ``order``/4 for the graded panels of the others and for the truncated stabilities
    (both at least 6); ``order`` for the smearing variable."""

    def __init__(self, order):
        if order < 8:
            raise ValueError(f"order must be >= 8, got {order}")
        self.hermite = hermite_rule(order)
        self.panel = legendre_reference(max(6, order // 4))
        self.gl = legendre_reference(max(6, order // 4))
        self.eta = legendre_reference(order)


def _check_order(order):
    """The order of the check rules: half the order (lower, hence a conservative estimate),
    or twice it where halving would leave the per-panel Gauss-Legendre rules unchanged
    (order < 28: they have at least 6 nodes) and the difference would be zero."""
    low = max(8, 4 * (order // 8))
    return low if max(6, low // 4) != max(6, order // 4) else 2 * order


def _energy_points(v: Vertices, G, K, sigma, order):
    """Energies at rows of G (coefficients) with thresholds K (and smearing sigma), and their
    error estimates: the difference with the same quadrature at half the order (a lower-order
    check, hence conservative) plus 8 ulp."""
    L, active = _semidefinite_cholesky(v.field_covariance)
    kap = np.array(v.kappas, dtype=float)

    def at(order_):
        r = _Rules(order_)
        out = np.empty(G.shape[0])
        for i in range(G.shape[0]):
            out[i] = _bk.energy(L, active, v.q, kap, np.ascontiguousarray(G[i]), float(K[i]),
                                float(sigma[i]), r.hermite[0], r.hermite[1], r.panel[0],
                                r.panel[1], r.gl[0], r.gl[1], r.eta[0], r.eta[1])
        return out

    out = at(order)
    if not np.all(np.isfinite(out)):
        raise ReplicaError(f"non-finite energy at gamma = {G[~np.isfinite(out)][0]}")
    check = at(_check_order(order))
    err = np.abs(check - out) + 8 * np.finfo(float).eps * (1.0 + np.abs(out))
    err[~np.isfinite(err)] = np.inf
    return out, err


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
        Quadrature order: order/4 Gauss-Legendre nodes per panel of the graded rules of the
        fields and of the truncated stabilities.

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
    e, err = _energy_points(v, g, kap * norm, np.zeros(len(g)), order)
    return SimplexEnergy(kap, g, e, v, err)


def _path_gamma(path, t, q12):
    if path == "geodesic":
        th = math.acos(q12)
        return np.stack([np.sin((1 - t) * th), np.sin(t * th)], axis=1) / math.sin(th)
    return np.stack([1 - t, t], axis=1)


def path_energy(model: Model, *, alpha, kappas, t, kappa=None, path="geodesic", order=48,
                ansatz="rs", m=None) -> PathEnergy:
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
    ansatz : {"rs", "1rsb"}
        ``"1rsb"`` (two vertices of the same margin, geodesic or straight path): the vertices
        are two samples of the 1RSB measure (beyond the AT line), in the same state with
        probability 1 - m (overlap q1) and in two different states with probability m
        (overlap q0); ``components`` of the result holds both energies.
    m : float, optional
        Parisi parameter for ``ansatz="1rsb"``; default: optimised (d phi/d m = 0).

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

    1RSB: cavity fields h = sqrt(q0) z0 + sqrt(q1 - q0) z1 of a state, states weighted by
    H((kappa - h)/sqrt(1 - q1))^m, stabilities truncated normals of variance 1 - q1 around h;
    e(t) = (1 - m) e_same(t) + m e_diff(t), the geodesic of each term built on its own overlap
    (q1 or q0).
    """
    _check_model(model)
    if ansatz not in ("rs", "1rsb"):
        raise ValueError(f"Unknown ansatz {ansatz!r}; known: ('rs', '1rsb')")
    if path not in PATHS:
        raise ValueError(f"Unknown path {path!r}; known: {PATHS}")
    ks = _check_kappas(kappas)
    if len(ks) != 2:
        raise ValueError(f"a path joins two vertices: kappas must hold 2 margins, got {ks}")
    if path == "hamming" and not model.prior.is_binary:
        raise ValueError("the 'hamming' path is defined for binary weights only")
    tt = np.atleast_1d(np.asarray(t, dtype=float))
    if tt.ndim != 1 or tt.size == 0 or not np.all(np.isfinite(tt)):
        raise ValueError(f"t must be a non-empty 1-d array of finite values, got {t!r}")
    if np.any((tt < 0) | (tt > 1)):
        raise ValueError(f"t must lie in [0, 1]; got {tt[(tt < 0) | (tt > 1)]}")
    kap = _margin_of(model, kappa)
    if ansatz == "1rsb" and (not model.prior.is_spherical or ks[0] != ks[1]
                             or path == "hamming"):
        raise ValueError("ansatz='1rsb' is implemented for two spherical vertices of the same "
                         "margin on the geodesic or straight path")
    v = vertices(model, alpha=alpha, kappas=ks)
    if ansatz == "1rsb":
        return _path_energy_1rsb(model, v, tt, kap, path, order, m)
    q12 = float(v.overlaps[0, 1])
    G = _path_gamma(path, tt, q12)
    if path == "hamming":
        K = np.full(tt.size, kap)
        sigma = np.sqrt(2.0 * tt * (1.0 - tt) * (1.0 - q12))
    else:
        K = kap * np.sqrt(np.einsum("ia,ab,ib->i", G, v.overlaps, G))
        sigma = np.zeros(tt.size)
    e, err = _energy_points(v, G, K, sigma, order)
    return PathEnergy(path, kap, tt, e, G, v, energy_error=err)


def rsb_vertex(model: Model, *, alpha, kappa_v, m=None):
    """The 1RSB saddle point of the flat measure over margin-kappa_v solutions (q0 < q1).

    Starts off the RS solution (q0 = q - 0.05, q1 halfway to 1, several starts); m is
    optimised when not given.  Raises :class:`ReplicaError` where the solution collapses onto
    RS (q1 - q0 < 1e-7: below the AT line).
    """
    mk = model.with_params(kappa=kappa_v)
    qr = solve_needing(mk, alpha).order_params["q"]
    last = None
    for dq0, f1, m0 in ((0.05, 0.5, 0.5), (0.03, 0.3, 0.4), (0.08, 0.7, 0.3), (0.02, 0.2, 0.6)):
        x0 = {"q0": max(qr - dq0, 1e-3), "q1": qr + f1 * (1 - qr)}
        try:
            if m is None:
                sp = solve(mk, alpha, ansatz="1rsb-m", x0={**x0, "m": m0})
            else:
                sp = solve(mk, alpha, ansatz="1rsb", m=m, x0=x0)
        except SaddlePointConvergenceError as err:
            last = err
            continue
        q0, q1 = sp.order_params["q0"], sp.order_params["q1"]
        if q1 - q0 < 1e-7:
            raise ReplicaError(f"the 1RSB solution at alpha={alpha}, kappa={kappa_v} collapses "
                               f"onto RS (q0 = {q0}, q1 = {q1}): below the AT line?")
        return sp
    raise SaddlePointConvergenceError(
        f"no 1RSB saddle point at alpha={alpha}, kappa={kappa_v} from 4 starts ({last})",
        getattr(last, "result", None))


def _path_energy_1rsb(model, v, tt, kap, path, order, m):
    sp = rsb_vertex(model, alpha=v.alpha, kappa_v=v.kappas[0], m=m)
    q0, q1 = sp.order_params["q0"], sp.order_params["q1"]
    mm = sp.order_params.get("m", sp.params.get("m"))

    def at(order_):
        r = _Rules(order_)
        parts = {}
        for name, q12, same in (("same", q1, True), ("different", q0, False)):
            G = _path_gamma(path, tt, q12)
            K = kap * np.sqrt(G[:, 0] ** 2 + G[:, 1] ** 2 + 2 * q12 * G[:, 0] * G[:, 1])
            parts[name] = np.array([
                _bk.energy_1rsb_pair(q0, q1, mm, v.kappas[0], np.ascontiguousarray(G[i]),
                                     float(K[i]), same, r.panel[0], r.panel[1], r.gl[0],
                                     r.gl[1])
                for i in range(tt.size)])
        return parts, (1 - mm) * parts["same"] + mm * parts["different"]

    parts, e = at(order)
    if not np.all(np.isfinite(e)):
        raise ReplicaError(f"non-finite 1RSB path energy at t = {tt[~np.isfinite(e)]}")
    # the error estimate of the RS paths: the same quadrature on the check rules, plus 8 ulp
    _, check = at(_check_order(order))
    err = np.abs(check - e) + 8 * np.finfo(float).eps * (1.0 + np.abs(e))
    err[~np.isfinite(err)] = np.inf
    comp = {"q0": q0, "q1": q1, "m": mm, "saddle_point": sp, **parts}
    return PathEnergy(path, kap, tt, e, _path_gamma(path, tt, q0), v, "1rsb", comp,
                      energy_error=err)


def _slack(model, alpha, kap, k2, tt):
    """min over t of M(t)/t for the geodesic kappa-typical -> kappa_2 vertex (see below)."""
    q12 = float(vertices(model, alpha=alpha, kappas=(kap, k2)).overlaps[0, 1])
    th = math.acos(q12)
    g = _path_gamma("geodesic", tt, q12)
    interior = np.min((g[:, 0] * kap + g[:, 1] * k2 - kap) / tt)
    return float(min(th * (k2 - q12 * kap) / math.sin(th), interior))


def zero_energy_margin(model: Model, *, alpha, kappa=None, bracket=None, n_grid=24,
                       n_t=2001) -> float | None:
    """Smallest margin kappa_2 whose solutions are joined to typical ones at zero energy.

    The geodesic from a typical solution of the model's margin kappa to a solution of margin
    kappa_2 has zero training error at every t iff the slack

        S(kappa_2) = min_t M(t)/t >= 0,  M(t) = g_1(t) kappa + g_2(t) kappa_2 - kappa,
        g_1 = sin((1-t) theta)/sin(theta), g_2 = sin(t theta)/sin(theta),
        cos(theta) = q_12(kappa_2),

    (the support of the stabilities, module notes; M(0) = 0 and M(t)/t -> theta (kappa_2 -
    q_12 kappa)/sin(theta) as t -> 0, so kappa_2 >= q_12 kappa is necessary).  S is not
    monotonic in kappa_2 (q_12 falls near kappa_max), so S is scanned on ``n_grid`` margins of
    ``bracket`` (default (kappa, kappa_max(alpha)) shrunk by 1e-6) and the first sign change
    from negative to nonnegative is refined by Brent.

    Returns
    -------
    float or None
        The smallest zero-energy margin, or None if S < 0 on the whole scan (no margin up to
        kappa_max connects at zero energy).
    """
    from scipy.optimize import brentq

    from ..localentropy.entropy import kappa_max

    _check_model(model)
    alpha = _check_alpha(alpha)
    kap = _margin_of(model, kappa)
    tt = np.linspace(0.0, 1.0, n_t)[1:]
    if bracket is None:
        bracket = (kap + 1e-6, kappa_max(model.prior.name, alpha) - 1e-6)
    lo, hi = (float(b) for b in bracket)
    grid = np.linspace(lo, hi, n_grid)
    prev = None
    for k2 in grid:
        sk = _slack(model, alpha, kap, k2, tt)
        if sk >= 0:
            if prev is None:
                return float(k2)
            return brentq(lambda k: _slack(model, alpha, kap, k, tt), prev, k2, xtol=1e-10)
        prev = k2
    return None


def star_transition(model: Model, *, bracket, kappa=None, criterion="max-margin", delta=1e-9,
                    xtol=1e-4) -> Transition:
    """The alpha where the zero-energy (star-shaped) connectivity to typical solutions breaks.

    Parameters
    ----------
    model : replica.models.Model
        Spherical hard-margin perceptron; typical solutions have its margin kappa.
    bracket : (float, float)
        alpha interval with a sign change.
    criterion : {"max-margin", "any"}
        ``"max-margin"``: the maximal-margin solutions (kappa_2 = kappa_max(alpha) - ``delta``)
        stop being joined at zero energy to typical ones.  ``"any"``: no margin kappa_2 up to
        kappa_max is joined at zero energy any more (:func:`zero_energy_margin` returns None;
        the window of zero-energy margins closes, at a larger alpha).
    delta, xtol : float

    Returns
    -------
    replica.results.Transition
        ``value`` and ``bracket`` in alpha; ``saddle_point`` is the typical vertex's.

    Notes
    -----
    RS throughout: the vertices near kappa_max are RS-unstable (their replicon is reported by
    :func:`vertices`), so the transition is the RS estimate.
    """
    from scipy.optimize import brentq, minimize_scalar

    from ..localentropy.entropy import kappa_max

    _check_model(model)
    if criterion not in ("max-margin", "any"):
        raise ValueError(f"Unknown criterion {criterion!r}; known: ('max-margin', 'any')")
    kap = _margin_of(model, kappa)
    tt = np.linspace(0.0, 1.0, 2001)[1:]

    def slack(a):
        kmax = kappa_max(model.prior.name, a) - delta
        if criterion == "max-margin":
            return _slack(model, a, kap, kmax, tt)
        grid = np.linspace(kap + 1e-6, kmax, 16)
        vals = [_slack(model, a, kap, k2, tt) for k2 in grid]
        i = int(np.argmax(vals))
        lo_, hi_ = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
        res = minimize_scalar(lambda k2: -_slack(model, a, kap, k2, tt), bounds=(lo_, hi_),
                              method="bounded", options={"xatol": 1e-8})
        return max(vals[i], -float(res.fun))

    lo, hi = (float(b) for b in bracket)
    s_lo, s_hi = slack(lo), slack(hi)
    if s_lo * s_hi > 0:
        raise ReplicaError(f"the zero-energy slack has one sign on alpha in [{lo}, {hi}]: "
                           f"{s_lo:.4g}, {s_hi:.4g}")
    a = brentq(slack, lo, hi, xtol=xtol)
    sp0 = solve(model.with_params(kappa=kap), a)
    what = ("maximal-margin" if criterion == "max-margin" else "any higher-margin")
    return Transition("alpha", a, (a - xtol, a + xtol), sp0,
                      f"zero-energy geodesic from typical to {what} solutions")
