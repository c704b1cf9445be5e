"""Spherical spin glasses: finite-N critical points and dynamics against the theory.

Two families (pure 3-spin, xi(q) = q^3, the normalisation of Auffinger, Ben Arous and Cerny):

``pspin-counts``
    Critical points of one instance found by Riemannian Newton from many random starts
    (``simulate.pspin.critical_points``, 30 starts per expected critical point, deduplicated),
    divided by the exact finite-N Kac-Rice expectation E[Crit_N] (``replica.kacrice.
    expected_count``): the ratio has mean 1 at every N, so the sizes N = 3..6 are fitted by a
    constant (degree 0) and compared with 1.  Finite N is compared with the finite-N formula,
    never with the asymptotic complexity.  Two observables: all critical points, and the
    minima (index 0).
``pspin-counts-deformed``
    The same for the deformed model H_xi + N h(s.v/N), h(m) = 0.6 m - 1.5 m^2 (a field and a
    rank-one Hessian term below the BBP threshold: the "GOE plus low-rank" model of general
    activations, seed 004), against its finite-N Kac-Rice expectation (``replica.kacrice.
    expected_count(..., deformation=h)``, conditional Monte Carlo over the spiked GOE whose
    relative error must stay below a fifth of the resolution).
``pspin-counts-window``
    The same for the pure model, counting only the critical points with H/N < -1 (a window
    that cuts the minima's band at N = 4..8), against ``expected_count(..., window=(-inf,
    -1))``: the check of windowed counts that issue 27 asked for after a window applied at the
    wrong energy went unnoticed (the all-energy rows cannot see it).
``pspin-gd-energy``
    Energy per spin where Riemannian gradient descent from a uniform random start stops
    (``simulate.pspin.gradient_descent``, |grad H|/sqrt(N) <= 1e-6), against the threshold
    -E_inf of Kac-Rice (``replica.kacrice.E_inf``): the dynamics from infinite temperature
    relaxes to the marginal states (Cugliandolo and Kurchan 1993).  The finite-N approach is
    not known; N^(-2/3) is declared before looking (the other scalings are reported), and at
    the sizes reachable the row is expected to be inconclusive rather than to pass.
``pspin-gd-spectrum``
    Kolmogorov-Smirnov distance between the N - 1 eigenvalues of the tangent Hessian at the
    same end points and the semicircle centred at -p e (e the end point's energy per spin)
    with radius 2 sqrt(xi''(1)) (the GOE of the Kac-Rice conditioning), minus the same
    distance for a GOE matrix of the same size and variance drawn alongside (the finite-N
    reference: a GOE sample's own distance from the semicircle, ~ log N / N, is not a
    deviation).  A minimum above the threshold cannot have the semicircle spectrum (its left
    edge would be negative), so the excess tends to 0 only if the end points become marginal.
``pspin-langevin``
    Mean energy per spin of overdamped Langevin dynamics (``simulate.pspin.langevin``) at
    beta = 0.5 (T = 2 > T_d = 0.866), after a burn-in of a quarter of the run, against the
    paramagnetic energy -beta xi(1) (exact above the static transition; the dynamics
    equilibrates above T_d).  Extrapolated in 1/N.

``replica`` and ``simulate`` are imported lazily so that this module imports without them.

References
----------
A. Auffinger, G. Ben Arous and J. Cerny, "Random matrices and complexity of spin glasses",
Comm. Pure Appl. Math. 66, 165 (2013).
A. Crisanti and H.-J. Sommers, Z. Phys. B 87, 341 (1992).
"""
from __future__ import annotations

import functools

import numpy as np

from ..experiment import Profile
from ..family import Family, grid

__all__ = ["EXPERIMENTS", "FAMILIES", "XI", "count_ratio_simulate", "langevin_simulate",
           "langevin_theory", "expected_counts", "gd_energy_simulate", "gd_energy_theory",
           "gd_spectrum_simulate", "gd_spectrum_theory", "semicircle_ks"]

XI = {3: 1.0}
DEFORMATION = {1: 0.6, 2: -1.5}
DEFORMED_SAMPLES = 400_000
STARTS_PER_POINT = 30
BETA = 0.5
GD_TOL = 1e-6


@functools.lru_cache(maxsize=64)
def expected_counts(N: int, deformed: bool = False, below: float | None = None) -> tuple:
    """E[Crit_{N,k}], k = 0..N-1, for XI (exact), or for XI + DEFORMATION (Monte Carlo), with
    the estimated error of each entry; with ``below``, only critical points with H/N < below."""
    from replica import kacrice

    window = None if below is None else (-np.inf, below)
    if deformed:
        c = kacrice.expected_count(N, XI, deformation=DEFORMATION, samples=DEFORMED_SAMPLES,
                                   rng=N, window=window)
    else:
        c = kacrice.expected_count(N, XI, window=window)
    return c.by_index, c.error


def count_ratio_simulate(N: int, rng, *, index: int | None, deformed: bool = False,
                         below: float | None = None):
    """Newton count of one instance over the Kac-Rice expectation (all, or index k; with
    ``below``, only the critical points with H/N < below)."""
    from simulate import pspin

    exp, err = expected_counts(N, deformed, below)
    every, _ = expected_counts(N, deformed)  # the starts are set by the number of all points
    J = pspin.couplings(N, XI, rng=rng, deformation=DEFORMATION if deformed else None)
    cp = pspin.critical_points(J, n_starts=int(np.ceil(STARTS_PER_POINT * every.sum())),
                               rng=rng)
    counts = cp.counts_by_index
    if below is not None:
        counts = np.bincount(cp.indices[cp.energies < below], minlength=N)
    if index is None:
        found, ref, e = int(counts.sum()), float(exp.sum()), float(err.sum())
    else:
        found, ref, e = int(counts[index]), float(exp[index]), float(err[index])
    if e > 0.01 * ref:  # a fifth of the 5 % resolution
        raise RuntimeError(f"the expected count {ref:.4g} +- {e:.2g} at N = {N} is not accurate "
                           "enough for a 5 % resolution; raise DEFORMED_SAMPLES")
    return found / ref, {"found": found, "expected": ref, "expected_error": e,
                         "min_hits": int(cp.hits.min()),
                         "counts_by_index": cp.counts_by_index.tolist()}


def count_ratio_theory(*, index: int | None, deformed: bool = False,
                       below: float | None = None) -> float:
    """The ratio's mean at every N: 1."""
    return 1.0


def _gd_endpoint(N, rng):
    from simulate import pspin

    J = pspin.couplings(N, XI, rng=rng)
    s0 = rng.standard_normal(N)
    s0 *= np.sqrt(N) / np.linalg.norm(s0)
    r = pspin.gradient_descent(J, s0, tol=GD_TOL)
    if not r.converged:
        raise RuntimeError(f"gradient descent did not converge at N = {N} "
                           f"(|grad|/sqrt(N) = {r.grad_norm:.2g} after {r.steps} steps)")
    return r


def gd_energy_simulate(N: int, rng) -> tuple:
    """Energy per spin at the end of one gradient descent from a uniform random start."""
    r = _gd_endpoint(N, rng)
    return float(r.energy), {"steps": int(r.steps), "index": int(r.index),
                             "lambda_min": float(r.hessian_eigenvalues[0])}


def gd_energy_theory() -> float:
    """The threshold energy -E_inf."""
    from replica import kacrice

    return -kacrice.E_inf(XI)


def semicircle_ks(eigenvalues, centre, radius) -> float:
    """Kolmogorov-Smirnov distance of a sample from the semicircle law on centre +- radius."""
    lam = np.sort(np.asarray(eigenvalues, dtype=float))
    x = np.clip((lam - centre) / radius, -1.0, 1.0)
    F = 0.5 + (x * np.sqrt(1.0 - x * x) + np.arcsin(x)) / np.pi
    n = lam.size
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - F), np.max(F - (i - 1) / n)))


def gd_spectrum_simulate(N: int, rng) -> tuple:
    """Excess KS distance of the end point's tangent Hessian spectrum from the shifted
    semicircle over that of a GOE reference of the same size (off-diagonal variance
    xi''(1)/N, the Kac-Rice law of the tangent Hessian)."""
    r = _gd_endpoint(N, rng)
    (p, c), = XI.items()
    dd = c * p * (p - 1)
    radius = 2.0 * np.sqrt(dd)
    ks = semicircle_ks(r.hessian_eigenvalues, -p * r.energy, radius)
    g = rng.standard_normal((N - 1, N - 1))
    ref = semicircle_ks(np.linalg.eigvalsh((g + g.T) * np.sqrt(dd / (2.0 * N))), 0.0, radius)
    return ks - ref, {"ks": ks, "ks_goe": ref, "energy": float(r.energy),
                      "lambda_min": float(r.hessian_eigenvalues[0])}


def gd_spectrum_theory() -> float:
    """0: at a marginal end point the spectrum is the GOE's, no farther from the semicircle."""
    return 0.0


def langevin_simulate(N: int, rng, *, beta: float) -> float:
    """Time-averaged energy per spin of one Langevin run (burn-in: the first quarter)."""
    from simulate import pspin

    J = pspin.couplings(N, XI, rng=rng)
    run = pspin.langevin(J, beta, 8000, rng=rng, record_every=10)
    e = run.energies
    return float(e[e.size // 4:].mean())


def langevin_theory(*, beta: float) -> float:
    """Paramagnetic energy per spin -beta xi(1)."""
    return -beta * sum(XI.values())


_COUNTS_NOTE = ("constant (degree 0): the ratio Newton count / exact E[Crit_N] has mean 1 at "
                "every N (a finite-N identity, not an asymptotic one); a missed critical point "
                "biases it below 1 (the rows keep min_hits, how often the rarest point was "
                "found).")
_LANGEVIN_NOTE = ("1/N: the equilibrium energy of the paramagnet at finite N differs from "
                  "-beta xi(1) by O(1/N) (and the time average by the finite run length).")


_COUNTS_RES_NOTE = (
    "5 % of the expected count: a Kac-Rice normalisation error (a factor sqrt(2) or a "
    "missing 2 for the antipodal symmetry) or a Newton search that misses one critical "
    "point in twenty is rejected.")
_LANGEVIN_RES_NOTE = (
    "0.05 in the energy per spin (10 %): a factor-2 error in the covariance convention "
    "(xi = q^3 against q^3/2) or in the temperature scale moves the energy by 0.25.")


#: What the two count families share.
_COUNTS_COMMON = dict(
    observable="count_ratio", theory=count_ratio_theory, simulate=count_ratio_simulate,
    quick=Profile((3, 4, 5, 6), (160, 120, 80, 48)),
    full=Profile((3, 4, 5, 6), (300, 200, 120, 80)),
    scaling="1/N", degree=0, scaling_note=_COUNTS_NOTE,
    resolution=0.05, resolution_relative=True, resolution_note=_COUNTS_RES_NOTE,
    reproducibility=("Newton from random starts with BLAS products: which start falls in "
                     "which basin (the hit counts in the rows' extra) can differ between "
                     "CPUs; the number of distinct critical points rarely does"),
    ylabel="critical points found / exact E[Crit_N]")
#: The description of the counts of ``model`` at ``label`` (all or index k); with the label
#: ``"index{index}"`` it is a family's template.
_COUNTS_DESCRIPTION = (
    "Critical points of {model} found by Riemannian Newton from many random starts, "
    "deduplicated, over the finite-N Kac-Rice expectation ({label}). Theory: the ratio is 1 "
    "at every N.")
_PURE = "the pure spherical 3-spin glass (xi = q^3)"
_DEFORMED = _PURE + " deformed by N h(s.v/N), h(m) = 0.6 m - 1.5 m^2"


#: The windowed rows count the critical points with H/N below this energy per spin.
WINDOW_BELOW = -1.0
_WINDOW_DESCRIPTION = (
    "Critical points of " + _PURE + " with energy per spin H/N < -1, found by Riemannian "
    "Newton from many random starts, over the finite-N Kac-Rice expectation restricted to that "
    "window ({label}). Theory: the ratio is 1 at every N.")
_WINDOW_RES_NOTE = (
    "5 % of the expected count below u = -1: a window applied at the wrong energy (the bug "
    "of issue 27 cut the pure model at u = -1/9 instead of -1 and expected 2.3x too many "
    "minima at N = 4), or a prefactor error, is rejected.")


_GD_QUICK = Profile((32, 64, 128), (40, 30, 16))
_GD_FULL = Profile((32, 64, 128, 256), (80, 60, 40, 16))
_GD_REPRODUCIBILITY = ("gradient descent with BLAS tensor contractions: the end point can "
                       "differ between CPUs at the last bits, rarely its basin")


FAMILIES = (
    Family(
        group="pspin-counts", name="pspin-counts-index{index}", grid=grid(index=(None, 0)),
        description=_COUNTS_DESCRIPTION.format(model=_PURE, label="index{index}"),
        overrides={None: {"name": "pspin-counts-all",
                          "description": _COUNTS_DESCRIPTION.format(model=_PURE, label="all")}},
        **_COUNTS_COMMON),
    Family(
        group="pspin-counts-deformed", name="pspin-counts-deformed-index{index}",
        grid=grid(index=(None, 0), deformed=True),
        description=_COUNTS_DESCRIPTION.format(model=_DEFORMED, label="index{index}"),
        overrides={None: {"name": "pspin-counts-deformed-all",
                          "description": _COUNTS_DESCRIPTION.format(model=_DEFORMED,
                                                                    label="all")}},
        **_COUNTS_COMMON),
    Family(
        group="pspin-counts-window", name="pspin-counts-below{below:g}-index{index}",
        grid=grid(index=(None, 0), below=WINDOW_BELOW),
        description=_WINDOW_DESCRIPTION.format(label="index{index}"),
        overrides={None: {"name": "pspin-counts-below{below:g}-all",
                          "description": _WINDOW_DESCRIPTION.format(label="all")}},
        **{**_COUNTS_COMMON,
           "quick": Profile((4, 5, 6, 7), (400, 400, 300, 300)),
           "full": Profile((4, 5, 6, 7, 8), (800, 600, 500, 400, 400)),
           "resolution_note": _WINDOW_RES_NOTE,
           "ylabel": "critical points below u = -1 found / exact E[Crit_N(u < -1)]"}),
    Family(
        group="pspin-gd", name="pspin-gd-energy", grid=grid(), observable="e",
        theory=gd_energy_theory, simulate=gd_energy_simulate,
        quick=_GD_QUICK, full=_GD_FULL,
        scaling="N^(-2/3)", degree=1,
        scaling_note=("N^(-2/3) declared before the data (the finite-N approach of descent end "
                      "points to the threshold is not known; 1/N and 1/sqrt(N) are reported "
                      "as alternatives, and they disagree)."),
        resolution=0.01,
        resolution_note=("0.01 in the energy per spin: the threshold -E_inf = -1.6330 and the "
                         "ground state -E_0 = -1.6570 are 0.024 apart; a descent that "
                         "stopped at the ground state or 0.01 above the threshold is "
                         "rejected."),
        reproducibility=_GD_REPRODUCIBILITY,
        ylabel="energy per spin H / N at the end point",
        description=(
            "Energy per spin where Riemannian gradient descent of the pure spherical 3-spin "
            "glass (xi = q^3) from a uniform random start stops (|grad|/sqrt(N) <= 1e-6), "
            "against the threshold energy -E_inf of the Kac-Rice complexity."),
    ),
    Family(
        group="pspin-gd", name="pspin-gd-spectrum", grid=grid(), observable="ks_excess",
        theory=gd_spectrum_theory, simulate=gd_spectrum_simulate,
        quick=_GD_QUICK, full=_GD_FULL,
        scaling="1/N", degree=1,
        scaling_note=("1/N: the GOE reference removes the O(log N / N) distance of a finite "
                      "sample; what remains is the pushed left edge of minima above the "
                      "threshold, which shrinks as they approach it (a finite excess would "
                      "remain if they did not)."),
        resolution=0.02,
        resolution_note=("0.02 in the KS distance: a semicircle 10 % too wide or too narrow "
                         "(excess ~0.03), or centred at -2 e instead of -3 e, is rejected."),
        reproducibility=_GD_REPRODUCIBILITY,
        ylabel="KS distance to the semicircle (centre -3 e, radius 2 sqrt 6) minus a GOE's",
        description=(
            "Kolmogorov-Smirnov distance between the tangent Hessian spectrum at gradient-"
            "descent end points of the pure spherical 3-spin glass and the semicircle of the "
            "Kac-Rice conditioning at the end point's energy (centre -3 e, radius 2 sqrt 6), "
            "in excess of a same-size GOE sample's: 0 when the end points are marginal."),
    ),
    Family(
        group="pspin-langevin", name="pspin-langevin-beta{beta:g}", grid=grid(beta=BETA),
        observable="e", theory=langevin_theory, simulate=langevin_simulate,
        quick=Profile((16, 32, 64), (48, 36, 24)),
        full=Profile((32, 64, 128), (96, 64, 48)),
        scaling="1/N", degree=1, scaling_note=_LANGEVIN_NOTE,
        resolution=0.05, resolution_note=_LANGEVIN_RES_NOTE,
        reproducibility=("Langevin dynamics: chaotic trajectories computed with BLAS matrix "
                         "products, whose summation order depends on the CPU's BLAS kernel: "
                         "individual rows (not the verdict) can differ between machines"),
        ylabel="energy per spin H / N",
        description=(
            "Energy per spin of Langevin dynamics of the pure spherical 3-spin glass at "
            "beta = {beta} (above T_d), time-averaged after burn-in, against the paramagnetic "
            "energy -beta xi(1)."),
    ),
)

EXPERIMENTS = tuple(exp for family in FAMILIES for exp in family.experiments())
