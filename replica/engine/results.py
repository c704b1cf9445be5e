"""Frozen result objects: saddle points, branches, capacities.

Every result round-trips through JSON (``to_dict``/``from_dict``, ``save``/``load``; see
:mod:`replica.serialize`).
"""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field

import numpy as np

from .serialize import Serializable, register

__all__ = ["Status", "SaddlePoint", "Branch", "Transition", "ParisiFunction"]


@register
class Status(str, enum.Enum):
    """Why a solver stopped; each member carries what to do next (:attr:`message`).

    Members compare equal to their string values (``status == "converged"``).
    """

    CONVERGED = "converged"
    MAX_ITER = "max_iter"
    LINE_SEARCH = "line_search"
    SINGULAR = "singular"
    NON_FINITE = "non_finite"
    NO_ROOT = "no_root"
    INACCURATE = "inaccurate"
    COLLAPSED = "collapsed"

    def __str__(self):
        return self.value

    @property
    def message(self) -> str:
        return _STATUS_MESSAGES[self]


_STATUS_MESSAGES = {
    Status.CONVERGED: "The scaled residual and the relative Newton step are both below "
                      "their tolerances.",
    Status.MAX_ITER: "Newton ran out of iterations: raise max_iter, or start closer (x0, or "
                     "follow the branch with sweep from a point that converges).",
    Status.LINE_SEARCH: "No step along the Newton direction decreased the residual: the start "
                        "is in another basin or near a fold/branch end; give x0 closer to the "
                        "solution or approach the point by continuation (sweep).",
    Status.SINGULAR: "The Jacobian (Hessian of phi) is singular: a fold, a degenerate order "
                     "parameter (phi independent of it there), or a symmetric point; check the "
                     "free entropy or move the controls.",
    Status.NON_FINITE: "NaN or inf in phi or its derivatives: the point is outside the region "
                       "where the free entropy is defined (a log of a negative number, an "
                       "overflow); check the domains and the start.",
    Status.NO_ROOT: "d phi/d theta keeps one sign on the whole domain: there is no saddle point "
                    "inside it at these controls (e.g. alpha beyond the capacity, or a "
                    "solution that has left the declared domain).",
    Status.INACCURATE: "The equations are solved (to within the estimated error of the "
                       "gradient, where Newton stalled at that noise floor), but the estimated "
                       "numerical error of phi or of its gradient exceeds the tolerance: the "
                       "value is not trustworthy to the requested accuracy. If phi holds a "
                       "Gaussian average whose integrand has a steep feature (a kink, a step, a "
                       "narrow peak), declare where and how wide it is: GaussAvg(f, z, "
                       "points=[(center, width)]) puts quadrature panels there.",
    Status.COLLAPSED: "No ladder with the requested number of distinct RSB steps solves the "
                      "equations here: the breakpoints collapse (e.g. above T_c, or on the RS "
                      "side of the AT line). The point returned is the solution with fewer "
                      "steps (its Parisi function has fewer steps), which is also the "
                      "requested ansatz's solution with coinciding levels.",
}


@dataclass(frozen=True)
class SaddlePoint(Serializable):
    """A stationary point of a free entropy.

    Attributes
    ----------
    model : str
        Name of the model.
    ansatz : str
        The free entropy's ansatz (``"rs"``, ``"1rsb"``, ...).
    params : dict
        The controls other than the system's primary one (the perceptron: all but alpha,
        e.g. ``{"kappa": 0.5}``; a raw free entropy: all of them).
    order_params : dict
        Name -> value of the order parameters (``q``, ``qhat``, ...).
    phi : float
        Free entropy (log-volume per weight) at the saddle point.
    residual : float
        max_i |d phi/d theta_i| / (1 + |d G_prior/d theta_i| + |d G_channel/d theta_i|): the
        gradient relative to the size of the terms that cancel in it.
    residual_abs : float
        max_i |d phi/d theta_i|.
    step : float
        Size of the last Newton step relative to the scale of each order parameter.
    iterations : int
    success : bool
    status : str
        ``"converged"``, ``"max_iter"``, ``"non_finite"``, ``"singular"``, ...
    method : str
        What produced the point (``"newton"``, ``"bracket+newton"``, ``"fixed_point+newton"``).
    hessian : numpy.ndarray
        d^2 phi/d theta_i d theta_j at the point.
    control_derivatives : numpy.ndarray
        d^2 phi/d theta_i d c_k for the controls c = (alpha, parameters...): with the Hessian,
        the sensitivity d theta/d c = -H^{-1} d grad/d c.
    derivatives : dict
        d phi/d c for each control by name (total derivatives at the saddle point, by the
        envelope theorem): e.g. the energy e = -d phi/d beta of a temperature channel, or
        d phi/d m for the 1RSB complexity (see :attr:`complexity`).
    controls : dict
        Every control by name (``alpha``, ``m`` at fixed m, the channel's and the prior's
        parameters; for a raw free entropy, its declared controls).  A control is also an
        attribute when it has no other meaning here (``sp.alpha``, ``sp.beta``); a system
        without it has no such attribute.
    errors : dict
        Estimated absolute error of each order parameter: the a-posteriori Newton step
        |H^-1 grad phi| at the point plus the shift |H^-1 (grad_check - grad)| that the
        quadrature error of the gradient implies.  Where it exceeds 1e-7 of the parameter's
        scale (its distance to the domain's boundary) and 1e-10, the status is ``inaccurate``.
    phi_error : float
        Estimated quadrature error of phi: |phi_check - phi|, with phi_check the same kernel on
        higher-order rules (``quadrature.CHECK_ORDER`` Gauss-Legendre nodes per panel,
        ``CHECK_GH_ORDER`` Gauss-Hermite nodes).  Above tol (1 + |phi|): ``inaccurate``.
    gradient_error : float
        The same estimate for the gradient, scaled like :attr:`residual`.  Above tol:
        ``inaccurate``.
    exceeded : tuple of str
        Which error estimates exceed the tolerance: ``"order_params"`` (:attr:`errors`),
        ``"gradient"``, ``"phi"``; empty for a converged point (see :meth:`accurate`).
    observables : dict
        The values of the observables the problem declares
        (:attr:`replica.engine.problem.SaddleProblem.observables`), by name; NaN at a point
        whose order parameters are not accurate.
    parisi : ParisiFunction or None
        The Parisi function q(x) of a k-RSB or full-RSB point (None otherwise).
    """

    model: str
    ansatz: str
    params: dict
    order_params: dict
    phi: float
    residual: float
    residual_abs: float
    step: float
    iterations: int
    success: bool
    status: str
    method: str
    hessian: np.ndarray = field(repr=False)
    control_derivatives: np.ndarray = field(repr=False)
    derivatives: dict = field(default_factory=dict, repr=False)
    controls: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict, repr=False)
    phi_error: float = float("nan")
    gradient_error: float = float("nan")
    exceeded: tuple = ()
    observables: dict = field(default_factory=dict)
    parisi: "ParisiFunction | None" = None

    def __post_init__(self):
        if not isinstance(self.status, Status):
            object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "exceeded", tuple(self.exceeded))

    def __getattr__(self, name):
        # a control by name (sp.alpha, sp.beta), for the systems that have it; only called
        # when no field or property has that name
        if not name.startswith("_"):
            controls = self.__dict__.get("controls") or {}
            if name in controls:
                return controls[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r} (its controls "
                             f"are {sorted(self.__dict__.get('controls') or {})})")

    @classmethod
    def from_checked_fields(cls, fields: dict) -> "SaddlePoint":
        """A SaddlePoint from every one of its fields, already of their types (``status`` a
        :class:`Status`, ``exceeded`` a tuple), without the dataclass's per-field checks:
        the engine's sweeps make one per row (the regular constructor costs ~10 us, this
        ~1 us).

        Raises
        ------
        TypeError
            When a field is missing or unknown (named).
        """
        if fields.keys() != _POINT_FIELDS:
            missing = sorted(_POINT_FIELDS - fields.keys())
            unknown = sorted(fields.keys() - _POINT_FIELDS)
            raise TypeError(f"SaddlePoint fields missing {missing}, unknown {unknown}")
        point = object.__new__(cls)
        point.__dict__.update(fields)
        return point

    @classmethod
    def upgrade_fields(cls, kw: dict) -> dict:
        """Fields of a SaddlePoint saved by an older version: ``alpha`` was a field (it is
        ``controls["alpha"]``)."""
        kw = dict(kw)
        alpha = kw.pop("alpha", None)
        if alpha is not None and "alpha" not in kw.get("controls", {}) and alpha == alpha:
            kw["controls"] = {"alpha": alpha, **kw.get("controls", {})}
        return kw

    def with_observables(self, values: dict) -> "SaddlePoint":
        """A copy with ``observables`` set to ``values``."""
        return dataclasses.replace(self, observables=dict(values))

    def accurate(self, *what) -> bool:
        """Whether the equations are solved and the error estimates of ``what`` (any of
        ``"order_params"``, ``"gradient"``, ``"phi"``; all three if none is given) are within
        the tolerance.  ``accurate()`` is ``success``; ``accurate("order_params")`` may hold
        for an ``inaccurate`` point whose phi has lost digits to cancellation near q -> 1."""
        unknown = set(what) - {"order_params", "gradient", "phi"}
        if unknown:
            raise ValueError(f"unknown quantities {sorted(unknown)}; use 'order_params', "
                             "'gradient' or 'phi'")
        if self.status in (Status.CONVERGED, Status.COLLAPSED):
            return True
        if self.status != Status.INACCURATE or not self.exceeded:
            return False
        what = what or ("order_params", "gradient", "phi")
        return not set(what) & set(self.exceeded)

    @property
    def message(self) -> str:
        """What the status means and what to do about it."""
        return self.status.message

    def plot(self, ax=None, **kw):
        """The Parisi function q(x) of a k-RSB or full-RSB point
        (:meth:`ParisiFunction.plot`); returns the matplotlib Figure.

        Raises
        ------
        ValueError
            A point without a Parisi function (RS, or 1RSB of the symbolic path).
        """
        if self.parisi is None:
            raise ValueError(f"{self.model} ({self.ansatz}): plot() draws the Parisi function "
                             "q(x) of a k-RSB or full-RSB point, and this point has none")
        return self.parisi.plot(ax, **kw)

    @property
    def complexity(self):
        """1RSB complexity Sigma(m) = -m^2 d phi/d m at fixed Parisi parameter m.

        With phi(m) = (1/m) ln sum_states V^m, m phi = Sigma + m s: Sigma = -m^2 d phi/d m
        and the internal entropy s = phi + m d phi/d m (:attr:`internal_entropy`).
        """
        if "m" not in self.derivatives:
            raise ValueError("the complexity is defined for 1RSB saddle points at fixed m")
        m = self.controls["m"]
        return -m * m * self.derivatives["m"]

    @property
    def internal_entropy(self):
        """Entropy of one state, s = phi + m d phi/d m (1RSB at fixed m)."""
        if "m" not in self.derivatives:
            raise ValueError("the internal entropy is defined for 1RSB saddle points at fixed m")
        return self.phi + self.controls["m"] * self.derivatives["m"]

    def __str__(self):
        ops = ", ".join(f"{k}={v:.10g}" for k, v in self.order_params.items())
        cs = ", ".join(f"{k}={v:.10g}" for k, v in self.controls.items())
        return (f"SaddlePoint({self.model}, {self.ansatz}, {cs}, {ops}, "
                f"phi={self.phi:.12g}, residual={self.residual:.2e}, status={self.status})")


@dataclass(frozen=True)
class ParisiFunction(Serializable):
    """The Parisi order-parameter function q(x) of a replica-symmetry-broken saddle point.

    A k-step function: q(x) = q_l for m_l <= x < m_{l+1} (m_0 = 0, m_{k+1} = 1), i.e. the
    overlap distribution P(q) = sum_l (m_{l+1} - m_l) delta(q - q_l).

    Attributes
    ----------
    x : numpy.ndarray
        The breakpoints 0 = m_0 < m_1 < ... < m_k (k + 1 values).
    q : numpy.ndarray
        q_0 < ... < q_k, the value of q(x) from each breakpoint on.
    """

    x: np.ndarray
    q: np.ndarray

    def __post_init__(self):
        x = np.asarray(self.x, dtype=float)
        q = np.asarray(self.q, dtype=float)
        if x.shape != q.shape or x.ndim != 1 or not len(x) or x[0] != 0.0:
            raise ValueError(f"ParisiFunction: x (starting at 0) and q must be 1-d arrays of "
                             f"one length; got x = {x.tolist()}, q = {q.tolist()}")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "q", q)

    @property
    def k(self) -> int:
        """Steps of replica symmetry breaking."""
        return len(self.q) - 1

    def q_of_x(self, x):
        """q(x) for x in [0, 1] (a number or an array).

        Raises
        ------
        ValueError
            An x outside [0, 1].
        """
        xa = np.asarray(x, dtype=float)
        if np.any(~(xa >= 0.0) | ~(xa <= 1.0)):
            raise ValueError(f"q_of_x: x must lie in [0, 1], got {x!r}")
        out = self.q[np.searchsorted(self.x, xa, side="right") - 1]
        return float(out) if out.ndim == 0 else out

    @property
    def P_of_q(self):
        """The overlap distribution as atoms: (q values, weights summing to 1)."""
        w = np.diff(np.concatenate((self.x, [1.0])))
        return self.q.copy(), w

    def plot(self, ax=None, **kw):
        """Draw q(x) on [0, 1] as the step function it is (matplotlib); returns the Figure.

        ``kw`` go to ``Axes.step`` (label, color, ...)."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(4.5, 3.2))
        else:
            fig = ax.figure
        ax.step(np.concatenate((self.x, [1.0])), np.concatenate((self.q, [self.q[-1]])),
                where="post", **kw)
        ax.set_xlabel("x")
        ax.set_ylabel("q(x)")
        ax.set_xlim(0.0, 1.0)
        return fig

    def __eq__(self, other):
        return (isinstance(other, ParisiFunction) and np.array_equal(self.x, other.x)
                and np.array_equal(self.q, other.q))

    __hash__ = None


#: The field names of a SaddlePoint (see :meth:`SaddlePoint.from_checked_fields`).
_POINT_FIELDS = frozenset(f.name for f in dataclasses.fields(SaddlePoint))


@dataclass(frozen=True)
class Branch(Serializable):
    """Saddle points along a control parameter (continuation), failed points kept as rows.

    Attributes
    ----------
    param : str
        The swept control (``"alpha"``, ``"kappa"``, ...).
    values : numpy.ndarray
        The requested values, in the order given.
    points : tuple of SaddlePoint
        One per value; ``success`` False marks a failed row (never dropped).
    folds : tuple of float
        Parameter values between which the Jacobian determinant changed sign (spinodals).
    """

    param: str
    values: np.ndarray
    points: tuple
    folds: tuple = ()

    @property
    def solved(self):
        """Rows holding a solution: converged, or inaccurate (solved, an error estimate above
        the tolerance); the other rows are failures."""
        return np.array([p.status in (Status.CONVERGED, Status.INACCURATE, Status.COLLAPSED)
                         for p in self.points], dtype=bool)

    @property
    def phi(self):
        """phi per row; NaN at a failed row (its last iterate stays in ``points``)."""
        return np.where(self.solved, [p.phi for p in self.points], np.nan)

    @property
    def success(self):
        return np.array([p.success for p in self.points])

    @property
    def status(self):
        return [p.status for p in self.points]

    @property
    def residual(self):
        return np.array([p.residual for p in self.points])

    @property
    def order_params(self):
        """Order parameters by name, one array each; NaN at failed rows."""
        names = self.points[0].order_params.keys()
        ok = self.solved
        return {k: np.where(ok, [p.order_params[k] for p in self.points], np.nan)
                for k in names}

    @property
    def observables(self):
        """The problem's observables by name, one array each (NaN at failed rows)."""
        names = self.points[0].observables.keys() if self.points else ()
        ok = self.solved
        return {k: np.where(ok, [p.observables.get(k, np.nan) for p in self.points], np.nan)
                for k in names}

    @property
    def failed(self):
        """Values of the swept control where no saddle point was found."""
        return self.values[~self.success]

    def __len__(self):
        return len(self.points)

    def plot(self, *, order_params=None, phi=True):
        """Order parameters, their conjugates and phi against the swept control (matplotlib).

        Order parameters and conjugates (names ending in ``hat``) go on separate panels,
        each with its own scale; converged points are joined by lines, failed rows are marked
        by red crosses at the bottom of each panel and folds (sign changes of det J) by
        vertical dotted lines.  The title names the model.

        Parameters
        ----------
        order_params : sequence of str, optional
            Which order parameters (default all).
        phi : bool
            Draw phi on a panel of its own.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        allp = self.order_params
        names = list(order_params or allp)
        unknown = [nm for nm in names if nm not in allp]
        if unknown:
            raise ValueError(f"unknown order parameters {unknown}; known: {list(allp)}")
        groups = [("order parameters", [nm for nm in names if not nm.endswith("hat")]),
                  ("conjugates", [nm for nm in names if nm.endswith("hat")])]
        panels = [(t, {nm: allp[nm] for nm in g}) for t, g in groups if g]
        if phi:
            panels.append(("phi (free entropy)", {"phi": self.phi}))
        fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels) + 0.6, 3.4),
                                 squeeze=False, layout="constrained")
        ok = self.solved
        x = np.asarray(self.values, dtype=float)
        for a, (ylabel, series) in zip(axes[0], panels):
            for nm, y in series.items():
                a.plot(x, y, "-", label=nm)
            if (~ok).any():
                lo = np.nanmin([np.nanmin(y) for y in series.values()]) if ok.any() else 0.0
                a.plot(x[~ok], np.full((~ok).sum(), lo), "x", color="red",
                       label="no saddle point")
            for f0, f1 in self.folds:
                a.axvline(0.5 * (f0 + f1), ls=":", color="grey")
            a.set_xlabel(self.param)
            a.set_ylabel(ylabel)
            a.legend(frameon=False, fontsize="small")
        model = self.points[0].model if self.points else ""
        ansatz = self.points[0].ansatz if self.points else ""
        fig.suptitle(f"{model} ({ansatz}) along {self.param}", fontsize="medium")
        return fig


@dataclass(frozen=True)
class Transition(Serializable):
    """A located transition: value, bracket and the saddle point there."""

    param: str
    value: float
    bracket: tuple
    saddle_point: SaddlePoint | None
    description: str = ""
