"""Continuation: a saddle point followed along one control (:func:`sweep`).

The predictor-corrector loop runs in compiled code (:func:`replica.engine._newton.continuation`:
the tangent predictor with a second-order term from the change of the tangent over the last
step, Newton, the check-rule evaluation of every point); Python handles step halving after a
failed prediction (tangent predictor), the early stops of the transition finders and the
building of the :class:`~replica.engine.results.SaddlePoint` s (all rows of a compiled chunk
at once, :func:`replica.engine.solvers.make_rows`).
"""
from __future__ import annotations

import numpy as np

from .._progress import progress_bar
from .compiled import KERNEL_ERRORS
from .domains import inside
from .errors import ModelError, SaddlePointConvergenceError
from .krsb import ParisiProblem, solve_parisi
from .problem import SaddleProblem, as_problem, gather_controls
from .results import Branch, Status
from .solvers import make_point, make_rows, solve_problem, try_newton

__all__ = ["sweep", "sweep_problem"]


def sweep(model, controls=None, *, ansatz=None, k=None, tol=1e-10, max_halvings=10,
          throw=False, x0=None, progress=None, **kw_controls) -> Branch:
    """Follow the saddle point along one control parameter with warm starts.

    Exactly one control is an array (the swept one); the others are scalars.

    Parameters
    ----------
    model : System, FreeEntropy or SaddleProblem
        See :func:`replica.engine.solvers.solve`.
    controls : dict, optional
        Controls by name, e.g. ``{"beta": numpy.linspace(1.6, 2.0, 50)}``; they may also be
        given as keywords (``alpha=numpy.linspace(0.05, 0.9, 200)``,
        ``kappa=array, alpha=0.5``, ``m=0.3`` for the perceptron's 1RSB at fixed m).
    ansatz : str, optional
        The system's ansatz (the perceptron: ``"rs"`` by default; ``"1rsb"`` follows a 1RSB
        branch at fixed ``m``, or sweeps ``m`` itself at fixed alpha; an Ising spin glass
        also ``"1rsb"``, ``"krsb"`` with ``k``, ``"frsb"``: each point is solved by the
        Parisi recursion, started from the previous point's ladder).
    k : int, optional
        The steps of ``ansatz="krsb"``.
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
    values = gather_controls(model, controls, kw_controls)
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
    pb = as_problem(model, {**scalars, pname: float(grid[0])}, ansatz, k=k)
    if isinstance(pb, ParisiProblem):
        return _sweep_parisi(model, scalars, pname, grid, ansatz, k, tol, throw, x0)
    return sweep_problem(pb, pname, grid, x0=x0, tol=tol, max_halvings=max_halvings,
                         throw=throw, top=True, progress=progress)


def _sweep_parisi(model, scalars, pname, grid, ansatz, k, tol, throw, x0):
    """A sweep of a k-RSB (or full-RSB) problem: one solve per value, a k-RSB ladder started
    from the previous point's when it has the same number of steps (else the k-ladder is
    climbed afresh); failed points kept as rows."""
    points = []
    prev = None
    for v in grid:
        pb = as_problem(model, {**scalars, pname: float(v)}, ansatz, k=k)
        start = x0 if not points else None
        if (start is None and prev is not None and pb.ansatz != "frsb"
                and prev.status == Status.CONVERGED and prev.parisi is not None
                and prev.parisi.k == pb.k):
            start = dict(prev.order_params)
        point = solve_parisi(pb, x0=start, tol=tol, throw=False)
        if start is not None and not point.success:
            point = solve_parisi(pb, tol=tol, throw=False)
        if throw and not point.success:
            raise SaddlePointConvergenceError(
                f"sweep: {pb.label}, {pname} = {v}: {point.status}: {point.status.message}",
                point)
        points.append(point)
        prev = point
    return Branch(param=pname, values=np.asarray(grid, dtype=float), points=tuple(points))


def sweep_problem(pb: SaddleProblem, pname, grid, *, x0=None, tol=1e-10, max_halvings=10,
                  throw=False, top=True, stop=None, progress=False, max_iter=60) -> Branch:
    """:func:`sweep` of a problem along its control ``pname`` over ``grid``.

    ``top=False`` solves the first point by Newton alone (no fallbacks: what a strategy that
    follows a branch needs, to avoid recursion).  ``stop(points) -> bool``, called after each
    point, ends the sweep early (the transition finders stop at the first sign change).
    ``max_iter`` bounds every Newton iteration of the continuation (a prediction that has not
    converged by then is repaired or the step halved).
    """
    if pname not in pb.values:
        raise ModelError(f"unknown control {pname!r}; known: {sorted(pb.values)}")
    cfe = pb.cfe
    names = cfe.control_names
    kidx = names.index(pname) if pname in names else None
    iv = cfe.input_names.index(pname)
    values = np.array([pb.check(pname, v) for v in grid], dtype=float)  # fail before solving
    npts, nout = len(values), cfe.n_out
    thetas = np.full((npts, cfe.n), np.nan)
    outs = np.full((npts, nout), np.nan)
    checks = np.full((npts, nout), np.nan)
    info = np.full((npts, 2), np.nan)
    ctrl = pb.ctrl.copy()
    # the compiled loop runs in chunks: progress, and early stops of the transition finders
    chunk = 8 if stop is not None else max(16, npts // 50)
    points, folds = [], []
    prev = None  # (value, SaddlePoint, kernel output buffer): where the continuation starts
    trail = ()  # the last two points the continuation started from (for the repairs)
    bar = progress_bar(npts, f"sweep {pname}", progress)
    i = 0
    while i < npts:
        if prev is not None:  # as many points as converge from the tangent prediction
            end = min(npts, i + chunk)
            theta_p = np.array(list(prev[1].order_params.values()))
            try:
                j = cfe.continuation(theta_p, prev[2], prev[0], ctrl, iv,
                                     -1 if kidx is None else kidx, values, i, end, tol, 1e-10,
                                     max_iter, thetas, outs, checks, info)
            except KERNEL_ERRORS:  # a domain error in the kernel: the rows done are valid
                j = i + int(np.argmax(np.isnan(info[i:end, 0]))) if np.isnan(
                    info[i:end, 0]).any() else end
            rows = make_rows(pb, pname, values[i:j], thetas[i:j], outs[i:j], checks[i:j],
                             info[i:j], tol)
            for k, sp_ in zip(range(i, j), rows):
                prev = _accept(cfe, points, folds, prev, float(values[k]), sp_, outs[k], pname,
                               throw)
                trail = _trail(trail, prev)
                bar.update(1)
                if stop is not None and stop(points):  # internal: transition finders
                    bar.close()
                    return Branch(pname, values[:len(points)], tuple(points), tuple(folds))
            i = j
            if i == npts:
                break
            if j < end:  # Newton failed from the prediction: step halving in Python
                sp_ = _continue(pb, pname, prev, float(values[i]), kidx, tol, max_halvings,
                                max_iter, trail)
            else:
                continue
        else:
            sp_ = solve_problem(pb.with_value(pname, values[i]), x0=x0, tol=tol, throw=False,
                                 fallback=top, max_iter=max_iter)
        prev = _accept(cfe, points, folds, prev, float(values[i]), sp_, None, pname, throw)
        trail = _trail(trail, prev)
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
    out = np.zeros(cfe.n_out)
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
    try:
        tangent = np.linalg.solve(prev_sp.hessian, -prev_sp.control_derivatives[:, kidx])
    except np.linalg.LinAlgError:
        return theta
    pred = theta + dv * tangent
    if not (np.all(np.isfinite(pred)) and inside(pred, pb.domains)):
        return theta
    return pred


def _trail(trail, prev):
    """The last two points solved (oldest first), with ``prev``'s point appended if new."""
    if prev is None or (trail and trail[-1] is prev[1]):
        return trail
    return (tuple(trail) + (prev[1],))[-2:]


def _correct(pt, pred, history, tol, max_iter):
    """Newton at ``pt`` from the prediction, then from each of the problem's repairs of it
    (:attr:`SaddleProblem.repairs`; ``history``: the last points solved, oldest first): the
    first solution, or None.  A solution is a point where Newton converged; for a problem that
    allows it (:attr:`SaddleProblem.continue_inaccurate`), also one that stalled at the noise
    floor of the quadrature (``inaccurate``) with the order parameters and phi within their
    error estimates."""
    for repair in (None,) + pt.repairs:
        start = pred if repair is None else repair(pt, pred, history)
        if start is None:
            continue
        res = try_newton(pt, start, tol, 1e-10, max_iter)
        if res is None:
            continue
        theta, ev, it, status, step = res
        if status != Status.CONVERGED and not pt.continue_inaccurate:
            continue
        sp_ = make_point(pt, theta, ev, it, status, step, "continuation", tol)
        if status == Status.CONVERGED or sp_.accurate("order_params", "phi"):
            return sp_
    return None


def _continue(pb, pname, prev, v, kidx, tol, max_halvings, max_iter, trail=()):
    current = prev
    history = _trail(trail, prev)
    target = v
    failures = 0
    for _ in range(50 * (max_halvings + 1)):
        dv = target - current[0]
        pred = _predict(pb, current[1], kidx, dv)
        sp_ = _correct(pb.with_value(pname, target), pred, history, tol, max_iter)
        if sp_ is not None:
            if target == v:
                return sp_
            current = (target, sp_)
            history = (history + (sp_,))[-2:]
            nxt = target + 2.0 * dv  # grow the step again after a success, never past v
            target = v if (v - nxt) * (v - target) <= 0 else nxt
            continue
        failures += 1
        if failures > max_halvings:
            break
        target = current[0] + 0.5 * (target - current[0])
    # last resort: Newton from the last good point, without fallbacks
    pv = pb.with_value(pname, v)
    return solve_problem(pv, x0=dict(current[1].order_params), tol=tol, throw=False,
                          fallback=False, max_iter=max_iter)
