"""Real spherical-perceptron experiments (skipped where replica/simulate are missing)."""

import dataclasses
import math

import numpy as np
import pytest
from scipy.stats import binom, norm

from validate import Profile, run_experiment
from validate.experiments import spherical as sp


def gardner_alpha_c(kappa):
    """Independent closed form (Gardner 1988): 1/alpha_c = int_{-kappa}^inf Dt (t+kappa)^2."""
    return 1.0 / ((1.0 + kappa**2) * norm.cdf(kappa) + kappa * norm.pdf(kappa))


def test_kappa_max_theory_rejects_nonconvex_alpha():
    for alpha in (0.0, -1.0, 2.5):
        with pytest.raises(ValueError, match=f"alpha={alpha}"):
            sp.kappa_max_theory(alpha=alpha)


@pytest.mark.parametrize("alpha", sp.KAPPA_MAX_ALPHAS)
def test_kappa_max_theory_inverts_gardner(alpha):
    kappa = sp.kappa_max_theory(alpha=alpha)
    assert gardner_alpha_c(kappa) == pytest.approx(alpha, rel=1e-7)


def test_kappa_max_theory_at_alpha_2_is_zero():
    assert sp.kappa_max_theory(alpha=2.0) == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize("kappa", sp.PSAT_KAPPAS)
def test_psat_theory_is_gardner(kappa):
    assert sp.psat_theory(kappa=kappa) == pytest.approx(gardner_alpha_c(kappa), rel=1e-7)


def test_psat_simulate_independent_of_block_size(monkeypatch):
    """Too few patterns at first -> the stream is extended, same P_c as with many."""
    N, kappa, seed = 60, 0.5, 3
    monkeypatch.setattr(sp, "_alpha_guess", lambda kappa: 2.0)
    big, extra_big = sp.psat_simulate(N, np.random.default_rng(seed), kappa=kappa)
    monkeypatch.setattr(sp, "_alpha_guess", lambda kappa: 0.01)
    small, extra_small = sp.psat_simulate(N, np.random.default_rng(seed), kappa=kappa)
    assert big == small and extra_big["P_c"] == extra_small["P_c"]
    assert extra_small["P_max"] > math.ceil(0.01 * 1.6 * N) + 20  # it was extended


def _tiny(exp, sizes=(16, 32), n=4):
    theory = exp.theory
    # degree 0: two tiny sizes leave one degree of freedom; plumbing, not physics
    return dataclasses.replace(exp, quick=Profile(sizes, n), theory=theory, degree=0)


@pytest.mark.parametrize("name", ["kappa_max-alpha0.5", "kappa_max-alpha1.5", "psat-kappa0.5",
                                  "psat-kappa1"])
def test_smoke_real_experiments(name):
    (exp,) = [e for e in sp.EXPERIMENTS if e.name == name]
    rec = run_experiment(_tiny(exp), progress=None)
    assert len(rec.rows) == 8 and rec.n_failed == 0
    assert rec.extrapolation is not None and math.isfinite(rec.z)
    assert rec.status != "error", rec.message


@pytest.mark.slow
def test_psat_kappa0_mean_is_exactly_2():
    """Cover (1965): P(SAT at P) = P(Bin(P-1, 1/2) <= N-1), so E[P_c] = 2N at every N.

    The finite-size capacity estimator (mean of alpha_inst) is unbiased at kappa = 0.
    """
    N = 10
    P = np.arange(1, 10 * N)
    assert binom.cdf(N - 1, P - 1, 0.5).sum() == pytest.approx(2 * N, abs=1e-9)
    (exp,) = [e for e in sp.EXPERIMENTS if e.name == "psat-kappa0"]
    rec = run_experiment(_tiny(exp, sizes=(N, 2 * N), n=(200, 2)), progress=None)
    s = rec.sizes[0]
    assert s.n_failed == 0
    assert abs(s.mean - 2.0) < 4 * s.sem
