"""Ternary perceptron (w in {-1,0,1}^N, unit weights, kappa = 0) with Gaussian patterns.

``ternary-entropy``
    Quenched entropy per weight ``E ln(count)/N`` at load alpha, count the exact number of
    w in {-1,0,1}^N with all stabilities ``Delta^mu = w.xi^mu/sqrt(N) >= 0`` (the norm of w is
    free; ``simulate.alphabet.enumerate_alphabet``), against the replica-symmetric entropy
    ``phi`` of the perceptron with the discrete prior ``replica.priors.discrete({-1: 1, 0: 1,
    1: 1})``. At alpha -> 0 the entropy is ln 3; the annealed bound is ``ln 3 - alpha ln 2``
    (every w != 0 satisfies a Gaussian pattern with probability 1/2), which the RS entropy
    touches to first order in alpha.

Rounding of P: as in :mod:`validate.experiments.binary`, ``P = round(alpha N)`` and each
instance value is shifted to the nominal alpha with the theory's slope,
``x_inst + [phi_RS(alpha) - phi_RS(P/N)]``; the raw value and the correction are kept in each
row's extra, with the instance's weighted mean self-overlap ``Q = |w|^2/N`` over solutions.

No UNSAT instances at kappa = 0: w = 0 has Delta = 0 >= 0 and is always a solution (count >= 1;
it contributes O(e^-N s) to ln(count)). At kappa > 0 an instance without solutions would be a
failed row (:class:`~validate.experiments.binary.UnsatInstance`), as in the binary experiment.

References
----------
.. [1] E. Gardner and B. Derrida, "Optimal storage properties of neural network models",
   J. Phys. A 21, 271 (1988).
.. [2] H. Gutfreund and Y. Stein, "Capacity of neural networks with discrete synaptic
   couplings", J. Phys. A 23, 2613 (1990).

``replica`` and ``simulate`` are imported lazily so that this module imports without them.
"""

from __future__ import annotations

import functools

import numpy as np

from ..experiment import Profile
from ..family import Family, grid
from ._common import pattern_count
from .binary import UnsatInstance, _at_least_two_patterns

__all__ = ["EXPERIMENTS", "FAMILIES", "ENTROPY_ALPHAS", "VALUES", "entropy_theory",
           "entropy_instance", "entropy_simulate"]

ENTROPY_ALPHAS = (0.2, 0.4)
#: The alphabet and its single-site weights (unit: plain counting).
VALUES = (-1, 0, 1)
WEIGHTS = (1.0, 1.0, 1.0)


# --------------------------------------------------------------------------------------------
# theory
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def entropy_theory(*, alpha, kappa=0.0):
    """RS entropy per weight of the ternary perceptron (natural log; ln 3 at alpha -> 0)."""
    import replica
    from replica import models

    ternary = replica.priors.discrete({-1: 1, 0: 1, 1: 1})
    return replica.solve(models.perceptron(weights=ternary, kappa=kappa), alpha=alpha).phi


# --------------------------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------------------------


def entropy_instance(N: int, rng, *, alpha: float, kappa: float = 0.0) -> dict:
    """Exact census of one Gaussian instance with ``P = round(alpha N)`` patterns.

    Returns
    -------
    dict
        ``P``, ``count`` (number of solutions), ``lncount_per_N`` (``ln(count)/N``),
        ``mean_norm`` (mean of ``|w|^2/N`` over the solutions).

    Raises
    ------
    ValueError
        If ``round(alpha N) < 1``.
    UnsatInstance
        If count = 0 (impossible at kappa <= 0, where w = 0 is a solution).
    """
    from simulate.alphabet import enumerate_alphabet
    from simulate.patterns import gaussian_patterns

    P = pattern_count(alpha, N)
    xi = gaussian_patterns(P, N, rng=rng)
    res = enumerate_alphabet(xi, VALUES, WEIGHTS, kappa)
    if res.count == 0:
        raise UnsatInstance(f"UNSAT: count = 0 at N={N}, P={P} (ln 0 undefined; "
                            "counted in P(UNSAT), mean is E[ln count | SAT])")
    return {"P": P, "count": int(res.count), "lncount_per_N": res.log_count / N,
            "mean_norm": res.mean_norm}


def entropy_simulate(N: int, rng, *, alpha: float, kappa: float = 0.0):
    """``ln(count)/N`` of one instance, shifted from ``alpha_N = P/N`` to alpha (module notes).

    Returns
    -------
    value : float
        ``ln(count)/N - phi_RS(P/N) + phi_RS(alpha)``.
    extra : dict
        :func:`entropy_instance`'s dict, plus ``s_rs_alphaN`` (theory at ``P/N``) and
        ``correction`` (``phi_RS(alpha) - phi_RS(P/N)``).
    """
    extra = entropy_instance(N, rng, alpha=alpha, kappa=kappa)
    s_alpha_N = float(entropy_theory(alpha=extra["P"] / N, kappa=kappa))
    corr = float(entropy_theory(alpha=alpha, kappa=kappa)) - s_alpha_N
    extra.update(s_rs_alphaN=s_alpha_N, correction=corr)
    return extra["lncount_per_N"] + corr, extra


def _entropy_curve():
    alphas = np.linspace(0.05, 0.6, 12)
    return alphas, np.array([float(entropy_theory(alpha=float(a))) for a in alphas]), "alpha"


# --------------------------------------------------------------------------------------------
# experiments
# --------------------------------------------------------------------------------------------

_NOTE = (
    "1/N. ln(count) = N s + O(1) with O(1) sample-to-sample fluctuations, as for the binary "
    "perceptron, so the mean of ln(count)/N has a 1/N leading correction; the 1/sqrt(N) fit is "
    "reported as an alternative. Sizes with round(alpha N) < 2 are left out. Effective load: "
    "P = round(alpha N), so each instance value is shifted by phi_RS(alpha) - phi_RS(P/N) "
    "(theory slope times |P/N - alpha| <= 1/(2N)), i.e. the residual is extrapolated; raw "
    "values are in the rows' extra. w = 0 is always a solution at kappa = 0: no UNSAT rows."
)

# 3^N configurations, half of them visited (w -> -w): ~0.3 s per instance at N = 16 and ~3 s
# at N = 18 on one core; the quick profile takes about a minute for both loads
_QUICK = Profile((10, 11, 12, 13, 14, 15, 16), (150, 150, 150, 150, 150, 100, 40))
_FULL = Profile(tuple(range(10, 20)), (1000, 1000, 1000, 800, 800, 600, 400, 200, 100, 50))

_REFS = ("Gardner & Derrida, J. Phys. A 21, 271 (1988); Gutfreund & Stein, J. Phys. A 23, 2613 "
         "(1990).")


_RES_NOTE = (
    "0.02 nats per weight, 2-2.5 % of the ternary entropy at these loads (the annealed "
    "ln 3 + alpha ln(1/2) is 0.019 above the quenched RS value at alpha = 0.4, so it is "
    "not resolved here). At alpha = 0.4 the quick profile is at the edge of this "
    "resolution (enumeration costs 3^N).")
_QUICK_FACTOR = {0.2: 1.5, 0.4: 4.0}


FAMILIES = (
    Family(
        group="ternary-entropy", name="ternary-entropy-alpha{alpha:g}",
        grid=grid(alpha=ENTROPY_ALPHAS, kappa=0.0), observable="phi",
        theory=entropy_theory, simulate=entropy_simulate,
        quick=_QUICK, full=_FULL, scaling="1/N", scaling_note=_NOTE,
        resolution=0.02, resolution_note=_RES_NOTE,
        ylabel="entropy per weight phi = E ln(count) / N (nats)",
        description=(
            "Quenched entropy per weight of the ternary perceptron, E ln(count)/N with count the "
            "exact number of w in {{-1,0,1}}^N (free norm) with all stabilities "
            "w.xi/sqrt(N) >= 0 (K-ary Gray-code enumeration), Gaussian patterns, "
            "P = round(alpha N), against the RS entropy phi of the discrete prior "
            "{{-1: 1, 0: 1, 1: 1}} (ln 3 at alpha = 0). " + _REFS
        ),
        curve=_entropy_curve, curve_param="alpha",
        overrides={a: {"quick": _at_least_two_patterns(_QUICK, a).scaled(_QUICK_FACTOR[a]),
                       "full": _at_least_two_patterns(_FULL, a)} for a in ENTROPY_ALPHAS},
    ),
)

EXPERIMENTS = tuple(exp for family in FAMILIES for exp in family.experiments())
