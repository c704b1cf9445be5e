"""The k-ladder of a k-RSB problem: the solvers of its rungs and the climb from RS.

Works on any object with the interface of :class:`replica.engine.krsb.ParisiProblem`
(``functional``, ``k``, ``n_q``, ``q_scale``, ``ladder``, ``m_jacobian``, ``minimum``,
``top_one``): Newton on the equations (Broyden-updated finite-difference Jacobian) or, for a
problem that is a minimum over ladders, Newton on phi's Hessian with floored eigenvalues;
L-BFGS-B in stick-breaking coordinates from rough starts; saddles of phi left along their
negative curvature; and the climb k = 0, 1, ... with starts refined from the previous rung.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .errors import ModelError, NonFiniteError
from .results import Status

__all__ = ["climb", "last_rung", "solve_min", "hessian", "with_k", "STEP_TOL",
           "SPLIT_FRACTIONS"]


def _inside(theta, nq):
    q, m = theta[:nq], theta[nq:]
    if not np.all(np.isfinite(theta)):
        return False
    if len(q) and not (q[0] >= 0.0 and q[-1] < 1.0):
        return False
    if np.any(np.diff(q) <= 0.0):
        return False
    return not len(m) or (m[0] > 0.0 and m[-1] < 1.0 and np.all(np.diff(m) > 0.0))


def _project(theta, nq):
    """The bound q_0 >= 0 kept by projection: a step that ends below it is put on it (a
    solution on the bound, q_0 = 0 at zero field, is reached by Newton, whose steps
    otherwise leave the domain by rounding)."""
    if nq and theta[0] < 0.0:
        theta = theta.copy()
        theta[0] = 0.0
    return theta


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
    # the step: a hundredth of the smallest gap of the ladder, the gap of q_0 above the
    # bound 0 excepted (a step that would cross a bound is taken the other way)
    room = _room(_full(pb, theta), pb.k, skip_bound=True)
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
            cand = _project(theta + t * step, pb.n_q)
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
    difference J of the equations, :func:`hessian`) with its eigenvalues floored to make it positive
    definite, and a backtracking search that accepts a step when phi decreases (Armijo) or
    the equations' residual does; returns the record of :func:`_newton` (J fresh at a
    converged point)."""
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
        H = hessian(pb, theta, J)
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
            cand = _project(theta + t * step, pb.n_q)
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
#: Where between its neighbours the new breakpoint x starts (tried in order: the first with
#: every split fraction, the others with the first two): a discontinuous transition (a pure p-spin just below T_s) has its step at
#: x near 1.
SPLIT_X = (0.5, 0.9, 0.15)
#: A rung collapses (no ladder with one more distinct step exists) when no start converges
#: onto distinct steps and none reaches a phi lower than the rung's by this (relative).
COLLAPSE_TOL = 1e-12


def _splits(theta, k, frac, g=0.5):
    """Starts of a (k+1)-step ladder from a k-step solution: each breakpoint q_l split in two
    (q_l -+ d, d ``frac`` of its distance to the nearer neighbour), the new x the fraction
    ``g`` of the way between its neighbours; the
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
        new_m = np.concatenate((m[:l], [mm[l] + g * (mm[l + 1] - mm[l])], m[l:]))
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
    if pb.extra is not None:
        # no fixed-point map: the RS phi minimised over q in [0, 1)
        from scipy import optimize
        res = optimize.minimize_scalar(lambda x: _phi_or_inf(pb, np.array([x])),
                                       bounds=(0.0, 1.0 - 1e-9), method="bounded",
                                       options={"xatol": 1e-10})
        return np.array([min(max(float(res.x), 0.0), 1.0 - 1e-6)])
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
    return np.concatenate((pb.q_scale(q, m)[:nq], pb.m_jacobian(theta[nq:])))


def hessian(pb, theta, J):
    """d^2 phi / d theta^2 at a solution: the gradient is D r (:func:`_gradient_scale`), so
    H = D J where r = 0."""
    return _gradient_scale(pb, theta)[:, None] * J


def _descent(pb, theta, J):
    """For a problem that is a minimum over ladders: None at a local minimum, else the
    direction of most negative curvature (a stationary point that is a saddle of phi, e.g.
    q_0 = 0 at zero field, where the symmetric solution is not the k-step optimum)."""
    H = hessian(pb, theta, J)
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


def solve_min(pb, start, tol, max_iter):
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


def _room(theta, k, skip_bound=False):
    # the smallest distance between neighbouring ladder values (and to 0, 1); without the
    # gap of q_0 above 0 with ``skip_bound``
    q, m = theta[:k + 1], theta[k + 1:]
    gq = np.diff(np.concatenate(([0.0], q, [1.0])))
    gaps = np.concatenate((gq[1:] if skip_bound else gq,
                           np.diff(np.concatenate(([0.0], m, [1.0])))))
    return float(np.min(gaps[gaps > 0])) if np.any(gaps > 0) else 0.1


def climb(pb, tol, max_iter, why=None, gains=None):
    """The k-ladder: yields (k, Newton record) for k = 0, 1, ..., pb.k, each rung started
    from the previous one (q(x) refined onto one more step, else every split of a breakpoint,
    widest span first), until a rung has no solution with distinct steps (a local minimum of
    phi where the problem is a minimum) or pb.k is reached.  ``why`` (a list) receives, when
    the climb stops early, ``"collapsed"`` (a start converged onto coinciding steps: the
    solution has fewer steps) or ``"failed"`` (no start converged); ``gains`` (a list)
    then receives how much lower than the last rung's phi the best ladder with one more step
    that was reached lies (inf where none was reached)."""
    why = [] if why is None else why
    gains = [] if gains is None else gains
    sub = with_k(pb, 0)
    rec = solve_min(sub, _start_rs(sub), tol, max_iter)
    yield 0, rec
    if rec[3] != Status.CONVERGED:
        return
    best = rec
    for kk in range(1, pb.k + 1):
        sub = with_k(pb, kk)
        found = None
        prev_sub = with_k(pb, kk - 1)
        start = _free(sub, _refined(_full(prev_sub, best[0]), kk - 1))
        if start is not None:
            r = (_newton_min if pb.minimum else _newton)(sub, start, tol, max_iter)
            if (r[3] == Status.CONVERGED and _gaps_ok(_full(sub, r[0]), kk)
                    and (not pb.minimum or _descent(sub, r[0], r[4]) is None)):
                found = r
        lowest = np.inf
        tries = [(f, SPLIT_X[0]) for f in SPLIT_FRACTIONS] + [
            (f, g) for g in SPLIT_X[1:] for f in SPLIT_FRACTIONS[:2]]
        for frac, g in tries if found is None else ():
            for start in _splits(_full(prev_sub, best[0]), kk - 1, frac, g):
                start = _free(sub, start)
                if not _inside(start, sub.n_q):
                    continue
                r = solve_min(sub, start, tol, max_iter)
                if r[3] == Status.CONVERGED and _gaps_ok(_full(sub, r[0]), kk):
                    found = r
                    break
                if _inside(r[0], sub.n_q):
                    ph = _phi_or_inf(sub, r[0])
                    if ph < lowest:
                        lowest, low_theta = ph, r[0]
            if found is not None:
                break
        if found is None:
            # collapsed: the best (kk)-step ladder reached is no lower than the (kk-1)-step
            # solution (its extra step merged) to the resolution of the two phi's, rather
            # than a failure to converge anywhere
            prev = _phi_or_inf(prev_sub, best[0])
            gains.append(prev - lowest if np.isfinite(lowest) else np.inf)
            if np.isfinite(lowest):
                noise = (COLLAPSE_TOL * (1 + abs(prev)) + _phi_noise(prev_sub, best[0])
                         + _phi_noise(sub, low_theta))
            why.append("collapsed" if pb.minimum and np.isfinite(lowest)
                       and lowest >= prev - noise else "failed")
            return
        best = found
        yield kk, found


def _phi_noise(pb, theta):
    """|phi - phi at the check resolution| of a ladder (0 for an algebraic functional)."""
    from .parisi import CHECK_RESOLUTION
    if getattr(pb, "terminal", None) is None:
        return 0.0
    try:
        n = pb.n_q
        return abs(float(pb.functional(theta[:n], theta[n:])[0])
                   - float(pb.functional(theta[:n], theta[n:], CHECK_RESOLUTION)[0]))
    except (NonFiniteError, ModelError):
        return np.inf


def _phi_or_inf(pb, theta):
    try:
        return float(pb.functional(theta[:pb.n_q], theta[pb.n_q:])[0])
    except (NonFiniteError, ModelError):
        return np.inf


def last_rung(pb, tol, max_iter):
    """The last rung of :func:`climb`: (k, Newton record, why it stopped early or "")."""
    out, why = None, []
    for out in climb(pb, tol, max_iter, why):
        pass
    return out + (why[0] if why else "",)


def with_k(pb, k):
    """The same problem with k steps."""
    return dataclasses.replace(pb, k=k)
