"""The 1RSB SAT/UNSAT (jamming) limit of continuous-weight models: q1 -> 1 with m ~ (1 - q1).

Notes
-----
Approaching the 1RSB capacity the intra-state overlap q1 goes to 1 and the Parisi parameter m
vanishes with it: q1 = 1 - eps, m = mu eps.  Then eps * phi_1RSB tends to

    F(q0, mu; alpha) = A_prior(q0, mu) + (alpha/mu) E_z0 ln E_z1 exp(-mu d(omega)^2 / 2),
    omega = sqrt(q0) z0 + sqrt(1 - q0) z1,

because eps m^{-1} ln H((kappa - omega)/sqrt(eps))^m -> -d(omega)^2/2 / mu with d the distance
of omega to the channel's feasible set (the Laplace principle used by the RS capacity).  The
prior's A_prior is ``sympy.limit(eps * G_prior^1RSB(q0, 1 - eps, mu eps), eps -> 0)``; for the
sphere A_prior = ln(1 + mu (1 - q0))/(2 mu) + q0/(2 (1 + mu (1 - q0))).  The 1RSB capacity is
the alpha at which F vanishes at its stationary point in (q0, mu).  As mu -> 0, F tends to the
RS coefficient 1/2 - alpha E d^2/2, whose zero is the RS capacity.

References
----------
S. Franz, G. Parisi, M. Sevelev, P. Urbani and F. Zamponi, "Universality of the SAT-UNSAT
(jamming) threshold in non-convex continuous constraint satisfaction problems", SciPost Phys.
2, 019 (2017); S. Franz and G. Parisi, J. Phys. A 49, 145001 (2016).
"""
from __future__ import annotations

from functools import cache

import sympy as sp

from ..engine.errors import ModelError
from ..engine.freeentropy import FreeEntropy
from .builders import model_controls, perceptron_start, standard_domains
from ..engine.gauss import GaussAvg, LogAvgExp
from ..engine.special import Relu
from ..engine.symbols import alpha, m, q0, q1, z0, z1

__all__ = ["mu", "jamming_free_entropy", "distance_squared"]

mu = sp.Symbol("mu", positive=True)  #: m / (1 - q1) in the jamming limit


def distance_squared(channel, w):
    """d(w)^2, the squared distance of w to the feasible set of a one-sided hard channel."""
    if channel.halflines is None:
        raise ModelError(f"channel {channel.name!r}: a smooth weight has no feasible set")
    rights = [hl for hl in channel.halflines if hl.a != 0 and hl.a.is_positive]
    lefts = [hl for hl in channel.halflines if hl.a != 0 and hl.a.is_negative]
    consts = [hl for hl in channel.halflines if hl.a == 0]
    if consts or (rights and lefts) or len(rights) + len(lefts) != 1:
        raise NotImplementedError(
            f"channel {channel.name!r}: the jamming limit is implemented for a single half-line "
            "constraint (e.g. the margin theta(Delta - kappa))")
    hl = (rights or lefts)[0]
    t = -hl.b / hl.a
    return Relu(t - w) ** 2 if rights else Relu(w - t) ** 2, t


@cache
def _prior_limit(prior):
    if prior.rsb1_extra or prior.norm != 1:
        raise NotImplementedError(
            f"prior {prior.name!r}: the jamming limit needs a prior without conjugate order "
            "parameters (discrete weights freeze instead: use the frozen 1RSB capacity)")
    eps = sp.Symbol("epsilon", positive=True)
    e = prior.rsb1_term.subs({q1: 1 - eps, m: mu * eps})
    return sp.simplify(sp.limit(sp.expand_log(eps * e, force=True), eps, 0, "+"))


def jamming_free_entropy(prior, channel) -> FreeEntropy:
    """F(q0, mu; alpha, params): the 1/(1-q1) coefficient of phi_1RSB at m = mu (1 - q1)."""
    d2, t = distance_squared(channel, sp.sqrt(q0) * z0 + sp.sqrt(1 - q0) * z1)
    inner_pts = [((t - sp.sqrt(q0) * z0) / sp.sqrt(1 - q0),
                  1 / (sp.sqrt(mu) * sp.sqrt(1 - q0) + 1))]
    outer_pts = [(t / sp.sqrt(q0), sp.sqrt(1 - q0) / sp.sqrt(q0))]
    energetic = alpha * GaussAvg(LogAvgExp(-mu * d2 / 2, z1, inner_pts), z0, outer_pts) / mu
    return FreeEntropy("1rsb-jamming", (q0, mu), model_controls(prior, channel),
                       (_prior_limit(prior), energetic), start=perceptron_start(prior),
                       domains=standard_domains((q0, mu)),
                       name=f"perceptron[{prior.name}, {channel.name}]")
