"""Weights priors (the entropic blocks of the free entropy).

A prior contributes to the replica-symmetric free entropy

    phi_RS = G_prior(q, ...) + alpha * G_channel(q)

a term in the overlap q and, possibly, its conjugate qhat, normalised so that
phi(alpha = 0) equals the log-volume of the prior per weight (0 for the sphere, ln 2 for the
binary counting measure).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from .gauss import GaussAvg, LogAvgExp
from .special import Log2Cosh
from .symbols import m, q, q0, q1, qhat, qhat0, qhat1, z, z0, z1

__all__ = ["Prior", "spherical", "binary", "PRIORS"]


@dataclass(frozen=True)
class Prior:
    """An entropic block.

    Attributes
    ----------
    name : str
    rs_term : sympy.Expr
        G_prior in the RS ansatz, a function of ``q`` and of ``extra_params``.
    extra_params : tuple of sympy.Symbol
        Order parameters the block adds (conjugates), e.g. ``(qhat,)``.
    phi_alpha0 : sympy.Expr
        Free entropy at alpha = 0 (the prior's log-volume per weight).
    q1_coefficient : sympy.Expr
        A_prior = lim_{q->1} (1 - q) extr_{extra} G_prior: the coefficient of the 1/(1-q)
        divergence, used by the q -> 1 capacity computation.
    q1_derivation : str
        How ``q1_coefficient`` was obtained (reported with capacities).
    """

    name: str
    rs_term: sp.Expr
    extra_params: tuple
    phi_alpha0: sp.Expr
    q1_coefficient: sp.Expr
    q1_derivation: str
    rsb1_term: sp.Expr = None
    rsb1_extra: tuple = ()
    replicon: sp.Expr = None  # E_h[(d^2 ln Z_prior/dh^2)^2]: the prior's replicon factor


@cache
def spherical() -> Prior:
    """Spherical weights |w|^2 = N.

    Notes
    -----
    With the Lagrange multiplier of the spherical constraint and qhat integrated out exactly,

        G_prior(q) = ln(1 - q)/2 + q / (2 (1 - q)),

    which vanishes at q = 0.  The q -> 1 coefficient is obtained by ``sympy.limit``.  In 1RSB
    (overlaps q0 <= q1, Parisi parameter m), with D = 1 - q1 + m (q1 - q0),

        G_prior = [(m-1)/m ln(1 - q1) + ln(D)/m + q0/D] / 2.

    References
    ----------
    E. Gardner, "The space of interactions in neural network models", J. Phys. A 21, 257 (1988).
    """
    term = sp.log(1 - q) / 2 + q / (2 * (1 - q))
    eps = sp.Symbol("epsilon", positive=True)
    coeff = sp.limit(eps * term.subs(q, 1 - eps), eps, 0, "+")
    d1 = 1 - q1 + m * (q1 - q0)
    rsb1 = ((m - 1) / m * sp.log(1 - q1) + sp.log(d1) / m + q0 / d1) / 2
    return Prior("spherical", term, (), sp.S.Zero, sp.nsimplify(coeff),
                 "sympy.limit((1-q) G_prior(q), q -> 1)", rsb1, (), (1 - q) ** 2)


@cache
def binary() -> Prior:
    """Binary weights w in {-1, +1}^N with the counting measure.

    Notes
    -----
    G_prior(q, qhat) = -qhat (1 - q)/2 + E_z ln 2cosh(sqrt(qhat) z).

    In 1RSB, with h = sqrt(qhat0) z0 + sqrt(qhat1 - qhat0) z1,

        G_prior = -qhat1/2 - [(m-1) qhat1 q1 - m qhat0 q0]/2
                  + (1/m) E_z0 ln E_z1 (2 cosh h)^m.

    As q -> 1, qhat diverges as c^2/(1-q)^2; the Laplace principle
    ln sum_{w=+-1} e^{h w} ~ max_w h w = |h| gives
    (1-q) G_prior -> extr_c [-c^2/2 + c E_z |z|] = (E_z |z|)^2 / 2 = 1/pi,
    with E_z |z| computed symbolically.

    References
    ----------
    E. Gardner and B. Derrida, "Optimal storage properties of neural network models",
    J. Phys. A 21, 271 (1988).
    """
    term = -qhat * (1 - q) / 2 + GaussAvg(Log2Cosh(sp.sqrt(qhat) * z), z,
                                          [(sp.S.Zero, 1 / sp.sqrt(qhat))])
    zz = sp.Symbol("zeta", real=True)
    mean_abs = sp.integrate(sp.Abs(zz) * sp.exp(-zz**2 / 2) / sp.sqrt(2 * sp.pi),
                            (zz, -sp.oo, sp.oo))
    coeff = sp.simplify(mean_abs**2 / 2)
    dq = sp.sqrt(qhat1 - qhat0)
    h = sp.sqrt(qhat0) * z0 + dq * z1
    inner = LogAvgExp(m * Log2Cosh(h), z1, [(-sp.sqrt(qhat0) * z0 / dq, 1 / dq)])
    rsb1 = (-qhat1 / 2 - ((m - 1) * qhat1 * q1 - m * qhat0 * q0) / 2
            + GaussAvg(inner, z0, [(sp.S.Zero, 1 / sp.sqrt(qhat1))]) / m)
    h0 = sp.sqrt(qhat) * z
    replicon = GaussAvg((1 - sp.tanh(h0) ** 2) ** 2, z, [(sp.S.Zero, 1 / sp.sqrt(qhat))])
    return Prior("binary", term, (qhat,), sp.log(2), coeff,
                 "Laplace principle: (E_z max_{w=+-1} w z)^2 / 2", rsb1, (qhat0, qhat1),
                 replicon)


#: Known priors by name.
PRIORS = {"spherical": spherical, "binary": binary}
