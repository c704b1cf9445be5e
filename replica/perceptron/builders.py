"""The perceptron's free entropies: a prior x a channel, in the RS and 1RSB ansatz.

The controls are alpha ([m]) and every parameter of the channel and of the prior; the order
parameters' domains, the default start and the fallback strategies are declared here, for the
engine's solvers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from ..engine.errors import ModelError
from ..engine.freeentropy import FreeEntropy
from ..engine.gauss import GaussAvg, LogAvgExp
from ..engine.symbols import V, alpha, m, omega, q, q0, q1, y, z, z0, z1
from ..engine.names import reserve
from ..engine.replicon import Replicon

reserve(("alpha", "mu"), "the perceptron's free entropies (the load alpha, the jamming mu)")

__all__ = ["rs_free_entropy", "rsb1_free_entropy", "model_controls", "perceptron_start",
           "standard_domains", "STANDARD_DOMAINS"]

_INF = float("inf")

#: Domains of the order parameters of the built-in perceptron constructions (each builder
#: declares its unknowns' domains with :func:`standard_domains`; a user's free entropy declares
#: its own in :func:`free_entropy`).
STANDARD_DOMAINS = {
    "q": (0.0, 1.0), "qhat": (0.0, _INF), "q0": (0.0, 1.0), "q1": (0.0, 1.0),
    "qhat0": (0.0, _INF), "qhat1": (0.0, _INF), "m": (0.0, 1.0), "mu": (0.0, _INF),
    "t": (-1.0, 1.0), "that": (-_INF, _INF), "phat": (-_INF, _INF), "c12": (-1.0, 1.0),
    "chat12": (-1.0, 1.0), "Qhat": (-_INF, _INF),
}


def standard_domains(order, **overrides):
    """Domains of the built-in constructions' order parameters (``overrides`` by name)."""
    out = []
    for s in order:
        d = overrides.get(s.name, STANDARD_DOMAINS.get(s.name))
        if d is None:
            raise ModelError(f"no domain declared for the order parameter {s.name!r}")
        out.append(tuple(float(v) for v in d))
    return tuple(out)


def model_controls(prior, channel, head=(alpha,)):
    """The controls of a prior x channel free entropy: ``head``, then every parameter of the
    channel and of the prior, sorted by name (one control per name)."""
    byname = {}
    for s in tuple(channel.params) + tuple(prior.params):
        other = byname.setdefault(s.name, s)
        if other != s:
            raise ModelError(f"the channel {channel.name!r} and the prior {prior.name!r} use "
                             f"two different symbols named {s.name!r}")
    return tuple(head) + tuple(byname[k] for k in sorted(byname))


_START = {"q": 0.5, "q0": 0.3, "q1": 0.7, "m": 0.5, "mu": 3.0}


def perceptron_start(prior):
    """Default start of the perceptron's free entropies: q = Q0/2 (q0, q1 = 0.3, 0.7 of Q0), the
    conjugates from the spherical relation qhat = q/(Q0 - q)^2, Qhat = -qhat."""
    lo_hi = prior.domains.get("Q")
    q_norm = float(prior.norm) if prior.norm is not None else (
        0.5 * (lo_hi[0] + lo_hi[1]) if lo_hi and math.isfinite(lo_hi[1]) else 1.0)

    def start(names, x0):
        qn = float(x0.get("Q", q_norm))
        guess = {"Q": qn}
        for nm in names:
            if nm in x0:
                guess[nm] = float(x0[nm])
            elif nm in _START:
                guess[nm] = _START[nm] * (qn if nm.startswith("q") else 1.0)
        for nm in names:
            if nm.startswith("qhat") and nm not in x0:
                qv = guess["q" + nm[4:]]
                guess[nm] = qv / (qn - qv) ** 2
        if "Qhat" in names and "Qhat" not in x0:
            guess["Qhat"] = -guess.get("qhat", guess.get("qhat1", 1.0))
        return guess

    return start


def _perceptron_strategies(end=None):
    from ..engine.strategies import Bracket, ConjugateFixedPoint, Homotopy
    return (Bracket(), Homotopy("alpha", start=0.02, fraction=0.25, end=end),
            ConjugateFixedPoint())


@dataclass(frozen=True)
class RSCapacity:
    """alpha_c^RS = A_prior / (E_z d(z)^2 / 2) at a problem's parameter values, or None.

    The end of the RS branch in alpha (q -> 1), for :class:`~replica.strategies.Homotopy`:
    None for a prior without a fixed-norm q -> 1 coefficient or a channel without a hard
    constraint (no capacity), see :mod:`replica.perceptron.capacity`.
    """

    prior: object
    channel: object

    def __call__(self, values):
        from ..engine.errors import ModelError
        from .capacity import mean_squared_distance

        if self.prior.q1_coefficient is None or self.channel.halflines is None:
            return None
        try:
            d2 = float(mean_squared_distance(self.channel.feasible_halflines(values), dps=20))
        except (ModelError, KeyError):
            return None
        a = float(self.prior.q1_coefficient.subs(
            {s: values[s.name] for s in self.prior.q1_coefficient.free_symbols
             if s.name in values}))
        return a / (d2 / 2) if d2 > 0 and math.isfinite(a) else None


def rs_free_entropy(prior, channel) -> FreeEntropy:
    """phi_RS = G_prior + alpha E_z ln Z_out(sqrt(q) z, Q - q) for a prior and a channel.

    Notes
    -----
    Q is the prior's fixed norm (1 for spherical and binary weights) or its order parameter.
    The channel's kinks t_k (values of Delta where its weight jumps) become quadrature hints
    of the z-average at z = t_k/sqrt(q) with width sqrt((Q-q)/q).

    References
    ----------
    E. Gardner, J. Phys. A 21, 257 (1988); E. Gardner and B. Derrida, J. Phys. A 21, 271 (1988).
    """
    sq = sp.sqrt(q)
    var = prior.norm_value - q
    width = sp.sqrt(var) / sq
    points = [(t / sq, width) for t in channel.kinks]
    energetic = alpha * GaussAvg(channel.log_zout.subs({omega: sq * z, V: var}), z, points)
    order = (q,) + tuple(prior.extra_params)
    return FreeEntropy("rs", order, model_controls(prior, channel), (prior.rs_term, energetic),
                       domains=standard_domains(order, **prior.domains),
                       name=f"perceptron[{prior.name}, {channel.name}]",
                       strategies=_perceptron_strategies(RSCapacity(prior, channel)),
                       start=perceptron_start(prior), replicon=rs_replicon(prior, channel))


def rs_replicon(prior, channel):
    """The replicon of the RS saddle point, from the prior's and the channel's blocks, or None
    when the prior declares no replicon factor.

    Notes
    -----
    lambda_R = 1 - alpha R_prior R_channel with R_channel = E_z[(d^2/d omega^2 ln Z_out)^2] at
    omega = sqrt(q) z, V = Q - q (the channel's kinks declared to the z-average) and R_prior
    the prior's squared local variance (see :mod:`replica.perceptron.stability`).
    """
    key = (prior.key, channel.key)
    if key not in _REPLICONS:
        _REPLICONS[key] = _rs_replicon(prior, channel)
    return _REPLICONS[key]


_REPLICONS = {}


def _rs_replicon(prior, channel):
    if prior.replicon is None:
        return None
    sq = sp.sqrt(q)
    var = prior.norm_value - q
    width = sp.sqrt(var) / sq
    d2 = sp.diff(channel.log_zout, omega, 2)
    r_channel = GaussAvg((d2 ** 2).subs({omega: sq * z, V: var}), z,
                         [(t / sq, width) for t in channel.kinks])
    return Replicon(1 - alpha * prior.replicon * r_channel,
                    {"R_prior": prior.replicon, "R_channel": r_channel})


def rsb1_free_entropy(prior, channel, *, optimize_m=False) -> FreeEntropy:
    """One-step RSB free entropy of a prior x channel model.

    phi_1RSB = G_prior^1RSB(q0, q1, m, ...) + (alpha/m) E_z0 ln E_z1 Z_out(omega, Q - q1)^m,
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
        raise ModelError(f"prior {prior.name!r} has no 1RSB term")
    dq = sp.sqrt(q1 - q0)
    omega_ = sp.sqrt(q0) * z0 + dq * z1
    log_zout = channel.log_zout
    if log_zout.has(y):  # a nested numerical channel average: rename its variable
        log_zout = log_zout.xreplace({y: sp.Symbol("y1", real=True)})
    var = prior.norm_value - q1
    lz = log_zout.subs({omega: omega_, V: var})
    inner_pts = [((t - sp.sqrt(q0) * z0) / dq, sp.sqrt(var) / dq) for t in channel.kinks]
    outer_pts = [(t / sp.sqrt(q0), sp.sqrt(prior.norm_value - q0) / sp.sqrt(q0))
                 for t in channel.kinks]
    energetic = alpha * GaussAvg(LogAvgExp(m * lz, z1, inner_pts), z0, outer_pts) / m
    order = (q0, q1) + tuple(prior.rsb1_extra)
    if optimize_m:
        order = order + (m,)
        controls = model_controls(prior, channel)
    else:
        controls = model_controls(prior, channel, (alpha, m))
    return FreeEntropy("1rsb", order, controls, (prior.rsb1_term, energetic),
                       domains=standard_domains(order, **prior.domains),
                       name=f"perceptron[{prior.name}, {channel.name}]",
                       start=perceptron_start(prior))
