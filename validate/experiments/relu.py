"""ReLU activation regions: sampled full-rank fractions against the exact counting theory.

``relu-fullrank-1d``
    Two-layer ReLU network on n one-dimensional Gaussian inputs with a bias, width
    d1 = round(c n); one region drawn uniformly among the non-empty ones
    (``simulate.relu.sample_regions(measure="nonempty")``, exact in 1-d), its Jacobian's rank
    certified exactly (``simulate.relu.jacobian_rank``).  The observable is
    1{rank = n} / P_exact(n, d1) with P_exact from ``replica.relu.full_rank_probability_1d``:
    its mean is 1 at every n, so the sizes are fitted by a constant (degree 0) and compared
    with 1 — finite n against the finite-n formula.  Widths c = 1, 1.5, 2 straddle the
    transition from mostly rank-deficient to mostly full-rank regions.

``replica`` and ``simulate`` are imported lazily so that this module imports without them.

References
----------
K. Karhadkar, M. Murray, H. Tseran and G. Montufar, "Mildly overparameterized ReLU networks
have a favorable loss landscape", TMLR (2024), arXiv:2305.19510.
"""
from __future__ import annotations

import functools

from ..experiment import Experiment, Profile

__all__ = ["EXPERIMENTS", "WIDTHS", "fullrank_simulate", "fullrank_theory", "exact_probability"]

WIDTHS = (1.0, 1.5, 2.0)


def _width(n: int, c: float) -> int:
    return max(1, int(round(c * n)))


@functools.lru_cache(maxsize=256)
def exact_probability(n: int, d1: int) -> float:
    from replica import relu

    return relu.full_rank_probability_1d(n, d1)


def fullrank_simulate(N: int, rng, *, c: float):
    """One region at n = N inputs, width round(c N): 1{full rank} / P_exact."""
    from simulate import relu

    d1 = _width(N, c)
    reg = relu.sample_regions(N, 1, d1, measure="nonempty", trials=1, rng=rng)
    rank = relu.jacobian_rank(relu.region_jacobian(reg.patterns[0], reg.X), method="exact")
    p = exact_probability(N, d1)
    return float(rank == N) / p, {"rank": int(rank), "d1": d1, "p_exact": p}


def fullrank_theory(*, c: float) -> float:
    """The ratio's mean at every n: 1."""
    return 1.0


_NOTE = ("constant (degree 0): 1{full rank}/P_exact(n, d1) has mean 1 at every n (the exact "
         "finite-n probability, not an asymptotic one).")


def _exp(c: float) -> Experiment:
    return Experiment(
        name=f"relu-fullrank-1d-c{c:g}", group="relu-fullrank-1d", observable="fullrank_ratio",
        params={"c": c}, theory=fullrank_theory, simulate=fullrank_simulate,
        quick=Profile((10, 16, 24), (600, 500, 400)),
        full=Profile((10, 16, 24, 40), (4000, 3000, 2000, 1500)),
        scaling="1/N", degree=0, scaling_note=_NOTE,
        description=(
            "Fraction of full-rank Jacobians of a two-layer ReLU network with bias on n 1-d "
            f"Gaussian inputs, width round({c:g} n), regions uniform among the non-empty ones, "
            "ranks certified exactly; over the exact probability (replica.relu)."),
    )


EXPERIMENTS = tuple(_exp(c) for c in WIDTHS)
