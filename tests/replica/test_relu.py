"""Counting theory of ReLU activation regions (replica.relu) against exhaustive enumeration,
certified ranks and simulation.

The exact 1-d probability is checked against brute force over all (2n)^d1 tuples of
realisable rows with the certified rank of simulate.relu (an independent counting route: no
transfer matrix, no characterisation), and against sampled regions by a z-test.  Cover's count
is checked by exhaustive LP enumeration in tests/simulate/test_relu.py and here for a whole
network.  (Numbers of Karhadkar et al. 2024: the paper body was not retrievable here, so no
figure value is quoted.)
"""
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from replica import relu
from simulate import relu as sim


def test_cover_counts():
    assert [relu.cover_count(n, 2) for n in (1, 2, 5, 10)] == [2, 4, 10, 20]  # 2n in 1-d
    assert relu.cover_count(10, 3) == 2 * (1 + 9 + 36)
    assert relu.cover_count(4, 10) == 16  # d >= n: every dichotomy
    assert relu.nonempty_regions(10, 2, 3) == 92**3
    assert relu.nonempty_regions(10, 2, 3, bias=False) == 20**3


def test_nonempty_regions_of_a_network_by_exhaustive_lp():
    rng = np.random.default_rng(5)
    n, d0, d1 = 4, 1, 2
    X = rng.standard_normal((n, d0))
    count = 0
    for bits in itertools.product((0, 1), repeat=n * d1):
        A = np.array(bits, dtype=np.uint8).reshape(d1, n)
        count += sim.region_nonempty(A, X)
    assert count == relu.nonempty_regions(n, d0, d1) == 64


def _brute(n, d1, seed=0):
    X = np.sort(np.random.default_rng(seed).standard_normal((n, 1)), axis=0)
    steps = sim.step_patterns(n)
    full = 0
    for combo in itertools.product(range(2 * n), repeat=d1):
        full += sim.jacobian_rank(sim.region_jacobian(steps[list(combo)], X)) == n
    return Fraction(full, (2 * n) ** d1)


@pytest.mark.parametrize("n,d1", [(2, 1), (3, 2), (4, 3), (5, 3), (6, 3), (5, 4), (7, 3)])
def test_exact_1d_probability_is_the_brute_force_count(n, d1):
    assert relu.full_rank_probability_1d(n, d1, exact=True) == _brute(n, d1)


def test_exact_1d_probability_does_not_depend_on_the_data():
    assert _brute(5, 3, seed=1) == _brute(5, 3, seed=7) == relu.full_rank_probability_1d(
        5, 3, exact=True)


@pytest.mark.parametrize("n,d1", [(20, 29), (20, 40), (12, 8)])
def test_exact_1d_probability_against_sampled_regions(n, d1):
    p = relu.full_rank_probability_1d(n, d1)
    est = sim.full_rank_fraction(n, 1, d1, measure="nonempty", trials=400, rng=n + d1)
    se = math.sqrt(p * (1 - p) / 400)
    assert abs(est.value - p) < 4 * se, (est.value, p, se)


def test_limits_and_monotonicity():
    assert relu.full_rank_probability_1d(1, 3) == 1 - 0.5**3
    assert relu.full_rank_probability_1d(20, 10) < 1e-4   # 2 d1 = n parameters: rarely full
    ps = [relu.full_rank_probability_1d(15, d1) for d1 in (8, 12, 20, 40, 80)]
    assert all(a < b for a, b in zip(ps, ps[1:]))
    assert relu.full_rank_probability_1d(3, 300) == pytest.approx(1.0, abs=1e-12)


def test_upper_bound_for_uniform_patterns():
    est = sim.full_rank_fraction(12, 2, 8, measure="uniform", trials=300, rng=1)
    bound = relu.full_rank_upper_bound(12, 2, 8)
    assert est.value <= bound + 4 * math.sqrt(bound * (1 - bound) / 300)
    assert relu.full_rank_upper_bound(30, 2, 8) == 0.0  # more inputs than parameters


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        relu.full_rank_probability_1d(0, 3)
    with pytest.raises(ValueError, match="d1 must be an integer"):
        relu.nonempty_regions(5, 2, 2.5)


# ------------------------------------------------------------------------------------------
# rigorous bounds for uniform patterns


def _generic_full_rank_fraction(n, d0, d1, bias):
    """Exact fraction of all 2^(n d1) patterns whose Jacobian has rank n for generic data:
    the generic rank is the maximum over datasets, taken over two random integer datasets
    (certified exact ranks)."""
    rng = np.random.default_rng(11)
    Xs = [rng.integers(-50, 51, size=(n, d0)).astype(float) for _ in range(2)]
    v = np.ones(d1)
    full = 0
    for bits in itertools.product((0, 1), repeat=n * d1):
        A = np.array(bits, dtype=np.int8).reshape(d1, n)
        full += any(sim.jacobian_rank(sim.region_jacobian(A, X, v=v, bias=bias),
                                      method="exact") == n for X in Xs)
    return Fraction(full, 2 ** (n * d1))


@pytest.mark.parametrize("n,d0,d1,bias", [(3, 1, 2, True), (4, 1, 2, True), (4, 1, 3, True),
                                          (5, 1, 2, True), (3, 2, 2, False), (4, 2, 2, True)])
def test_full_rank_bounds_bracket_the_exhaustive_count(n, d0, d1, bias):
    """Every pattern enumerated (measured 2026-11-29: e.g. n = 4, d0 = 1, d1 = 3 with bias:
    0.4307 <= 0.5435 <= 0.5737; n = 4, d0 = 2, d1 = 2: 0.2109 <= 0.3047 <= 0.3086)."""
    b = relu.full_rank_bounds(n=n, d0=d0, d1=d1, bias=bias)
    exact = _generic_full_rank_fraction(n, d0, d1, bias)
    assert b.lower_exact <= exact <= b.upper_exact
    assert b.lower == float(b.lower_exact) and b.upper == float(b.upper_exact)
    if n > d1 * (d0 + bias):  # more inputs than parameters: never full rank
        assert b.upper_exact == 0 == exact


def test_full_rank_bounds_closed_forms():
    # lower bound: GF(2) full-rank probabilities of the groups, prod_{i<m} (1 - 2^(i - d1))
    b = relu.full_rank_bounds(n=6, d0=1, d1=3, bias=True)
    g = (1 - Fraction(1, 8)) * (1 - Fraction(1, 4)) * (1 - Fraction(1, 2))
    assert b.groups == (3, 3) and b.lower_exact == g * g
    # the upper bound is at most the no-zero-column probability (1 - 2^-d1)^n
    for n, d0, d1 in [(24, 4, 7), (10, 2, 4), (6, 1, 3)]:
        u = relu.full_rank_bounds(n=n, d0=d0, d1=d1).upper_exact
        assert u <= (1 - Fraction(1, 2 ** d1)) ** n
        assert float(u) <= relu.full_rank_upper_bound(n, d0, d1) + 1e-15
    with pytest.raises(ValueError, match="d1 must be an integer >= 1"):
        relu.full_rank_bounds(n=4, d0=1, d1=0)


def test_full_rank_bounds_contain_the_sampled_fraction():
    """The issue's example: n = 24, d0 = 4, d1 = 7, uniform patterns (0.3219 <= P <= 0.8284);
    the sampled fraction (300 patterns, certified ranks) lies inside, within 4 standard errors
    (measured 0.807 +- 0.023 at rng = 0)."""
    b = relu.full_rank_bounds(n=24, d0=4, d1=7)
    assert b.lower == pytest.approx(0.32189839075275506, rel=1e-12)  # regression pin
    est = sim.full_rank_fraction(n=24, d0=4, d1=7, measure="uniform", trials=300, rng=0)
    assert b.lower - 4 * est.stderr <= est.value <= b.upper + 4 * est.stderr


def _version_space_entropy_scipy(alpha):
    """Independent transcription (no engine code): max over q of
    ln(1-q)/2 + q/2 + 2 alpha E_t[H(-c t) ln H(-c t)], c = sqrt(q/(1-q)), by QUADPACK and a
    bounded scalar maximisation (Engel and Van den Broeck, Statistical Mechanics of Learning,
    ch. 2: the Gibbs student's version-space entropy on the Nishimori line)."""
    from scipy import integrate, optimize
    from scipy.special import log_ndtr, ndtr

    def f(q):
        c = math.sqrt(q / (1 - q))
        g = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi) * ndtr(c * t) \
            * log_ndtr(c * t)  # noqa: E731
        integral = integrate.quad(g, -40, 40, points=[0.0], epsabs=1e-15, limit=400)[0]
        return 0.5 * math.log(1 - q) + q / 2 + 2 * alpha * integral

    r = optimize.minimize_scalar(lambda q: -f(q), bounds=(1e-9, 1 - 1e-9), method="bounded",
                                 options={"xatol": 1e-12})
    return f(r.x)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 3.0])
def test_init_region_volume_against_independent_quadrature(alpha):
    """Measured 2026-11-29: -0.32166580761133445 / -0.5964412556889797 at alpha = 0.5 / 1
    (SciPy) against the engine's -0.3216658076113346 / -0.5964412556889793.  Tolerance 1e-9:
    phi is stationary in q, so the reference's q error (1e-6 from the bounded search) enters
    squared."""
    assert relu.init_log_volume(alpha) == pytest.approx(_version_space_entropy_scipy(alpha),
                                                          abs=1e-9)


def test_init_region_volume_limits_and_size_bias():
    # alpha -> 0: every label halves the volume, s = -alpha ln 2 + O(alpha^2)
    a = 1e-3
    assert abs(relu.init_log_volume(a) / a + math.log(2)) < 2 * a
    # the initialisation draws regions with probability their volume: larger than the
    # typical region of random labels at the same load
    for a in (0.25, 0.5, 1.5):
        assert relu.init_log_volume(a) > relu.typical_log_volume(a) + 1e-3
    for bad in (0.0, -1.0, float("nan"), "x"):
        with pytest.raises(ValueError, match="alpha"):
            relu.init_log_volume(bad)
