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

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from . import parisi as _p
from .errors import ModelError, NonFiniteError, SaddlePointConvergenceError
from .results import ParisiFunction, SaddlePoint, Status

__all__ = ["ParisiProblem", "solve_parisi", "ladder_names", "extrapolate"]


def ladder_names(k):
    """The order parameters of a k-RSB ladder: q0..qk, then m1..mk."""
    return [f"q{i}" for i in range(k + 1)] + [f"m{i}" for i in range(1, k + 1)]


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
    # top_one: the last overlap is fixed at 1 (zero temperature); a terminal with a
    # ``level(h, v, m)`` method then does the last level in closed form.
    # m_unbounded: the Parisi parameters are mu in (0, inf) (zero temperature, mu = beta m),
    # the solver's variables m' = mu / (1 + mu).

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

    def functional(self, q, m, res=_p.RESOLUTION, keep_measures=False):
        """phi, the equations' residuals (q_l - <F_l'^2>, then the m equations) and the
        recursion at the ladder (q, m)."""
        nq = len(q)
        q, m = self.ladder(q, m)
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


def _inside(theta, nq):
    q, m = theta[:nq], theta[nq:]
    if not np.all(np.isfinite(theta)):
        return False
    if len(q) and not (q[0] >= 0.0 and q[-1] < 1.0):
        return False
    if np.any(np.diff(q) <= 0.0):
        return False
    return not len(m) or (m[0] > 0.0 and m[-1] < 1.0 and np.all(np.diff(m) > 0.0))


def _residual(pb, theta):
    k = pb.k
    try:
        _, r, _ = pb.functional(theta[:pb.n_q], theta[pb.n_q:])
    except (NonFiniteError, ModelError):
        return None
    return r if np.all(np.isfinite(r)) else None


def _jacobian(pb, theta, r):
    n = len(theta)
    J = np.empty((n, n))
    room = _room(_full(pb, theta), pb.k)
    for i in range(n):
        h = min(1e-7, 0.01 * room)
        t = theta.copy()
        t[i] += h
        if not _inside(t, pb.n_q):
            t[i] -= 2 * h
            h = -h
            if not _inside(t, pb.n_q):
                return None
        ri = _residual(pb, t)
        if ri is None:
            return None
        J[:, i] = (ri - r) / h
    return J


#: Newton stops when the residual is below tol and the last step below this (absolute: every
#: ladder value lies in [0, 1]), or when no step decreases a residual below tol.
STEP_TOL = 1e-12


def _done(r, step, tol):
    """Converged: the residual below tol and the last step below STEP_TOL, or the residual
    a thousandth of tol (an ill-conditioned ladder, whose steps stay at the noise of its
    finite-difference Jacobian; the error estimate of the point says how well it is
    determined)."""
    res = float(np.max(np.abs(r)))
    return res < 1e-3 * tol or (res < tol and float(np.max(np.abs(step))) < STEP_TOL)


def _newton(pb, theta, tol, max_iter):
    """Damped quasi-Newton on the equations: a finite-difference Jacobian, updated by
    Broyden's rank-one formula after each accepted step and recomputed when a step fails;
    returns (theta, residual, iterations, status, J) with J a fresh finite-difference
    Jacobian at a converged point."""
    r = _residual(pb, theta)
    if r is None:
        return theta, None, 0, Status.NON_FINITE, None
    J = None
    fresh = False
    for it in range(1, max_iter + 1):
        if J is None:
            J = _jacobian(pb, theta, r)
            fresh = True
            if J is None:
                return theta, r, it, Status.NON_FINITE, None
        try:
            step = np.linalg.solve(J, -r)
        except np.linalg.LinAlgError:
            step = np.full(len(theta), np.nan)
        if not np.all(np.isfinite(step)):
            if fresh:
                return theta, r, it, Status.SINGULAR, J
            J = None
            continue
        t = 1.0
        norm = np.max(np.abs(r))
        while True:
            cand = theta + t * step
            rc = _residual(pb, cand) if _inside(cand, pb.n_q) else None
            if rc is not None and np.max(np.abs(rc)) < norm * (1 - 1e-4 * t) + 1e-15:
                break
            t *= 0.5
            if t < (1e-6 if fresh else 0.1):
                break
        if rc is None or not np.max(np.abs(rc)) < norm * (1 - 1e-4 * t) + 1e-15:
            if fresh:                       # no descent: the rounding floor, or a failure
                status = Status.CONVERGED if norm < tol else Status.LINE_SEARCH
                return theta, r, it, status, J
            J = None                        # a stale Jacobian: recompute it and retry
            continue
        s_ = t * step
        J = J + np.outer(rc - r - J @ s_, s_) / float(np.dot(s_, s_))
        fresh = False
        theta, r = cand, rc
        if _done(r, s_, tol):
            J = _jacobian(pb, theta, r)
            return theta, r, it, Status.CONVERGED, J
    return theta, r, max_iter, Status.MAX_ITER, J


def _newton_min(pb, theta, tol, max_iter):
    """Newton for a problem that is a minimum over ladders: the Hessian H = D J (finite-
    difference J of the equations, :func:`_hessian`) with its eigenvalues floored to make it
    positive definite, and a backtracking search that accepts a step when phi decreases
    (Armijo) or the equations' residual does; returns the record of :func:`_newton`."""
    k = pb.k
    try:
        phi, r, _ = pb.functional(theta[:pb.n_q], theta[pb.n_q:])
    except (NonFiniteError, ModelError):
        return theta, None, 0, Status.NON_FINITE, None
    J = None
    for it in range(1, max_iter + 1):
        J = _jacobian(pb, theta, r)
        if J is None or not np.all(np.isfinite(J)):
            return theta, r, it, Status.NON_FINITE, J
        H = _hessian(pb, theta, J)
        H = 0.5 * (H + H.T)
        g = _gradient_scale(pb, theta) * r
        ev, vec = np.linalg.eigh(H)
        floor = 1e-10 * max(1.0, float(np.max(np.abs(ev))))
        ev = np.maximum(np.abs(ev), floor)
        step = -vec @ ((vec.T @ g) / ev)
        norm = float(np.max(np.abs(r)))
        t = 1.0
        accepted = False
        while t > 1e-8:
            cand = theta + t * step
            if _inside(cand, pb.n_q):
                try:
                    phi_c, r_c, _ = pb.functional(cand[:pb.n_q], cand[pb.n_q:])
                except (NonFiniteError, ModelError):
                    phi_c = np.nan
                if np.isfinite(phi_c) and np.all(np.isfinite(r_c)) and (
                        phi_c <= phi + 1e-4 * t * float(np.dot(g, step))
                        or float(np.max(np.abs(r_c))) < norm):
                    accepted = True
                    break
            t *= 0.5
        if not accepted:
            status = Status.CONVERGED if norm < tol else Status.LINE_SEARCH
            return theta, r, it, status, J
        s_ = t * step
        theta, phi, r = cand, phi_c, r_c
        if _done(r, s_, tol):
            return theta, r, it, Status.CONVERGED, _jacobian(pb, theta, r)
    return theta, r, max_iter, Status.MAX_ITER, J


#: How far a split breakpoint's two halves start towards its neighbours (tried in order until
#: one start converges to a ladder with distinct steps).
SPLIT_FRACTIONS = (0.5, 0.25, 0.8, 0.1, 0.03)


def _splits(theta, k, frac):
    """Starts of a (k+1)-step ladder from a k-step solution: each breakpoint q_l split in two
    (q_l -+ d, d ``frac`` of its distance to the nearer neighbour), the new x halfway between
    its neighbours; the
    breakpoint with the widest span between its neighbours first."""
    q, m = theta[:k + 1], theta[k + 1:]
    mm = np.concatenate(([0.0], m, [1.0]))
    qq = np.concatenate(([0.0], q, [1.0]))
    out = []
    for l in np.argsort(-(qq[2:] - qq[:-2]), kind="stable"):
        lo, hi = q[l] - qq[l], qq[l + 2] - q[l]
        d = frac * min(lo, hi)
        if d > 1e-6:
            pair = [q[l] - d, q[l] + d]
        elif hi > 1e-6:                  # q_l at its lower neighbour (q_0 = 0): split upwards
            pair = [q[l], q[l] + frac * hi]
        elif lo > 1e-6:                  # q_l at its upper neighbour (q_k = 1): downwards
            pair = [q[l] - frac * lo, q[l]]
        else:
            continue
        new_q = np.concatenate((q[:l], pair, q[l + 1:]))
        new_m = np.concatenate((m[:l], [0.5 * (mm[l] + mm[l + 1])], m[l:]))
        out.append(np.concatenate((new_q, new_m)))
    return out


def _refined(theta, k):
    """A (k+1)-step start from a k-step solution with k >= 1: the breakpoints spread evenly
    over [m_1, m_k], the bottom and top values q_0, q_k kept (the plateaus of q(x) below
    x_min and above x_max), the values between interpolated linearly in x through the old
    cells' centres; None when k = 0 or the start is not an ordered ladder."""
    if k < 1:
        return None
    q, m = theta[:k + 1], theta[k + 1:]
    new_m = np.linspace(m[0], m[-1], k + 1)
    if k == 1:                               # one cell: split it at its centre
        new_m = np.array([m[0] * 0.75, min(0.5 * (m[0] + 1.0), m[0] * 1.5)])
    centres = np.concatenate(([m[0]], 0.5 * (m[:-1] + m[1:]), [m[-1]]))
    values = np.concatenate(([q[0]], q[1:-1], [q[-1]]))
    mid = np.interp(0.5 * (new_m[:-1] + new_m[1:]), centres, values)
    new_q = np.concatenate(([q[0]], mid, [q[-1]]))
    if np.any(np.diff(new_q) <= 0) or np.any(np.diff(new_m) <= 0) or new_m[-1] >= 1.0:
        return None
    return np.concatenate((new_q, new_m))


def _start_rs(pb):
    """The RS start: q from the fixed point of q = <F'^2> (a few iterations); nothing where
    the RS overlap is fixed at 1 (``top_one``)."""
    if pb.top_one:
        return np.zeros(0)
    q = 0.5
    for _ in range(200):
        _, r, _ = pb.functional([q], [])
        q_new = min(max(q + r[0], 1e-3), 1 - 1e-3)
        if abs(q_new - q) < 1e-6:
            break
        q = q_new
    return np.array([q])


def _gaps_ok(theta, k):
    q, m = theta[:k + 1], theta[k + 1:]
    return (not k) or (np.min(np.diff(q)) > 1e-6 and np.min(np.diff(np.concatenate(
        ([0.0], m, [1.0])))) > 1e-6)


def _full(pb, theta):
    """The solver's variables with the fixed q_k = 1 inserted (``top_one``)."""
    if not pb.top_one:
        return theta
    return np.concatenate((theta[:pb.n_q], [1.0], theta[pb.n_q:]))


def _free(pb, theta):
    """Inverse of :func:`_full` (None stays None)."""
    if theta is None or not pb.top_one:
        return theta
    return np.concatenate((theta[:pb.n_q], theta[pb.n_q + 1:]))


def _gradient_scale(pb, theta):
    """D with grad phi = D r: A'(q_l) (m_l - m_{l+1}) / 2 for the free q equations, and
    d m / d (solver variable) for the m equations (m_0 = 0, m_{k+1} = 1)."""
    nq = pb.n_q
    q, m = pb.ladder(theta[:nq], theta[nq:])
    mm = np.concatenate(([0.0], m, [1.0]))
    dq = 0.5 * np.array([pb.dA(x) for x in q[:nq]]) * (mm[:nq] - mm[1:nq + 1])
    return np.concatenate((dq, pb.m_jacobian(theta[nq:])))


def _hessian(pb, theta, J):
    """d^2 phi / d theta^2 at a solution: the gradient is D r (:func:`_gradient_scale`), so
    H = D J where r = 0."""
    return _gradient_scale(pb, theta)[:, None] * J


def _descent(pb, theta, J):
    """For a problem that is a minimum over ladders: None at a local minimum, else the
    direction of most negative curvature (a stationary point that is a saddle of phi, e.g.
    q_0 = 0 at zero field, where the symmetric solution is not the k-step optimum)."""
    H = _hessian(pb, theta, J)
    ev, vec = np.linalg.eigh(0.5 * (H + H.T))
    if ev[0] >= -1e-7 * max(1.0, float(np.max(np.abs(ev)))):
        return None
    return vec[:, 0]


def _sticks(theta, nq):
    """Stick-breaking coordinates of a ladder: q_l = 1 - prod_{j<=l} (1 - u_j), the same for
    m; every u in [0, 1) is an ordered ladder."""
    def brk(x):
        prev = np.concatenate(([0.0], x[:-1]))
        return (x - prev) / (1.0 - prev)
    m = theta[nq:]
    return np.concatenate((brk(theta[:nq]) if nq else np.zeros(0),
                           brk(m) if len(m) else np.zeros(0)))


def _unstick(u, nq):
    def join(v):
        rest = np.cumprod(1.0 - v)
        return 1.0 - rest, rest
    q, rq = join(u[:nq]) if nq else (np.zeros(0), np.zeros(0))
    m, rm = join(u[nq:]) if len(u) > nq else (np.zeros(0), np.zeros(0))
    return np.concatenate((q, m)), rq, rm


def _stick_grad(u, g, rest):
    # d x_l / d u_j = prod_{i<=l, i!=j} (1 - u_i) = rest_l / (1 - u_j) for j <= l
    n = len(u)
    out = np.zeros(n)
    for j in range(n):
        out[j] = float(np.sum(g[j:] * rest[j:])) / (1.0 - u[j])
    return out


def _minimize(pb, start):
    """A local minimum of phi over ordered ladders near ``start`` (L-BFGS-B in stick-breaking
    coordinates with the analytic gradient), or None."""
    from scipy import optimize
    k, nq = pb.k, pb.n_q

    def fun(u):
        theta, rq, rm = _unstick(u, nq)
        try:
            phi, r, _ = pb.functional(theta[:nq], theta[nq:])
        except (NonFiniteError, ModelError):
            return np.inf, np.zeros_like(u)
        g_t = _gradient_scale(pb, theta) * r
        g = np.concatenate((_stick_grad(u[:nq], g_t[:nq], rq),
                            _stick_grad(u[nq:], g_t[nq:], rm)))
        return phi, g

    u0 = _sticks(start, nq)
    bounds = [(0.0, 1.0 - 1e-9)] * nq + [(1e-9, 1.0 - 1e-9)] * k
    res = optimize.minimize(fun, u0, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 400})
    if not np.isfinite(res.fun):
        return None
    return _unstick(res.x, nq)[0]


def _solve_min(pb, start, tol, max_iter):
    """Newton from ``start`` (first brought near a minimum of phi by :func:`_minimize` where
    the problem is a minimum over ladders); at a saddle of phi, restart along the negative
    curvature (both ways, a few step sizes) until a local minimum is reached."""
    if not len(start):                   # nothing to solve (RS at q_0 = 1)
        r = _residual(pb, start)
        return (start, r, 0, Status.CONVERGED if r is not None else Status.NON_FINITE,
                np.zeros((0, 0)))
    if pb.minimum and pb.k:
        near = _minimize(pb, start)
        if near is not None and _inside(near, pb.n_q):
            start = near
    solver = _newton_min if pb.minimum else _newton
    rec = solver(pb, start, tol, max_iter)
    for _ in range(4):
        if rec[3] != Status.CONVERGED or not pb.minimum:
            return rec
        d = _descent(pb, rec[0], rec[4])
        if d is None:
            return rec
        nxt = None
        for size in (0.3, 0.1, 0.03):
            for sgn in (1.0, -1.0):
                t = rec[0] + sgn * size * d / np.max(np.abs(d)) * _room(_full(pb, rec[0]),
                                                                         pb.k)
                if _inside(t, pb.n_q):
                    r = solver(pb, t, tol, max_iter)
                    if r[3] == Status.CONVERGED and not np.allclose(r[0], rec[0], atol=1e-6):
                        nxt = r
                        break
            if nxt is not None:
                break
        if nxt is None:
            return rec[:3] + (Status.LINE_SEARCH,) + rec[4:]
        rec = nxt
    return rec


def _room(theta, k):
    # the smallest distance between neighbouring ladder values (and to 0, 1)
    q, m = theta[:k + 1], theta[k + 1:]
    gaps = np.concatenate((np.diff(np.concatenate(([0.0], q, [1.0]))),
                           np.diff(np.concatenate(([0.0], m, [1.0])))))
    return float(np.min(gaps[gaps > 0])) if np.any(gaps > 0) else 0.1


def _climb(pb, tol, max_iter, why=None):
    """The k-ladder: yields (k, Newton record) for k = 0, 1, ..., pb.k, each rung started
    from the previous one (q(x) refined onto one more step, else every split of a breakpoint,
    widest span first), until a rung has no solution with distinct steps (a local minimum of
    phi where the problem is a minimum) or pb.k is reached.  ``why`` (a list) receives, when
    the climb stops early, ``"collapsed"`` (a start converged onto coinciding steps: the
    solution has fewer steps) or ``"failed"`` (no start converged)."""
    why = [] if why is None else why
    sub = _with_k(pb, 0)
    rec = _solve_min(sub, _start_rs(sub), tol, max_iter)
    yield 0, rec
    if rec[3] != Status.CONVERGED:
        return
    best = rec
    for kk in range(1, pb.k + 1):
        sub = _with_k(pb, kk)
        found = None
        prev_sub = _with_k(pb, kk - 1)
        start = _free(sub, _refined(_full(prev_sub, best[0]), kk - 1))
        if start is not None:
            r = (_newton_min if pb.minimum else _newton)(sub, start, tol, max_iter)
            if (r[3] == Status.CONVERGED and _gaps_ok(_full(sub, r[0]), kk)
                    and (not pb.minimum or _descent(sub, r[0], r[4]) is None)):
                found = r
        lowest = np.inf
        for frac in SPLIT_FRACTIONS if found is None else ():
            for start in _splits(_full(prev_sub, best[0]), kk - 1, frac):
                start = _free(sub, start)
                if not _inside(start, sub.n_q):
                    continue
                r = _solve_min(sub, start, tol, max_iter)
                if r[3] == Status.CONVERGED and _gaps_ok(_full(sub, r[0]), kk):
                    found = r
                    break
                if _inside(r[0], sub.n_q):
                    lowest = min(lowest, _phi_or_inf(sub, r[0]))
            if found is not None:
                break
        if found is None:
            # collapsed: the best (kk)-step ladder reached is no lower than the (kk-1)-step
            # solution (its extra step merged), rather than a failure to converge anywhere
            prev = _phi_or_inf(prev_sub, best[0])
            why.append("collapsed" if pb.minimum and lowest >= prev - 1e-12 * (1 + abs(prev))
                       and np.isfinite(lowest) else "failed")
            return
        best = found
        yield kk, found


def _phi_or_inf(pb, theta):
    try:
        return float(pb.functional(theta[:pb.n_q], theta[pb.n_q:])[0])
    except (NonFiniteError, ModelError):
        return np.inf


def _ladder(pb, tol, max_iter):
    """The last rung of :func:`_climb`: (k, Newton record, why it stopped early or "")."""
    out, why = None, []
    for out in _climb(pb, tol, max_iter, why):
        pass
    return out + (why[0] if why else "",)


def _with_k(pb, k):
    import dataclasses
    return dataclasses.replace(pb, k=k)


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
        return _solve_full(pb, tol, max_iter, throw)
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
        kk, rec = k, _solve_min(pb, theta0, tol, max_iter)
    else:
        kk, rec, why = _ladder(pb, tol, max_iter)
    theta, r, it, status, J = rec
    sub = _with_k(pb, kk)
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
    why = []
    for kk, rec in _climb(pb, rung_tol, max_iter, why):
        last = (kk, rec)
        if kk == 0 or rec[3] != Status.CONVERGED:
            continue
        sub = _with_k(pb, kk)
        phi, _, rr = sub.functional(rec[0][:sub.n_q], rec[0][sub.n_q:])
        ks.append(kk)
        phis.append(phi)
        dv.append(pb.derivatives(*sub.ladder(rec[0][:sub.n_q], rec[0][sub.n_q:]), rr)
                  if pb.derivatives is not None else {})
        if kk >= FULL_K_MIN:
            lim, err = extrapolate(ks, phis)
            if err <= tol * (1.0 + abs(lim)):
                met = True
                break
    kk, rec = last
    theta, r, it, status, J = rec
    point = _make_point(_with_k(pb, kk), theta, r, it, status, J, rung_tol)
    if status != Status.CONVERGED:
        if throw:
            raise SaddlePointConvergenceError(
                f"{pb.label}, frsb, {dict(pb.values)}: the k-ladder failed at k = {kk}: "
                f"{point.status}: {point.status.message}", point)
        return point
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
        # has kk steps and the kk-step point is the full solution
        return _replace(point, ansatz=pb.ansatz,
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


def _replace(point, **kw):
    import dataclasses
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
        hess = _hessian(pb, theta, J)
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
