"""Large-deviation local entropy of the binary perceptron: the densest regions of solutions.

The Franz-Parisi construction (:mod:`.entropy`) weighs every reference by the flat measure
over solutions; Baldassi et al. weigh it by exp(y N S(w~, d)), its own local entropy, which
for y -> infinity selects the references surrounded by the most solutions.  With a free
(unconstrained) binary reference and y real replicas of the neighbours per reference, the RS
free entropy is a 1RSB-like expression with Parisi parameter y, built here on the engine's raw
path (:func:`large_deviation_free_entropy`) and solved at finite y; :func:`large_deviation_entropy`
extrapolates the local entropy of the dominant references to y -> infinity.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..engine.continuation import sweep
from ..engine.errors import ReplicaError, SaddlePointConvergenceError
from ..engine.freeentropy import FreeEntropy, free_entropy
from ..engine.gauss import GaussAvg, LogAvgExp
from ..engine.serialize import Serializable
from ..engine.solvers import solve
from ..engine.special import Log2Cosh, LogAddExp, logH
from ..perceptron.models import _check_alpha, _check_finite

__all__ = ["large_deviation_free_entropy", "large_deviation_entropy", "LargeDeviationEntropy"]

q0, q1, qhat0, qhat1, phat = sp.symbols("q0 q1 qhat0 qhat1 phat", real=True)
_alpha, _y, _p, _kappa = sp.symbols("alpha y p kappa", real=True)
_z0, _z1 = sp.symbols("z0 z1", real=True)

_FE = []
_OK = ("converged", "inaccurate")


def large_deviation_free_entropy() -> FreeEntropy:
    """The RS free entropy of the large-deviation (robust-ensemble) measure, binary weights,
    free reference, per replica of the neighbours: phi = Phi(y)/y.

    Order parameters q0, q1 (neighbours' overlaps across / within a reference's group),
    qhat0, qhat1, phat (conjugate to q0, q1 and to the overlap p with the reference); controls
    alpha, y, p, kappa.

    Notes
    -----
    Phi(y) = y^2 qhat0 q0/2 - y(y-1) qhat1 q1/2 - y qhat1/2 - y phat p
             + E_z0 ln sum_{s=+-1} E_z1 [2 cosh(sqrt(qhat0) z0 + sqrt(qhat1-qhat0) z1 + phat s)]^y
             + alpha E_z0 ln E_z1 H((kappa - sqrt(q0) z0 - sqrt(q1-q0) z1)/sqrt(1-q1))^y.

    The reference w~ = +-1 enters only through the sum over s (it is not constrained); its
    replicas are independent across groups, so there is no reference-reference overlap.  The
    energetic term is the 1RSB one with m = y.  Phi(y) = y S* + Sigma at the dominant local
    entropy S* = dPhi/dy, Sigma the entropy of those references.  The inner averages carry
    hints at the kinks of y ln 2cosh (width 1/y) and of ln H; the outer entropic average at
    z0 = 0, where the two signs of the reference exchange dominance (width 1/(y sqrt(qhat0))):
    without it the check rule reports the point ``inaccurate`` from y ~ 10.

    References
    ----------
    C. Baldassi, A. Ingrosso, C. Lucibello, L. Saglietti and R. Zecchina, Phys. Rev. Lett.
    115, 128101 (2015); C. Baldassi et al., PNAS 113, E7655 (2016).
    """
    if not _FE:
        dq = sp.sqrt(q1 - q0)
        dqh = sp.sqrt(qhat1 - qhat0)
        u = (_kappa - sp.sqrt(q0) * _z0 - dq * _z1) / sp.sqrt(1 - q1)
        inner_e = LogAvgExp(_y * logH(u), _z1,
                            [((_kappa - sp.sqrt(q0) * _z0) / dq, sp.sqrt(1 - q1) / dq)])
        energetic = _alpha * GaussAvg(inner_e, _z0,
                                      [(_kappa / sp.sqrt(q0), sp.sqrt(1 - q0) / sp.sqrt(q0))]) / _y

        def A(s):
            h0 = sp.sqrt(qhat0) * _z0 + phat * s
            return LogAvgExp(_y * Log2Cosh(h0 + dqh * _z1), _z1, [(-h0 / dqh, 1 / (_y * dqh))])

        w0 = 1 / sp.sqrt(qhat0)
        avg = GaussAvg(LogAddExp(A(1), A(-1)), _z0,
                       [(phat * w0, w0), (-phat * w0, w0), (sp.Integer(0), w0 / _y)])
        entropic = (_y**2 * qhat0 * q0 / 2 - _y * (_y - 1) * qhat1 * q1 / 2 - _y * qhat1 / 2
                    - _y * phat * _p + avg) / _y
        _FE.append(free_entropy(
            entropic + energetic,
            {q0: (0.0, 1.0), q1: (0.0, 1.0), qhat0: (0.0, 1e4), qhat1: (0.0, 1e4),
             phat: (-50.0, 50.0)},
            [_alpha, _y, _p, _kappa], name="large-deviation local entropy (binary, free reference)",
            parts=[entropic, energetic]))
    return _FE[0]


@dataclass(frozen=True)
class LargeDeviationEntropy(Serializable):
    """Local entropy of the densest regions of binary-perceptron solutions (free reference).

    Attributes
    ----------
    alpha, kappa : float
    p : numpy.ndarray
        Overlaps with the reference (distance d = (1 - p)/2).
    y : numpy.ndarray
        The finite y solved (increasing, each twice the previous).
    S_y : numpy.ndarray, shape (len(p), len(y))
        S*(y) = dPhi/dy = phi + y dphi/dy: the local entropy of the dominant references.
    Sigma_y : numpy.ndarray, shape (len(p), len(y))
        Their entropy Phi - y S* (negative: rarer than exponentially many, the formal
        y -> infinity branch of Baldassi et al.).
    S : numpy.ndarray
        S*(y -> infinity): Richardson extrapolation in 1/y^2 of the last two y.
    S_error : numpy.ndarray
        |difference| of the extrapolations from the last two and the two previous y (needs
        three y; the measured convergence is O(1/y^2), see ``ratio``), plus the largest
        quadrature error estimate of the points.
    ratio : numpy.ndarray
        (S*(y_1) - S*(y_0)) / (S*(y_2) - S*(y_1)) of the last three y: 4 for O(1/y^2).
    slope : numpy.ndarray
        dS/dd at y -> infinity, 2 phat(y -> infinity) (see Notes of
        :func:`large_deviation_entropy`): second-order Richardson extrapolation in 1/y of phat
        at the last three y.
    slope_error : numpy.ndarray
        2 (|phat_1 - phat_1'| + |phat_2 - phat_1|): the sum of the corrections of both orders,
        with phat_1, phat_1' the first-order extrapolations of the last and of the previous
        two y and phat_2 the second-order one.  Three y cannot establish the order of
        convergence (phat approaches its limit irregularly near the dip), so no correction is
        assumed to bound the next one; against the independent y = infinity transcription the
        true error was at most 0.69 of this estimate at 17 points (alpha = 0.5, d = 0.1, 0.05;
        alpha = 0.75, 0.755, 0.76, d = 0.012-0.024; ``tests/replica/test_large_deviation.py``),
        while the last correction alone was exceeded 2.8-fold.
    status : tuple of str
        Per p: ``converged``, ``inaccurate`` (a point's error estimate above tol, or a ratio
        outside [3, 5]: the extrapolation's order is not the assumed one), or the failure.
    order_params : dict
        Name -> array (len(p), len(y)).
    """

    alpha: float
    kappa: float
    p: np.ndarray
    y: np.ndarray
    S_y: np.ndarray
    Sigma_y: np.ndarray
    S: np.ndarray
    S_error: np.ndarray
    ratio: np.ndarray
    status: tuple
    order_params: dict
    slope: np.ndarray
    slope_error: np.ndarray

    @property
    def distances(self):
        return (1.0 - self.p) / 2.0


def _ys(ys):
    arr = np.asarray(ys, dtype=float)
    if arr.ndim != 1 or arr.size < 3 or not np.all(np.isfinite(arr)) or np.any(arr < 2):
        raise ValueError(f"ys must be at least three finite values >= 2, got {ys!r}")
    if not np.allclose(arr[1:] / arr[:-1], 2.0, rtol=1e-12):
        raise ValueError(f"ys must double from one to the next (Richardson in 1/y^2), got {ys!r}")
    return arr


def _overlaps(overlaps, distances):
    """The overlaps p in (0, 1) from exactly one of ``overlaps=`` and ``distances=``."""
    if (overlaps is None) == (distances is None):
        raise ValueError("give exactly one of overlaps= and distances= (d = (1 - p)/2)")
    raw = np.atleast_1d(np.asarray(overlaps if distances is None else distances, dtype=float))
    if raw.ndim != 1 or raw.size == 0 or not np.all(np.isfinite(raw)):
        raise ValueError(f"{'overlaps' if distances is None else 'distances'} must be a "
                         f"non-empty 1-d array of finite values, got {raw!r}")
    p = raw.copy() if distances is None else 1.0 - 2.0 * raw
    if np.any((p <= 0.0) | (p >= 1.0)):
        raise ValueError(f"overlaps must lie in (0, 1) (distances in (0, 1/2)), got p = {p}")
    return p


def _sweep_to(fe, controls, x0, tol, what):
    """The last point of a sweep; ReplicaError if the sweep (in ``what``) stopped."""
    br = sweep(fe, controls, x0=x0, tol=tol, progress=False)
    if br.status[-1] not in _OK:
        raise ReplicaError(f"the sweep in {what} stopped ({br.status[-1]})")
    return br.points[-1]


def _start_point(fe, alpha, p0, y0, ctrl, tol):
    """The first point (alpha, y_0, p_0): solved at alpha = min(0.02, alpha), swept in alpha."""
    a0 = min(0.02, alpha)
    x0 = {"q0": 0.01, "q1": p0 * p0, "qhat0": 1e-3, "qhat1": 2e-3, "phat": math.atanh(p0)}
    first = solve(fe, {"alpha": a0, "y": y0, "p": p0, **ctrl}, x0=x0, tol=tol)
    start = first
    if alpha > a0:
        start = _sweep_to(fe, {"alpha": np.linspace(a0, alpha, 25), "y": y0, "p": p0, **ctrl},
                          first.order_params, tol, "alpha")
    return start


def _along_p(fe, alpha, p_i, y0, prev, ctrl, tol):
    """The point at overlap p_i and y_0, swept in p from ``prev`` (``prev`` if already there)."""
    if p_i != float(prev.controls["p"]):
        grid = np.linspace(float(prev.controls["p"]), p_i, 9)
        prev = _sweep_to(fe, {"alpha": alpha, "y": y0, "p": grid, **ctrl},
                         prev.order_params, tol, "p")
    return prev


def _along_y(fe, alpha, p_i, ys, cur, ctrl, tol):
    """Yield (j, point at ys[j]) for j >= 1, sweeping geometrically in y from ``cur``."""
    for j in range(1, ys.size):
        grid = np.geomspace(ys[j - 1], ys[j], 5)
        cur = _sweep_to(fe, {"alpha": alpha, "y": grid, "p": p_i, **ctrl},
                        cur.order_params, tol, "y")
        yield j, cur


def large_deviation_entropy(alpha, *, distances=None, overlaps=None, kappa=0.0,
                            ys=(10.0, 20.0, 40.0), tol=1e-10,
                            throw=True) -> LargeDeviationEntropy:
    """Local entropy S(d) of the densest regions of binary-perceptron solutions (y -> inf).

    Parameters
    ----------
    alpha : float
        Constraint density.
    distances, overlaps : array_like
        Exactly one: distances d in (0, 1/2) from the reference, or overlaps p = 1 - 2d.
    kappa : float
        Margin of the neighbours.
    ys : sequence of float
        At least three y, each twice the previous (default 10, 20, 40).
    tol : float
    throw : bool
        Raise :class:`~replica.errors.SaddlePointConvergenceError` on a failed point; with
        False its values are NaN and its status says why.

    Returns
    -------
    LargeDeviationEntropy

    Notes
    -----
    Each y is solved on :func:`large_deviation_free_entropy`.  The first point is reached by
    a sweep in alpha from alpha = 0.02, started at the alpha -> 0 solution (independent
    references: q0 ~ 0, q1 = p^2, phat = atanh p), then a sweep in p through the requested
    overlaps, then geometric sweeps in y.  S*(y) = dPhi/dy comes from the compiled control
    derivative (envelope theorem).  At alpha = 0.5, d = 0.1 the S*(y) for y = 10, 20, 40 are
    0.2242579, 0.2314780, 0.2334812 (ratio 3.60), extrapolated to 0.2341489 +- 2.6e-4; with
    y = 20, 40, 80: 0.2341584 (ratio 3.94); the independent y = infinity transcription in
    ``tests/replica/large_deviation_ref.py`` (proximal maxima, SciPy) gives 0.2341575.  At
    d = 0.05 the finite-y branch stalls near y = 50 (line search, a nearly singular Hessian:
    apparently a fold in y), so the default y stop at 40 (0.1647338 +- 7.3e-4 there, against
    0.1647717).  Closer to the transition it can stall below y = 40 (alpha = 0.75, d = 0.03):
    such a point is ``continuation_failed`` (NaN), never a number from a shorter ladder.

    The slope in d: phi contains -phat p, so dPhi/dp = -y phat and
    dS*/dp = d/dy (dPhi/dp) = -phat - y dphat/dy.  With phat(y) = phat_inf + a/y + b/y^2 + ...,
    dS*/dp -> -phat_inf, i.e. dS/dd = 2 phat_inf at y -> infinity (the reference
    transcription's 2P); phat itself converges only like 1/y, hence the second-order
    extrapolation of :attr:`LargeDeviationEntropy.slope`.  S(d) stops being monotonic where
    min_d phat_inf(d) reaches 0 (:func:`large_deviation_transition`).

    References
    ----------
    C. Baldassi, A. Ingrosso, C. Lucibello, L. Saglietti and R. Zecchina, Phys. Rev. Lett.
    115, 128101 (2015); C. Baldassi et al., PNAS 113, E7655 (2016).
    """
    alpha = _check_alpha(alpha)
    kappa = _check_finite("kappa", kappa)
    ys = _ys(ys)
    p = _overlaps(overlaps, distances)
    fe = large_deviation_free_entropy()
    names = tuple(s.name for s in fe.order_params)
    n, k = p.size, ys.size
    S_y = np.full((n, k), np.nan)
    Sig = np.full((n, k), np.nan)
    ops = {nm: np.full((n, k), np.nan) for nm in names}
    status = ["converged"] * n
    qerr = np.zeros(n)
    ctrl = {"kappa": kappa}

    def record(i, j, sp_):
        dphi = sp_.derivatives["y"]
        S_y[i, j] = sp_.phi + ys[j] * dphi
        Sig[i, j] = -ys[j] ** 2 * dphi
        for nm in names:
            ops[nm][i, j] = sp_.order_params[nm]
        # S* = phi + y dphi/dy: phi's error estimate and y times the gradient's (the error
        # of dphi/dy, a derivative of the same averages, is of that order; both are ~1e-15
        # where the hints resolve the averages)
        qerr[i] = max(qerr[i], sp_.phi_error + ys[j] * sp_.gradient_error)
        if sp_.status != "converged":
            status[i] = str(sp_.status)

    def fail(i, why, err=None):
        status[i] = why
        if throw:
            raise SaddlePointConvergenceError(
                f"large-deviation local entropy: {why} at p = {p[i]:.6g} (alpha = {alpha}, "
                f"kappa = {kappa})" + (f": {err}" if err else ""), result=None)

    order = np.argsort(-p)  # from the largest overlap (closest to the alpha -> 0 start)
    try:
        start = _start_point(fe, alpha, float(p[order[0]]), ys[0], ctrl, tol)
    except ReplicaError as err:
        for i in order:
            fail(i, "start_failed", err)
        return _result(alpha, kappa, p, ys, S_y, Sig, status, ops, qerr)
    # along p at y_0, then along y at each p
    prev = start
    for i in order:
        try:
            prev = _along_p(fe, alpha, float(p[i]), ys[0], prev, ctrl, tol)
            record(i, 0, prev)
            for j, cur in _along_y(fe, alpha, float(p[i]), ys, prev, ctrl, tol):
                record(i, j, cur)
        except ReplicaError as err:
            fail(i, "continuation_failed", err)
            S_y[i] = np.nan
            Sig[i] = np.nan
    return _result(alpha, kappa, p, ys, S_y, Sig, status, ops, qerr)


def _result(alpha, kappa, p, ys, S_y, Sig, status, ops, qerr):
    d1 = S_y[:, -2] - S_y[:, -3]
    d2 = S_y[:, -1] - S_y[:, -2]
    ratio = d1 / d2
    S = S_y[:, -1] + d2 / 3.0
    S_prev = S_y[:, -2] + d1 / 3.0
    err = np.abs(S - S_prev) + qerr
    status = list(status)
    for i in range(p.size):
        if status[i] == "converged" and not 3.0 <= ratio[i] <= 5.0:
            status[i] = "inaccurate"
    # dS/dd = -2 dS/dp = 2 phat(y -> inf): phat = phat_inf + a/y + b/y^2 + ...
    ph = ops["phat"]
    coarse = 2.0 * ph[:, -2] - ph[:, -3]
    fine = 2.0 * ph[:, -1] - ph[:, -2]
    phat_inf = (4.0 * fine - coarse) / 3.0
    return LargeDeviationEntropy(alpha=alpha, kappa=kappa, p=p.copy(), y=ys.copy(), S_y=S_y,
                                 Sigma_y=Sig, S=S, S_error=err, ratio=ratio,
                                 status=tuple(status), order_params=ops, slope=2.0 * phat_inf,
                                 slope_error=2.0 * (np.abs(fine - coarse)
                                                     + np.abs(phat_inf - fine)))
