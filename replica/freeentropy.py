"""Assembly of free entropies from blocks, and their symbolic derivatives.

The replica-symmetric free entropy of a prior x channel model is

    phi_RS = G_prior(q, ...) + alpha E_z ln Z_out(sqrt(q) z, 1 - q),

and every equation the solvers use is an exact symbolic derivative of it: the gradient in the
order parameters (stationarity), the Hessian (Newton's Jacobian) and the derivative of the
gradient with respect to each control parameter (continuation tangents).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from .gauss import GaussAvg, LogAvgExp
from .symbols import V, alpha, m, omega, q, q0, q1, y, z, z0, z1

__all__ = ["FreeEntropy", "rs_free_entropy", "rsb1_free_entropy"]


@dataclass(frozen=True, eq=False)
class FreeEntropy:
    """A free entropy phi(order parameters; controls) as SymPy expressions.

    Attributes
    ----------
    ansatz : str
        ``"rs"`` (``"1rsb"`` later).
    order_params : tuple of sympy.Symbol
        The unknowns of the saddle point, in a fixed order (the kernels' argument order).
    controls : tuple of sympy.Symbol
        ``alpha`` first, then the channel parameters sorted by name.
    parts : tuple of sympy.Expr
        Additive parts (entropic, energetic); phi = sum(parts).  The residual of a saddle
        point is reported relative to the size of the parts' gradients.
    differentiated : tuple of sympy.Symbol, optional
        The controls whose derivatives (of phi and of the gradient) the kernels evaluate;
        default all of them.  The Franz-Parisi construction differentiates only in
        (alpha, p): the reference's parameters are inputs, not continuation parameters.
    """

    ansatz: str
    order_params: tuple
    controls: tuple
    parts: tuple
    differentiated: tuple = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def phi(self):
        return sp.Add(*self.parts)

    @cached_property
    def part_gradients(self):
        """d part / d theta_i for each part, shape (n_parts, n)."""
        return tuple(tuple(sp.diff(pt, t) for t in self.order_params) for pt in self.parts)

    @cached_property
    def gradient(self):
        return tuple(sp.Add(*[g[i] for g in self.part_gradients])
                     for i in range(len(self.order_params)))

    @cached_property
    def hessian(self):
        n = len(self.order_params)
        return tuple(tuple(sp.diff(self.gradient[i], self.order_params[j]) for j in range(n))
                     for i in range(n))

    @cached_property
    def control_derivatives(self):
        """d gradient_i / d control_k, shape (n, n_differentiated_controls)."""
        return tuple(tuple(sp.diff(g, c) for c in self.diff_controls) for g in self.gradient)

    def kernel_outputs(self):
        """Flat list of the expressions one kernel call evaluates, and the layout.

        Layout: phi; gradient of each part (n each); Hessian (n*n, row-major);
        control derivatives (n*n_controls, row-major); d phi/d control (n_controls).
        """
        out = [self.phi]
        for g in self.part_gradients:
            out.extend(g)
        for row in self.hessian:
            out.extend(row)
        for row in self.control_derivatives:
            out.extend(row)
        out.extend(self.phi_control_gradient)
        return out

    @cached_property
    def phi_control_gradient(self):
        """d phi / d control_k (at a saddle point, the total derivative: envelope theorem)."""
        return tuple(sp.diff(self.phi, c) for c in self.diff_controls)

    @property
    def diff_controls(self):
        """The differentiated controls (all controls unless ``differentiated`` is given)."""
        return self.controls if self.differentiated is None else self.differentiated


def rs_free_entropy(prior, channel) -> FreeEntropy:
    """phi_RS = G_prior + alpha E_z ln Z_out(sqrt(q) z, 1 - q) for a prior and a channel.

    Notes
    -----
    The channel's kinks t_k (values of Delta where its weight jumps) become quadrature hints
    of the z-average at z = t_k/sqrt(q) with width sqrt((1-q)/q).

    References
    ----------
    E. Gardner, J. Phys. A 21, 257 (1988); E. Gardner and B. Derrida, J. Phys. A 21, 271 (1988).
    """
    sq = sp.sqrt(q)
    width = sp.sqrt(1 - q) / sq
    points = [(t / sq, width) for t in channel.kinks]
    energetic = alpha * GaussAvg(channel.log_zout.subs({omega: sq * z, V: 1 - q}), z, points)
    order = (q,) + tuple(prior.extra_params)
    controls = (alpha,) + tuple(channel.params)
    return FreeEntropy("rs", order, controls, (prior.rs_term, energetic))


def rsb1_free_entropy(prior, channel, *, optimize_m=False) -> FreeEntropy:
    """One-step RSB free entropy of a prior x channel model.

    phi_1RSB = G_prior^1RSB(q0, q1, m, ...) + (alpha/m) E_z0 ln E_z1 Z_out(omega, 1 - q1)^m,
    omega = sqrt(q0) z0 + sqrt(q1 - q0) z1.

    Parameters
    ----------
    optimize_m : bool
        False: m is a control parameter (fixed by the user, complexity curves); True: m is an
        order parameter, determined by d phi/d m = 0.

    Notes
    -----
    The inner average is a :class:`~replica.gauss.LogAvgExp` (max-shifted, no underflow of
    Z_out^m).  At q0 = q1 the expression reduces to phi_RS(q1); at m = 1 to phi_RS(q0)
    (Gaussian convolution of Z_out); both identities are tested at high precision.

    References
    ----------
    W. Krauth and M. Mezard, J. Phys. France 50, 3057 (1989); M. Mezard, G. Parisi and
    M. A. Virasoro, Spin Glass Theory and Beyond (World Scientific, 1987).
    """
    if prior.rsb1_term is None:
        raise ValueError(f"prior {prior.name!r} has no 1RSB term")
    dq = sp.sqrt(q1 - q0)
    omega_ = sp.sqrt(q0) * z0 + dq * z1
    log_zout = channel.log_zout
    if log_zout.has(y):  # a nested numerical channel average: rename its variable
        log_zout = log_zout.xreplace({y: sp.Symbol("y1", real=True)})
    lz = log_zout.subs({omega: omega_, V: 1 - q1})
    inner_pts = [((t - sp.sqrt(q0) * z0) / dq, sp.sqrt(1 - q1) / dq) for t in channel.kinks]
    outer_pts = [(t / sp.sqrt(q0), sp.sqrt(1 - q0) / sp.sqrt(q0)) for t in channel.kinks]
    energetic = alpha * GaussAvg(LogAvgExp(m * lz, z1, inner_pts), z0, outer_pts) / m
    order = (q0, q1) + tuple(prior.rsb1_extra)
    controls = (alpha,) + tuple(channel.params)
    if optimize_m:
        order = order + (m,)
    else:
        controls = (alpha, m) + tuple(channel.params)
    return FreeEntropy("1rsb", order, controls, (prior.rsb1_term, energetic))
