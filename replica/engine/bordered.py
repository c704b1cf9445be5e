"""Bordered solves: a saddle point together with one scalar condition, and their continuation.

Many questions about a branch of saddle points are one more equation: where the free entropy
vanishes (the zero-entropy point, the 1RSB jamming capacity), where the replicon vanishes (the
AT line), where an observable crosses a value.  A bordered solve finds the order parameters
theta and one control c together,

    grad_theta phi(theta; c) = 0,     g(theta; c) = 0,

by Newton's method on the bordered Jacobian

    [ H          d grad / d c ]
    [ d g/d theta    d g / d c ],

all of whose entries are compiled symbolic derivatives (the Hessian and control derivatives of
the kernel; the gradient of g).  :func:`follow_bordered` continues the solution in another
control (the threshold kappa of a channel, say): the line of such points in the plane of two
controls.

Conditions (:class:`Condition`): ``"phi"`` (g = phi - value; d g/d theta = grad phi, d g/d c =
d phi/d c, both in the kernel's outputs), or any SymPy expression in the order parameters and
controls (a :class:`~replica.engine.replicon.Replicon`'s expression: the AT line), compiled with
its gradient.

Coordinates: the order parameters move in the Newton driver's unbounded coordinates (logit on
(lo, hi), log on (lo, inf)), the control in log |c| when it is positive (a load) and linearly
otherwise; every step is capped at ``max_step`` in those coordinates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .compiled import rules
from .domains import from_unbounded, to_unbounded
from .errors import ModelError, NonFiniteError, ReplicaError
from .problem import SaddleProblem
from .replicon import expression_kernel
from .results import SaddlePoint, Status
from .solvers import make_point

__all__ = ["Condition", "BorderedPoint", "bordered_solve", "bordered_root", "follow_bordered"]


@dataclass(frozen=True, eq=False)
class Condition:
    """The scalar condition g(theta; controls) = value of a bordered solve.

    Parameters
    ----------
    expr : "phi" or sympy.Expr
        ``"phi"``: the free entropy itself; an expression: any function of the order
        parameters and controls (Gaussian averages allowed), compiled with its gradient.
    value : float
        The level: g = value.
    name : str
        For messages.
    """

    expr: object = "phi"
    value: float = 0.0
    name: str = ""

    def __post_init__(self):
        if isinstance(self.expr, str):
            if self.expr != "phi":
                raise ModelError(f"a condition is 'phi' or a SymPy expression, got {self.expr!r}")
        else:
            object.__setattr__(self, "expr", sp.sympify(self.expr))
        object.__setattr__(self, "value", float(self.value))
        if not self.name:
            object.__setattr__(self, "name", "phi" if self.expr == "phi" else str(self.expr))

    def evaluate(self, cfe, theta, ctrl, ev):
        """(g - value, d g/d theta, d g/d c for the differentiated controls) at a point whose
        kernel evaluation is ``ev``."""
        if isinstance(self.expr, str):
            return (float(ev.phi) - self.value, np.asarray(ev.gradient, dtype=float),
                    np.asarray(ev.phi_control_gradient, dtype=float))
        mod = _condition_kernel(self.expr, cfe.fe)
        n, nc = cfe.n, len(cfe.fe.diff_controls)
        gl, gh = rules()
        out = mod.kernel(np.ascontiguousarray(theta, dtype=float),
                         np.ascontiguousarray(ctrl, dtype=float), gl[0], gl[1], gh[0], gh[1],
                         np.empty(1 + n + nc))
        if not np.all(np.isfinite(out)):
            raise NonFiniteError(f"non-finite condition {self.name} at "
                                 f"{dict(zip(cfe.names, theta))}", "condition",
                                 (tuple(theta), tuple(ctrl)))
        return float(out[0]) - self.value, out[1:1 + n].copy(), out[1 + n:].copy()


def _condition_kernel(expr, fe):
    outs = [expr] + [sp.diff(expr, t) for t in fe.order_params] + \
        [sp.diff(expr, c) for c in fe.diff_controls]
    return expression_kernel(outs, fe, "the condition")


@dataclass(frozen=True)
class BorderedPoint:
    """A solution of a bordered solve.

    Attributes
    ----------
    value : float
        The control c where the condition holds.
    saddle_point : SaddlePoint
        The saddle point there (with its error estimates; ``inaccurate`` where they exceed
        the tolerance).
    condition : float
        g - value at the solution.
    iterations : int
    """

    value: float
    saddle_point: SaddlePoint
    condition: float
    iterations: int


def _control_coordinate(c):
    return (math.log(c), True) if c > 0 else (c, False)


def bordered_solve(pb: SaddleProblem, control: str, theta0, c0, condition=Condition(), *,
                   tol=1e-11, ctol=1e-14, max_iter=40, max_step=0.5, flat_tol=None,
                   flat_ctol=1e-11, throw=False):
    """Newton's method on grad phi = 0 and the condition, in the order parameters and one
    control.

    Parameters
    ----------
    pb : SaddleProblem
        The problem; ``control`` must be one of its differentiated controls.
    control : str
    theta0 : array
        Start of the order parameters (kernel order).
    c0 : float
        Start of the control.
    condition : Condition
    tol : float
        Scaled residual of the gradient (as the solver's: |g_i| / (1 + sum_parts |g_i^part|)).
    ctol : float
        |g - value| / (1 + |g|) (for ``"phi"``: relative to 1 + |phi|).
    max_step : float
        Cap of each step in the unbounded coordinates.  A step that lands where the kernel
        or the condition is not finite (outside the region where a Gaussian decomposition
        exists, say) is halved; each halving counts as an iteration.
    flat_tol, flat_ctol : float, optional
        For a saddle point whose Hessian has a nearly flat direction (the position along it
        ill-determined, the control not): the solution is also accepted when the scaled
        condition is below ``flat_ctol``, the scaled gradient below ``flat_tol`` and the
        control's step below 1e-10 (off by default).

    Returns
    -------
    BorderedPoint, or None when Newton does not converge (or raises
    :class:`~replica.errors.ReplicaError` with ``throw=True``).
    """
    cfe = pb.cfe
    if control not in cfe.control_names:
        raise ModelError(f"{pb.label}: {control!r} is not a differentiated control "
                         f"({list(cfe.control_names)})")
    ic, iv = cfe.control_names.index(control), cfe.input_names.index(control)
    x = to_unbounded(np.asarray(theta0, dtype=float), cfe.domains)
    s, logc = _control_coordinate(float(c0))
    ctrl = pb.ctrl.copy()
    n = cfe.n
    why = "did not converge"
    last = None  # (x, s, step) of the last finite point and the step taken from it
    it = 0
    while it < max_iter:
        it += 1
        theta, dth = from_unbounded(x, cfe.domains)
        c = math.exp(s) if logc else s
        ctrl[iv] = c
        try:
            ev = cfe(theta, ctrl)
            g, dg_t, dg_c = condition.evaluate(cfe, theta, ctrl, ev)
        except NonFiniteError as err:
            why = f"non-finite at {control} = {c!r}: {err}"
            if last is None or np.max(np.abs(last[2])) < 1e-12:
                break
            # the step left the region where the kernel is finite (a Gaussian gap turned
            # negative, say): halve it
            x0_, s0_, step = last
            last = (x0_, s0_, step / 2)
            x, s = x0_ + step[:n] / 2, s0_ + step[n] / 2
            continue
        dcs = c if logc else 1.0
        res = np.append(ev.gradient, g)
        scale = np.append(1 + np.abs(ev.part_gradients).sum(axis=0), 1 + abs(g + condition.value))
        scaled = np.abs(res) / scale
        if np.all(scaled[:n] <= tol) and scaled[n] <= ctol:
            return _finish(pb, control, c, theta, ev, g, it, tol)
        jac = np.empty((n + 1, n + 1))
        jac[:n, :n] = ev.hessian * dth[None, :]
        jac[:n, n] = ev.control_derivatives[:, ic] * dcs
        jac[n, :n] = dg_t * dth
        jac[n, n] = dg_c[ic] * dcs
        try:
            dy = np.linalg.solve(jac, -res)
        except np.linalg.LinAlgError:
            why = f"singular bordered Jacobian at {control} = {c!r}"
            break
        big = float(np.max(np.abs(dy)))
        if not math.isfinite(big):
            why = f"non-finite Newton step at {control} = {c!r}"
            break
        if flat_tol is not None and scaled[n] <= flat_ctol and np.all(scaled[:n] <= flat_tol) \
                and abs(dy[n]) <= 1e-10:
            return _finish(pb, control, c, theta, ev, g, it, tol)
        f = min(1.0, max_step / big)
        last = (x, s, f * dy)
        x = x + f * dy[:n]
        s = s + f * dy[n]
    if throw:
        raise ReplicaError(f"{pb.label}: bordered solve of {condition.name} = "
                           f"{condition.value:g} in {control}: {why}")
    return None


def _finish(pb, control, c, theta, ev, g, it, tol):
    pt = pb.with_value(control, c)
    sp_ = make_point(pt, np.array(theta, dtype=float), ev, it, Status.CONVERGED, 0.0,
                     "bordered", tol)
    return BorderedPoint(float(c), sp_, float(g), it)


def bordered_root(pb: SaddleProblem, control: str, ends, condition=Condition(), *,
                  accept=None, **kw):
    """The bordered solve between two points of a branch where the condition changes sign.

    Parameters
    ----------
    pb : SaddleProblem
        Any point of the branch (its other controls are kept).
    control : str
        The control solved for.
    ends : two (value, SaddlePoint, g) triples
        The bracketing points: ``control`` values, the saddle points there and the condition
        g - value at each (of opposite signs, or one zero).
    condition : Condition
    accept : callable, optional
        ``accept(BorderedPoint) -> bool``: a further test of the solution (accurate in what
        the caller needs, say).
    **kw
        Passed on to :func:`bordered_solve`.

    Returns
    -------
    BorderedPoint or None
        The solution, started at the linearly interpolated root from the saddle point of the
        nearer end, then of the other; None when neither converges inside the bracket or
        passes ``accept``.

    Notes
    -----
    The start c0 = c_0 + (c_1 - c_0) g_0 / (g_0 - g_1) is the secant root. Bracketing ends
    are usually continuation points, so the bracket may be wide and the nearer end the better
    start; the other end is the fallback where the branch bends between them.
    """
    (v0, p0, g0), (v1, p1, g1) = [(float(v), p, float(g)) for v, p, g in ends]
    if not (math.isfinite(g0) and math.isfinite(g1)):
        return None
    c0 = v0 + (v1 - v0) * g0 / (g0 - g1) if g0 != g1 else v0
    lo, hi = min(v0, v1), max(v0, v1)
    at = pb.with_value(control, c0)
    for _, p in sorted(((v0, p0), (v1, p1)), key=lambda e: abs(c0 - e[0])):
        theta0 = np.array([p.order_params[nm] for nm in pb.cfe.names])
        bp = bordered_solve(at, control, theta0, c0, condition, **kw)
        if bp is not None and lo <= bp.value <= hi and (accept is None or accept(bp)):
            return bp
    return None


def follow_bordered(pb: SaddleProblem, control: str, param: str, target: float, start, *,
                    condition=Condition(), max_factor=1.25, min_step=1e-4, max_jump=0.5,
                    **kw):
    """Continue a bordered solution in another control ``param`` up to ``target``.

    Parameters
    ----------
    pb : SaddleProblem
        At the starting value of ``param``.
    control : str
        The control solved for (the capacity's alpha).
    param : str
        The control followed (a channel's threshold); it moves to ``target`` in steps uniform
        in ln |param| (at most a factor ``max_factor``) when start and target have the same
        sign, else linearly in eighths of the distance; a step is halved on failure, down to
        ``min_step`` (in those coordinates).
    target : float
    start : BorderedPoint
        The solution at ``pb.values[param]``.
    condition : Condition
    max_jump : float
        A correction that moves the unbounded coordinates by more than this from the
        prediction (a linear extrapolation of the last two solutions) is rejected: it jumped
        to another branch.

    Returns
    -------
    list of (param value, BorderedPoint)
        From the start to ``target``.

    Raises
    ------
    ReplicaError
        When the step falls below ``min_step`` (a fold of the line, or its end), naming where.
    """
    p0 = float(pb.values[param])
    target = float(target)
    geometric = p0 * target > 0
    u = (lambda v: math.log(abs(v))) if geometric else (lambda v: v)
    back = (lambda w: math.copysign(math.exp(w), target)) if geometric else (lambda w: w)
    cfe = pb.cfe

    def y_of(bp):
        th = [bp.saddle_point.order_params[nm] for nm in cfe.names]
        return np.append(to_unbounded(th, cfe.domains), _control_coordinate(bp.value)[0])

    hist = [(u(p0), y_of(start), start)]
    w_target = u(target)
    full = math.log(max_factor) if geometric else abs(w_target - u(p0)) / 8 or 1.0
    step = full
    while hist[-1][0] != w_target:
        w_cur, y_cur, bp_cur = hist[-1]
        w_new = w_cur + math.copysign(min(step, abs(w_target - w_cur)), w_target - w_cur)
        if len(hist) >= 2:
            pred = y_cur + (y_cur - hist[-2][1]) * (w_new - w_cur) / (w_cur - hist[-2][0])
        else:
            pred = y_cur
        p_new = target if w_new == w_target else back(w_new)
        th0, _ = from_unbounded(pred[:-1], cfe.domains)
        c0 = math.exp(pred[-1]) if bp_cur.value > 0 else pred[-1]
        bp = bordered_solve(pb.with_value(param, p_new), control, th0, c0, condition, **kw)
        if bp is None or np.max(np.abs(y_of(bp) - pred)) > max_jump:
            step /= 2
            if step < min_step:
                raise ReplicaError(
                    f"{pb.label}: the line of {condition.name} = {condition.value:g} in "
                    f"({param}, {control}) does not reach {param} = {target:g}: followed from "
                    f"{param} = {p0:g}, it ends or folds at {param} = {back(w_cur):.6g} "
                    f"({control} = {bp_cur.value:.10g}; the bordered Jacobian becomes "
                    "singular)")
            continue
        hist.append((w_new, y_of(bp), bp))
        step = min(step * 1.5, full)
    return [(back(w) if w != w_target else target, bp) for w, _, bp in hist]
