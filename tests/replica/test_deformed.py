"""The deformed spherical spin glass H_xi + N h(s.v/N): Kac-Rice counts with a rank-one
deterministic Hessian term (replica.spinglass.deformed), the "GOE plus low-rank" model of
general activations (seed 004, Baskerville et al., arXiv:2004.03959; their body could not be
read here, so no number of theirs is used).

How each reference was obtained:

* h = 0: the undeformed exact finite-N count (de Bruijn's Pfaffian, tests/replica/
  test_kacrice.py checks it against ABC) -- a different algorithm for the same number;
* xi = {2: a}, h = {2: d}: H is a quadratic form on the sphere, exactly 2 critical points of
  each index for every d (exact algebra), including d below the BBP threshold where the
  rank-one term produces an outlier;
* Newton enumeration of instances of the deformed model (``simulate.pspin``, which never
  imports ``replica``): the mean count is the finite-N Kac-Rice expectation; the same test
  rejects the undeformed expectation (the test has the power to fail);
* large N: for h(0) = h'(0) = 0 the supremum sits at m = 0 where the rank-one term does not
  move the log-determinant, so Theta equals the closed forms of Auffinger, Ben Arous and Cerny
  (recalled, typed independently in test_kacrice.py); a quadratic form with any field has at
  most 2N critical points, so its total complexity is 0.
"""
import math

import numpy as np
import pytest
from scipy import optimize

from replica import ModelError, ReplicaError
from replica.spinglass import deformed, kacrice
from simulate import pspin as sim

from .test_kacrice import _theta_abc


@pytest.mark.parametrize("N", [3, 5])
def test_no_deformation_is_the_exact_count(N):
    exact = kacrice.expected_count(N, {3: 1.0}).by_index
    mc = deformed.expected_count(N, {3: 1.0}, {}, samples=6000, rng=N)
    z = (mc.by_index - exact) / mc.error
    assert np.all(np.abs(z) < 4.0), z
    assert mc.total == pytest.approx(exact.sum(), abs=4 * mc.error.sum())


@pytest.mark.parametrize("d", [0.3, -0.5, -2.0])
def test_quadratic_form_with_a_rank_one_deformation_has_two_points_per_index(d):
    # theta = d (1 - m^2) / s_N; d = -2 is far below the BBP threshold
    mc = kacrice.expected_count(4, {2: 1.0}, deformation={2: d}, samples=6000, rng=1)
    assert np.all(np.abs(mc.by_index - 2.0) < 4.0 * mc.error), (mc.by_index, mc.error)
    assert np.all(mc.error < 0.1)


def _newton_mean(N, h, instances, starts, seed0):
    counts = []
    for seed in range(seed0, seed0 + instances):
        J = sim.couplings(N, {3: 1.0}, rng=seed, deformation=h)
        counts.append(sim.critical_points(J, n_starts=starts, rng=seed).counts_by_index)
    counts = np.array(counts, dtype=float)
    return counts.mean(0), counts.std(0, ddof=1) / math.sqrt(instances)


def test_newton_counts_of_a_deformed_three_spin_match_the_deformed_kac_rice():
    N, h = 3, {1: 0.6, 2: -1.0}
    theory = kacrice.expected_count(N, {3: 1.0}, deformation=h, samples=20000, rng=2)
    plain = kacrice.expected_count(N, {3: 1.0}).by_index
    mean, se = _newton_mean(N, h, 160, 800, 500)
    z = (mean - theory.by_index) / np.hypot(se, theory.error)
    assert np.all(np.abs(z) < 4.0), (mean, theory.by_index, z)
    z_tot = (mean.sum() - theory.total) / math.hypot(math.sqrt(np.sum(se**2)) * math.sqrt(N),
                                                     theory.error.sum())
    assert abs(z_tot) < 4.0
    # power: the undeformed expectation is rejected by the same data
    z_plain = (mean - plain) / se
    assert np.max(np.abs(z_plain)) > 6.0, z_plain


@pytest.mark.parametrize("p", [3, 4])
@pytest.mark.parametrize("h", [{2: 0.3}, {2: -0.3}, {3: 0.5, 4: -0.2}])
def test_weak_deformations_keep_the_abc_leading_order(p, h):
    E = 2 * math.sqrt((p - 1) / p)
    # down to -1.8, below the ground states (E_0 = 1.657 for p = 3, 1.688 for p = 4)
    for u in (-1.8, -E - 0.01, -1.2, -0.3, 0.5):
        assert kacrice.complexity({p: 1.0}, u, deformation=h) == pytest.approx(
            _theta_abc(p, u), abs=1e-9), u
    for u in (-1.8, -E - 0.01):  # minima: the rank-one term is above the BBP threshold
        assert kacrice.complexity({p: 1.0}, u, 0, deformation=h) == pytest.approx(
            _theta_abc(p, u, 0), abs=1e-9), u


def test_far_below_the_ground_state_the_deformation_takes_over():
    # h(m) = m^3/2 - m^4/5 < 0 for m < 0: at u = -2 (no typical critical point, Theta < 0)
    # the rarest points sit off the equator, where the deformation lowers the energy
    xi, h = {3: 1.0}, {3: 0.5, 4: -0.2}
    assert kacrice.complexity(xi, -2.0, deformation=h) > _theta_abc(3, -2.0) + 0.01
    assert deformed.sigma(xi, h, -2.0, 0.0) == pytest.approx(_theta_abc(3, -2.0), abs=1e-9)


def test_a_field_changes_the_leading_order_and_a_quadratic_form_stays_subexponential():
    xi = {3: 1.0}
    plain = [kacrice.complexity(xi, u) for u in (-1.66, 0.5)]
    field = [kacrice.complexity(xi, u, deformation={1: 0.3}) for u in (-1.66, 0.5)]
    assert field[0] > plain[0] + 0.01  # the field creates deeper points
    assert field[1] < plain[1] - 0.01  # and removes critical points overall
    for B in (0.2, 1.0):
        th = kacrice.complexity({2: 1.0}, 3.0, deformation={1: B})
        # between 2 (a maximum and a minimum) and 2N critical points: exactly 0
        assert abs(th) <= 1e-9, (B, th)


def test_fixed_overlap_exponent_is_below_the_supremum():
    xi, h = {3: 1.0}, {1: 0.3}
    top = kacrice.complexity(xi, -1.6, deformation=h)
    ms = np.linspace(-0.9, 0.9, 37)
    vals = [deformed.sigma(xi, h, -1.6, m) for m in ms]
    assert max(vals) <= top + 1e-10
    # the supremum over m by a bounded 1-d search of the fixed-overlap exponent (the
    # complexity's own search is a 2-d grid and Nelder-Mead): the same number
    i = int(np.argmax(vals))
    res = optimize.minimize_scalar(lambda m: -deformed.sigma(xi, h, -1.6, m),
                                   bounds=(ms[i - 1], ms[i + 1]), method="bounded",
                                   options={"xatol": 1e-12})
    assert -res.fun == pytest.approx(top, abs=1e-10)


def test_minima_below_the_bbp_threshold_are_refused():
    # theta~ = 2 d / sqrt(2 xi''(1)) = -0.87 < -1/sqrt 2: the outlier sits below the bulk
    with pytest.raises(ReplicaError, match="outlier"):
        kacrice.complexity({3: 1.0}, -1.65, 0, deformation={2: -1.5})
    with pytest.raises(ReplicaError, match="outlier"):
        deformed.sigma({3: 1.0}, {2: -1.5}, -1.65, 0.0, k=0)


def test_bad_input_is_named():
    for bad, word in (({0: 1.0}, "degree"), ({1: math.nan}, "finite"), ("x", "dict"),
                      ({1.5: 1.0}, "degree")):
        with pytest.raises(ModelError, match=word):
            kacrice.complexity({3: 1.0}, -1.6, deformation=bad)
    with pytest.raises(ModelError, match="index k = 1"):
        kacrice.complexity({3: 1.0}, -1.6, 1, deformation={2: 0.1})
    with pytest.raises(ValueError, match="monte_carlo"):
        kacrice.expected_count(3, {3: 1.0}, method="exact", deformation={2: 0.1})
    with pytest.raises(ModelError, match="samples"):
        deformed.expected_count(3, {3: 1.0}, {2: 0.1}, samples=1)
    with pytest.raises(ModelError, match="overlap m"):
        deformed.sigma({3: 1.0}, {2: 0.1}, -1.6, 1.0)


def _log_ratio(N, xi, h, samples, seed):
    # common random numbers: both counts average over the same GOE matrices
    a = deformed.expected_count(N, xi, h, samples=samples, rng=seed)
    b = deformed.expected_count(N, xi, {}, samples=samples, rng=seed)
    return math.log(a.total / b.total) / N


def test_finite_n_counts_approach_the_large_n_effect_of_a_field():
    """(1/N) ln(E Crit_N(h) / E Crit_N(0)) from the finite-N Monte Carlo (an independent route)
    extrapolated linearly in 1/N from N = 10, 20 against the large-N difference of the
    complexities (-0.0150 for h = 0.3 m).  Tolerance 0.003: three times the seed-to-seed
    scatter of the extrapolation (0.0004 over seeds 1-3) plus its 1/N^2 remainder (the slow
    test's N = 40, 60 values lie within 0.0005 of the line); a factor-2 error in the gradient
    penalty or the field's energy shift moves the target by more than 0.01."""
    xi, h = {3: 1.0}, {1: 0.3}
    target = kacrice.complexity(xi, 10.0, deformation=h) - kacrice.complexity(xi, 10.0)
    assert target == pytest.approx(-0.015, abs=1e-6)  # = -h'(0)^2 / (2 xi'(1)) at u = inf
    r10, r20 = (_log_ratio(N, xi, h, 600, 1) for N in (10, 20))
    assert abs(r20 - target) < abs(r10 - target)
    assert 2 * r20 - r10 == pytest.approx(target, abs=0.003)


@pytest.mark.slow
@pytest.mark.parametrize("h", [{1: 0.3}, {2: -1.0}])
def test_finite_n_counts_approach_the_large_n_effect_slow(h):
    xi = {3: 1.0}
    target = kacrice.complexity(xi, 10.0, deformation=h) - kacrice.complexity(xi, 10.0)
    Ns = np.array([20, 40, 60])
    vals = np.array([_log_ratio(int(N), xi, h, 1500, 7) for N in Ns])
    a, b = np.polynomial.polynomial.polyfit(1.0 / Ns, vals, 1)
    assert a == pytest.approx(target, abs=0.002), (vals, a, target)
