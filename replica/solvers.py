"""Saddle-point solvers: Newton with the symbolic Jacobian, fallbacks, continuation.

Convergence is declared on two criteria at once: the scaled residual
max_i |g_i| / (1 + |g_i^prior| + |g_i^channel|) <= ``tol`` (the gradient relative to the terms
that cancel in it — near q -> 1 each term diverges like 1/(1-q)^2) and the last Newton step
relative to the scale of each order parameter (its distance to the boundary of its domain)
<= ``xtol``.  Newton steps are cut back so that iterates stay inside the domains
(0 < q < 1, qhat > 0) and the residual decreases.  A NaN or inf in an equation raises
:class:`~replica.errors.NonFiniteError` or, with ``throw=False``, returns a failed
:class:`~replica.results.SaddlePoint` whose status says so.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from .errors import NonFiniteError, SaddlePointConvergenceError
from .models import Model, _check_alpha, _check_finite
from .results import Branch, SaddlePoint

__all__ = ["solve", "sweep", "newton"]


def _scale(theta, domains):
    s = np.empty_like(theta)
    for i, (lo, hi) in enumerate(domains):
        d = theta[i] - lo
        if math.isfinite(hi):
            d = min(d, hi - theta[i])
        s[i] = max(min(d, abs(theta[i])) if theta[i] != 0 else d, 1e-300)
        if not math.isfinite(lo):
            s[i] = max(abs(theta[i]), 1.0)
    return s


def _inside(theta, domains):
    return all(lo < t < hi for t, (lo, hi) in zip(theta, domains))


_STATUS = {0: "converged", 1: "max_iter", 2: "line_search", 3: "singular", 4: "non_finite"}


def newton(cfe, theta0, ctrl, domains, *, tol=1e-10, xtol=1e-10, max_iter=60):
    """Damped Newton iteration on grad phi = 0, run in compiled code.

    The order parameters are mapped to unbounded coordinates x (logit on (lo, hi), log on
    (lo, inf)) so that every iterate is inside the domains and the 1/(1-q) divergences near
    q -> 1 become linear in x; the Jacobian is the symbolic Hessian times d theta/d x, solved
    by Gaussian elimination with partial pivoting.  Steps are halved (at most 40 times) until
    the 2-norm of the scaled residual decreases (Armijo factor 1e-4).  Convergence: scaled
    residual <= tol and relative step <= xtol, or scaled residual <= tol/1000.

    Returns
    -------
    theta, evaluation, iterations, status, step
    """
    theta = np.array(theta0, dtype=float)
    if not _inside(theta, domains):
        raise ValueError(f"starting point {theta} outside the domains {domains}")
    if domains is cfe.domains:
        lo, hi = cfe.lo, cfe.hi
    else:
        lo = np.array([d[0] for d in domains], dtype=float)
        hi = np.array([d[1] for d in domains], dtype=float)
    ctrl = np.ascontiguousarray(ctrl, dtype=float)
    th, out, code, it, step = cfe.newton(theta, ctrl, lo, hi, float(tol), float(xtol),
                                         int(max_iter))
    ev = cfe.unpack(out, th, ctrl)  # raises NonFiniteError (naming the quantity) for code 4
    return th, ev, int(it), _STATUS[int(code)], float(step)


def _bracket_1d(cfe, ctrl, domain, n=240):
    """All-purpose fallback for one order parameter: a sign change of d phi/d theta, then Brent."""
    lo, hi = domain
    if not math.isfinite(hi):
        raise ValueError("bracketing fallback needs a bounded domain")
    # grid dense near both ends (q -> 0 and q -> 1 are where the physics is)
    u = np.linspace(-30, 30, n)  # q from 1e-13 to 1 - 1e-13
    grid = lo + (hi - lo) / (1 + np.exp(-u))
    vals = []
    for g in grid:
        try:
            vals.append(cfe(np.array([g]), ctrl).gradient[0])
        except NonFiniteError:
            vals.append(np.nan)
    vals = np.array(vals)
    for i in range(n - 1):
        if np.isfinite(vals[i]) and np.isfinite(vals[i + 1]) and vals[i] * vals[i + 1] < 0:
            f = lambda t: cfe(np.array([t]), ctrl).gradient[0]  # noqa: E731
            root = brentq(f, grid[i], grid[i + 1], xtol=1e-300, rtol=4 * np.finfo(float).eps,
                          maxiter=500)
            return np.array([root])
    return None


def _fixed_point(cfe, theta0, ctrl, domains, pairs, *, damping=0.5, max_iter=2000, tol=1e-7):
    """Damped fixed point x <- x - 2 d phi/d(conjugate of x) for conjugate pairs (q, qhat).

    With phi = -qhat (1-q)/2 + G_prior(qhat) + alpha G_channel(q), the map is exactly
    q <- 1 - 2 G_prior'(qhat), qhat <- -2 alpha G_channel'(q).
    """
    theta = np.array(theta0, dtype=float)
    for it in range(max_iter):
        ev = cfe(theta, ctrl)
        new = theta.copy()
        for i, j in pairs:
            new[i] = theta[i] - 2 * ev.gradient[j]
            new[j] = theta[j] - 2 * ev.gradient[i]
        new = (1 - damping) * theta + damping * new
        for k, (lo, hi) in enumerate(domains):  # a step out of the domain: shorten it, not clip
            if not lo < new[k] < hi:
                new[k] = theta[k] + 0.5 * ((lo if new[k] <= lo else hi) - theta[k])
        if np.max(np.abs(new - theta) / _scale(theta, domains)) < tol:
            return new
        theta = new
    return theta


_DEFAULT_START = {"q": 0.5, "q0": 0.3, "q1": 0.7, "m": 0.5, "mu": 3.0}


def _initial(model, cfe, ansatz, x0):
    names = cfe.names
    x0 = dict(x0 or {})
    unknown = sorted(set(x0) - set(names))
    if unknown:
        raise ValueError(f"x0 has unknown order parameters {unknown}; known: {list(names)}")
    guess = {}
    for nm in names:
        if nm in x0:
            guess[nm] = float(x0[nm])
        elif nm.startswith("qhat"):
            qv = guess.get("q" + nm[4:], x0.get("q" + nm[4:], _DEFAULT_START["q" + nm[4:]]))
            guess[nm] = qv / (1.0 - qv) ** 2  # the spherical relation: a good start at small q
        else:
            guess[nm] = _DEFAULT_START[nm]
    theta = np.array([guess[nm] for nm in names], dtype=float)
    for nm, t, (lo, hi) in zip(names, theta, model.domains(ansatz)):
        if not (math.isfinite(t) and lo < t < hi):
            raise ValueError(f"x0[{nm!r}] = {t} is outside ({lo}, {hi})")
    return theta


def _make_point(model, ansatz, alpha, cfe, theta, ev, it, status, step, method, m=None):
    params = dict(model.params)
    if m is not None:
        params["m"] = float(m)
    return SaddlePoint(model=model.name, ansatz=ansatz, alpha=float(alpha),
                       params=params,
                       order_params={nm: float(v) for nm, v in zip(cfe.names, theta)},
                       phi=float(ev.phi), residual=ev.scaled_residual,
                       residual_abs=float(np.max(np.abs(ev.gradient))), step=float(step),
                       iterations=int(it), success=status == "converged", status=status,
                       method=method, hessian=ev.hessian.copy(),
                       control_derivatives=ev.control_derivatives.copy(),
                       derivatives={nm: float(v) for nm, v in
                                    zip(cfe.control_names, ev.phi_control_gradient)})


def solve(model: Model, alpha, *, ansatz="rs", m=None, x0=None, tol=1e-10, xtol=1e-10,
          max_iter=60, throw=True, fallback=True) -> SaddlePoint:
    """Find the saddle point of the model's free entropy at constraint density ``alpha``.

    Parameters
    ----------
    model : replica.models.Model
    alpha : float
        Constraint density P/N (> 0).
    ansatz : {"rs", "1rsb", "1rsb-m"}
        Replica symmetric; one-step RSB at fixed Parisi parameter ``m``; one-step RSB with m
        optimised (d phi/d m = 0).
    m : float, optional
        The Parisi parameter in (0, 1] (required for ``"1rsb"``).
    x0 : dict, optional
        Starting values of the order parameters by name (for 1RSB a start off the RS solution,
        q0 < q_RS < q1, is needed to find a non-trivial solution).
    tol, xtol : float
        Scaled-residual and relative-step tolerances (both must be met).
    max_iter : int
    throw : bool
        Raise :class:`~replica.errors.SaddlePointConvergenceError` (carrying the last iterate)
        when not converged; with False return the failed point.
    fallback : bool
        When Newton fails, try the fallback (bracketing for one order parameter, damped fixed
        point for conjugate pairs) and polish it with Newton.

    Returns
    -------
    SaddlePoint

    Notes
    -----
    Newton's Jacobian is the symbolic Hessian of phi; see :mod:`replica.solvers`.
    """
    if not isinstance(model, Model):
        raise ValueError(f"model must be a replica.models.Model, got {type(model).__name__}")
    alpha = _check_alpha(alpha)
    for k, v in model.params.items():
        _check_finite(k, v)
    cfe = model.compiled(ansatz)
    if (ansatz == "1rsb") != (m is not None):
        raise ValueError("the Parisi parameter m is required for ansatz='1rsb' and only there "
                         f"(ansatz={ansatz!r}, m={m!r})")
    ctrl = model.controls(alpha, m)
    domains = model.domains(ansatz)
    theta0 = _initial(model, cfe, ansatz, x0)
    if ansatz != "rs":
        fallback = False  # the RS fallbacks would land on the trivial q0 = q1 solution
    method = "newton"
    try:
        theta, ev, it, status, step = newton(cfe, theta0, ctrl, domains, tol=tol, xtol=xtol,
                                             max_iter=max_iter)
    except NonFiniteError as err:
        if not fallback:
            return _fail(model, ansatz, alpha, cfe, theta0, err, throw)
        status = "non_finite"
        theta, ev, it, step = theta0, None, 0, math.inf
    if status != "converged" and fallback:
        start = None
        if cfe.n == 1:
            start = _bracket_1d(cfe, ctrl, domains[0])
            method = "bracket+newton"
            if start is None:
                status = "no_root"  # d phi/d theta keeps one sign on the whole domain
        else:
            start = _homotopy(model, alpha, ansatz, tol)
            method = "continuation+newton"
            if start is None:
                pairs = _pairs(cfe.names)
                if pairs:
                    start = _fixed_point(cfe, theta0, ctrl, domains, pairs)
                    method = "fixed_point+newton"
        if start is not None:
            theta, ev, it2, status, step = newton(cfe, start, ctrl, domains, tol=tol,
                                                  xtol=xtol, max_iter=max_iter)
            it += it2
    if ev is None:
        ev = cfe(theta, ctrl)
    sp_ = _make_point(model, ansatz, alpha, cfe, theta, ev, it, status, step, method, m)
    if not sp_.success and throw:
        hint = (" (the gradient has one sign on the whole domain: alpha beyond the RS "
                "capacity?)" if status == "no_root" else "")
        raise SaddlePointConvergenceError(
            f"{model.name}, {ansatz}, alpha={alpha}, {model.params}: no saddle point found "
            f"({status}){hint}; last iterate {sp_.order_params}, residual {sp_.residual:.3e}",
            sp_)
    return sp_


def _fail(model, ansatz, alpha, cfe, theta, err, throw):
    if throw:
        raise err
    nan = float("nan")
    return SaddlePoint(model=model.name, ansatz=ansatz, alpha=float(alpha),
                       params=dict(model.params),
                       order_params={nm: float(v) for nm, v in zip(cfe.names, theta)},
                       phi=nan, residual=nan, residual_abs=nan, step=nan, iterations=0,
                       success=False, status="non_finite", method="newton",
                       hessian=np.full((cfe.n, cfe.n), nan),
                       control_derivatives=np.full((cfe.n, cfe.nc), nan))


def _homotopy(model, alpha, ansatz, tol, n=16):
    """Follow the branch from a small alpha (where the default start converges) up to alpha."""
    a0 = min(0.02, 0.25 * alpha)
    path = np.geomspace(a0, alpha, n)
    br = sweep(model, alpha=path, ansatz=ansatz, tol=tol, max_halvings=30, _top=False)
    last = br.points[-1]
    if not last.success:
        return None
    return np.array(list(last.order_params.values()))


def _pairs(names):
    out = []
    for i, nm in enumerate(names):
        if nm + "hat" in names:
            out.append((i, names.index(nm + "hat")))
    return out


def sweep(model: Model, *, ansatz="rs", tol=1e-10, max_halvings=10, throw=False, x0=None,
          _top=True, _stop=None, **controls) -> Branch:
    """Follow the saddle point along one control parameter with warm starts.

    Exactly one of the keyword controls is an array (the swept one); the others are scalars
    (``alpha`` is required when another parameter is swept).

    Parameters
    ----------
    model : replica.models.Model
    ansatz : {"rs"}
    tol : float
    max_halvings : int
        When a point fails from the predicted start, the step is halved up to this many times
        (intermediate points are solved and discarded).
    throw : bool
        Raise on the first failed point instead of keeping it as a failed row.
    x0 : dict, optional
        Start of the first point.
    **controls
        e.g. ``alpha=numpy.linspace(0.05, 0.9, 200)`` or ``kappa=array, alpha=0.5``.

    Returns
    -------
    Branch

    Notes
    -----
    Predictor: the tangent d theta/d c = -J^{-1} d grad/d c from the symbolic derivatives;
    corrector: Newton.  A sign change of det J between consecutive points is reported in
    ``Branch.folds``.
    """
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in controls.items()
              if np.ndim(v) > 0}
    if len(arrays) != 1:
        raise ValueError(f"sweep needs exactly one array-valued control, got {sorted(arrays)}")
    (pname, values), = arrays.items()
    if values.size == 0:
        raise ValueError(f"{pname}: empty array")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{pname}: non-finite values in the sweep")
    scalars = {k: v for k, v in controls.items() if k not in arrays}
    if pname != "alpha" and "alpha" not in scalars:
        raise ValueError("alpha is required when sweeping another parameter")
    alpha0 = scalars.pop("alpha", None)
    if scalars:
        model = model.with_params(**scalars)
    if pname != "alpha" and pname not in model.params:
        raise ValueError(f"unknown control {pname!r}; known: alpha, {sorted(model.params)}")
    cfe = model.compiled(ansatz)
    kidx = cfe.control_names.index(pname)

    def model_at(v):
        return model if pname == "alpha" else model.with_params(**{pname: v})

    def alpha_at(v):
        return v if pname == "alpha" else alpha0

    points, folds = [], []
    prev = None  # (value, theta, SaddlePoint)
    for v in values:
        mv, av = model_at(v), alpha_at(v)
        sp_ = None
        if prev is None:
            sp_ = solve(mv, av, ansatz=ansatz, tol=tol, x0=x0, throw=False, fallback=_top)
        else:
            sp_ = _continue(mv, model_at, alpha_at, ansatz, prev, v, kidx, tol, max_halvings)
        if throw and not sp_.success:
            raise SaddlePointConvergenceError(f"sweep failed at {pname}={v}", sp_)
        if prev is not None and sp_.success:
            d0 = _det(prev[2].hessian)
            d1 = _det(sp_.hessian)
            if d0 * d1 < 0:
                folds.append((float(prev[0]), float(v)))
        points.append(sp_)
        if sp_.success:
            prev = (float(v), np.array(list(sp_.order_params.values())), sp_)
        if _stop is not None and _stop(points):  # internal: transition finders stop early
            values = values[:len(points)]
            break
    return Branch(pname, values, tuple(points), tuple(folds))


def _det(h):
    if h.shape == (1, 1):
        return h[0, 0]
    if h.shape == (2, 2):
        return h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0]
    return np.linalg.det(h)


def _newton_point(model, alpha, ansatz, theta0, tol, xtol=1e-10, max_iter=60):
    """Newton from theta0 without the checks and fallbacks of solve (continuation steps)."""
    cfe = model.compiled(ansatz)
    try:
        theta, ev, it, status, step = newton(cfe, theta0, model.controls(alpha),
                                             model.domains(ansatz), tol=tol, xtol=xtol,
                                             max_iter=max_iter)
    except NonFiniteError as err:
        return _fail(model, ansatz, alpha, cfe, theta0, err, False)
    return _make_point(model, ansatz, alpha, cfe, theta, ev, it, status, step, "continuation")


def _predict(model, alpha, ansatz, prev_sp, kidx, dv):
    """Tangent predictor theta + dv * d theta/d c, from the derivatives stored at prev_sp."""
    theta = np.array(list(prev_sp.order_params.values()))
    cfe = model.compiled(ansatz)
    tangent, ok = cfe.module._solve_small(prev_sp.hessian,
                                          -prev_sp.control_derivatives[:, kidx])
    if not ok:
        return theta
    pred = theta + dv * tangent
    domains = model.domains(ansatz)
    if not (np.all(np.isfinite(pred)) and _inside(pred, domains)):
        return theta
    return pred


def _continue(mv, model_at, alpha_at, ansatz, prev, v, kidx, tol, max_halvings):
    v_prev, _, sp_prev = prev
    target = v
    current = (v_prev, sp_prev)
    failures = 0
    for _ in range(50 * (max_halvings + 1)):
        dv = target - current[0]
        m_prev = model_at(current[0])
        pred = _predict(m_prev, alpha_at(current[0]), ansatz, current[1], kidx, dv)
        sp_ = _newton_point(model_at(target), alpha_at(target), ansatz, pred, tol)
        if sp_.success:
            if target == v:
                return sp_
            current = (target, sp_)
            # grow the step again after a success, never past v
            nxt = target + 2.0 * dv
            target = v if (v - nxt) * (v - target) <= 0 else nxt
            continue
        failures += 1
        if failures > max_halvings:
            break
        target = current[0] + 0.5 * (target - current[0])
    # last resort: the full solver (with fallbacks) from the last good point
    names = list(current[1].order_params)
    return solve(mv, alpha_at(v), ansatz=ansatz, tol=tol,
                 x0=dict(zip(names, current[1].order_params.values())), throw=False,
                 fallback=False)
