"""Saddle-point solvers: Newton with the symbolic Jacobian, declared fallbacks, continuation.

Both a system's model (``solve(model, alpha=...)``) and a raw free entropy
(``solve(free_entropy, {"beta": 2.0})``) become one problem: a compiled free entropy with
numeric controls.  Convergence is declared on two criteria at once: the scaled residual
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

from .._progress import progress_bar
from .errors import ModelError, NonFiniteError, SaddlePointConvergenceError
from .freeentropy import FreeEntropy
from . import _newton
from ._newton import _solve_small
from .compiled import _KERNEL_ERRORS, check_finite, compiled_free_entropy
from .results import Branch, SaddlePoint, Status

__all__ = ["solve", "sweep", "newton", "solve_needing"]

_STATUS = {0: Status.CONVERGED, 1: Status.MAX_ITER, 2: Status.LINE_SEARCH, 3: Status.SINGULAR,
           4: Status.NON_FINITE}


def _inside(theta, domains):
    return all(lo < t < hi for t, (lo, hi) in zip(theta, domains))


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


# ---------------------------------------------------------------------------------------------
# problems: a compiled free entropy at numeric controls

class _Problem:
    """A compiled free entropy with values for all its controls (by name).

    ``check(name, value)`` validates a control value (default: finite); a system passes its
    own (e.g. alpha > 0 for the perceptron).
    """

    def __init__(self, cfe, values, label, ansatz, check=None):
        self.cfe = cfe
        self.values = {k: float(v) for k, v in values.items()}
        self.label = label
        self.ansatz = ansatz
        self.check = check or check_finite
        self.ctrl = np.array([self.values[nm] for nm in cfe.input_names], dtype=float)
        self.domains = cfe.domains

    @property
    def strategies(self):
        return self.cfe.fe.strategies

    def with_value(self, name, value):
        if name not in self.values:
            raise ModelError(f"unknown control {name!r}; known: {sorted(self.values)}")
        value = self.check(name, value)
        return _Problem(self.cfe, {**self.values, name: value}, self.label, self.ansatz,
                        self.check)

    def initial(self, x0):
        names = self.cfe.names
        x0 = dict(x0 or {})
        unknown = sorted(set(x0) - set(names))
        if unknown:
            raise ValueError(f"x0 has unknown order parameters {unknown}; known: {list(names)}")
        start = self.cfe.fe.start
        if callable(start):
            guess = dict(start(names, x0))
        else:
            guess = {nm: _midpoint(d) for nm, d in zip(names, self.domains)}
            guess.update(start or {})
        guess.update({k: float(v) for k, v in x0.items()})
        theta = np.array([guess[nm] for nm in names], dtype=float)
        for nm, t, (lo, hi) in zip(names, theta, self.domains):
            if not (math.isfinite(t) and lo < t < hi):
                raise ValueError(f"x0[{nm!r}] = {t} is outside ({lo}, {hi})")
        return theta


def _midpoint(domain):
    lo, hi = domain
    if math.isfinite(lo) and math.isfinite(hi):
        return 0.5 * (lo + hi)
    if math.isfinite(lo):
        return lo + 1.0
    if math.isfinite(hi):
        return hi - 1.0
    return 0.0


def _raw_problem(fe, values):
    cfe = compiled_free_entropy(fe)
    names = set(cfe.input_names)
    given = dict(values or {})
    unknown = sorted(set(given) - names)
    if unknown:
        raise ModelError(f"{fe.name}: unknown controls {unknown}; its controls are "
                         f"{list(cfe.input_names)}")
    missing = [nm for nm in cfe.input_names if nm not in given]
    if missing:
        raise ModelError(f"{fe.name}: missing values for the controls {missing}")
    vals = {nm: check_finite(nm, given[nm]) for nm in cfe.input_names}
    return _Problem(cfe, vals, fe.name, fe.ansatz)


def _controls_dict(controls, alpha, m, kw=None):
    if controls is None:
        out = {}
    elif isinstance(controls, dict):
        out = dict(controls)
    else:
        if alpha is not None:
            raise ValueError("alpha given twice")
        out = {"alpha": controls}
    if alpha is not None:
        out["alpha"] = alpha
    if m is not None:
        out["m"] = m
    out.update(kw or {})
    return out


def _problem(model, controls, ansatz):
    """The problem of a raw free entropy, or of a system's model.

    A system's model takes part by defining ``saddle_problem(controls, ansatz)``, which returns
    the free entropy, the values of all its controls by name, a label and a check of control
    values (the perceptron's :meth:`~replica.perceptron.models.Model.saddle_problem`).
    """
    if isinstance(model, FreeEntropy):
        if ansatz not in (None, "rs", model.ansatz):
            raise ValueError(f"a raw free entropy has no ansatz option (got {ansatz!r})")
        return _raw_problem(model, controls)
    build = getattr(model, "saddle_problem", None)
    if build is None:
        raise ValueError("model must be a replica.free_entropy(...) or a system's model "
                         f"(e.g. replica.models.perceptron), got {type(model).__name__}")
    fe, values, label, check = build(dict(controls), ansatz)
    cfe = compiled_free_entropy(fe)
    return _Problem(cfe, {nm: values[nm] for nm in cfe.input_names}, label, fe.ansatz, check)


# ---------------------------------------------------------------------------------------------
# solve

def solve(model, controls=None, *, alpha=None, ansatz=None, m=None, x0=None, tol=1e-10,
          xtol=1e-10, max_iter=60, throw=True, fallback=True) -> SaddlePoint:
    """Find a saddle point of a free entropy at given controls.

    Parameters
    ----------
    model : replica.models.Model or replica.freeentropy.FreeEntropy
        A system's model (e.g. :func:`replica.models.perceptron`) or a raw free entropy from
        :func:`replica.free_entropy`.
    controls : dict or float, optional
        Values of the controls by name (``{"beta": 2.0}``); for a model a number is alpha,
        and a dict may also change the model's parameters (``{"alpha": 0.5, "kappa": 1}``).
    alpha : float, optional
        Constraint density P/N (> 0) of a model.
    ansatz : {"rs", "1rsb", "1rsb-m", "1rsb-jamming"}, optional
        For a model: replica symmetric (default); one-step RSB at fixed Parisi parameter
        ``m``; one-step RSB with m optimised (d phi/d m = 0).
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
    pb = _problem(model, _controls_dict(controls, alpha, m), ansatz)
    return _solve_problem(pb, x0=x0, tol=tol, xtol=xtol, max_iter=max_iter, throw=throw,
                          fallback=fallback)


#: A converged point whose estimated error delta_i (the a-posteriori Newton step plus the
#: shift implied by the quadrature error of the gradient) exceeds both this fraction of the
#: scale of the order parameter (its distance to the domain's boundary) and
#: ``POSTERIOR_STEP_ABS`` is reported ``inaccurate``: the equations are met to rounding, but
#: the point itself is not determined to that accuracy (an ill-conditioned Jacobian).
POSTERIOR_STEP_TOL = 1e-7
POSTERIOR_STEP_ABS = 1e-10
#: The rounding floor of phi's error estimate, in units of the last place of the sum of the
#: absolute values of phi's parts (measured near the spherical capacity, where the parts
#: ~ 1/(1-q) cancel: the true error is 2-6 of those units; tests/replica/test_error_estimates.py).
ROUNDING_ULPS = 8.0


def _make_point(pb, theta, ev, it, status, step, method, tol, ec=None):
    """A SaddlePoint with its error estimates; ``converged`` only if the equations are met,
    the point is determined (a-posteriori Newton step) and the quadrature error estimates of
    phi and of its gradient are within the tolerance (otherwise ``inaccurate``).

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
    e = _newton.point_errors(ev.hessian, ev.part_gradients, ev.part_values, float(ev.phi),
                             ec.part_gradients, float(ec.phi), ROUNDING_ULPS)
    errors = e[:n] + e[n:2 * n]
    phi_err, grad_err = float(e[2 * n]), float(e[2 * n + 1])
    values = dict(pb.values)
    from .strategies import _scale
    sc = np.maximum(_scale(np.asarray(theta, dtype=float), pb.domains),
                    POSTERIOR_STEP_ABS / POSTERIOR_STEP_TOL)
    rel = float(np.max(errors / sc))
    exceeded = tuple(nm for nm, bad in (("order_params", rel > POSTERIOR_STEP_TOL),
                                        ("gradient", grad_err > tol),
                                        ("phi", phi_err > tol * (1.0 + abs(float(ev.phi)))))
                     if bad)
    if status == Status.CONVERGED and exceeded:
        status = Status.INACCURATE
    return SaddlePoint(model=pb.label, ansatz=pb.ansatz,
                       alpha=float(values.get("alpha", math.nan)),
                       params={k: v for k, v in values.items() if k != "alpha"},
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


def _fail(pb, theta, err, throw):
    if throw:
        raise err
    nan = float("nan")
    cfe = pb.cfe
    return SaddlePoint(model=pb.label, ansatz=pb.ansatz,
                       alpha=float(pb.values.get("alpha", nan)),
                       params={k: v for k, v in pb.values.items() if k != "alpha"},
                       order_params={nm: float(v) for nm, v in zip(cfe.names, theta)},
                       phi=nan, residual=nan, residual_abs=nan, step=nan, iterations=0,
                       success=False, status=Status.NON_FINITE, method="newton",
                       hessian=np.full((cfe.n, cfe.n), nan),
                       control_derivatives=np.full((cfe.n, cfe.nc), nan),
                       controls=dict(pb.values))


def _newton_safe(pb, theta0, tol, xtol, max_iter):
    try:
        return newton(pb.cfe, theta0, pb.ctrl, pb.domains, tol=tol, xtol=xtol,
                      max_iter=max_iter)
    except NonFiniteError:
        return None


def _solve_problem(pb, *, x0=None, tol=1e-10, xtol=1e-10, max_iter=60, throw=True,
                   fallback=True, theta0=None):
    if theta0 is None:
        theta0 = pb.initial(x0)
    strategies = pb.strategies if fallback else ()
    method = "newton"
    try:
        theta, ev, it, status, step = newton(pb.cfe, theta0, pb.ctrl, pb.domains, tol=tol,
                                             xtol=xtol, max_iter=max_iter)
    except NonFiniteError as err:
        if not strategies:
            return _fail(pb, theta0, err, throw)
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
        res = _newton_safe(pb, start, tol, xtol, max_iter)
        if res is None:
            continue
        theta, ev, it2, status, step = res
        it += it2
        method = f"{strat.name}+newton"
    if ev is None:
        try:
            ev = pb.cfe(theta, pb.ctrl)
        except NonFiniteError as err:
            return _fail(pb, theta, err, throw)
    sp_ = _make_point(pb, theta, ev, it, status, step, method, tol)
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


# ---------------------------------------------------------------------------------------------
# sweep

def sweep(model, controls=None, *, ansatz=None, m=None, tol=1e-10, max_halvings=10,
          throw=False, x0=None, progress=None, _top=True, _stop=None,
          **kw_controls) -> Branch:
    """Follow the saddle point along one control parameter with warm starts.

    Exactly one control is an array (the swept one); the others are scalars.

    Parameters
    ----------
    model : replica.models.Model or replica.freeentropy.FreeEntropy
    controls : dict, optional
        Controls by name, e.g. ``{"beta": numpy.linspace(1.6, 2.0, 50)}``; they may also be
        given as keywords (``alpha=numpy.linspace(0.05, 0.9, 200)``,
        ``kappa=array, alpha=0.5``).
    ansatz : str, optional
        For a model (default ``"rs"``); ``"1rsb"`` follows a 1RSB branch at fixed ``m`` (or
        sweeps ``m`` itself at fixed alpha).
    m : float, optional
        The Parisi parameter of ``ansatz="1rsb"``.
    tol : float
    max_halvings : int
        When a point fails from the predicted start, the step is halved up to this many times
        (intermediate points are solved and discarded).
    throw : bool
        Raise on the first failed point instead of keeping it as a failed row.
    x0 : dict, optional
        Start of the first point.
    progress : bool, optional
        A progress bar on stderr: None (default) shows one only for a sweep that runs longer
        than 2 s on a terminal, True always, False never.

    Returns
    -------
    Branch

    Notes
    -----
    Predictor: the tangent d theta/d c = -J^{-1} d grad/d c from the symbolic derivatives;
    corrector: Newton.  A sign change of det J between consecutive points is reported in
    ``Branch.folds``.
    """
    values = _controls_dict(controls, None, m, kw_controls)
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in values.items()
              if np.ndim(v) > 0}
    if len(arrays) != 1:
        raise ValueError(f"sweep needs exactly one array-valued control, got {sorted(arrays)}")
    (pname, grid), = arrays.items()
    if grid.size == 0:
        raise ValueError(f"{pname}: empty array")
    if not np.all(np.isfinite(grid)):
        raise ValueError(f"{pname}: non-finite values in the sweep")
    scalars = {k: v for k, v in values.items() if k not in arrays}
    pb = _problem(model, {**scalars, pname: float(grid[0])}, ansatz)
    return _sweep_problem(pb, pname, grid, x0=x0, tol=tol, max_halvings=max_halvings,
                          throw=throw, top=_top, stop=_stop,
                          progress=progress if _top else False)


def _sweep_problem(pb, pname, grid, *, x0, tol, max_halvings, throw, top, stop=None,
                   progress=False):
    if pname not in pb.values:
        raise ModelError(f"unknown control {pname!r}; known: {sorted(pb.values)}")
    cfe = pb.cfe
    names = cfe.control_names
    kidx = names.index(pname) if pname in names else None
    iv = cfe.input_names.index(pname)
    values = np.array([pb.check(pname, v) for v in grid], dtype=float)  # fail before solving
    npts, nout = len(values), cfe._out.shape[0]
    thetas = np.full((npts, cfe.n), np.nan)
    outs = np.full((npts, nout), np.nan)
    checks = np.full((npts, nout), np.nan)
    info = np.full((npts, 2), np.nan)
    ctrl = pb.ctrl.copy()
    # the compiled loop runs in chunks: progress, and early stops of the transition finders
    chunk = 8 if stop is not None else max(16, npts // 50)
    points, folds = [], []
    prev = None  # (value, SaddlePoint)
    bar = progress_bar(npts, f"sweep {pname}", progress)
    i = 0
    while i < npts:
        if prev is not None:  # as many points as converge from the tangent prediction
            end = min(npts, i + chunk)
            theta_p = np.array(list(prev[1].order_params.values()))
            try:
                j = cfe.continuation(theta_p, prev[2], prev[0], ctrl, iv,
                                     -1 if kidx is None else kidx, values, i, end, tol, 1e-10,
                                     60, thetas, outs, checks, info)
            except _KERNEL_ERRORS:  # a domain error in the kernel: the rows done are valid
                j = i + int(np.argmax(np.isnan(info[i:end, 0]))) if np.isnan(
                    info[i:end, 0]).any() else end
            for k in range(i, j):
                pt = pb.with_value(pname, values[k])
                ev = cfe.unpack(outs[k], thetas[k], pt.ctrl)
                ec = cfe.unpack(checks[k], thetas[k], pt.ctrl, check=False)
                sp_ = _make_point(pt, thetas[k].copy(), ev, int(info[k, 0]), Status.CONVERGED,
                                  float(info[k, 1]), "continuation", tol, ec)
                prev = _accept(cfe, points, folds, prev, float(values[k]), sp_, outs[k], pname,
                               throw)
                bar.update(1)
                if stop is not None and stop(points):  # internal: transition finders
                    bar.close()
                    return Branch(pname, values[:len(points)], tuple(points), tuple(folds))
            i = j
            if i == npts:
                break
            if j < end:  # Newton failed from the prediction: step halving in Python
                sp_ = _continue(pb, pname, prev, float(values[i]), kidx, tol, max_halvings)
            else:
                continue
        else:
            sp_ = _solve_problem(pb.with_value(pname, values[i]), x0=x0, tol=tol, throw=False,
                                 fallback=top)
        prev = _accept(cfe, points, folds, prev, float(values[i]), sp_, None, pname, throw)
        bar.update(1)
        i += 1
        if stop is not None and stop(points):
            break
    bar.close()
    return Branch(pname, values[:len(points)], tuple(points), tuple(folds))


def _accept(cfe, points, folds, prev, v, sp_, out, pname, throw):
    """Append a sweep point; returns the new start of the continuation (value, point, kernel
    output), which a failed point does not replace."""
    if throw and not sp_.success:
        raise SaddlePointConvergenceError(f"sweep failed at {pname}={v}", sp_)
    if prev is not None and sp_.success:
        if _det(prev[1].hessian) * _det(sp_.hessian) < 0:
            folds.append((float(prev[0]), float(v)))
    points.append(sp_)
    if sp_.success or sp_.status == Status.INACCURATE:  # a solution, to rounding: go on
        if out is None:
            out = _output_of(cfe, sp_)
        return (v, sp_, np.ascontiguousarray(out))
    return prev


def _output_of(cfe, sp_):
    """A kernel output buffer holding what the compiled tangent predictor reads of it (the
    Hessian and the control derivatives; zeros elsewhere), from a SaddlePoint."""
    n, nc = cfe.n, cfe.nc
    out = np.zeros(cfe._out.shape[0])
    hb = 1 + cfe.n_parts * n
    out[hb:hb + n * n] = np.asarray(sp_.hessian, dtype=float).ravel()
    out[hb + n * n:hb + n * n + n * nc] = np.asarray(sp_.control_derivatives,
                                                     dtype=float).ravel()
    return out


def _det(h):
    if h.shape == (1, 1):
        return h[0, 0]
    if h.shape == (2, 2):
        return h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0]
    return np.linalg.det(h)


def _predict(pb, prev_sp, kidx, dv):
    """Tangent predictor theta + dv * d theta/d c, from the derivatives stored at prev_sp."""
    theta = np.array(list(prev_sp.order_params.values()))
    if kidx is None:
        return theta
    tangent, ok = _solve_small(prev_sp.hessian,
                                             -prev_sp.control_derivatives[:, kidx])
    if not ok:
        return theta
    pred = theta + dv * tangent
    if not (np.all(np.isfinite(pred)) and _inside(pred, pb.domains)):
        return theta
    return pred


def _continue(pb, pname, prev, v, kidx, tol, max_halvings):
    current = prev
    target = v
    failures = 0
    for _ in range(50 * (max_halvings + 1)):
        dv = target - current[0]
        pred = _predict(pb, current[1], kidx, dv)
        pt = pb.with_value(pname, target)
        res = _newton_safe(pt, pred, tol, 1e-10, 60)
        if res is not None and res[3] == Status.CONVERGED:
            theta, ev, it, status, step = res
            sp_ = _make_point(pt, theta, ev, it, status, step, "continuation", tol)
            if target == v:
                return sp_
            current = (target, sp_)
            nxt = target + 2.0 * dv  # grow the step again after a success, never past v
            target = v if (v - nxt) * (v - target) <= 0 else nxt
            continue
        failures += 1
        if failures > max_halvings:
            break
        target = current[0] + 0.5 * (target - current[0])
    # last resort: Newton from the last good point, without fallbacks
    pv = pb.with_value(pname, v)
    return _solve_problem(pv, x0=dict(current[1].order_params), tol=tol, throw=False,
                          fallback=False)
