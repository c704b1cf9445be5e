"""Saddle-point solvers: Newton with the symbolic Jacobian, declared fallbacks, continuation.

Both a system (``solve(model, alpha=...)``) and a raw free entropy
(``solve(free_entropy, {"beta": 2.0})``) become one problem
(:class:`replica.engine.problem.SaddleProblem`): a compiled free entropy with numeric
controls.  Convergence is declared on two criteria at once: the scaled residual
max_i |g_i| / (1 + sum_parts |g_i^part|) <= ``tol`` (the gradient relative to the terms that
cancel in it — near q -> 1 each term diverges like 1/(1-q)^2) and the last Newton step
relative to the scale of each order parameter (its distance to the boundary of its domain)
<= ``xtol``.  Newton steps are cut back so that iterates stay inside the domains and the
residual decreases.  When Newton fails, the strategies that the free entropy declares
(:mod:`replica.strategies`) propose other starts.  A NaN or inf in an equation raises
:class:`~replica.errors.NonFiniteError` or, with ``throw=False``, returns a failed
:class:`~replica.results.SaddlePoint` whose status says so.
"""
from __future__ import annotations

import math

import numpy as np

from .compiled import point_errors, rows_errors
from .domains import inside, scale_rows
from .errors import NonFiniteError, SaddlePointConvergenceError
from .krsb import ParisiProblem, solve_parisi
from .problem import SaddleProblem, as_problem, gather_controls
from .results import SaddlePoint, Status

__all__ = ["solve", "newton", "solve_needing", "solve_problem", "make_point", "try_newton",
           "failed_point"]

_STATUS = {0: Status.CONVERGED, 1: Status.MAX_ITER, 2: Status.LINE_SEARCH, 3: Status.SINGULAR,
           4: Status.NON_FINITE}


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
    if not inside(theta, domains):
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


# ---------------------------------------------------------------------------------------------
# solve

def solve(model, controls=None, *, ansatz=None, k=None, x0=None, tol=1e-10, xtol=1e-10,
          max_iter=60, throw=True, fallback=True, **kw_controls) -> SaddlePoint:
    """Find a saddle point of a free entropy at given controls.

    Parameters
    ----------
    model : System, FreeEntropy or SaddleProblem
        A system (any object with ``saddle_problem(controls, ansatz)``, e.g.
        :func:`replica.models.perceptron`; see :mod:`replica.engine.problem`), a raw free
        entropy from :func:`replica.free_entropy`, or a problem.
    controls : dict or float, optional
        Values of the controls by name (``{"beta": 2.0}``).  A bare number is the system's
        primary control (the perceptron's alpha); a system may also accept new values of its
        parameters (``{"alpha": 0.5, "kappa": 1}``).
    ansatz : str, optional
        The system's ansatz (the perceptron: ``"rs"`` by default, ``"1rsb"`` at fixed Parisi
        parameter ``m``, ``"1rsb-m"`` with m optimised, ``"1rsb-jamming"``).
    **kw_controls
        Controls as keywords (``alpha=0.5``, ``m=0.3``, ``beta=2.0``).
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
        When Newton fails, try the strategies the free entropy declares and polish with Newton.

    Returns
    -------
    SaddlePoint
        With ``controls`` by name and a :class:`~replica.results.Status` whose ``message`` says
        what to do when it is not ``converged``, and error estimates (``phi_error``,
        ``gradient_error``, ``errors``; ``exceeded`` names those above the tolerance).

    Notes
    -----
    Newton's Jacobian is the symbolic Hessian of phi; see :mod:`replica.solvers`.  At the
    solution the kernel is evaluated again with higher-order rules on the same panels
    (``quadrature.CHECK_ORDER`` Gauss-Legendre nodes per panel, ``CHECK_GH_ORDER``
    Gauss-Hermite nodes): |phi_check - phi| (at least 8 ulp of the cancelling parts of phi)
    and max_i |g_i^check - g_i| / (1 + sum_parts |g_i^part|) are the error estimates of phi
    and of the gradient, H^-1 (g^check - g) the shift of the point.  ``converged`` requires
    phi_error <= tol (1 + |phi|), gradient_error <= tol and every order parameter determined
    to 1e-7 of its scale; otherwise the point is ``inaccurate``.
    """
    pb = as_problem(model, gather_controls(model, controls, kw_controls), ansatz, k=k)
    if isinstance(pb, ParisiProblem):
        return solve_parisi(pb, x0=x0, tol=tol, max_iter=max_iter, throw=throw)
    return solve_problem(pb, x0=x0, tol=tol, xtol=xtol, max_iter=max_iter, throw=throw,
                         fallback=fallback)


#: A converged point whose estimated error delta_i (the a-posteriori Newton step plus the
#: shift implied by the quadrature error of the gradient) exceeds both this fraction of the
#: scale of the order parameter (its distance to the domain's boundary) and
#: ``POSTERIOR_STEP_ABS`` is reported ``inaccurate``: the equations are met to rounding, but
#: the point itself is not determined to that accuracy (an ill-conditioned Jacobian).
POSTERIOR_STEP_TOL = 1e-7
POSTERIOR_STEP_ABS = 1e-10
#: A Newton stalled (line search, max_iter) with a scaled residual within this many gradient
#: error estimates, where the estimate exceeds tol, stopped at the quadrature's noise floor:
#: reported as ``inaccurate`` (solved to the accuracy the quadrature allows), not as a failure.
NOISE_FLOOR_FACTOR = 3.0
#: The rounding floor of phi's error estimate, in units of the last place of the sum of the
#: absolute values of phi's parts (measured near the spherical capacity, where the parts
#: ~ 1/(1-q) cancel: the true error is 2-6 of those units; tests/replica/test_error_estimates.py).
ROUNDING_ULPS = 8.0


def _exceeded(e, thetas, phi, domains, tol):
    """Per row, the names of the error estimates above the tolerance: ``"order_params"`` (the
    a-posteriori step plus the quadrature shift, e[:, :n] + e[:, n:2n], above
    POSTERIOR_STEP_TOL of the order parameter's scale, floored at POSTERIOR_STEP_ABS),
    ``"gradient"`` (e[:, 2n + 1] above tol), ``"phi"`` (e[:, 2n] above tol (1 + |phi|)); rows of
    :func:`replica.engine._newton.point_errors`."""
    n = thetas.shape[1]
    sc = np.maximum(scale_rows(thetas, domains), POSTERIOR_STEP_ABS / POSTERIOR_STEP_TOL)
    bad = np.column_stack([np.max((e[:, :n] + e[:, n:2 * n]) / sc, axis=1) > POSTERIOR_STEP_TOL,
                           e[:, 2 * n + 1] > tol, e[:, 2 * n] > tol * (1.0 + np.abs(phi))])
    names = ("order_params", "gradient", "phi")
    return [tuple(nm for nm, b in zip(names, row) if b) for row in bad]


def make_point(pb: SaddleProblem, theta, ev, it, status, step, method, tol, ec=None):
    """A SaddlePoint with its error estimates; ``converged`` only if the equations are met,
    the point is determined (a-posteriori Newton step) and the quadrature error estimates of
    phi and of its gradient are within the tolerance (otherwise ``inaccurate``; also a Newton
    that stalled with a residual within NOISE_FLOOR_FACTOR gradient error estimates above tol).

    The estimates (:func:`replica.engine._newton.point_errors`): the a-posteriori Newton step
    |H^-1 g|; the same kernel on the check rules (``ec``, computed here when not given:
    :meth:`replica.engine.compiled.CompiledFreeEntropy.check`, higher-order rules on the same
    panels and windows) gives |phi_check - phi| (at least the rounding floor ROUNDING_ULPS
    eps (|phi| + sum_parts |part|): the two rules share most rounding errors, and where phi's
    parts cancel, near q -> 1, their difference underestimates them), the scaled gradient
    difference max_i |g_i^check - g_i| / (1 + sum_parts |g_i^part|) (the measure of the
    residual) and the shift |H^-1 (g^check - g)| of the saddle point it implies.
    """
    cfe = pb.cfe
    if ec is None:
        ec = cfe.check(theta, pb.ctrl)
    n = cfe.n
    e = point_errors(ev.hessian, ev.part_gradients, ev.part_values, float(ev.phi),
                             ec.part_gradients, float(ec.phi), ROUNDING_ULPS)
    errors = e[:n] + e[n:2 * n]
    phi_err, grad_err = float(e[2 * n]), float(e[2 * n + 1])
    values = dict(pb.values)
    exceeded = _exceeded(e[None, :], np.asarray(theta, dtype=float)[None, :],
                         np.array([float(ev.phi)]), pb.domains, tol)[0]
    if status == Status.CONVERGED and exceeded:
        status = Status.INACCURATE
    elif (status in (Status.LINE_SEARCH, Status.MAX_ITER) and "gradient" in exceeded
          and float(e[2 * n + 2]) <= NOISE_FLOOR_FACTOR * grad_err):
        # Newton stalled at the quadrature's noise floor (the residual is within a few error
        # estimates of zero, and the estimate exceeds tol): the point solves the equations as
        # well as the quadrature determines them, which is what "inaccurate" says
        status = Status.INACCURATE
    point = SaddlePoint(model=pb.label, ansatz=pb.ansatz,
                       params={k: v for k, v in values.items() if k != pb.primary},
                       order_params={nm: float(v) for nm, v in zip(cfe.names, theta)},
                       phi=float(ev.phi), residual=float(e[2 * n + 2]),
                       residual_abs=float(e[2 * n + 3]), step=float(step),
                       iterations=int(it), success=status == Status.CONVERGED,
                       status=status, method=method, hessian=ev.hessian.copy(),
                       control_derivatives=ev.control_derivatives.copy(),
                       derivatives={nm: float(v) for nm, v in
                                    zip(cfe.control_names, ev.phi_control_gradient)},
                       controls=values,
                       errors={nm: float(v) for nm, v in zip(cfe.names, errors)},
                       phi_error=phi_err, gradient_error=grad_err, exceeded=exceeded)
    if pb.observables:
        point = point.with_observables(pb.evaluate_observables(point))
    return point


def make_rows(pb: SaddleProblem, pname, values, thetas, outs, checks, info, tol,
              method="continuation"):
    """The SaddlePoints of rows solved by the compiled continuation (Newton converged at each),
    as :func:`make_point` makes them, with the error estimates of all rows from one compiled
    call (:func:`replica.engine._newton.rows_errors`) and no per-row kernel unpacking.

    ``values`` are the swept control's values (already checked), ``thetas`` / ``outs`` /
    ``checks`` / ``info`` the rows of the continuation's buffers.
    """
    cfe = pb.cfe
    n, nc, npt = cfe.n, cfe.nc, cfe.n_parts
    rows = len(values)
    if rows == 0:
        return []
    e = rows_errors(outs, checks, n, npt, nc, ROUNDING_ULPS)
    errors = e[:, :n] + e[:, n:2 * n]
    phi = outs[:, 0]
    flags = _exceeded(e, thetas, phi, pb.domains, tol)
    hb = 1 + npt * n
    cb = hb + n * n
    gb = cb + n * nc
    names, cnames = cfe.names, cfe.control_names
    params = {k: v for k, v in pb.values.items() if k != pb.primary}
    points = []
    for k in range(rows):
        v = float(values[k])
        controls = {**pb.values, pname: v}
        exceeded = flags[k]
        status = Status.INACCURATE if exceeded else Status.CONVERGED
        point = SaddlePoint.from_checked_fields(dict(
            model=pb.label, ansatz=pb.ansatz,
            params={**params, pname: v} if pname != pb.primary else dict(params),
            order_params=dict(zip(names, thetas[k].tolist())), phi=float(phi[k]),
            residual=float(e[k, 2 * n + 2]), residual_abs=float(e[k, 2 * n + 3]),
            step=float(info[k, 1]), iterations=int(info[k, 0]), success=not exceeded,
            status=status, method=method, hessian=outs[k, hb:cb].reshape(n, n).copy(),
            control_derivatives=outs[k, cb:gb].reshape(n, nc).copy(),
            derivatives=dict(zip(cnames, outs[k, gb:gb + nc].tolist())), controls=controls,
            errors=dict(zip(names, errors[k].tolist())), phi_error=float(e[k, 2 * n]),
            gradient_error=float(e[k, 2 * n + 1]), exceeded=exceeded, observables={},
            parisi=None))
        if pb.observables:
            point = point.with_observables(pb.evaluate_observables(point))
        points.append(point)
    return points


def solve_needing(model, controls=None, *, need=("order_params",), **kw) -> SaddlePoint:
    """:func:`solve` for a caller that uses only some quantities of the saddle point.

    Returns the point when its equations are solved and the error estimates of the quantities
    in ``need`` (``"order_params"``, ``"phi"``, ``"gradient"``) are within the tolerance, even
    if another one is not (its status then stays ``inaccurate``): near q -> 1, phi loses
    digits to the cancellation of terms ~ 1/(1-q) while q itself is determined to rounding.
    Raises :class:`~replica.errors.SaddlePointConvergenceError` otherwise.
    """
    kw = dict(kw)
    throw = kw.pop("throw", True)
    sp_ = solve(model, controls, throw=False, **kw)
    if sp_.accurate(*need) or not throw:
        return sp_
    raise SaddlePointConvergenceError(
        f"{sp_.model}, {sp_.ansatz}, {sp_.controls}: no saddle point accurate in {need} "
        f"({sp_.status}; exceeded: {sp_.exceeded}): {sp_.status.message} Last iterate "
        f"{sp_.order_params}, residual {sp_.residual:.3e}", sp_)


def failed_point(pb: SaddleProblem, theta, err, throw):
    """The failed SaddlePoint of a kernel error ``err`` at ``theta`` (raised if ``throw``)."""
    if throw:
        raise err
    nan = float("nan")
    cfe = pb.cfe
    return SaddlePoint(model=pb.label, ansatz=pb.ansatz,
                       params={k: v for k, v in pb.values.items() if k != pb.primary},
                       order_params={nm: float(v) for nm, v in zip(cfe.names, theta)},
                       phi=nan, residual=nan, residual_abs=nan, step=nan, iterations=0,
                       success=False, status=Status.NON_FINITE, method="newton",
                       hessian=np.full((cfe.n, cfe.n), nan),
                       control_derivatives=np.full((cfe.n, cfe.nc), nan),
                       controls=dict(pb.values),
                       observables={nm: nan for nm in pb.observables})


def try_newton(pb: SaddleProblem, theta0, tol, xtol, max_iter):
    """:func:`newton` on a problem; None where the kernel is not finite."""
    try:
        return newton(pb.cfe, theta0, pb.ctrl, pb.domains, tol=tol, xtol=xtol,
                      max_iter=max_iter)
    except NonFiniteError:
        return None


def solve_problem(pb: SaddleProblem, *, x0=None, tol=1e-10, xtol=1e-10, max_iter=60,
                  throw=True, fallback=True, theta0=None) -> SaddlePoint:
    """:func:`solve` on a problem (from ``x0`` by name, or ``theta0`` in the kernel's order)."""
    if theta0 is None:
        theta0 = pb.initial(x0)
    strategies = pb.strategies if fallback else ()
    method = "newton"
    try:
        theta, ev, it, status, step = newton(pb.cfe, theta0, pb.ctrl, pb.domains, tol=tol,
                                             xtol=xtol, max_iter=max_iter)
    except NonFiniteError as err:
        if not strategies:
            return failed_point(pb, theta0, err, throw)
        status = Status.NON_FINITE
        theta, ev, it, step = theta0, None, 0, math.inf
    for strat in strategies:
        if status == Status.CONVERGED:
            break
        start = strat(pb, theta0, tol)
        if start is None:
            if getattr(strat, "reports_no_root", False):
                status = Status.NO_ROOT
            continue
        res = try_newton(pb, start, tol, xtol, max_iter)
        if res is None:
            continue
        theta, ev, it2, status, step = res
        it += it2
        method = f"{strat.name}+newton"
    if ev is None:
        try:
            ev = pb.cfe(theta, pb.ctrl)
        except NonFiniteError as err:
            return failed_point(pb, theta, err, throw)
    sp_ = make_point(pb, theta, ev, it, status, step, method, tol)
    if not sp_.success and throw:
        raise SaddlePointConvergenceError(
            f"{pb.label}, {pb.ansatz}, {pb.values}: no saddle point found ({sp_.status}): "
            f"{sp_.status.message} Last iterate {sp_.order_params}, residual {sp_.residual:.3e}"
            + (f"; error estimates above tol: {_exceeded_text(sp_)}" if sp_.exceeded else ""),
            sp_)
    return sp_


def _exceeded_text(sp_):
    parts = []
    for what in sp_.exceeded:
        if what == "phi":
            parts.append(f"phi +- {sp_.phi_error:.2e}")
        elif what == "gradient":
            parts.append(f"scaled gradient +- {sp_.gradient_error:.2e}")
        else:
            parts.append("order parameters +- " + ", ".join(
                f"{k}: {v:.2e}" for k, v in sp_.errors.items()))
    return "; ".join(parts)
