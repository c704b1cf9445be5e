"""Local stability of replica-symmetric saddle points: the replicon, for every system.

A problem carries its replicon (:attr:`replica.engine.problem.SaddleProblem.replicon`): an
expression lambda_R(order parameters; controls), positive where the RS saddle point is
locally stable against replica symmetry breaking, with named factors reported beside it.
Systems assembled from the engine's blocks derive it from them (the perceptron's prior x
channel: lambda_R = 1 - alpha R_prior R_channel, :mod:`replica.perceptron.builders`); a raw
free entropy declares it (``free_entropy(..., replicon=Replicon(expr))``).  The engine compiles
it like every other expression and evaluates it at a saddle point on the rules and on the
check rules, whose difference is its error estimate.

Notes
-----
For a model whose replicas interact through one overlap q, with local "site" measures on
both sides (weights and constraints, or spins and couplings), the replicon eigenvalue of the
RS Hessian factorises into the squared local responses of the two sides: for the perceptron
lambda_R = 1 - alpha E[(var_w)^2] E[(d^2_omega ln Z_out)^2]; for the Sherrington-Kirkpatrick
model in a field lambda_R = 1 - beta^2 E_z[sech^4(beta (sqrt(q) z + h))] (the AT line is its
zero).

References
----------
J. R. L. de Almeida and D. J. Thouless, "Stability of the Sherrington-Kirkpatrick solution of
a spin glass model", J. Phys. A 11, 983 (1978).
E. Gardner and B. Derrida, "Optimal storage properties of neural network models", J. Phys. A
21, 271 (1988).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .bordered import Condition
from .errors import ModelError, NonFiniteError
from .problem import as_problem, gather_controls, swept_control, require_saddle
from .compiled import rules
from .replicon import Replicon
from .results import SaddlePoint, Transition
from .solvers import solve_problem
from .transitions import find_zero

__all__ = ["Replicon", "Stability", "stability", "at_line"]


@dataclass(frozen=True)
class Stability:
    """Local stability of an RS saddle point.

    Attributes
    ----------
    replicon : float
        lambda_R; RS is locally stable when positive.
    stable : bool
    saddle_point : SaddlePoint
    replicon_error : float
        Estimated error of the replicon: |lambda_R - lambda_R^check| with the averages on the
        check rules (``quadrature.CHECK_ORDER`` Gauss-Legendre nodes per panel,
        ``CHECK_GH_ORDER`` Gauss-Hermite nodes), plus 8 ulp of its terms.
    parts : dict
        The declared factors by name (also attributes: ``st.R_prior``).
    """

    replicon: float
    stable: bool
    saddle_point: SaddlePoint
    replicon_error: float = float("nan")
    parts: dict = field(default_factory=dict)

    def __getattr__(self, name):
        parts = self.__dict__.get("parts") or {}
        if not name.startswith("_") and name in parts:
            return parts[name]
        raise AttributeError(f"Stability has no attribute {name!r} (its parts are "
                             f"{sorted(parts)})")

    @property
    def sign_certain(self) -> bool:
        """Whether |replicon| exceeds its error estimate (then ``stable`` is certain)."""
        return abs(self.replicon) > self.replicon_error


def stability(model, controls=None, *, saddle_point: SaddlePoint | None = None, ansatz=None,
              **kw_controls) -> Stability:
    """The replicon eigenvalue of an RS saddle point, for any system that declares it.

    Parameters
    ----------
    model : System, FreeEntropy or SaddleProblem
        See :func:`replica.engine.solvers.solve`; its problem must carry a
        :class:`Replicon` (the perceptron's RS problems do; a raw free entropy declares one).
    controls : dict or float, optional
        Where to solve (a bare number is the system's primary control), also as keywords;
        ignored when ``saddle_point`` is given (its controls are used).
    saddle_point : SaddlePoint, optional
        An RS saddle point of ``model``, solved already.
    ansatz : str, optional
        The system's RS ansatz (default).

    Returns
    -------
    Stability

    Raises
    ------
    ModelError
        The problem declares no replicon, or the saddle point is not accurate in its order
        parameters.
    NonFiniteError
        The replicon is not finite there.
    """
    if saddle_point is not None:
        values = dict(saddle_point.controls)
        if ansatz is None and saddle_point.ansatz not in ("rs", "custom"):
            ansatz = saddle_point.ansatz
    else:
        values = gather_controls(model, controls, kw_controls)
    pb = require_saddle(as_problem(model, values, ansatz), "stability")
    if pb.replicon is None:
        raise ModelError(
            f"{pb.label} ({pb.ansatz}): no replicon is declared for this problem; a raw free "
            "entropy declares it with free_entropy(..., replicon=replica.engine.replicon."
            "Replicon(expr)), a system in its SaddleProblem(replicon=...)")
    if saddle_point is None:
        saddle_point = solve_problem(pb, throw=False)
    if not saddle_point.accurate("order_params"):
        raise ModelError(f"{pb.label}: the replicon needs an accurate saddle point; got "
                         f"{saddle_point.status} at {saddle_point.controls} "
                         f"(exceeded: {saddle_point.exceeded})")
    fe = pb.cfe.fe
    mod = pb.replicon.kernel(fe)
    theta = np.array([saddle_point.order_params[nm] for nm in pb.cfe.names], dtype=float)
    nout = 1 + len(pb.replicon.parts)
    gl, gh = rules()
    out = mod.kernel(theta, pb.ctrl, gl[0], gl[1], gh[0], gh[1], np.empty(nout))
    glc, ghc = rules(check=True)
    outc = mod.kernel(theta, pb.ctrl, glc[0], glc[1], ghc[0], ghc[1], np.empty(nout))
    lam = float(out[0])
    if not math.isfinite(lam):
        raise NonFiniteError(f"non-finite replicon at {saddle_point}", "replicon",
                             saddle_point.order_params)
    scale = 1.0 + abs(lam) + abs(1.0 - lam)
    err = abs(float(outc[0]) - lam) + 8 * np.finfo(float).eps * scale
    if not math.isfinite(err):
        err = math.inf
    parts = {nm: float(v) for nm, v in zip(pb.replicon.parts, out[1:])}
    return Stability(lam, lam > 0, saddle_point, float(err), parts)


def at_line(model, *, bracket, param=None, controls=None, ansatz=None, n=24, xtol=1e-13,
            **kw_controls) -> Transition:
    """Where the replicon of the RS branch vanishes along ``param`` (the AT line's point).

    Parameters
    ----------
    model : System, FreeEntropy or SaddleProblem
    bracket : (float, float)
        Interval of ``param`` followed from ``bracket[0]``.
    param : str, optional
        The control swept (default: the system's primary control).
    controls : dict, optional
        The other controls (also as keywords).

    Returns
    -------
    replica.results.Transition
    """
    def replicon(s):
        return stability(model, saddle_point=s, ansatz=ansatz).replicon

    values = gather_controls(model, controls, kw_controls)
    param = swept_control(model, param, "at_line")
    pb = require_saddle(as_problem(model, {**values, param: float(bracket[0])}, ansatz),
                        "at_line")
    condition = (Condition(pb.replicon.expr, name="replicon") if pb.replicon is not None
                 and param in pb.cfe.control_names else None)
    return find_zero(model, replicon, bracket=bracket, param=param, controls=values,
                     ansatz=ansatz, n=n, xtol=xtol, description="RS replicon eigenvalue",
                     need=("order_params",), condition=condition)
