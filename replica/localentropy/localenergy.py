"""Local energy around reference solutions: the energy of the neighbours at overlap p with a
reference (spherical weights; Franz-Parisi references of margin kappa_ref, or the maximal-margin
solution), from one compiled average per overlap with its quadrature error estimate."""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..engine.codegen import compile_kernel
from ..engine.errors import ReplicaError
from ..engine.quadrature import CHECK_GH_ORDER, CHECK_ORDER, hermite_rule, legendre_reference
from ..engine.solvers import solve
from ..perceptron.models import Model, _check_alpha, _check_finite, perceptron
from .entropy import _check_model, _overlaps_from, kappa_max
from .franzparisi import local_energy_expression, max_margin_local_energy_expression
from .results import LocalEnergy

__all__ = ["local_energy"]

_LE = {}


def _le_compiled(channel, limit):
    key = (channel.key, limit)
    mod = _LE.get(key)
    if mod is None:
        if limit:
            expr, ctrl = max_margin_local_energy_expression(channel)
        else:
            expr, ctrl = local_energy_expression(channel)
        outs = [expr] + [sp.diff(expr, c) for c in ctrl[:1]]
        mod = _LE[key] = (compile_kernel(outs, (), ctrl), ctrl)
    return mod


def local_energy(model: Model, *, alpha, kappa_ref, overlaps=None, distances=None) -> LocalEnergy:
    """Mean fraction of violated constraints at random points at overlap p from a reference.

    Parameters
    ----------
    model : replica.models.Model
        The model whose constraints are counted (e.g. the margin ``kappa`` channel: a
        constraint is violated when Delta < kappa).
    alpha : float
    kappa_ref : float or "max"
        Margin of the reference (flat measure over its solutions, RS saddle point q_ref), or
        ``"max"`` for the maximal-margin solution (spherical weights, q_ref -> 1 at
        kappa_ref = kappa_max(alpha)).
    overlaps, distances : array_like
        As in :func:`local_entropy`.

    Returns
    -------
    LocalEnergy

    Notes
    -----
    A random point at overlap p from the reference has stabilities
    Delta = p Delta_ref + sqrt(1-p^2) g, g ~ N(0,1), so

        e(p) = E_z0 E_x[1 - Z_out(p Delta_ref, 1 - p^2) | Delta_ref >= kappa_ref],
        Delta_ref = sqrt(q_ref) z0 + sqrt(1-q_ref) x,

    the reference's stability distribution of the Franz-Parisi construction.  Around the
    maximal-margin solution Delta_ref = max(z, kappa_max).  e is the energy per constraint
    (per P); e(1) is 0 for kappa_ref >= kappa.

    References
    ----------
    C. Baldassi, F. Pittorino and R. Zecchina, "Shaping the learning landscape in neural
    networks around wide flat minima", PNAS 117, 161 (2020).
    """
    _check_model(model)
    alpha = _check_alpha(alpha)
    p_req = _overlaps_from(model, overlaps, distances)
    gl = legendre_reference()
    gh = hermite_rule(64)
    chan = [model.params[s.name] for s in model.channel.params]
    if isinstance(kappa_ref, str):
        if kappa_ref != "max":
            raise ValueError(f"kappa_ref must be a number or 'max', got {kappa_ref!r}")
        if model.prior.name != "spherical":
            raise ValueError("kappa_ref='max' (the q_ref -> 1 limit) is implemented for "
                             "spherical weights only")
        k_ref = kappa_max("spherical", alpha)
        (mod, names), q_ref, ref = _le_compiled(model.channel, True), 1.0, None
        ctrl_of = lambda pv: np.array([pv, k_ref] + chan)  # noqa: E731
    else:
        k_ref = _check_finite("kappa_ref", kappa_ref)
        ref = solve(perceptron(weights=model.prior.name, kappa=k_ref), alpha)
        q_ref = ref.order_params["q"]
        mod, names = _le_compiled(model.channel, False)
        ctrl_of = lambda pv: np.array([pv, q_ref, k_ref] + chan)  # noqa: E731
    e = np.empty(p_req.size)
    de = np.empty(p_req.size)
    err = np.empty(p_req.size)
    buf = np.empty(2)
    glc, ghc = legendre_reference(CHECK_ORDER), hermite_rule(CHECK_GH_ORDER)
    for i, pv in enumerate(p_req):
        out = mod.kernel(np.empty(0), ctrl_of(pv), gl[0], gl[1], gh[0], gh[1], buf)
        if not np.all(np.isfinite(out)):
            raise ReplicaError(f"non-finite local energy at p = {pv}")
        e[i], de[i] = out
        chk = mod.kernel(np.empty(0), ctrl_of(pv), glc[0], glc[1], ghc[0], ghc[1],
                         np.empty(2))
        err[i] = abs(float(chk[0]) - e[i]) + 8 * np.finfo(float).eps * (1.0 + abs(e[i]))
        if not np.isfinite(err[i]):
            err[i] = np.inf
    return LocalEnergy(model=model.name, weights=model.prior.name, alpha=alpha,
                       params=dict(model.params), kappa_ref=k_ref, q_ref=q_ref, p=p_req.copy(),
                       e=e, de_dp=de, reference=ref, e_error=err)
