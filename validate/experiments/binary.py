"""Binary perceptron (w in {-1,+1}^N, kappa = 0) with Gaussian patterns: exact enumeration.

Three families, all from exact enumeration of {-1,+1}^N (``simulate.binary``):

``binary-entropy``
    Quenched entropy per weight ``E ln(count)/N`` at load alpha, against the replica-symmetric
    (RS) entropy ``phi`` of ``replica.solve`` (Gardner & Derrida 1988). The RS entropy is
    believed exact below the Krauth-Mezard capacity (Krauth & Mezard 1989; Huang & Kabashima
    2014).
``binary-psat``
    Per-instance capacity ``alpha_inst = P_c/N`` (largest P such that the first P patterns of a
    stream admit a solution), against the frozen-1RSB capacity of Krauth & Mezard,
    ``replica.capacity(model, ansatz="1rsb").alpha_c`` (0.8331 at kappa = 0).
``binary-overlap``
    Mean overlap ``q = w.w'/N`` over pairs of distinct solutions of one instance, against the RS
    overlap ``q`` (Huang & Kabashima 2014 study this distribution).

Rounding of P. ``P = round(alpha N)`` makes the effective load ``alpha_N = P/N`` differ from
alpha by up to ``1/(2N)``, erratically in N. The entropy and overlap observables are therefore
shifted to the nominal alpha with the theory itself: the per-instance value is
``x_inst + [x_RS(alpha) - x_RS(P/N)]``, i.e. the residual ``x_inst - x_RS(P/N)`` plus the
constant ``x_RS(alpha)`` (so the record's theory is the readable ``x_RS(alpha)``). The
correction is O(1/N) and multiplies the *slope* of the theory, so a wrong theory cannot pass
through it: at N -> infinity the comparison tests ``x_RS(alpha)`` alone. The raw value and
the correction are kept in each row's ``extra``.

UNSAT instances (count = 0). ``ln 0 = -inf`` and an overlap without pairs are undefined: such an
instance is a *failed row* with the error ``"UNSAT: count = 0 ..."`` (kept, never dropped), so
the per-size mean is ``E[ln count | SAT]/N`` and the per-size ``failed`` column of the report
is the number of UNSAT instances (the estimate of P(UNSAT) at that N). Below the capacity
P(UNSAT) -> 0 as N -> infinity, so the conditioning is a finite-size effect only; it can occur
at alpha = 0.7 for the smallest N.

References
----------
.. [1] E. Gardner and B. Derrida, "Optimal storage properties of neural network models",
   J. Phys. A 21, 271 (1988).
.. [2] W. Krauth and M. Mezard, "Storage capacity of memory networks with binary couplings",
   J. Phys. France 50, 3057 (1989).
.. [3] H. Huang and Y. Kabashima, "Origin of the computational hardness for learning with
   binary synapses", Phys. Rev. E 90, 052813 (2014).

``replica`` and ``simulate`` are imported lazily so that this module imports without them.
"""

from __future__ import annotations

import functools
import math
import pathlib

import numpy as np

from ..experiment import Profile
from ..family import Family, grid
from ._common import InstanceFailure, pattern_count

__all__ = ["EXPERIMENTS", "FAMILIES", "ENTROPY_ALPHAS", "OVERLAP_ALPHAS", "PSAT_KAPPAS",
           "rs_saddle", "entropy_theory", "entropy_simulate", "psat_theory", "psat_simulate",
           "overlap_theory", "overlap_simulate", "instance_capacity", "UnsatInstance",
           "plot_overlap_histogram"]

ENTROPY_ALPHAS = (0.1, 0.3, 0.5, 0.7)
OVERLAP_ALPHAS = (0.3, 0.5)
PSAT_KAPPAS = (0.0,)

#: Solutions stored per instance for the overlaps (int8 rows: 2e6 x 29 bytes = 58 MB at most);
#: an instance with more solutions is a failed row (never silently dropped).
MAX_STORED = 2_000_000
#: Pair histograms (O(M^2 N)) are kept in the rows only for instances with at most this many
#: solutions; the mean overlap itself is computed in O(M N) for every instance.
MAX_HIST = 3000


class UnsatInstance(InstanceFailure, ValueError):
    """An instance with no solution (count = 0): ln(count) or pair overlaps are undefined."""


# --------------------------------------------------------------------------------------------
# theory
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def rs_saddle(alpha: float, kappa: float = 0.0) -> tuple[float, float]:
    """RS saddle point of the binary perceptron: ``(phi, q)`` at load ``alpha`` and margin kappa.

    ``phi`` is the RS entropy per weight (``ln 2`` at ``alpha -> 0``; Gardner & Derrida 1988),
    ``q`` the RS overlap of two solutions, from ``replica.solve``.
    """
    import replica

    if not (math.isfinite(alpha) and alpha > 0):
        raise ValueError(f"rs_saddle needs alpha > 0; got alpha={alpha}")
    model = replica.models.perceptron(weights="binary", kappa=float(kappa))
    sp = replica.solve(model, float(alpha))
    return float(sp.phi), float(sp.order_params["q"])


@functools.lru_cache(maxsize=16)
def km_capacity(kappa: float = 0.0) -> float:
    """Krauth-Mezard (frozen 1RSB) capacity, ``replica.capacity(m, ansatz="1rsb").alpha_c``."""
    import replica

    model = replica.models.perceptron(weights="binary", kappa=float(kappa))
    return float(replica.capacity(model, ansatz="1rsb").alpha_c)


def entropy_theory(*, alpha: float, kappa: float = 0.0) -> float:
    """RS entropy per weight ``s_RS(alpha)`` (natural log)."""
    return rs_saddle(alpha, kappa)[0]


def overlap_theory(*, alpha: float, kappa: float = 0.0) -> float:
    """RS overlap ``q_RS(alpha)``."""
    return rs_saddle(alpha, kappa)[1]


def psat_theory(*, kappa: float) -> float:
    """Krauth-Mezard capacity (0.8331 at kappa = 0; the RS value 4/pi is known to be wrong)."""
    return km_capacity(kappa)


# --------------------------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------------------------


def _instance(N: int, rng, alpha: float):
    from simulate.patterns import gaussian_patterns

    P = pattern_count(alpha, N)
    return P, gaussian_patterns(P, N, rng=rng)


def entropy_simulate(N: int, rng, *, alpha: float, kappa: float = 0.0):
    """``ln(count)/N`` of one instance, shifted from ``alpha_N = P/N`` to alpha (module notes).

    Returns
    -------
    value : float
        ``ln(count)/N - s_RS(P/N) + s_RS(alpha)``.
    extra : dict
        ``P``, ``count``, ``lncount_per_N`` (raw), ``s_rs_alphaN`` (theory at ``P/N``),
        ``correction`` (``s_RS(alpha) - s_RS(P/N)``).

    Raises
    ------
    UnsatInstance
        If count = 0 (kept as a failed row; the fraction of such rows estimates P(UNSAT)).
    """
    from simulate.binary import count_solutions

    P, xi = _instance(N, rng, alpha)
    count = count_solutions(xi, kappa)  # the same count as enumerate_solutions, pruned
    if count == 0:
        raise UnsatInstance(f"UNSAT: count = 0 at N={N}, P={P} (ln 0 undefined; "
                            "counted in P(UNSAT), mean is E[ln count | SAT])")
    raw = math.log(count) / N
    s_alpha_N = entropy_theory(alpha=P / N, kappa=kappa)
    corr = entropy_theory(alpha=alpha, kappa=kappa) - s_alpha_N
    return raw + corr, {"P": P, "count": int(count), "lncount_per_N": raw,
                        "s_rs_alphaN": s_alpha_N, "correction": corr}


def instance_capacity(xi, kappa: float = 0.0, *, max_solutions: int = 200_000,
                      start: int | None = None) -> int:
    """:func:`simulate.binary.instance_capacity` (imported lazily)."""
    from simulate.binary import instance_capacity as _instance_capacity

    return _instance_capacity(xi, kappa, max_solutions=max_solutions, start=start)


def psat_simulate(N: int, rng, *, kappa: float):
    """Per-instance capacity ``alpha_inst = P_c/N`` of one Gaussian instance.

    A stream of ``2N + 10`` patterns is drawn first (binary solutions are spherical ones, so
    ``P_c`` < 2N with probability ``1 - O(2^-N)``); if it is all SAT it is extended, keeping the
    prefix, so ``P_c`` depends only on the seeded stream.

    Returns
    -------
    alpha_inst : float
    extra : dict
        ``P_c`` and the number of patterns drawn ``P_max``.
    """
    from simulate.patterns import gaussian_patterns

    xi = gaussian_patterns(2 * N + 10, N, rng=rng)
    for _ in range(6):
        try:
            P_c = instance_capacity(xi, kappa)
            break
        except ValueError as exc:
            if "SAT" not in str(exc):
                raise
            xi = np.vstack([xi, gaussian_patterns(xi.shape[0], N, rng=rng)])
    else:
        raise RuntimeError(f"all {xi.shape[0]} patterns SAT at kappa={kappa}, N={N}")
    return P_c / N, {"P_c": int(P_c), "P_max": int(xi.shape[0])}


def overlap_simulate(N: int, rng, *, alpha: float, kappa: float = 0.0):
    """Mean overlap over unordered pairs of distinct solutions, shifted to alpha (module notes).

    With ``M`` solutions and magnetisation sum ``m = sum_a w^a``, the mean over the
    ``M(M-1)/2`` distinct pairs is ``(|m|^2 - M N) / (N M (M-1))`` (exact, O(M N)).

    Returns
    -------
    value : float
        ``q_pairs - q_RS(P/N) + q_RS(alpha)``.
    extra : dict
        ``P``, ``count``, ``q_pairs`` (raw), ``q_gibbs`` (two independent uniform replicas,
        self-pairs included: ``|m|^2/(N M^2)``), ``correction``, and, for ``count <=
        MAX_HIST``, the pair histogram ``hist`` (counts at ``q_k = (2k-N)/N``).

    Raises
    ------
    UnsatInstance
        If count < 2 (no pair; failed row, kept).
    RuntimeError
        If count > MAX_STORED (solutions not stored; failed row, kept).
    """
    from simulate.binary import count_solutions, list_solutions, solution_overlaps

    P, xi = _instance(N, rng, alpha)
    sols = list_solutions(xi, kappa, max_solutions=MAX_STORED)  # pruned search
    if sols is None:
        raise RuntimeError(f"count = {count_solutions(xi, kappa)} > MAX_STORED = {MAX_STORED} "
                           f"at N={N}, P={P}")
    M = len(sols)
    if M < 2:
        raise UnsatInstance(f"UNSAT: count = {M} < 2 at N={N}, P={P} (no pair of solutions)")
    m = sols.sum(axis=0, dtype=np.int64).astype(np.float64)
    m2 = float(m @ m)
    q_pairs = (m2 - M * N) / (N * M * (M - 1.0))
    corr = overlap_theory(alpha=alpha, kappa=kappa) - overlap_theory(alpha=P / N, kappa=kappa)
    extra = {"P": P, "count": int(M), "q_pairs": q_pairs, "q_gibbs": m2 / (N * M * M),
             "correction": corr}
    if M <= MAX_HIST:
        extra["hist"] = [int(c) for c in solution_overlaps(sols).counts]
    return q_pairs + corr, extra


# --------------------------------------------------------------------------------------------
# figures and curves
# --------------------------------------------------------------------------------------------


def plot_overlap_histogram(record, path, *, N: int | None = None) -> pathlib.Path:
    """PNG of the pair-overlap distribution at one size, pooled over instances, RS q marked.

    Each instance with a stored ``hist`` contributes its normalised pair histogram (weight 1
    per instance, the quenched average of P(q)). ``N`` defaults to the largest size with
    histograms. The RS overlap at the nominal alpha is the dashed line.
    """
    from matplotlib.figure import Figure

    rows = [r for r in record.rows if r.status == "ok" and r.extra and "hist" in r.extra]
    if not rows:
        raise ValueError(f"{record.name}: no instance with a stored pair histogram")
    if N is None:
        N = max(r.N for r in rows)
    rows = [r for r in rows if r.N == N]
    if not rows:
        raise ValueError(f"{record.name}: no pair histogram at N={N}")
    q = (2.0 * np.arange(N + 1) - N) / N
    pq = np.zeros(N + 1)
    for r in rows:
        h = np.asarray(r.extra["hist"], dtype=float)
        pq += h / h.sum()
    pq /= len(rows)
    fig = Figure(figsize=(5.5, 4.2))
    ax = fig.subplots()
    ax.bar(q, pq, width=1.6 / N, color="C0", alpha=0.7,
           label=f"N={N}, {len(rows)} instances (pairs of distinct solutions)")
    mean = float(np.mean([r.extra["q_pairs"] for r in rows]))
    ax.axvline(mean, color="C1", label=f"mean over instances {mean:.3f}")
    if math.isfinite(record.theory):
        ax.axvline(record.theory, color="k", linestyle="--", label=f"RS q = {record.theory:.4f}")
    ax.set_xlabel("q = w.w'/N")
    ax.set_ylabel("P(q)")
    ax.set_title(f"{record.name}: overlap distribution", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path = pathlib.Path(path)
    fig.savefig(path, dpi=110)
    return path


def _entropy_curve():
    alphas = np.linspace(0.05, 0.8, 16)
    return alphas, np.array([rs_saddle(float(a))[0] for a in alphas]), "alpha"


def _overlap_curve():
    alphas = np.linspace(0.05, 0.8, 16)
    return alphas, np.array([rs_saddle(float(a))[1] for a in alphas]), "alpha"


# --------------------------------------------------------------------------------------------
# experiments
# --------------------------------------------------------------------------------------------

_UNSAT_NOTE = (
    " UNSAT instances (count = 0; for the overlaps count < 2) are failed rows, never dropped: "
    "the per-size mean is conditioned on SAT and the per-size number of failed rows / instances "
    "is the estimate of P(UNSAT) (-> 0 below the capacity)."
)
_SHIFT_NOTE = (
    " Effective load: P = round(alpha N), so each instance value is shifted by "
    "x_RS(alpha) - x_RS(P/N) (theory slope times |P/N - alpha| <= 1/(2N)), i.e. the "
    "residual x - x_RS(P/N) is extrapolated; raw values are in the rows' extra."
)
_ENTROPY_NOTE = (
    "1/N. ln(count) = N s + O(1) with O(1) sample-to-sample fluctuations (the annealed "
    "count 2^N 2^-P has no polynomial prefactor), so the mean of ln(count)/N has a 1/N "
    "leading correction; the 1/sqrt(N) fit is reported as an alternative. Sizes with "
    "round(alpha N) < 2 are left out (one pattern: count = 2^(N-1) exactly, zero variance)."
    + _SHIFT_NOTE
    + _UNSAT_NOTE
)
_OVERLAP_NOTE = (
    "1/N (assumed: finite-size corrections of thermodynamic averages of the binary perceptron; "
    "also 1/M = O(e^-Ns) from the exclusion of self-pairs; the 1/sqrt(N) fit is reported as an "
    "alternative). Observable: mean of q = w.w'/N over the M(M-1)/2 pairs of distinct "
    "solutions of an instance, averaged over instances." + _SHIFT_NOTE + _UNSAT_NOTE
    + f" Instances with more than {MAX_STORED} solutions would be failed rows too."
)
_PSAT_NOTE = (
    "1/N. Estimator: mean of alpha_inst = P_c/N (the integral of the empirical P(SAT) curve), "
    "P_c exact per instance (enumeration of the first P0 patterns with stored solutions, the "
    "later patterns checked on them). Finite-size effects are large at N <= 29: P_c is an "
    "integer (alpha_inst moves in steps of 1/N) and the transition window is wide, so the "
    "extrapolation from these sizes is indicative; Krauth & Mezard (1989) and Krauth & Opper "
    "(1989) extrapolated enumerations at comparable N to 0.82-0.83 in the same way. The "
    "1/sqrt(N) fit is reported as an alternative."
)

# odd N, instances decreasing with N (the enumeration costs 2^N P)
_Q_SIZES = (11, 13, 15, 17, 19, 21, 23)
_QUICK = Profile(_Q_SIZES, (200, 200, 200, 200, 200, 150, 100))
_FULL = Profile(tuple(range(11, 30, 2)),
                (1000, 1000, 1000, 800, 800, 600, 400, 300, 200, 100))
_QUICK_PSAT = Profile(_Q_SIZES, (300, 300, 300, 300, 300, 200, 150))
_FULL_PSAT = Profile(tuple(range(11, 30, 2)),
                     (2000, 2000, 2000, 1500, 1500, 1000, 800, 600, 400, 200))
# at alpha = 0.3 the number of solutions is ~e^(0.47 N): 1e6 at N = 29
_QUICK_OV = Profile((11, 13, 15, 17, 19, 21), (200, 200, 200, 200, 150, 100))
_FULL_OV = Profile(tuple(range(11, 28, 2)), (1000, 1000, 800, 800, 600, 400, 300, 200, 100))

_REFS = ("Gardner & Derrida, J. Phys. A 21, 271 (1988); Krauth & Mezard, J. Phys. France 50, "
         "3057 (1989); Huang & Kabashima, Phys. Rev. E 90, 052813 (2014).")


def _at_least_two_patterns(prof: Profile, alpha: float) -> Profile:
    """``prof`` without the sizes where ``round(alpha N) < 2``.

    With a single Gaussian pattern the count is exactly ``2^(N-1)`` (w or -w satisfies it),
    so ln(count)/N has zero variance there and no usable standard error (alpha = 0.1 at
    N = 11, 13).
    """
    keep = [(n, i) for n, i in zip(prof.sizes, prof.instances) if int(round(alpha * n)) >= 2]
    return Profile(tuple(n for n, _ in keep), tuple(i for _, i in keep))


# Resolutions, and the quick-profile instance factors sized to reach them (3 sigma of the
# extrapolation ~ 0.65 resolution, measured on the 2026-11-29 records).
_ENTROPY_RES_NOTE = (
    "0.015 nats per weight: half the gap between the quenched RS entropy and the annealed "
    "one, ln 2 + alpha ln H(kappa), at alpha = 0.5 (0.032); the gap grows with alpha.")
_ENTROPY_QUICK = {0.1: 1.0, 0.3: 1.5, 0.5: 7.0, 0.7: 8.0}
_PSAT_RES_NOTE = (
    "5 % of alpha_c: the candidate capacities of the binary perceptron differ by 20 % or "
    "more (Krauth-Mezard 0.833, the annealed bound 1, RS 4/pi = 1.27).")
_OVERLAP_RES_NOTE = (
    "0.02 in q: the RS overlap grows by 0.13 between alpha = 0.3 and 0.5; a theory off by "
    "a tenth of that is rejected.")
_OVERLAP_QUICK = {0.3: 1.0, 0.5: 3.5}


FAMILIES = (
    Family(
        group="binary-entropy", name="binary-entropy-alpha{alpha:g}",
        grid=grid(alpha=ENTROPY_ALPHAS, kappa=0.0), observable="phi",
        theory=entropy_theory, simulate=entropy_simulate,
        quick=_QUICK, full=_FULL, scaling="1/N", scaling_note=_ENTROPY_NOTE,
        resolution=0.015, resolution_note=_ENTROPY_RES_NOTE,
        ylabel="entropy per weight phi = E ln(count) / N (nats)",
        description=(
            "Quenched entropy per weight of the binary perceptron, E ln(count)/N with count the "
            "exact number of w in {{-1,+1}}^N with all stabilities >= 0 (Gray-code "
            "enumeration), Gaussian patterns, P = round(alpha N), against the RS entropy phi "
            "(exact below the Krauth-Mezard capacity). " + _REFS
        ),
        curve=_entropy_curve, curve_param="alpha",
        overrides={a: {"quick": _at_least_two_patterns(_QUICK, a).scaled(_ENTROPY_QUICK[a]),
                       "full": _at_least_two_patterns(_FULL, a).scaled(2.0 if a >= 0.5 else 1.0)}
                   for a in ENTROPY_ALPHAS},
    ),
    Family(
        group="binary-psat", name="binary-psat-kappa{kappa:g}", grid=grid(kappa=PSAT_KAPPAS),
        observable="alpha_c", theory=psat_theory, simulate=psat_simulate,
        quick=_QUICK_PSAT.scaled(3.0), full=_FULL_PSAT, scaling="1/N", scaling_note=_PSAT_NOTE,
        resolution=0.05, resolution_relative=True, resolution_note=_PSAT_RES_NOTE,
        ylabel="capacity alpha_c = P_c / N",
        description=(
            "Per-instance capacity of the binary perceptron, alpha_inst = P_c/N (largest P with "
            "the first P Gaussian patterns SAT), exact by enumeration. P(SAT)(alpha) = fraction "
            "of instances with alpha_inst >= alpha; its integral, the mean of alpha_inst, is "
            "extrapolated against the Krauth-Mezard (frozen 1RSB) capacity 0.8331 (the RS value "
            "4/pi = 1.27 violates the zero-entropy bound). " + _REFS
        ),
        plots=("psat",),
    ),
    Family(
        group="binary-overlap", name="binary-overlap-alpha{alpha:g}",
        grid=grid(alpha=OVERLAP_ALPHAS, kappa=0.0), observable="q",
        theory=overlap_theory, simulate=overlap_simulate,
        quick=_QUICK_OV, full=_FULL_OV, scaling="1/N",
        scaling_note=_OVERLAP_NOTE, resolution=0.02, resolution_note=_OVERLAP_RES_NOTE,
        ylabel="overlap q = w.w' / N between two solutions",
        description=(
            "Overlap q = w.w'/N between pairs of distinct solutions of one instance (exact "
            "enumeration, all solutions stored), mean over pairs per instance, averaged over "
            "instances, against the RS overlap q. The pair histograms of instances with at most "
            f"{MAX_HIST} solutions are kept in the rows (plot_overlap_histogram). " + _REFS
        ),
        curve=_overlap_curve, curve_param="alpha",
        overrides={a: {"quick": _QUICK_OV.scaled(_OVERLAP_QUICK[a])} for a in OVERLAP_ALPHAS},
    ),
)

EXPERIMENTS = tuple(exp for family in FAMILIES for exp in family.experiments())
