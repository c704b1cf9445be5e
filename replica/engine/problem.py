"""The saddle problem: what a system hands the engine.

Every solver of the engine (:func:`~replica.engine.solvers.solve`,
:func:`~replica.engine.continuation.sweep`, :func:`~replica.engine.transitions.find_zero`, the
strategies) works on one object, a :class:`SaddleProblem`: a free entropy with a value for each
of its controls, a label for results and messages, a check of control values, the fallbacks
to try when Newton fails, and the observables to evaluate at every saddle point.  The engine
knows no system: it never asks what the controls mean.

Two things become a problem (:func:`as_problem`):

* a raw :class:`~replica.engine.freeentropy.FreeEntropy` (from :func:`replica.free_entropy`),
  with every control given by name;
* a *system*: any object with a method ``saddle_problem(controls, ansatz)`` returning a
  :class:`SaddleProblem` (the :class:`System` protocol).  The system reads the controls it
  is given (its own conveniences: the perceptron accepts alpha, m and new parameter values)
  and builds the free entropy of the requested ansatz.  A system may name the control that a
  bare number means (``primary_control``: ``replica.solve(perceptron, 0.5)`` is alpha = 0.5).

Examples
--------
A Sherrington-Kirkpatrick system at replica symmetry, in a few lines (h = 0; the kink of
ln 2 cosh(beta sqrt(q) z) at z = 0, of width 1/(beta sqrt(q)), is declared to the quadrature):

>>> import sympy as sp, replica
>>> from replica.engine.problem import SaddleProblem
>>> from replica.engine.gauss import GaussAvg
>>> q, beta = sp.symbols("q beta", positive=True)
>>> z = sp.Symbol("z", real=True)
>>> phi = (beta**2 / 4 * (1 - q)**2
...        + GaussAvg(sp.log(2 * sp.cosh(beta * sp.sqrt(q) * z)), z,
...                   points=[(0, 1 / (beta * sp.sqrt(q)))]))
>>> fe = replica.free_entropy(phi, {q: (0, 1)}, [beta], name="SK")
>>> class SK:
...     primary_control = "beta"
...     def saddle_problem(self, controls, ansatz=None):
...         if ansatz not in (None, "rs"):
...             raise ValueError(f"SK: only ansatz='rs' here, got {ansatz!r}")
...         return SaddleProblem(fe, controls, label="SK")
>>> sp_ = replica.solve(SK(), 2.0)
>>> round(sp_.order_params["q"], 6), sp_.controls
(0.530368, {'beta': 2.0})
>>> hasattr(sp_, "alpha")       # the engine adds no control a system does not have
False
"""
from __future__ import annotations

import inspect
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, runtime_checkable

import numpy as np

from .compiled import (CompiledFreeEntropy, check_assumptions, check_finite,
                       compiled_free_entropy)
from .domains import inside, midpoint
from .errors import ModelError
from .freeentropy import FreeEntropy
from .krsb import ParisiProblem
from .starts import Bracket

__all__ = ["SaddleProblem", "System", "as_problem", "gather_controls", "default_strategies",
           "swept_control", "require_saddle"]


def default_strategies(cfe: CompiledFreeEntropy) -> tuple:
    """The fallbacks of a free entropy that declares none: bracketing for a single bounded
    order parameter, nothing otherwise."""
    bounded = cfe.n == 1 and all(math.isfinite(v) for v in cfe.domains[0])
    return (Bracket(),) if bounded else ()


@dataclass(frozen=True, eq=False)
class SaddleProblem:
    """A free entropy at numeric controls: the object every solver of the engine works on.

    Parameters
    ----------
    free_entropy : FreeEntropy or CompiledFreeEntropy
        The free entropy (compiled on first use; compiled kernels are shared by content).
    values : mapping
        A value for every control of the free entropy, by name (extra names are an error).
    label : str, optional
        The model's name in results and messages (default: the free entropy's name).
    check : callable, optional
        ``check(name, value) -> float``: validates one control value and returns it as a
        float, raising :class:`~replica.errors.ModelError` naming the control otherwise
        (default: finite real numbers).  A system passes its own (the perceptron:
        alpha > 0, 0 < m <= 1).
    strategies : tuple, optional
        Fallbacks when Newton fails (:mod:`replica.engine.strategies`); default: those the
        free entropy declares, else :func:`default_strategies`.
    observables : mapping, optional
        ``{name: f}`` with ``f(saddle_point) -> float``: evaluated at every solved point and
        stored in :attr:`replica.results.SaddlePoint.observables`.
    primary : str, optional
        The control a bare number means for this system (``"alpha"`` for the perceptron), if
        any.  Results list every other control in ``params``.
    replicon : replica.engine.replicon.Replicon, optional
        The replicon eigenvalue of this (RS) free entropy, for
        :func:`replica.engine.stability.stability` and ``at_line``.
    repairs : tuple, optional
        Starts tried in order by the continuation (:func:`replica.engine.continuation.sweep`)
        when Newton from its prediction fails, before the step is halved: callables
        ``repair(problem, theta_pred, history) -> numpy.ndarray or None`` (the prediction, in
        the kernel's order, and the last one or two points solved, oldest first, as
        :class:`~replica.engine.results.SaddlePoint` s).  A system whose saddle point leaves
        a non-rectangular feasible set, or degenerates at the start of its branch, declares
        here how to bring a prediction back (the Franz-Parisi system: its Gaussian gaps).
    continue_inaccurate : bool
        Whether the continuation may go on from a point where Newton stalled at the
        quadrature's noise floor (``inaccurate``) with the order parameters and phi within
        their error estimates (default False: only from converged points).  For a system whose
        averages degenerate along its branch (the Franz-Parisi system near p*), where the
        gradient carries an error above tol that does not move the point.

    Attributes
    ----------
    cfe : CompiledFreeEntropy
    ansatz : str
        The free entropy's ansatz.
    ctrl : numpy.ndarray
        The control values in the kernel's input order.
    domains : list of (float, float)

    Raises
    ------
    ModelError
        A control without a value, a value for no control, or a value the check refuses.
    """

    free_entropy: Any
    values: Mapping[str, float]
    label: str = ""
    check: Callable[[str, Any], float] | None = None
    strategies: tuple | None = None
    observables: Mapping[str, Callable] = field(default_factory=dict)
    primary: str | None = None
    replicon: Any = None
    repairs: tuple = ()
    continue_inaccurate: bool = False

    def __post_init__(self):
        fe = self.free_entropy
        cfe = fe if isinstance(fe, CompiledFreeEntropy) else compiled_free_entropy(fe)
        object.__setattr__(self, "cfe", cfe)
        name = self.label or cfe.fe.name
        object.__setattr__(self, "label", name)
        check = self.check or check_finite
        object.__setattr__(self, "check", check)
        if not isinstance(self.values, Mapping):
            raise ModelError(f"{name}: the control values must be a mapping name -> value, "
                             f"got {type(self.values).__name__}")
        unknown = sorted(set(self.values) - set(cfe.input_names))
        if unknown:
            raise ModelError(f"{name}: unknown controls {unknown}; its controls are "
                             f"{list(cfe.input_names)}")
        missing = [nm for nm in cfe.input_names if nm not in self.values]
        if missing:
            raise ModelError(f"{name}: missing values for the controls {missing}")
        vals = {nm: float(check(nm, self.values[nm])) for nm in cfe.input_names}
        for sym in cfe.fe.controls:
            check_assumptions(sym, vals[sym.name])
        object.__setattr__(self, "values", vals)
        object.__setattr__(self, "ctrl", np.array([vals[nm] for nm in cfe.input_names]))
        object.__setattr__(self, "domains", cfe.domains)
        object.__setattr__(self, "ansatz", cfe.fe.ansatz)
        strategies = self.strategies
        if strategies is None:
            strategies = cfe.fe.strategies
        if strategies is None:
            strategies = default_strategies(cfe)
        object.__setattr__(self, "strategies", tuple(strategies))
        obs = dict(self.observables or {})
        for nm, f in obs.items():
            if not (isinstance(nm, str) and callable(f)):
                raise ModelError(f"{name}: observables must map names to callables "
                                 f"saddle_point -> float; got {nm!r}: {f!r}")
        object.__setattr__(self, "observables", obs)
        repairs = tuple(self.repairs or ())
        if bad := [r for r in repairs if not callable(r)]:
            raise ModelError(f"{name}: repairs must be callables (problem, theta_pred, "
                             f"history) -> theta or None; got {bad[0]!r}")
        object.__setattr__(self, "repairs", repairs)
        if self.primary is not None and self.primary not in vals:
            raise ModelError(f"{name}: the primary control {self.primary!r} is not one of its "
                             f"controls {list(cfe.input_names)}")

    def with_value(self, name, value) -> "SaddleProblem":
        """The same problem with one control changed (only that value is checked again: a
        sweep calls this at every point)."""
        if name not in self.values:
            raise ModelError(f"{self.label}: unknown control {name!r}; known: "
                             f"{sorted(self.values)}")
        v = float(self.check(name, value))
        sym = next(s for s in self.cfe.fe.controls if s.name == name)
        check_assumptions(sym, v)
        new = object.__new__(SaddleProblem)
        new.__dict__.update(self.__dict__)
        ctrl = self.ctrl.copy()
        ctrl[self.cfe.input_names.index(name)] = v
        new.__dict__.update(values={**self.values, name: v}, ctrl=ctrl)
        return new

    def initial(self, x0=None) -> np.ndarray:
        """The starting point: ``x0`` (by name) over the free entropy's declared start, over
        the middle of each domain."""
        names = self.cfe.names
        x0 = dict(x0 or {})
        unknown = sorted(set(x0) - set(names))
        if unknown:
            raise ModelError(f"x0 has unknown order parameters {unknown}; known: {list(names)}")
        start = self.cfe.fe.start
        if callable(start):
            guess = dict(start(names, x0))
        else:
            guess = {nm: midpoint(d) for nm, d in zip(names, self.domains)}
            guess.update(start or {})
        for k, v in x0.items():
            if isinstance(v, (bool, str)) or not isinstance(v, numbers.Real):
                raise ModelError(f"x0[{k!r}] must be a real number, got {v!r}")
            guess[k] = float(v)
        theta = np.array([guess[nm] for nm in names], dtype=float)
        if not inside(theta, self.domains):
            for nm, t, (lo, hi) in zip(names, theta, self.domains):
                if not (math.isfinite(t) and lo < t < hi):
                    raise ModelError(f"x0[{nm!r}] = {t} is outside ({lo}, {hi})")
        return theta

    def evaluate_observables(self, saddle_point) -> dict:
        """``{name: f(saddle_point)}`` for the declared observables (NaN at a failed point)."""
        if not self.observables:
            return {}
        if not saddle_point.accurate("order_params"):
            return {nm: math.nan for nm in self.observables}
        return {nm: float(f(saddle_point)) for nm, f in self.observables.items()}


@runtime_checkable
class System(Protocol):
    """What makes an object a system the engine can solve.

    ``saddle_problem(controls, ansatz)`` receives the controls the user gave (a dict by name;
    the system's conveniences are its own: extra parameters, defaults) and the requested
    ansatz (None: the system's default), and returns a :class:`SaddleProblem`.  Optionally,
    ``primary_control`` names the control a bare number means.
    """

    def saddle_problem(self, controls: dict, ansatz: str | None = None) -> SaddleProblem:
        ...


def gather_controls(model, controls=None, kw=None) -> dict:
    """The controls of a call by name: ``controls`` (a dict, or a bare number meaning the
    system's ``primary_control``) and keyword controls ``kw``.

    Raises
    ------
    ModelError
        A bare number for a model without a primary control, a control given twice, or a
        control that is not a string name.
    """
    out = {}
    if controls is None:
        pass
    elif isinstance(controls, Mapping):
        out.update(controls)
    else:
        primary = getattr(model, "primary_control", None)
        if primary is None:
            raise ModelError(
                f"a bare value ({controls!r}) was given for {_describe(model)}, which has no "
                "primary control: give the controls by name, e.g. {'beta': 2.0}")
        out[primary] = controls
    for k, v in (kw or {}).items():
        if k in out:
            raise ModelError(f"the control {k!r} is given twice")
        out[k] = v
    if bad := [k for k in out if not isinstance(k, str)]:
        raise ModelError(f"controls are named by strings, got {bad[0]!r}")
    return out


def swept_control(model, param, who: str) -> str:
    """``param``, or the system's primary control when it is None (``who`` names the caller
    in the error when there is neither)."""
    if param is not None:
        return param
    primary = getattr(model, "primary_control", None)
    if primary is None:
        raise ModelError(f"{who}: name the control to sweep (param=...); this model has no "
                         "primary control")
    return primary


def _describe(model):
    if isinstance(model, FreeEntropy):
        return f"the free entropy {model.name!r}"
    return f"{type(model).__name__} {getattr(model, 'name', '')!s}".strip()


def require_saddle(pb, who: str) -> SaddleProblem:
    """``pb`` when it is a :class:`SaddleProblem`; a :class:`ModelError` naming ``who``
    otherwise (a k-RSB :class:`~replica.engine.krsb.ParisiProblem` is solved point by point
    with :func:`~replica.engine.solvers.solve` or :func:`~replica.engine.continuation.sweep`)."""
    if isinstance(pb, ParisiProblem):
        raise ModelError(f"{who}: {pb.label}, ansatz {pb.ansatz!r}, is solved by the Parisi "
                         "recursion, which replica.solve and replica.sweep support, not yet "
                         f"{who}")
    return pb


def as_problem(model, controls, ansatz=None, k=None) -> SaddleProblem:
    """The problem of a raw free entropy or of a system, at ``controls`` (a dict by name).

    ``k`` (the steps of a k-RSB ansatz) is passed to the system's ``saddle_problem`` when
    given; a system may return a :class:`~replica.engine.krsb.ParisiProblem` for its
    replica-symmetry-broken ansatze.

    Raises
    ------
    ModelError
        ``model`` is neither, an ansatz is asked of a raw free entropy, or the system's
        ``saddle_problem`` does not return a :class:`SaddleProblem`.
    """
    build = getattr(model, "saddle_problem", None)
    if k is not None and (build is None or "k" not in inspect.signature(build).parameters):
        raise ModelError(f"k = {k!r} was given, but {_describe(model)} has no k-step ansatz")
    if isinstance(model, SaddleProblem):
        pb = model
        for k, v in dict(controls or {}).items():
            pb = pb.with_value(k, v)
        return pb
    if isinstance(model, FreeEntropy):
        if ansatz not in (None, model.ansatz):
            raise ModelError(f"a raw free entropy has no ansatz option (got {ansatz!r}; it is "
                             f"{model.ansatz!r})")
        return SaddleProblem(model, dict(controls or {}), replicon=model.replicon)
    if build is None:
        raise ModelError("model must be a replica.free_entropy(...), a system with a "
                         "saddle_problem(controls, ansatz) method (replica.engine.problem."
                         f"System; e.g. replica.models.perceptron), got {type(model).__name__}")
    pb = build(dict(controls or {}), ansatz) if k is None else build(dict(controls or {}),
                                                                     ansatz, k=k)
    if not isinstance(pb, (SaddleProblem, ParisiProblem)):
        raise ModelError(f"{type(model).__name__}.saddle_problem returned a "
                         f"{type(pb).__name__}, not a replica.engine.problem.SaddleProblem")
    return pb
