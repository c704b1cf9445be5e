"""Stability of replica-symmetric saddle points: the de Almeida-Thouless (replicon) eigenvalue.

Notes
-----
For a prior x channel model the replicon eigenvalue of the RS solution factorises into a prior
and a channel part,

    lambda_R = 1 - alpha * R_prior * R_channel,
    R_channel = E_z [ (d^2/d omega^2 ln Z_out(omega, 1 - q))^2 ]_{omega = sqrt(q) z},
    R_prior   = E[(variance of a weight in its local field)^2]
              = (1 - q)^2 (sphere),  E_z[(1 - tanh^2(sqrt(qhat) z))^2] (binary weights),

and RS is locally stable when lambda_R > 0.  R_channel is derived from the channel's ln Z_out
by ``sympy.diff`` and compiled like every other expression.  At q -> 1 for the margin channel
R_channel (1-q)^2 -> P(z < kappa), so the spherical RS solution is stable up to capacity for
kappa > 0, marginal at kappa = 0 and unstable near capacity for kappa < 0.

References
----------
J. R. L. de Almeida and D. J. Thouless, J. Phys. A 11, 983 (1978); E. Gardner and B. Derrida,
J. Phys. A 21, 271 (1988) (binary perceptron: alpha_AT = 1.015 at kappa = 0); S. Franz and
G. Parisi, J. Phys. A 49, 145001 (2016) (negative perceptron).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..engine.codegen import compile_kernel
from ..engine.gauss import GaussAvg
from .models import Model
from ..engine.quadrature import (CHECK_GH_ORDER, CHECK_ORDER, GH_ORDER, ORDER, hermite_rule,
                                 legendre_reference)
from ..engine.results import SaddlePoint, Transition
from ..engine.solvers import solve_needing
from ..engine.symbols import V, omega, q, z
from ..engine.transitions import find_zero

__all__ = ["Stability", "stability", "at_line"]


@dataclass(frozen=True)
class Stability:
    """Local stability of an RS saddle point.

    Attributes
    ----------
    replicon : float
        lambda_R = 1 - alpha R_prior R_channel; RS is stable when positive.
    stable : bool
    R_prior, R_channel : float
    saddle_point : SaddlePoint
    replicon_error : float
        Estimated quadrature error of the replicon: |lambda_R - lambda_R^check| with the
        averages evaluated again on the check rules (``quadrature.CHECK_ORDER`` Gauss-Legendre
        nodes per panel, ``CHECK_GH_ORDER`` Gauss-Hermite nodes), plus the rounding of
        alpha R_prior R_channel.
    """

    replicon: float
    stable: bool
    R_prior: float
    R_channel: float
    saddle_point: SaddlePoint
    replicon_error: float = float("nan")

    @property
    def sign_certain(self) -> bool:
        """Whether the sign of the replicon (hence ``stable``) exceeds its error estimate."""
        return abs(self.replicon) > self.replicon_error


_KERNELS = {}


def _replicon_kernel(model):
    key = (model.prior.key, model.channel.key)
    k = _KERNELS.get(key)
    if k is None:
        if model.prior.replicon is None:
            raise ValueError(f"prior {model.prior.name!r} has no replicon factor")
        sq = sp.sqrt(q)
        var = model.prior.norm_value - q
        width = sp.sqrt(var) / sq
        d2 = sp.diff(model.channel.log_zout, omega, 2)
        rch = GaussAvg((d2 ** 2).subs({omega: sq * z, V: var}), z,
                       [(t / sq, width) for t in model.channel.kinks])
        fe = model.free_entropy("rs")
        mod = compile_kernel([model.prior.replicon, rch], fe.order_params, fe.controls)
        k = _KERNELS[key] = mod
    return k


def stability(model: Model, alpha=None, *, saddle_point: SaddlePoint | None = None) -> Stability:
    """The replicon eigenvalue of the RS saddle point at ``alpha`` (or of a given point).

    Parameters
    ----------
    model : replica.models.Model
    alpha : float, optional
        Solve the RS saddle point here (ignored if ``saddle_point`` is given).
    saddle_point : SaddlePoint, optional

    Returns
    -------
    Stability
    """
    if saddle_point is None:
        if alpha is None:
            raise ValueError("give alpha or saddle_point")
        saddle_point = solve_needing(model, alpha)  # the replicon needs the order parameters
    if saddle_point.ansatz != "rs":
        raise ValueError("stability() checks RS saddle points")
    mod = _replicon_kernel(model)
    theta = np.array(list(saddle_point.order_params.values()))
    ctrl = model.controls(saddle_point.alpha)
    gl, gh = legendre_reference(ORDER), hermite_rule(GH_ORDER)
    out = mod.kernel(theta, ctrl, gl[0], gl[1], gh[0], gh[1], np.empty(2))
    rp, rc = float(out[0]), float(out[1])
    lam = 1.0 - saddle_point.alpha * rp * rc
    glc, ghc = legendre_reference(CHECK_ORDER), hermite_rule(CHECK_GH_ORDER)
    outc = mod.kernel(theta, ctrl, glc[0], glc[1], ghc[0], ghc[1], np.empty(2))
    lam_c = 1.0 - saddle_point.alpha * float(outc[0]) * float(outc[1])
    err = abs(lam_c - lam) + 8 * np.finfo(float).eps * (1.0 + abs(saddle_point.alpha * rp * rc))
    if not np.isfinite(err):
        err = float("inf")
    if not np.isfinite(lam):
        from ..engine.errors import NonFiniteError
        raise NonFiniteError(f"non-finite replicon at {saddle_point}", "replicon",
                             saddle_point.order_params)
    return Stability(lam, lam > 0, rp, rc, saddle_point, float(err))


def at_line(model: Model, *, bracket) -> Transition:
    """The alpha where the replicon of the RS branch vanishes (de Almeida-Thouless point).

    Returns
    -------
    replica.results.Transition
    """
    return find_zero(model, lambda s: stability(model, saddle_point=s).replicon,
                     bracket=bracket, description="RS replicon eigenvalue",
                     need=("order_params",))
