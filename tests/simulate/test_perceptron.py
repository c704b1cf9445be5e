"""Tests of simulate.perceptron against independent SciPy twins."""
import numpy as np
import pytest
from scipy.optimize import linprog, minimize

from simulate.patterns import binary_patterns, gaussian_patterns
from simulate.feasibility import instance_capacity, is_sat
from simulate.perceptron import (
    ConvergenceError,
    MaxMarginResult,
    max_margin,
    max_margin_certified,
)


# --- slow twins ---------------------------------------------------------------------------


def svm_twin(xi):
    """Hard-margin SVM without bias: min |v|^2 s.t. v.xi^mu >= 1; kappa_max = 1/|v*| (SLSQP)."""
    P, N = xi.shape
    v0 = np.linalg.lstsq(xi, np.ones(P) * 2.0, rcond=None)[0]
    res = minimize(lambda v: v @ v, v0, jac=lambda v: 2 * v, method="SLSQP",
                   constraints=[{"type": "ineq", "fun": lambda v: xi @ v - 1.0,
                                 "jac": lambda v: xi}],
                   options={"ftol": 1e-12, "maxiter": 1000})
    assert res.success, res.message
    assert np.min(xi @ res.x) > 1 - 1e-9
    return 1.0 / np.linalg.norm(res.x)


def separable_twin(xi):
    """LP: is there u with xi u >= 1 (i.e. kappa_max > 0)? (HiGHS)"""
    P, N = xi.shape
    res = linprog(np.zeros(N), A_ub=-xi, b_ub=-np.ones(P), bounds=(None, None), method="highs")
    assert res.status in (0, 2)
    return res.status == 0


# --- max_margin against the twins ---------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("P, N", [(8, 10), (15, 10), (18, 12)])
def test_max_margin_matches_svm_twin(seed, P, N):
    xi = gaussian_patterns(P, N, rng=np.random.default_rng(seed))
    if not separable_twin(xi):
        pytest.skip("instance not separable")
    kappa = max_margin(xi)
    assert kappa == pytest.approx(svm_twin(xi), abs=1e-7)


@pytest.mark.parametrize("seed", range(4))
def test_certificate(seed):
    N = 30
    xi = gaussian_patterns(45, N, rng=np.random.default_rng(seed))
    res = max_margin_certified(xi, tol=1e-9)
    assert isinstance(res, MaxMarginResult)
    assert res.status == "separable" and res.separable
    assert res.lower <= res.kappa_max <= res.upper
    assert res.upper - res.lower <= 1e-9
    assert res.w @ res.w == pytest.approx(N, rel=1e-12)
    stab = xi @ res.w / np.sqrt(N)
    assert np.min(stab) >= res.lower - 1e-12
    # upper bound: |p| for p in the hull -> no w beats it; check with the SVM twin
    assert res.lower - 1e-7 <= svm_twin(xi) <= res.upper + 1e-7


def test_closed_form_single_and_orthogonal_patterns():
    N = 9
    x = np.zeros((1, N))
    x[0, 2] = 3.0
    assert max_margin(x) == pytest.approx(3.0, abs=1e-12)  # kappa_max = |xi|
    # P orthogonal patterns of norm sqrt(N): distance to their simplex = sqrt(N/P)
    xi = np.sqrt(N) * np.eye(N)[:4]
    assert max_margin(xi) == pytest.approx(np.sqrt(N / 4), abs=1e-8)


# --- non-separable sets: the sign ---------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_non_separable_gaussian_sign(seed):
    xi = gaussian_patterns(75, 25, rng=np.random.default_rng(seed))  # alpha = 3 > 2
    assert not separable_twin(xi)
    res = max_margin_certified(xi)
    assert res.status == "non_separable" and not res.separable
    assert res.kappa_max < 0.0
    assert res.upper == 0.0 and res.lower == res.kappa_max
    assert np.min(xi @ res.w / np.sqrt(25)) == pytest.approx(res.lower, abs=1e-12)


def test_cross_polytope_value_is_a_lower_bound():
    # xi = +-sqrt(N) e_i: hull = cross-polytope, kappa_max = -(inradius) = -1 exactly.
    N = 6
    xi = np.sqrt(N) * np.vstack([np.eye(N), -np.eye(N)])
    kappa = max_margin(xi)
    assert kappa < 0.0
    assert kappa <= -1.0 + 1e-12


def test_plus_minus_pair_in_large_set_is_negative():
    rng = np.random.default_rng(5)
    N = 20
    x = rng.standard_normal(N)
    xi = np.vstack([x, gaussian_patterns(50, N, rng=rng), -x])
    res = max_margin_certified(xi)
    assert res.status == "non_separable"
    assert res.kappa_max < 0.0


def test_degenerate_boundary_pair():
    # {x, -x, ...} with P < N: origin on the hull's boundary, kappa_max = 0 exactly.
    rng = np.random.default_rng(2)
    N = 10
    x = rng.standard_normal(N)
    xi = np.vstack([x, -x, rng.standard_normal((3, N))])
    res = max_margin_certified(xi)
    assert res.status == "degenerate" and res.kappa_max == 0.0 and not res.separable
    assert np.max(np.abs(xi @ res.w)) < 1e-12
    assert res.w @ res.w == pytest.approx(N)
    assert is_sat(xi, 0.0)
    assert not is_sat(xi, 1e-6)


def test_binary_patterns_separable_matches_twin():
    xi = binary_patterns(14, 12, rng=np.random.default_rng(8))
    if not separable_twin(xi):
        pytest.skip("instance not separable")
    assert max_margin(xi) == pytest.approx(svm_twin(xi), abs=1e-6)


# --- reproducibility ------------------------------------------------------------------------


def test_reproducible_bit_for_bit():
    def run():
        xi = gaussian_patterns(60, 40, rng=np.random.default_rng(123))
        return max_margin_certified(xi)

    a, b = run(), run()
    assert a.kappa_max == b.kappa_max and a.iterations == b.iterations
    assert np.array_equal(a.w, b.w)


# --- is_sat and the Cover/Gardner capacity --------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_cover_capacity_kappa0(seed):
    # alpha_c(kappa=0) = 2: at N = 200, alpha = 1.5 is SAT and alpha = 3 UNSAT with probability
    # 1 - O(1e-9) (Cover's counting function).
    rng = np.random.default_rng(seed)
    N = 200
    assert is_sat(gaussian_patterns(300, N, rng=rng), 0.0)
    assert not is_sat(gaussian_patterns(600, N, rng=rng), 0.0)


@pytest.mark.parametrize("seed", range(4))
def test_is_sat_agrees_with_max_margin(seed):
    xi = gaussian_patterns(30, 20, rng=np.random.default_rng(seed))
    res = max_margin_certified(xi, tol=1e-12)
    assert res.separable
    for kappa in (0.0, 0.5 * res.lower, res.lower - 1e-6, res.upper + 1e-6, 2 * res.upper):
        assert is_sat(xi, kappa) == (kappa < res.kappa_max)


def test_is_sat_rejects_negative_kappa():
    xi = gaussian_patterns(5, 4, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="kappa"):
        is_sat(xi, -0.1)
    with pytest.raises(ValueError, match="NaN"):
        is_sat(xi, float("nan"))


# --- instance capacity ----------------------------------------------------------------------


@pytest.mark.parametrize("kappa", [0.0, 0.5])
@pytest.mark.parametrize("seed", range(3))
def test_instance_capacity_matches_linear_scan(seed, kappa):
    N = 15
    xi = gaussian_patterns(60, N, rng=np.random.default_rng(seed))
    pc = instance_capacity(xi, kappa)
    # twin: separability of the prefixes by LP (kappa = 0) or the SVM (kappa > 0)
    def sat(P):
        if kappa == 0.0:
            return P < N or separable_twin(xi[:P])
        return separable_twin(xi[:P]) and svm_twin(xi[:P]) >= kappa

    assert sat(pc)
    assert not sat(pc + 1)


def test_instance_capacity_needs_more_patterns():
    xi = gaussian_patterns(10, 20, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="supply more patterns"):
        instance_capacity(xi, 0.0)


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "xi, culprit",
    [
        (np.ones(5), "shape"),
        (np.ones((0, 3)), "P >= 1"),
        (np.ones((3, 0)), "N >= 1"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), "non-finite"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), "non-finite"),
        (np.zeros((2, 3)), "all zeros"),
    ],
)
def test_bad_patterns(xi, culprit):
    for f in (max_margin, lambda a: is_sat(a, 0.0), lambda a: instance_capacity(a, 0.0)):
        with pytest.raises(ValueError, match=culprit):
            f(xi)


def test_bad_options():
    xi = gaussian_patterns(5, 4, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="tol"):
        max_margin(xi, tol=0.0)
    with pytest.raises(ValueError, match="max_iter"):
        max_margin(xi, max_iter=0)


def test_max_iter_raises_with_bounds_and_throw_false():
    xi = gaussian_patterns(60, 40, rng=np.random.default_rng(1))
    with pytest.raises(ConvergenceError) as info:
        max_margin_certified(xi, max_iter=3)
    err = info.value
    assert err.iterations == 3 and err.lower <= err.upper
    res = max_margin_certified(xi, max_iter=3, throw=False)
    assert res.status == "max_iter" and res.lower <= res.upper


# --- Wolfe's min-norm-point phase near the threshold alpha = 2 --------------------------------

from math import comb  # noqa: E402

import simulate.perceptron as perceptron_module  # noqa: E402


def origin_in_hull_twin(xi):
    """LP feasibility of {lamda >= 0, sum lamda = 1, xi^T lamda = 0} (HiGHS)."""
    P, N = xi.shape
    A_eq = np.vstack([xi.T, np.ones((1, P))])
    b_eq = np.concatenate([np.zeros(N), [1.0]])
    res = linprog(np.zeros(P), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status not in (0, 2):
        return None  # HiGHS undecided on a near-degenerate instance
    return res.status == 0


def hull_distance_twin(xi):
    """min |sum lamda_mu xi^mu| over the simplex (SLSQP): the distance of 0 to the hull."""
    P = xi.shape[0]
    G = xi @ xi.T
    res = minimize(lambda lam: lam @ G @ lam, np.full(P, 1.0 / P), jac=lambda lam: 2 * G @ lam,
                   method="SLSQP", bounds=[(0.0, 1.0)] * P,
                   constraints=[{"type": "eq", "fun": lambda lam: lam.sum() - 1.0,
                                 "jac": lambda lam: np.ones(P)}],
                   options={"ftol": 1e-16, "maxiter": 2000})
    lam = np.clip(res.x, 0.0, None)
    lam /= lam.sum()
    return float(np.linalg.norm(lam @ xi))


def _solve_raw(xi, use_wolfe, monkeypatch):
    monkeypatch.setattr(perceptron_module, "_USE_WOLFE", use_wolfe)
    prob = perceptron_module._Problem(np.ascontiguousarray(xi, dtype=np.float64))
    P = prob.P
    out = perceptron_module._solve(prob, P, np.full(P, 1.0 / P), kappa_sat=np.inf,
                                   kappa_unsat=-np.inf, tol=1e-9, max_iter=10_000_000)
    return prob, out


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("N", [20, 40, 60])
def test_wolfe_near_threshold_matches_twins(seed, N, monkeypatch):
    rng = np.random.default_rng(1000 * N + seed)
    alpha = rng.uniform(1.8, 2.3)
    P = int(round(alpha * N))
    xi = gaussian_patterns(P, N, rng=rng)
    prob, (code, lam, lower, upper, its, _, _, cert) = _solve_raw(xi, True, monkeypatch)
    in_hull = origin_in_hull_twin(xi)
    separable = code != perceptron_module._NONSEP
    if in_hull is not None:
        assert separable == (not in_hull)
    if separable:
        assert code == perceptron_module._GAP
        # certificate from xi: lower = margin of p/|p|, upper = |p| with p in the hull
        lam_n = lam / lam.sum()
        assert np.all(lam_n >= 0.0)
        p = lam_n @ xi
        lo_x = np.min(xi @ p) / np.linalg.norm(p)
        up_x = np.linalg.norm(p)
        assert 0.0 < lo_x <= up_x <= lo_x + 1e-9
        # SciPy twin of the distance (SLSQP on the simplex): an upper bound on kappa_max
        d_twin = hull_distance_twin(xi)
        assert lo_x - 1e-9 <= d_twin <= up_x + 1e-5
        # the pair-step method alone agrees
        _, (code2, lam2, lo2, up2, *_rest) = _solve_raw(xi, False, monkeypatch)
        assert code2 == perceptron_module._GAP
        assert max(lo_x, lo2) <= min(up_x, up2) + 1e-12
    else:
        assert code == perceptron_module._NONSEP
        assert np.all(cert >= 0.0) and cert.sum() == pytest.approx(1.0, abs=1e-12)
        assert np.linalg.norm(cert @ xi) <= prob.cert_tol
        monkeypatch.setattr(perceptron_module, "_USE_WOLFE", True)
        res = max_margin_certified(xi)
        assert res.status == "non_separable" and res.kappa_max < 0.0


def cover_sat_probability(P, N):
    """Cover (1965): P(P Gaussian patterns in R^N are linearly separable through the origin)."""
    if P <= N:
        return 1.0
    return 2.0 ** (1 - P) * sum(comb(P - 1, k) for k in range(N))


@pytest.mark.parametrize("P", [55, 60, 65])
def test_cover_probability_statistical(P):
    N, n = 30, 400
    rng = np.random.default_rng(20_000 + P)
    hits = sum(is_sat(gaussian_patterns(P, N, rng=rng), 0.0) for _ in range(n))
    p = cover_sat_probability(P, N)
    se = np.sqrt(p * (1 - p) / n)
    assert abs(hits / n - p) <= 4 * se, (hits / n, p, se)


def cover_capacity_moments(N, P_max):
    """Mean and variance of P_c from P(P_c >= P) = P(SAT with P patterns)."""
    tail = [cover_sat_probability(P, N) for P in range(1, P_max + 1)]
    mean = sum(tail)
    second = sum((2 * P - 1) * t for P, t in zip(range(1, P_max + 1), tail))
    return mean, second - mean ** 2


def test_cover_mean_instance_capacity_statistical():
    N, n, P_max = 20, 300, 100
    assert cover_sat_probability(P_max, N) < 1e-8
    rng = np.random.default_rng(31_415)
    pcs = np.array([instance_capacity(gaussian_patterns(P_max, N, rng=rng), 0.0)
                    for _ in range(n)])
    mean, var = cover_capacity_moments(N, P_max)
    se = np.sqrt(var / n)
    assert abs(pcs.mean() - mean) <= 4 * se, (pcs.mean() / N, mean / N, se / N)


@pytest.mark.slow
@pytest.mark.parametrize("N", [160, 400])
def test_wolfe_large_n_threshold_decisions(N, monkeypatch):
    rng = np.random.default_rng(N)
    for alpha in (1.9, 2.0, 2.1, 2.2):
        xi = gaussian_patterns(int(alpha * N), N, rng=rng)
        prob, (code, lam, lower, upper, its, _, _, cert) = _solve_raw(xi, True, monkeypatch)
        if code == perceptron_module._NONSEP:
            assert np.all(cert >= 0.0)
            assert np.linalg.norm(cert @ xi) <= prob.cert_tol
            assert origin_in_hull_twin(xi) in (True, None)
        else:
            assert code == perceptron_module._GAP and lower > 0.0
            assert origin_in_hull_twin(xi) in (False, None)


@pytest.mark.slow
def test_cover_mean_instance_capacity_n100_statistical():
    N, n, P_max = 100, 100, 300
    rng = np.random.default_rng(27_182)
    pcs = np.array([instance_capacity(gaussian_patterns(P_max, N, rng=rng), 0.0)
                    for _ in range(n)])
    mean, var = cover_capacity_moments(N, P_max)
    assert abs(pcs.mean() - mean) <= 4 * np.sqrt(var / n)
