"""Spin-glass and ReLU-region validation experiments end to end, on small profiles: the right
theory passes and a theory wrong by the resolution that matters is rejected."""
import dataclasses

import numpy as np
import pytest

from validate import Profile, run_experiment
from validate.experiments import spinglass as sg


def _exp(name, sizes, n, theory=None, resolution=None):
    (exp,) = [e for e in sg.EXPERIMENTS if e.name == name]
    exp = dataclasses.replace(exp, quick=Profile(sizes, n))
    if resolution is not None:  # the coarser resolution these small profiles can reach
        exp = dataclasses.replace(exp, resolution=resolution)
    if theory is not None:
        exp = dataclasses.replace(exp, theory=theory)
    return exp


def test_newton_counts_match_the_exact_kac_rice_expectation():
    rec = run_experiment(_exp("pspin-counts-all", (3, 4), (30, 20), resolution=0.15),
                         progress=None)
    assert rec.status == "passed", (rec.z, rec.message)
    assert all(r.status == "ok" for r in rec.rows)
    # every critical point found more than once: the count is not missing rare ones
    assert min(r.extra["min_hits"] for r in rec.rows) >= 2
    # resolution: an expectation 25% off (e.g. a wrong prefactor) is rejected on the same rows
    assert abs(rec.extrapolation.value - 1.25) / rec.extrapolation.error > 3
    assert abs(rec.extrapolation.value - 0.75) / rec.extrapolation.error > 3


def test_windowed_newton_counts_match_and_reject_a_misplaced_window():
    """Minima below u = -1 against the windowed expectation; the count that a window cut at
    u = -1/9 expects (what the pure-model bug of issue 27 computed) is rejected."""
    from replica import kacrice

    rec = run_experiment(_exp("pspin-counts-below-1-index0", (4, 5), (120, 100),
                              resolution=0.15), progress=None)
    assert rec.status == "passed", (rec.z, rec.message)
    right = kacrice.expected_count(5, sg.XI, window=(-np.inf, -1.0)).by_index[0]
    wrong = kacrice.expected_count(5, sg.XI, window=(-np.inf, -1.0 / 9.0)).by_index[0]
    assert wrong / right > 1.3
    assert abs(rec.extrapolation.value - right / wrong) / rec.extrapolation.error > 3


def test_langevin_energy_is_paramagnetic_above_T_d():
    rec = run_experiment(_exp("pspin-langevin-beta0.5", (16, 24, 32), (16, 12, 10),
                              resolution=0.12), progress=None)
    assert rec.status == "passed", (rec.z, rec.message)
    # a temperature off by a factor 2 in the noise (energy -beta/2 or -2 beta) is rejected
    for wrong in (-0.25, -1.0):
        assert abs(rec.extrapolation.value - wrong) / rec.extrapolation.error > 3


def test_registered():
    from validate.registry import default_registry

    names = set(default_registry())
    assert {"pspin-counts-all", "pspin-counts-index0", "pspin-langevin-beta0.5",
            "pspin-counts-deformed-all", "pspin-counts-deformed-index0", "pspin-gd-energy",
            "pspin-gd-spectrum", "pspin-counts-below-1-all",
            "pspin-counts-below-1-index0"} <= names


def test_semicircle_distance_is_the_ks_statistic_and_has_power():
    """semicircle_ks against scipy.stats.kstest with the semicircle CDF (an independent
    evaluation), on GOE(300) eigenvalues; a radius 10 % off or a centre off by one radius/10
    exceeds the row's resolution (0.02)."""
    import numpy as np
    from scipy import stats

    g = np.random.default_rng(0).standard_normal((300, 300))
    lam = np.linalg.eigvalsh((g + g.T) / np.sqrt(2 * 300))  # semicircle on [-2, 2]

    def cdf(x):
        y = np.clip(x / 2.0, -1.0, 1.0)
        return 0.5 + (y * np.sqrt(1 - y * y) + np.arcsin(y)) / np.pi

    ks = sg.semicircle_ks(lam, 0.0, 2.0)
    assert ks == pytest.approx(stats.kstest(lam, cdf).statistic, abs=1e-12)
    assert ks < 0.02
    assert sg.semicircle_ks(lam, 0.0, 2.2) > 0.02
    assert sg.semicircle_ks(lam, 0.2, 2.0) > 0.02


def test_relu_full_rank_fraction_matches_the_exact_1d_probability():
    from validate.experiments import relu as rx

    (exp,) = [e for e in rx.EXPERIMENTS if e.name == "relu-fullrank-1d-c1.5"]
    rec = run_experiment(dataclasses.replace(exp, quick=Profile((10, 16), (300, 300)),
                                             resolution=0.1), progress=None)
    assert rec.status == "passed", (rec.z, rec.message)
    # resolution: a probability 20% off (ratio 1.2 or 0.8) is rejected on the same rows
    for wrong in (1.2, 0.8):
        assert abs(rec.extrapolation.value - wrong) / rec.extrapolation.error > 3


def test_region_volume_is_the_gardner_entropy():
    from validate.experiments import relu as rx

    (exp,) = [e for e in rx.EXPERIMENTS if e.name == "relu-volume-alpha0.5"]
    rec = run_experiment(dataclasses.replace(exp, quick=Profile((12, 16, 24), (24, 24, 16)),
                                             resolution=0.1), progress=None)
    assert rec.status == "passed", (rec.z, rec.message)
    # the Gardner entropy at another load (alpha = 1: -0.856; alpha = 0.25: -0.180) is rejected
    for wrong in (-0.856, -0.180):
        assert abs(rec.extrapolation.value - wrong) / rec.extrapolation.error > 3


def test_initialisation_region_volume_is_the_teacher_student_entropy():
    """Small-size profile of relu-volume-init: passes against the version-space entropy
    -0.3217 and rejects the volumes at other loads (random labels at alpha = 1: -0.856, at
    alpha = 0.25: -0.180).  Telling it from the random-label volume at the same load (-0.378,
    0.056 away) takes the quick profile (3 sigma / resolution = 0.028 there; the power test
    replays the published records against theory +- 2 resolutions)."""
    from validate.experiments import relu as rx

    (exp,) = [e for e in rx.EXPERIMENTS if e.name == "relu-volume-init-alpha0.5"]
    rec = run_experiment(dataclasses.replace(exp, quick=Profile((12, 16, 24), (24, 24, 16)),
                                             resolution=0.1), progress=None)
    assert rec.status == "passed", (rec.z, rec.message)
    for wrong in (-0.856, -0.180):
        assert abs(rec.extrapolation.value - wrong) / rec.extrapolation.error > 3
