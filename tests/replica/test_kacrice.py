"""Kac-Rice complexity of spherical spin glasses (replica.spinglass.kacrice).

References, and how each number was obtained:

* Auffinger, Ben Arous and Cerny (ABC), Comm. Pure Appl. Math. 66, 165 (2013): the closed forms
  of Theta_k(u) and Theta(u) for pure p (their Theorems 2.5 and 2.8, recalled and typed here
  independently of the module, which evaluates a general supremum numerically); E_inf =
  2 sqrt((p-1)/p); E_0 = 1.657 for p = 3 (recalled, 4 digits); their exact finite-N
  representation E Crit_{N,k} = 2 sqrt(2/p) (p-1)^{N/2} E_GOE(N)[exp(-N (p-2)/(2p) lambda_k^2)]
  with lambda_k the (k+1)-th smallest eigenvalue of a GOE matrix with off-diagonal variance
  1/(2N) (recalled), evaluated here by plain Monte Carlo of GOE spectra: an independent route
  to the module's de Bruijn Pfaffian.
* Auffinger and Ben Arous, Ann. Probab. 41, 4214 (2013): for mixed models the total number of
  critical points grows like exp(N ln(xi''/xi')/2) (recalled).
* p = 2: a quadratic form on the sphere has exactly 2 critical points of each index (exact).
"""
import math

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from replica import ModelError, ReplicaError
from replica.spinglass import kacrice


def _I1(u, E):
    return -u / E**2 * math.sqrt(u * u - E * E) - math.log(-u + math.sqrt(u * u - E * E)) \
        + math.log(E)


def _theta_abc(p, u, k=None):
    E = 2 * math.sqrt((p - 1) / p)
    base = 0.5 * math.log(p - 1) - (p - 2) / (4 * (p - 1)) * u * u
    if k is None:
        if u < -E:
            return base - _I1(u, E)
        return base if u <= 0 else 0.5 * math.log(p - 1)
    if u < -E:
        return base - (k + 1) * _I1(u, E)
    return 0.5 * math.log(p - 1) - (p - 2) / p


@pytest.mark.parametrize("p", [3, 4, 5])
def test_pure_complexity_is_abc_closed_form(p):
    E = 2 * math.sqrt((p - 1) / p)
    assert kacrice.E_inf({p: 1.0}) == pytest.approx(E, rel=1e-14)
    for u in (-2.2, -1.9, -E - 1e-3, -E + 1e-3, -1.0, -0.2, 0.4):
        for k in (None, 0, 1, 2, 3):
            assert kacrice.complexity({p: 1.0}, u, k) == pytest.approx(
                _theta_abc(p, u, k), abs=1e-10), (u, k)


@pytest.mark.parametrize("p", [3, 4, 5])
def test_E_k_are_the_zeros_of_the_closed_form(p):
    E = 2 * math.sqrt((p - 1) / p)
    prev = math.inf
    for k in range(4):
        ref = -optimize.brentq(lambda u: _theta_abc(p, u, k), -5.0, -E, xtol=1e-15)
        ek = kacrice.E_k({p: 1.0}, k)
        assert ek == pytest.approx(ref, abs=1e-10)
        assert E < ek < prev  # the bands E_inf < ... < E_1 < E_0
        prev = ek
    if p == 3:
        assert kacrice.E_k({3: 1.0}, 0) == pytest.approx(1.657, abs=5e-4)  # ABC, recalled


def test_scaling_of_the_covariance():
    """H -> c H multiplies xi by c^2 and the energies by c."""
    xi = {2: 0.3, 4: 1.0}
    for c in (1.7, 0.05, 30.0):
        _check_scaling(xi, c)
    for c in (0.05, 30.0):
        _check_scaling({3: 1.0}, c)


def _check_scaling(xi, c):
    xi2 = {p: c * c * v for p, v in xi.items()}
    assert kacrice.E_inf(xi2) == pytest.approx(c * kacrice.E_inf(xi), rel=1e-13)
    for u in (-2.0, -1.5, -0.5):
        for k in (None, 0, 2):
            assert kacrice.complexity(xi2, c * u, k) == pytest.approx(
                kacrice.complexity(xi, u, k), abs=1e-10)


@pytest.mark.parametrize("xi", [{2: 0.3, 4: 1.0}, {3: 1.0, 4: 0.5}, {2: 1.0, 3: 0.2}])
def test_mixed_total_count_and_threshold(xi):
    d1 = sum(c * p for p, c in xi.items())
    d2 = sum(c * p * (p - 1) for p, c in xi.items())
    x1 = sum(xi.values())
    # all critical points: exp(N ln(xi''/xi')/2) (Auffinger-Ben Arous)
    assert kacrice.complexity(xi, 50.0) == pytest.approx(0.5 * math.log(d2 / d1), abs=1e-10)
    # E_inf = (xi'' - xi' + xi'^2)/(xi' sqrt(xi'')) for xi(1) = 1, with the scaling above
    n = {p: c / x1 for p, c in xi.items()}
    n1 = d1 / x1
    n2 = d2 / x1
    ref = (n2 - n1 + n1 * n1) / (n1 * math.sqrt(n2)) * math.sqrt(x1)
    assert kacrice.E_inf(xi) == pytest.approx(ref, rel=1e-12)
    assert kacrice.E_inf(n) == pytest.approx(ref / math.sqrt(x1), rel=1e-12)


@pytest.mark.parametrize("N", [2, 3, 4, 5, 7, 9])
def test_quadratic_form_has_two_critical_points_per_index(N):
    c = kacrice.expected_count(N, {2: 0.7})
    assert c.method == "exact"
    np.testing.assert_allclose(c.by_index, 2.0, rtol=1e-11)
    assert np.all(c.error < 1e-9) and c.total == pytest.approx(2.0 * N, rel=1e-11)


def test_det_moments_against_direct_integrals():
    # N = 2: W is one N(0, 1) number
    for t in (-1.3, 0.2, 2.0):
        d = kacrice.det_moments(2, t)
        assert d[0] == pytest.approx(stats.norm.expect(lambda w: w - t, lb=t), rel=1e-12)
        assert d[1] == pytest.approx(stats.norm.expect(lambda w: t - w, ub=t), rel=1e-12)
    # N = 3: W is 2 x 2, eigenvalue density |l1 - l2| exp(-(l1^2 + l2^2)/2)/(4 sqrt(pi))
    for t in (-0.7, 0.9):
        d = kacrice.det_moments(3, t)
        for k in range(3):
            def f(l2, l1, k=k):  # ordered l1 < l2
                if (l1 < t) + (l2 < t) != k:
                    return 0.0
                return (abs(l1 - t) * abs(l2 - t) * (l2 - l1)
                        * math.exp(-(l1 * l1 + l2 * l2) / 2) / (4 * math.sqrt(math.pi)) * 2)
            pts = sorted([t, -12.0, 12.0])
            ref = 0.0
            for a, b in zip(pts, pts[1:]):  # l1 in [a, b], l2 in [l1, 12]
                ref += integrate.dblquad(f, a, b, lambda x: x, lambda x: 12.0,
                                         epsabs=1e-13, epsrel=1e-11)[0]
            assert d[k] == pytest.approx(ref, rel=1e-8, abs=1e-12), (t, k)


@pytest.mark.parametrize("N,p", [(3, 3), (4, 3), (5, 4)])
def test_exact_count_against_abc_representation_by_monte_carlo(N, p):
    """ABC's finite-N identity, by plain Monte Carlo of GOE(N) spectra (seeded)."""
    rng = np.random.default_rng(2024 + N)
    S = 100_000
    g = rng.standard_normal((S, N, N))
    lam = np.linalg.eigvalsh((g + np.transpose(g, (0, 2, 1))) / 2 / math.sqrt(N))
    w = np.exp(-N * (p - 2) / (2 * p) * lam**2)
    pre = 2 * math.sqrt(2 / p) * (p - 1) ** (N / 2)
    est, se = pre * w.mean(axis=0), pre * w.std(axis=0) / math.sqrt(S)
    c = kacrice.expected_count(N, {p: 1.0})
    z = (c.by_index - est) / se
    assert np.all(np.abs(z) < 4.5), z
    # and H -> -H: index k and N - 1 - k are equally many
    np.testing.assert_allclose(c.by_index, c.by_index[::-1], rtol=1e-10)


def test_monte_carlo_method_agrees_with_exact():
    c = kacrice.expected_count(5, {3: 1.0, 2: 0.2}, window=(-1.8, -0.5))
    m = kacrice.expected_count(5, {3: 1.0, 2: 0.2}, window=(-1.8, -0.5),
                               method="monte_carlo", samples=8000, rng=3)
    assert m.method == "monte_carlo"
    mask = c.by_index > 1e-3
    z = (m.by_index[mask] - c.by_index[mask]) / m.error[mask]
    assert np.all(np.abs(z) < 4.5), z


def test_windows_add_up_and_cut_the_energy():
    xi = {3: 1.0}
    full = kacrice.expected_count(5, xi)
    lo = kacrice.expected_count(5, xi, window=(-math.inf, -0.3))
    hi = kacrice.expected_count(5, xi, window=(-0.3, math.inf))
    np.testing.assert_allclose(lo.by_index + hi.by_index, full.by_index, rtol=1e-9)
    assert lo.by_index[0] > hi.by_index[0] and lo.by_index[-1] < hi.by_index[-1]


def test_bad_input_is_named():
    with pytest.raises(ModelError, match="must be finite and >= 0"):
        kacrice.E_inf({3: -1.0})
    with pytest.raises(ModelError, match="not a real number"):
        kacrice.complexity({3: "a"}, -1.0)
    with pytest.raises(ModelError, match="p = 1 must be >= 2"):
        kacrice.E_inf({1: 1.0})
    with pytest.raises(ModelError, match="no positive coefficient"):
        kacrice.E_inf({3: 0.0})
    with pytest.raises(ModelError, match="N must be an integer >= 2"):
        kacrice.expected_count(1, {3: 1.0})
    with pytest.raises(ValueError, match="index k"):
        kacrice.complexity({3: 1.0}, -1.7, k=-1)
    with pytest.raises(ValueError, match="lo < hi"):
        kacrice.expected_count(4, {3: 1.0}, window=(1.0, -1.0))
    with pytest.raises(ReplicaError, match="no band"):
        kacrice.E_k({2: 1.0}, 0)
