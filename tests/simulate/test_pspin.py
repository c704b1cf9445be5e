"""Finite-N spherical spin glasses (simulate.pspin): statistics of the couplings, Riemannian
derivatives, critical points, descent and Langevin dynamics.  Independent references only:
finite differences along geodesics, the exact spectrum of a quadratic form, and the
covariance E[H(s) H(s')] = N xi(s.s'/N) that defines the model."""
import math

import numpy as np
import pytest

from simulate import pspin


def _on_sphere(rng, N):
    s = rng.standard_normal(N)
    return s * math.sqrt(N) / np.linalg.norm(s)


def test_covariance_of_the_energy():
    """E[H(s) H(s')] = N xi(q) over coupling draws (z-test, seeded)."""
    N, xi = 6, {2: 0.4, 3: 1.0}
    rng = np.random.default_rng(0)
    s = _on_sphere(rng, N)
    s2 = _on_sphere(rng, N)
    q = s @ s2 / N
    draws = 4000
    h = np.empty((draws, 2))
    for i in range(draws):
        J = pspin.couplings(N, xi, rng=i)
        h[i] = N * pspin.energy(J, s), N * pspin.energy(J, s2)
    xi_q = 0.4 * q**2 + q**3
    for val, ref in ((np.mean(h[:, 0] ** 2), N * 1.4), (np.mean(h[:, 0] * h[:, 1]), N * xi_q)):
        prod = h[:, 0] ** 2 if ref == N * 1.4 else h[:, 0] * h[:, 1]
        se = prod.std(ddof=1) / math.sqrt(draws)
        assert abs(val - ref) < 4 * se, (val, ref, se)
    assert abs(h.mean()) < 4 * h.std() / math.sqrt(h.size)


def test_riemannian_derivatives_by_finite_differences():
    N = 7
    J = pspin.couplings(N, {2: 0.3, 3: 1.0, 4: 0.5}, rng=4)
    rng = np.random.default_rng(1)
    s = _on_sphere(rng, N)
    v = rng.standard_normal(N)
    v -= (v @ s) / N * s
    v /= np.linalg.norm(v)

    def f(t):  # H along the geodesic through s with unit speed sqrt(N) v/sqrt(N)
        return N * pspin.energy(J, math.cos(t) * s + math.sin(t) * math.sqrt(N) * v)

    h = 1e-4
    d1 = (f(h) - f(-h)) / (2 * h)
    d2 = (f(h) - 2 * f(0) + f(-h)) / h**2
    g = pspin.gradient(J, s)
    H = pspin.hessian(J, s)
    assert abs(g @ s) < 1e-10 * np.linalg.norm(g) * math.sqrt(N)  # tangent
    assert d1 == pytest.approx(g @ (math.sqrt(N) * v), rel=1e-7)
    assert d2 == pytest.approx(N * v @ H @ v, rel=1e-5)
    ev = pspin.tangent_eigenvalues(J, s)
    full = np.sort(np.linalg.eigvalsh(H))
    # the N x N Hessian has the tangent eigenvalues and 0 (radial)
    np.testing.assert_allclose(np.sort(np.append(ev, 0.0)), full, atol=1e-10)


def test_quadratic_form_critical_points_are_the_eigenvectors():
    N = 6
    J = pspin.couplings(N, {2: 1.0}, rng=3)
    (_, T), = J.tensors
    lam = np.linalg.eigvalsh(T)  # H(s) = s T s: critical values N lambda_k, index k
    cp = pspin.critical_points(J, n_starts=400, rng=1)
    np.testing.assert_array_equal(cp.counts_by_index, [2] * N)
    for k in range(N):
        e = cp.energies[cp.indices == k]
        np.testing.assert_allclose(e, lam[k], rtol=1e-10)


def test_critical_points_of_a_mixed_model_are_critical_with_their_index():
    """Mixed xi = 0.3 q^2 + q^4 (degrees 2 and 4: the compiled contractions of two tensors):
    every reported point is critical by the NumPy gradient, its energy and index agree with
    energy() and tangent_eigenvalues() (plain NumPy, Householder basis), the points are
    distinct and every converged start is counted once."""
    N = 5
    J = pspin.couplings(N, {2: 0.3, 4: 1.0}, rng=4)
    cp = pspin.critical_points(J, n_starts=300, rng=2)
    assert cp.points.shape[0] >= 2 * 1  # at least the two global extrema
    assert cp.hits.sum() == cp.n_converged <= cp.n_starts
    for s, e, k in zip(cp.points, cp.energies, cp.indices):
        assert np.linalg.norm(pspin.gradient(J, s)) / np.sqrt(N) <= 1e-10
        assert e == pytest.approx(pspin.energy(J, s), rel=1e-12, abs=1e-12)
        ev = pspin.tangent_eigenvalues(J, s)
        assert np.min(np.abs(ev)) > 1e-8  # no marginal point: the index is well defined
        assert k == int(np.sum(ev < 0))
    d = np.linalg.norm(cp.points[:, None, :] - cp.points[None, :, :], axis=2)
    assert np.all(d[np.triu_indices(len(d), 1)] > 1e-6 * np.sqrt(N))


def test_descent_ends_at_a_local_minimum():
    J = pspin.couplings(40, {3: 1.0}, rng=5)
    r = pspin.gradient_descent(J, _on_sphere(np.random.default_rng(2), 40))
    assert r.converged and r.grad_norm <= 1e-8
    assert r.index == 0 and r.hessian_eigenvalues[0] > 0
    assert r.energy == pytest.approx(pspin.energy(J, r.s), abs=1e-14)
    assert -2.0 < r.energy < -1.3  # ground state ~ -1.657 (N -> inf), threshold -1.633


def test_langevin_at_high_temperature_has_the_paramagnetic_energy():
    """Above the dynamical transition the equilibrium energy per spin is -beta xi(1) (the
    annealed value, exact for the paramagnet), up to finite-N corrections O(1/N)."""
    beta, N = 0.4, 60
    means = []
    for seed in range(6):
        J = pspin.couplings(N, {3: 1.0}, rng=100 + seed)
        run = pspin.langevin(J, beta, 6000, rng=seed, record_every=10)
        means.append(run.energies[200:].mean())
    means = np.array(means)
    se = means.std(ddof=1) / math.sqrt(means.size)
    assert abs(means.mean() - (-beta)) < 4 * se + 0.02, (means.mean(), se)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="must be a finite real number >= 0"):
        pspin.couplings(5, {3: -1.0})
    with pytest.raises(ValueError, match="must be >= 2"):
        pspin.couplings(5, {1: 1.0})
    with pytest.raises(ValueError, match="N must be an integer >= 2"):
        pspin.couplings(1, {3: 1.0})
    J = pspin.couplings(5, {3: 1.0})
    with pytest.raises(ValueError, match="sphere"):
        pspin.energy(J, 2 * np.ones(5))
    with pytest.raises(ValueError, match="shape"):
        pspin.gradient(J, np.ones(4))
    with pytest.raises(ValueError, match="non-finite"):
        pspin.hessian(J, np.full(5, np.nan))
    with pytest.raises(ValueError, match="beta"):
        pspin.langevin(J, -1.0, 10)
    with pytest.raises(ValueError, match="entries"):
        pspin.couplings(500, {3: 1.0})


def test_hessian_at_descent_end_points_is_the_shifted_semicircle():
    """At a critical point of energy u the tangent Hessian of H is M - r I with M a GOE matrix
    (off-diagonal variance xi''(1)/N, independent of u) and r = s.grad H/N = p u for pure p:
    its spectrum is a semicircle of variance xi''(1) centred at -p u (the tangent trace of M
    has standard deviation sqrt(2 xi''/N^2) ~ 0.035 at N = 100)."""
    for i in range(3):
        N = 100
        J = pspin.couplings(N, {3: 1.0}, rng=50 + i)
        r = pspin.gradient_descent(J, _on_sphere(np.random.default_rng(i), N), tol=1e-7)
        ev = r.hessian_eigenvalues
        assert ev.size == N - 1 and r.index == 0
        assert abs(ev.mean() - (-3 * r.energy)) < 0.15, (ev.mean(), r.energy)
        assert ev.var() == pytest.approx(6.0, rel=0.1)
