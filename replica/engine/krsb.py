"""k-RSB saddle points of one-field Parisi functionals: the problem and its solver.

A system hands the engine a :class:`ParisiProblem`: the recursion's terminal (the site's
log-partition, :mod:`replica.engine.parisi`), the variance function A(q) and its Legendre
partner theta(q) = q A(q) - Xi(q) (Xi' = A), the external field and the number of steps k.
The Parisi functional of a ladder (q_0 < ... < q_k; m_1 < ... < m_k) is

    phi = F_root - 1/2 sum_{l=1}^{k+1} m_l (theta(q_l) - theta(q_{l-1})),   q_{k+1} = m_{k+1} = 1,

and its stationary point solves, for l = 0..k and l' = 1..k,

    q_l = <F_l'^2>_l,        <F_l'>_l - ... : (<F_l>_l - <F_{l-1}>_{l-1}) / m_l' = (theta(q_l') - theta(q_{l'-1})) / 2,

(d phi / d q_l = A'(q_l) (m_l - m_{l+1}) (<F_l'^2>_l - q_l) / 2; d phi / d m_l as written).
:func:`solve_parisi` solves these 2k + 1 equations by damped Newton on a finite-difference
Jacobian, from a k-ladder: the RS point, then one breakpoint split at a time (every split is
tried; the lowest phi wins where the problem is a minimum over ladders, as Guerra's bound makes
it for Ising spin glasses).

The result is a :class:`~replica.engine.results.SaddlePoint` with the ladder in
``order_params`` (``q0..qk``, ``m1..mk``), error estimates from the recursion at
:data:`~replica.engine.parisi.CHECK_RESOLUTION`, and the Parisi function in ``parisi``.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from . import ladder as _lad
from . import parisi as _p
from .errors import ModelError, SaddlePointConvergenceError
from .results import ParisiFunction, SaddlePoint, Status

__all__ = ["ParisiProblem", "solve_parisi", "ladder_names", "extrapolate", "check_k"]


def ladder_names(k):
    """The order parameters of a k-RSB ladder: q0..qk, then m1..mk."""
    return [f"q{i}" for i in range(k + 1)] + [f"m{i}" for i in range(1, k + 1)]


def check_k(ansatz, k, name, k_full):
    """The number of steps of a k-RSB ansatz, validated: ``"1rsb"`` has k = 1, ``"krsb"``
    needs an integer k >= 1, ``"frsb"`` takes none (its ladder climbs to ``k_full``).

    Raises
    ------
    ModelError
        Naming the model ``name`` and the offending k.
    """
    if ansatz == "frsb":
        if k is not None:
            raise ModelError(f"{name}: ansatz='frsb' takes no k (it climbs the k-ladder to "
                             f"k = {k_full} and extrapolates); use ansatz='krsb' with k")
        return k_full
    if ansatz == "1rsb":
        if k not in (None, 1):
            raise ModelError(f"{name}: ansatz='1rsb' has k = 1, got k = {k}")
        return 1
    if k is None:
        raise ModelError(f"{name}: ansatz='krsb' needs the number of steps k (k >= 1)")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ModelError(f"{name}: k must be an integer >= 1, got {k!r}")
    return int(k)


@dataclass(frozen=True, eq=False)
class ParisiProblem:
    """A one-field k-RSB problem at numeric controls.

    Parameters
    ----------
    label : str
        The model's name in results and messages.
    terminal : object
        ``values(h, v_top) -> (F, F')`` and ``s_max`` (see :func:`replica.engine.parisi.recursion`).
    A, dA, theta : callable
        The variance function A(q), its derivative, and theta(q) = q A(q) - Xi(q), at the
        controls.
    h0 : float
        The external field in the units of the cavity field.
    k : int
        Steps of replica symmetry breaking (0 is RS).
    values : mapping
        The controls by name (for the result).
    primary : str, optional
        The control a bare number means.
    ansatz : str
        The ansatz named in the result (``"rs"``, ``"1rsb"``, ``"krsb"``).
    minimum : bool
        Whether phi is a minimum over ladders (Guerra's bound; selects among splits).
    derivatives : callable, optional
        ``derivatives(q, m, rec) -> dict`` of total derivatives of phi in the controls.
    observables : mapping, optional
        ``{name: f(saddle_point)}``.
    """

    label: str
    terminal: Any
    A: Callable
    dA: Callable
    theta: Callable
    h0: float
    k: int
    values: Mapping[str, float] = field(default_factory=dict)
    primary: str | None = None
    ansatz: str = "krsb"
    minimum: bool = True
    derivatives: Callable | None = None
    observables: Mapping[str, Callable] = field(default_factory=dict)
    top_one: bool = False
    m_unbounded: bool = False
    extra: Callable | None = None
    weight: float = 1.0
    # top_one: the last overlap is fixed at 1 (zero temperature); a terminal with a
    # ``level(h, v, m)`` method then does the last level in closed form.
    # m_unbounded: the Parisi parameters are mu in (0, inf) (zero temperature, mu = beta m),
    # the solver's variables m' = mu / (1 + mu).
    # extra: an algebraic term G of the ladder in place of theta's,
    # ``extra(q, m) -> (G, dG/dq_l for l = 0..k, dG/dm_l for l = 1..k)``, so that
    # phi = weight F_root + G (a spherical prior's entropy, :mod:`replica.engine.sphere`; with
    # terminal None there is no recursion and phi = G: the Crisanti-Sommers functional).

    @property
    def n_q(self) -> int:
        """The free overlaps of the ladder: k + 1, or k where the last is fixed at 1."""
        return self.k + 1 - int(self.top_one)

    def names(self):
        """The order parameters in the solver's order (q's, then m's or mu's)."""
        m = "mu" if self.m_unbounded else "m"
        return ([f"q{i}" for i in range(self.n_q)] + [f"{m}{i}" for i in range(1, self.k + 1)])

    def ladder(self, q, m):
        """The full ladder (q_0..q_k, Parisi parameters) from the solver's variables: the
        fixed q_k = 1 appended (``top_one``), m' = mu/(1 + mu) mapped to mu
        (``m_unbounded``)."""
        q, m = np.asarray(q, float), np.asarray(m, float)
        if self.top_one:
            q = np.concatenate((q, [1.0]))
        if self.m_unbounded:
            m = m / (1.0 - m)
        return q, m

    def m_jacobian(self, m):
        """d (Parisi parameter) / d (solver variable) for each m."""
        m = np.asarray(m, float)
        return 1.0 / (1.0 - m) ** 2 if self.m_unbounded else np.ones(len(m))

    def q_scale(self, q, m):
        """D_l with d phi / d q_l = D_l r_l (r the q residuals of :meth:`functional`), for
        the full ladder (q, m): weight A'(q_l) (m_l - m_{l+1}) / 2, and (m_l - m_{l+1}) / 2
        without a recursion (m_0 = 0, m_{k+1} = 1)."""
        mm = np.concatenate(([0.0], m, [1.0]))
        half = 0.5 * (mm[:-1] - mm[1:])
        if self.terminal is None:
            return half
        return self.weight * half * np.array([self.dA(x) for x in q])

    def functional(self, q, m, res=_p.RESOLUTION, keep_measures=False):
        """phi, the equations' residuals (q_l - <F_l'^2>, then the m equations) and the
        recursion at the ladder (q, m)."""
        nq = len(q)
        q, m = self.ladder(q, m)
        if self.extra is not None:
            return self._functional_extra(q, m, nq, res, keep_measures)
        a = np.array([self.A(x) for x in q])
        th = np.array([self.theta(x) for x in np.concatenate((q, [1.0]))])
        closed = self.top_one and hasattr(self.terminal, "level")
        rec = _p.recursion(self.terminal, self.h0, a, self.A(1.0), m, res, keep_measures,
                           closed_top=closed)
        mm = np.concatenate((m, [1.0]))
        phi = rec.F_root - 0.5 * float(np.dot(mm, np.diff(th)))
        r_q = (rec.sq - q)[:nq]
        r_m = rec.df / m - 0.5 * np.diff(th)[:-1] if len(m) else np.zeros(0)
        return phi, np.concatenate((r_q, r_m)), rec

    def _functional_extra(self, q, m, nq, res, keep_measures):
        # phi = weight F_root + G(q, m); the q residuals are d phi / d q_l over q_scale
        k = len(m)
        G, gq, gm = self.extra(q, m)
        if self.terminal is None:
            rec = None
            F, gF_q, gF_m = 0.0, np.zeros(k + 1), np.zeros(k)
        else:
            a = np.array([self.A(x) for x in q])
            closed = self.top_one and hasattr(self.terminal, "level")
            rec = _p.recursion(self.terminal, self.h0, a, self.A(1.0), m, res, keep_measures,
                               closed_top=closed)
            F = rec.F_root
            mm = np.concatenate(([0.0], m, [1.0]))
            w = self.weight
            gF_q = w * 0.5 * (mm[:-1] - mm[1:]) * np.array([self.dA(x) for x in q]) * rec.sq
            gF_m = w * rec.df / m if k else np.zeros(0)
            F = w * F
        phi = F + G
        # q_l between coinciding m's moves nothing (d phi / d q_l = 0 = D_l): residual 0
        D = self.q_scale(q, m)
        g = gF_q + gq
        r_q = np.divide(g, D, out=np.zeros_like(g), where=D != 0.0)[:nq]
        r_m = gF_m + gm
        return phi, np.concatenate((r_q, r_m)), rec


def solve_parisi(pb: ParisiProblem, *, x0=None, tol=1e-10, max_iter=60,
                 throw=True) -> SaddlePoint:
    """The k-RSB saddle point of a :class:`ParisiProblem`.

    Parameters
    ----------
    pb : ParisiProblem
    x0 : dict, optional
        A start for the whole ladder by name (``q0..qk``, ``m1..mk``); without it the
        k-ladder is climbed from the RS point.
    tol : float
        On the equations' residuals (each an overlap or a free-entropy difference).
    max_iter : int
        Newton iterations per rung.
    throw : bool
        Raise :class:`~replica.errors.SaddlePointConvergenceError` when Newton fails.

    Returns
    -------
    SaddlePoint
        ``order_params`` the ladder; ``parisi`` the function q(x); ``status`` ``collapsed``
        when no ladder with k distinct steps exists at these controls (the point returned is
        then the solution with fewer steps, which the k-step equations also solve with
        coinciding levels: e.g. RS above T_c).
    """
    k = pb.k
    if pb.ansatz == "frsb":
        if x0 is not None:
            raise ModelError(f"{pb.label}: ansatz='frsb' climbs its own k-ladder; x0 is for "
                             "ansatz='krsb'")
        point = _solve_full(pb, tol, max_iter, throw)
        if throw and not point.success:
            raise SaddlePointConvergenceError(
                f"{pb.label}, frsb, {dict(pb.values)}: {point.status}: {point.method}; error "
                f"estimates above tol: {', '.join(point.exceeded) or 'none'} (phi_error "
                f"{point.phi_error:.1e}); throw=False returns the point", point)
        return point
    if x0 is not None:
        names = pb.names()
        unknown = sorted(set(x0) - set(names))
        if unknown or set(x0) != set(names):
            raise ModelError(f"{pb.label}: x0 must give every order parameter of the "
                             f"{k}-step ladder {names}; unknown {unknown}")
        theta0 = np.array([float(x0[nm]) for nm in names])
        if pb.m_unbounded:
            mu = theta0[pb.n_q:]
            theta0[pb.n_q:] = mu / (1.0 + mu)
        if not pb.top_one:
            _p.check_ladder(*pb.ladder(theta0[:pb.n_q], theta0[pb.n_q:]))
        kk, rec = k, _lad.solve_min(pb, theta0, tol, max_iter)
    else:
        kk, rec, why = _lad.last_rung(pb, tol, max_iter)
    theta, r, it, status, J = rec
    sub = _lad.with_k(pb, kk)
    point = _make_point(sub, theta, r, it, status, J, tol)
    if status == Status.CONVERGED and kk < k:
        if why == "collapsed":
            point = _replace(point, status=Status.COLLAPSED, success=True,
                             method=f"k-ladder: collapsed to k = {kk} of {k}")
        else:
            point = _replace(point, status=Status.NO_ROOT, success=False,
                             method=f"k-ladder: no {kk + 1}-step solution found from the "
                                    f"{kk}-step one (k = {k} asked)")
    if throw and not point.success:
        raise SaddlePointConvergenceError(
            f"{pb.label}, {pb.ansatz} (k = {k}), {dict(pb.values)}: {point.status}: "
            f"{point.status.message} Last iterate {point.order_params}", point)
    return point


#: Full RSB: the first rung extrapolated, and the model of the k-ladder's approach,
#: phi_k = phi + a k^-4 + b k^-5 (the k^-4 law of Crisanti and Rizzo for SK; measured here on
#: SK at T = 0.5, h = 0 and 0.3: successive differences of phi_k fall like k^-5 to 2 %).
FULL_K_MIN = 6
#: The residual tolerance of every rung of a full-RSB ladder.
RUNG_TOL = 1e-10
FULL_EXPONENTS = (4.0, 5.0)
#: A ladder that stops because no (k+1)-step solution converges, while the best
#: (k+1)-step ladder reached lies only g below the k-step phi, is the solution to
#: FLAT_TAIL * g (taken as its error: the tail of further steps) where that is within tol.
FLAT_TAIL = 4.0


def extrapolate(ks, values):
    """The k -> infinity limit of ``values`` (one per rung k in ``ks``) from the last three
    rungs, fitted to v_k = v + a k^-4 + b k^-5; with its error estimate: the change from the
    same fit one rung earlier plus the change from the two-term fit (v + a k^-4) on the last
    two rungs, or, where the last differences do not fall like k^-5 (to within one power),
    twice the tail that the observed power implies.  Returns (limit, error); error is inf
    with fewer than four rungs."""
    ks = np.asarray(ks, dtype=float)
    v = np.asarray(values, dtype=float)

    def fit(kk, vv, n_terms):
        A = np.column_stack([np.ones(len(kk))] + [kk ** -p for p in FULL_EXPONENTS[:n_terms]])
        return float(np.linalg.solve(A, vv)[0])

    if len(ks) < 3:
        return float(v[-1]), float("inf")
    lim = fit(ks[-3:], v[-3:], 2)
    if len(ks) < 4:
        return lim, float("inf")
    err = abs(lim - fit(ks[-4:-1], v[-4:-1], 2)) + abs(lim - fit(ks[-2:], v[-2:], 1))
    # the law itself: successive differences d_k fall like k^-(p+1); where the observed p is
    # not 4 (to within 1), the tail beyond the last rung is estimated from it instead
    d1, d2 = v[-3] - v[-2], v[-2] - v[-1]
    if d1 != 0.0 and d2 / d1 > 0.0:
        p_obs = math.log(d1 / d2) / math.log(ks[-1] / ks[-2]) - 1.0
    else:
        p_obs = 0.0
    if abs(p_obs - FULL_EXPONENTS[0]) > 1.0:
        err = max(err, abs(lim - v[-1]) + 2.0 * abs(d2) * ks[-1] / max(p_obs, 0.5))
    return lim, err


def _solve_full(pb, tol, max_iter, throw):
    """Full RSB: the k-ladder climbed until the extrapolated phi (:func:`extrapolate`) is
    determined to tol (1 + |phi|), or the ladder stops (the solution has finitely many steps:
    it is exact), or pb.k rungs are reached (``inaccurate``)."""
    ks, phis, dv, last = [], [], [], None
    lim = err = float("nan")
    rung_tol = RUNG_TOL             # every rung solved tightly; tol is phi's
    met = False
    why, gains = [], []
    flat_tail = False
    for kk, rec in _lad.climb(pb, rung_tol, max_iter, why, gains):
        last = (kk, rec)
        if kk == 0 or rec[3] != Status.CONVERGED:
            continue
        sub = _lad.with_k(pb, kk)
        phi, _, rr = sub.functional(rec[0][:sub.n_q], rec[0][sub.n_q:])
        ks.append(kk)
        phis.append(phi)
        dv.append(pb.derivatives(*sub.ladder(rec[0][:sub.n_q], rec[0][sub.n_q:]), rr)
                  if pb.derivatives is not None else {})
        if _tail_below(ks, phis, tol):
            flat_tail = True
            break
        if kk >= FULL_K_MIN:
            lim, err = extrapolate(ks, phis)
            if err <= tol * (1.0 + abs(lim)):
                met = True
                break
    kk, rec = last
    theta, r, it, status, J = rec
    point = _make_point(_lad.with_k(pb, kk), theta, r, it, status, J, rung_tol)
    if status != Status.CONVERGED:
        if throw:
            raise SaddlePointConvergenceError(
                f"{pb.label}, frsb, {dict(pb.values)}: the k-ladder failed at k = {kk}: "
                f"{point.status}: {point.status.message}", point)
        return point
    if flat_tail:
        g = [phis[-2] - phis[-1], phis[-3] - phis[-2]]
        return _replace(point, ansatz=pb.ansatz,
                        phi_error=max(point.phi_error, ks[-1] * g[0]),
                        method=f"k-ladder to k = {kk}: further steps lower phi by less than "
                               f"tol (the last two lowered it by {g[0]:.1e}, {g[1]:.1e})")
    flat = (why == ["failed"] and kk >= 1 and 0.0 <= gains[0] * FLAT_TAIL
            <= tol * (1.0 + abs(point.phi)))
    if flat:
        # no (kk + 1)-step ladder converged, but the best one reached lowers phi by less
        # than the tolerance: a flat direction (a continuous stretch of q(x) too short to
        # matter at tol); the kk-step point is the solution to tol, its error the gain's tail
        return _replace(point, ansatz=pb.ansatz,
                        phi_error=max(point.phi_error, FLAT_TAIL * gains[0]),
                        method=f"k-ladder: q(x) has {kk} steps to within tol (the best "
                               f"{kk + 1}-step ladder reached, not converged, lowers phi by "
                               f"{gains[0]:.1e})")
    if not met and kk < pb.k and why != ["collapsed"]:
        point = _replace(point, status=Status.NO_ROOT, success=False, ansatz=pb.ansatz,
                         method=f"k-ladder: no {kk + 1}-step solution found from the "
                                f"{kk}-step one")
        if throw:
            raise SaddlePointConvergenceError(
                f"{pb.label}, frsb, {dict(pb.values)}: {point.method}", point)
        return point
    if kk == 0:
        return _replace(point, status=Status.COLLAPSED, success=True, ansatz=pb.ansatz,
                        method="k-ladder: collapsed to RS (no RSB solution here)")
    if not met and kk < pb.k:
        # the ladder stopped: no solution with one more distinct step, the Parisi function
        # has kk steps and the kk-step point is the full solution, to the resolution of
        # the collapse test (ladder.COLLAPSE_TOL)
        return _replace(point, ansatz=pb.ansatz,
                        phi_error=max(point.phi_error,
                                      _lad.COLLAPSE_TOL * (1.0 + abs(point.phi))),
                        method=f"k-ladder: q(x) has {kk} steps (no {kk + 1}-step solution)")
    derivs = {name: extrapolate(ks, [d[name] for d in dv])[0] for name in dv[-1]}
    phi_err = max(err, point.phi_error)
    bad = ("phi",) if phi_err > tol * (1.0 + abs(lim)) else ()
    full = _replace(point, phi=lim, phi_error=phi_err, derivatives=derivs, exceeded=bad,
                    status=Status.INACCURATE if bad else Status.CONVERGED,
                    success=not bad, ansatz=pb.ansatz,
                    method=f"k-ladder to k = {kk}, extrapolated in k^-4, k^-5")
    if pb.observables and full.accurate("order_params"):
        full = full.with_observables({nm: float(f(full)) for nm, f in pb.observables.items()})
    return full


def _tail_below(ks, phis, tol):
    """The last two rungs (k >= 3) each lowered phi by g with k g <= tol (1 + |phi|) / 2:
    further steps matter less than tol (a continuous q(x) approached like k^-4 has the tail
    phi_k - phi ~ k g / 4)."""
    if len(ks) < 3 or ks[-1] < 3 or ks[-1] >= FULL_K_MIN:
        return False
    bound = 0.5 * tol * (1.0 + abs(phis[-1]))
    g1, g2 = phis[-2] - phis[-1], phis[-3] - phis[-2]
    return 0.0 <= g1 * ks[-1] <= bound and 0.0 <= g2 * ks[-2] <= bound


def _replace(point, **kw):
    return dataclasses.replace(point, **kw)


def _amax(x):
    """max |x|, 0 for an empty array (a ladder with nothing to solve)."""
    return float(np.max(np.abs(x))) if len(x) else 0.0


def _make_point(pb, theta, r, it, status, J, tol):
    k, nq = pb.k, pb.n_q
    names = pb.names()
    q, m = theta[:nq], theta[nq:]
    n = len(theta)
    nan = float("nan")
    ok = status == Status.CONVERGED
    phi, r, rec = pb.functional(q, m) if r is not None else (nan, np.full(n, nan), None)
    errors = {nm: nan for nm in names}
    phi_err = grad_err = nan
    exceeded = ()
    hess = np.full((n, n), nan)
    derivs = {}
    if ok:
        phi_c, r_c, _ = pb.functional(q, m, _p.CHECK_RESOLUTION)
        phi_err = abs(phi_c - phi)
        grad_err = _amax(r_c - r)
        try:
            shift = (np.abs(np.linalg.solve(J, r)) + np.abs(np.linalg.solve(J, r_c - r))
                     if n else np.zeros(0))
        except np.linalg.LinAlgError:
            shift = np.full(n, np.inf)
        scale = np.concatenate((np.ones(nq), pb.m_jacobian(m)))
        errors = dict(zip(names, (shift * scale).tolist()))
        hess = _lad.hessian(pb, theta, J)
        bad = []
        if np.any(shift > 1e-7 * np.maximum(np.minimum(theta, 1 - theta), 1e-3)):
            bad.append("order_params")
        if grad_err > tol:
            bad.append("gradient")
        if phi_err > tol * (1 + abs(phi)):
            bad.append("phi")
        exceeded = tuple(bad)
        if pb.derivatives is not None:
            derivs = dict(pb.derivatives(*pb.ladder(q, m), rec))
    if ok and exceeded:
        status = Status.INACCURATE
    params = {kk: v for kk, v in pb.values.items() if kk != pb.primary}
    q_full, m_full = pb.ladder(q, m)
    values = np.concatenate((q, m_full))
    point = SaddlePoint(
        model=pb.label, ansatz=pb.ansatz, params=params,
        order_params=dict(zip(names, values.tolist())), phi=float(phi),
        residual=_amax(r) if r is not None else nan,
        residual_abs=_amax(r) if r is not None else nan,
        step=nan, iterations=int(it), success=ok and not exceeded, status=status,
        method="k-ladder" if k else "newton", hessian=hess,
        control_derivatives=np.zeros((n, 0)), derivatives=derivs,
        controls=dict(pb.values), errors=errors, phi_error=phi_err,
        gradient_error=grad_err, exceeded=exceeded,
        parisi=(None if pb.m_unbounded
                else ParisiFunction(x=np.concatenate(([0.0], m)), q=q_full.copy())))
    if pb.observables and point.accurate("order_params"):
        point = point.with_observables({nm: float(f(point))
                                        for nm, f in pb.observables.items()})
    return point
