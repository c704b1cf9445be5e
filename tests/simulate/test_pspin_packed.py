"""Packed storage of the degree-3 couplings (simulate._pspin_packed): the same H, gradient and
Hessian as the dense tensor it packs (exact arithmetic identity, checked to rounding), the
same law (E[H(s) H(s')] = N xi(s.s'/N), a z-test), the deformation, and named errors."""
import math

import numpy as np
import pytest

from simulate import pspin


def _pack(T):
    N = T.shape[0]
    return np.array([(6 if i < j < k else (1 if i == j == k else 3)) * T[i, j, k]
                     for i in range(N) for j in range(i, N) for k in range(j, N)])


def _sphere(N, rng):
    s = rng.standard_normal(N)
    return s * math.sqrt(N) / np.linalg.norm(s)


@pytest.mark.parametrize("N", [5, 9, 12])
def test_packed_derivatives_equal_the_dense_ones(N):
    J = pspin.couplings(N, {3: 1.0, 2: 0.3}, rng=N, deformation={1: 0.4, 2: -0.3, 3: 0.2})
    d = dict(J.tensors)
    Jp = pspin.Couplings(N=N, xi=J.xi, tensors=((2, d[2]), (3, _pack(d[3]))), storage="packed")
    rng = np.random.default_rng(1)
    for _ in range(3):
        s = _sphere(N, rng)
        assert pspin.energy(Jp, s) == pytest.approx(pspin.energy(J, s), abs=1e-13)
        np.testing.assert_allclose(pspin.gradient(Jp, s), pspin.gradient(J, s), atol=1e-12)
        np.testing.assert_allclose(pspin.hessian(Jp, s), pspin.hessian(J, s), atol=1e-12)


def test_packed_couplings_have_the_covariance_of_the_model():
    """E[H(s) H(s')]/N = xi(q) for q = 1 and q = 0.5 (xi = q^3 + 0.2 q^2): the sample
    covariance over 3000 instances at N = 10, within 4 standard errors (estimated from the
    products' spread)."""
    N, xi = 10, {3: 1.0, 2: 0.2}
    rng = np.random.default_rng(0)
    s = _sphere(N, rng)
    t = _sphere(N, rng)
    t = t - (t @ s) / N * s
    t *= math.sqrt(N) / np.linalg.norm(t)
    s2 = 0.5 * s + math.sqrt(0.75) * t  # overlap 0.5
    h1, h2 = [], []
    for i in range(3000):
        J = pspin.couplings(N, xi, rng=i, storage="packed")
        h1.append(pspin.energy(J, s) * N)
        h2.append(pspin.energy(J, s2) * N)
    h1, h2 = np.array(h1), np.array(h2)
    for prod, q in ((h1 * h1, 1.0), (h1 * h2, 0.5)):
        target = N * (q**3 + 0.2 * q**2)
        se = prod.std(ddof=1) / math.sqrt(prod.size)
        assert abs(prod.mean() - target) < 4 * se, (q, prod.mean(), target, se)


def test_packed_deformation_adds_h():
    N = 8
    v = np.arange(1.0, N + 1.0)
    J0 = pspin.couplings(N, {3: 1.0}, rng=3, storage="packed")
    J = pspin.couplings(N, {3: 1.0}, rng=3, storage="packed", deformation={1: 0.7, 3: -0.4},
                        direction=v)
    u = v * math.sqrt(N) / np.linalg.norm(v)
    s = _sphere(N, np.random.default_rng(2))
    m = s @ u / N
    assert pspin.energy(J, s) - pspin.energy(J0, s) == pytest.approx(0.7 * m - 0.4 * m**3,
                                                                      abs=1e-13)


def test_descent_and_langevin_run_on_packed_couplings():
    N = 40
    J = pspin.couplings(N, {3: 1.0}, rng=0, storage="packed")
    s0 = _sphere(N, np.random.default_rng(0))
    r = pspin.gradient_descent(J, s0, tol=1e-6)
    assert r.converged and r.index == 0 and r.energy < -1.2
    run = pspin.langevin(J, 0.5, 200, rng=0)
    assert run.energies.size == 200


def test_packed_errors_are_named():
    with pytest.raises(ValueError, match="storage"):
        pspin.couplings(5, {3: 1.0}, storage="sparse")
    with pytest.raises(ValueError, match="degrees 2 and 3"):
        pspin.couplings(5, {4: 1.0}, storage="packed")
    with pytest.raises(ValueError, match="storage='dense'"):
        pspin.critical_points(pspin.couplings(5, {3: 1.0}, storage="packed"), n_starts=10)
    with pytest.raises(ValueError, match="packed"):
        pspin.couplings(500, {3: 1.0})
