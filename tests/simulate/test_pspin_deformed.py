"""simulate.pspin with a deformation N h(s.v/N): energy, Riemannian gradient and Hessian
against the formulas h(m), h'(m) P v and h''(m) (Pv)(Pv)^T/N - m h'(m) P (derived by hand,
typed here independently of the tensors the module builds)."""
import math

import numpy as np
import pytest

from simulate import pspin


def _h(m, d=0):
    c = {1: 0.7, 2: -0.4, 4: 0.3}
    out = 0.0
    for r, v in c.items():
        if d <= r:
            out += v * math.perm(r, d) * m ** (r - d)
    return out


@pytest.mark.parametrize("direction", [None, "ramp"])
def test_deformation_adds_the_stated_function_and_derivatives(direction):
    N = 6
    v = None if direction is None else np.arange(1.0, N + 1.0)
    J0 = pspin.couplings(N, {3: 1.0, 2: 0.2}, rng=4)
    J = pspin.couplings(N, {3: 1.0, 2: 0.2}, rng=4, deformation={1: 0.7, 2: -0.4, 4: 0.3},
                        direction=v)
    u = np.ones(N) if v is None else v
    u = u * math.sqrt(N) / np.linalg.norm(u)
    rng = np.random.default_rng(0)
    for _ in range(3):
        s = rng.standard_normal(N)
        s *= math.sqrt(N) / np.linalg.norm(s)
        m = s @ u / N
        P = np.eye(N) - np.outer(s, s) / N
        assert pspin.energy(J, s) - pspin.energy(J0, s) == pytest.approx(_h(m) , abs=1e-13)
        g = pspin.gradient(J, s) - pspin.gradient(J0, s)
        np.testing.assert_allclose(g, _h(m, 1) * (P @ u), atol=1e-12)
        H = pspin.hessian(J, s) - pspin.hessian(J0, s)
        ref = _h(m, 2) * np.outer(P @ u, P @ u) / N - _h(m, 1) * m * P
        np.testing.assert_allclose(H, ref, atol=1e-12)


def test_newton_finds_the_points_of_a_deformed_quadratic_form():
    # xi = {2: 1}, h = {2: -2}: still a quadratic form, exactly 2 points of each index
    N = 5
    J = pspin.couplings(N, {2: 1.0}, rng=1, deformation={2: -2.0})
    cp = pspin.critical_points(J, n_starts=400, rng=1)
    assert cp.counts_by_index.tolist() == [2] * N


def test_bad_deformation_is_named():
    with pytest.raises(ValueError, match="degree"):
        pspin.couplings(4, {3: 1.0}, deformation={0: 1.0})
    with pytest.raises(ValueError, match="finite"):
        pspin.couplings(4, {3: 1.0}, deformation={2: math.inf})
    with pytest.raises(ValueError, match="direction"):
        pspin.couplings(4, {3: 1.0}, deformation={2: 1.0}, direction=np.zeros(4))
    with pytest.raises(ValueError, match="dict"):
        pspin.couplings(4, {3: 1.0}, deformation=[1.0])
