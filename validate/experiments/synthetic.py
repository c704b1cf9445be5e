"""Synthetic experiments with a known answer, for testing the framework itself.

The "theory" is a constant ``mu`` and the "simulation" draws
``mu + bias + slope * x(N) + noise * g`` with ``g`` standard normal and ``x(N) = 1/N``;
with ``bias = 0`` the comparison should pass (|z| <= 3 in ~99.7 % of seeds).
"""

from __future__ import annotations

from ..experiment import Experiment, Profile

__all__ = ["synthetic_experiment", "synthetic_theory", "synthetic_simulate"]


def synthetic_theory(*, mu, bias=0.0, slope=0.0, noise=1.0):
    """The known answer ``mu``."""
    return mu


def synthetic_simulate(N, rng, *, mu, bias=0.0, slope=0.0, noise=1.0):
    """One noisy instance ``mu + bias + slope/N + noise * g``."""
    return mu + bias + slope / N + noise * rng.standard_normal()


def synthetic_experiment(name="synthetic", *, mu=1.0, bias=0.0, slope=2.0, noise=0.1,
                         sizes=(10, 20, 40, 80), instances=20, simulate=None, theory=None,
                         **kwargs) -> Experiment:
    """A synthetic :class:`Experiment` (``simulate``/``theory`` may be replaced).

    The default resolution, 0.25, is about twice the 3-sigma width of the default profile's
    extrapolation (noise 0.1, 20 instances at 4 sizes), so the default comparison is
    conclusive.
    """
    prof = Profile(sizes, instances)
    kwargs.setdefault("resolution", 0.25)
    return Experiment(
        name=name, observable="y",
        params={"mu": mu, "bias": bias, "slope": slope, "noise": noise},
        theory=theory or synthetic_theory, simulate=simulate or synthetic_simulate,
        quick=prof, full=prof, scaling_note="synthetic data are exactly linear in 1/N",
        description="Synthetic experiment with a known answer.", **kwargs,
    )
