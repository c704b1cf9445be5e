"""Energy barriers between equilibrium solutions: vertex overlaps and simplex/path energies.

Checks: the cross overlaps against independent SciPy quadrature of their stationarity
equations; the energies against closed forms (single vertex: Gardner's stability law), an
mpmath evaluation, quadrature refinement, Monte Carlo of the vertices' stability law, and the
exact zero-energy (support) criterion; the qualitative statements of Annesi et al. (PRL 2023,
arXiv:2305.10623, abstract and Fig. 1): small geodesic barriers between typical solutions,
zero-energy geodesics to high-margin ones (star shape), a connectivity transition at larger
alpha below the capacity.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import integrate, optimize
from scipy.stats import norm, truncnorm

import replica
from replica import models
from replica.errors import ModelError

SPH = models.perceptron(weights="spherical", kappa=-0.5)
BIN = models.perceptron(weights="binary", kappa=0.0)


def _g(h, q, k):
    """d ln H((k - h)/sqrt(1-q))/dh = GH(x)/sqrt(1-q) (SciPy, independent of the engine)."""
    x = (k - h) / np.sqrt(1 - q)
    return np.exp(norm.logpdf(x) - norm.logsf(x)) / np.sqrt(1 - q)


def _pair_average(f, qa, qb, qab):
    L = np.linalg.cholesky([[qa, qab], [qab, qb]])
    fun = lambda z2, z1: (norm.pdf(z1) * norm.pdf(z2)  # noqa: E731
                          * f(L[0, 0] * z1, L[1, 0] * z1 + L[1, 1] * z2))
    return integrate.dblquad(fun, -9, 9, -9, 9, epsabs=1e-13, epsrel=1e-11)[0]


def test_spherical_cross_overlap_solves_its_equation():
    """q_ab = alpha (1-q_a)(1-q_b) E[g_a g_b], integrated by SciPy dblquad."""
    alpha, ka, kb = 1.0, -0.5, 0.0
    v = replica.vertices(SPH, alpha=alpha, kappas=(ka, kb))
    qa, qb = v.q
    qab = v.overlaps[0, 1]
    rhs = alpha * (1 - qa) * (1 - qb) * _pair_average(
        lambda h1, h2: _g(h1, qa, ka) * _g(h2, qb, kb), qa, qb, qab)
    assert abs(qab - rhs) < 1e-10
    assert 0 < qab < math.sqrt(qa * qb)
    assert v.cross[(0, 1)]["residual"] < 1e-10


def test_binary_cross_overlaps_solve_their_equations():
    """q_ab = E[tanh u_a tanh u_b], qhat_ab = alpha E[g_a g_b] (SciPy dblquad)."""
    alpha, ka, kb = 0.5, 0.0, 0.3
    v = replica.vertices(BIN, alpha=alpha, kappas=(ka, kb))
    qa, qb = v.q
    qha, qhb = v.qhat
    qab = v.overlaps[0, 1]
    qhab = v.cross[(0, 1)]["qhat12"]
    rhs_q = _pair_average(lambda u1, u2: np.tanh(u1) * np.tanh(u2), qha, qhb, qhab)
    rhs_qh = alpha * _pair_average(lambda h1, h2: _g(h1, qa, ka) * _g(h2, qb, kb), qa, qb, qab)
    assert abs(qab - rhs_q) < 1e-9
    assert abs(qhab - rhs_qh) < 1e-9


def test_cross_overlap_is_continuous_at_equal_margins():
    """kappa_b -> kappa_a: the solved q_ab tends to q_a (the same-measure value)."""
    base = replica.vertices(SPH, alpha=1.5, kappas=(-0.5, -0.5))
    qa = base.q[0]
    assert base.overlaps[0, 1] == qa
    gaps = []
    for d in (1e-2, 1e-3):
        v = replica.vertices(SPH, alpha=1.5, kappas=(-0.5, -0.5 + d))
        gaps.append(abs(v.overlaps[0, 1] - qa))
    assert gaps[1] < gaps[0] / 5 and gaps[1] < 2e-3


def _stability_law_mc(v, n, rng):
    """Exact sampling of the vertices' stabilities on a training pattern (module notes)."""
    w, U = np.linalg.eigh(v.field_covariance)
    h = rng.standard_normal((n, len(v.q))) @ (U * np.sqrt(np.clip(w, 0, None))).T
    s = np.sqrt(1 - v.q)
    lo = (np.array(v.kappas) - h) / s
    x = truncnorm.rvs(lo, np.inf, random_state=rng)
    return h + s * x


@pytest.mark.parametrize("kappas,gamma", [((-0.5, -0.5), (1, 1)), ((-0.5, -0.3), (3, 1)),
                                          ((-0.5, -0.5, -0.5), (1, 1, 1)),
                                          ((-0.5, -0.4, -0.3), (2, 1, 1))])
def test_simplex_energy_matches_monte_carlo(kappas, gamma):
    rng = np.random.default_rng(7)
    se = replica.simplex_energy(SPH, alpha=1.0, kappas=kappas, gamma=gamma)
    g = np.array(gamma, dtype=float)
    D = _stability_law_mc(se.vertices, 2_000_000, rng)
    norm_ = math.sqrt(g @ se.vertices.overlaps @ g)
    hits = (D @ g < -0.5 * norm_).astype(float)
    sem = hits.std() / math.sqrt(hits.size)
    assert se.energy[0] > 1e-4
    assert abs(se.energy[0] - hits.mean()) < 4 * sem


def test_hamming_path_matches_monte_carlo():
    rng = np.random.default_rng(11)
    t = np.array([0.3])
    pe = replica.path_energy(BIN, alpha=0.5, kappas=(0.0, 0.2), t=t, path="hamming")
    D = _stability_law_mc(pe.vertices, 2_000_000, rng)
    q12 = pe.vertices.overlaps[0, 1]
    sig = math.sqrt(2 * 0.3 * 0.7 * (1 - q12))
    hits = ((0.7 * D[:, 0] + 0.3 * D[:, 1] + sig * rng.standard_normal(len(D))) < 0.0)
    hits = hits.astype(float)
    assert abs(pe.energy[0] - hits.mean()) < 4 * hits.std() / math.sqrt(hits.size)


def test_quadrature_refinement():
    for kappas, gamma in [((-0.5, -0.3), (1, 1)), ((-0.5, -0.5, -0.4), (1, 1, 1))]:
        a = replica.simplex_energy(SPH, alpha=1.0, kappas=kappas, gamma=gamma, order=48)
        b = replica.simplex_energy(SPH, alpha=1.0, kappas=kappas, gamma=gamma, order=96)
        assert abs(a.energy[0] - b.energy[0]) < 1e-12 * max(1.0, a.energy[0] / 1e-3)


def test_single_vertex_is_gardners_stability_law():
    """y = 1: the fraction of stabilities in [kappa_1, kappa) of a kappa_1-solution."""
    k1, k = -0.5, 0.2
    se = replica.simplex_energy(SPH, alpha=1.0, kappas=(k1,), gamma=[1.0], kappa=k)
    q = se.vertices.q[0]
    s = math.sqrt(1 - q)

    def f(z):
        a, b = (k1 - math.sqrt(q) * z) / s, (k - math.sqrt(q) * z) / s
        return norm.pdf(z) * (1 - norm.sf(b) / norm.sf(a))

    ref = integrate.quad(f, -12, 12, epsabs=1e-14, limit=200)[0]
    assert abs(se.energy[0] - ref) < 1e-12


def test_geodesic_midpoint_against_mpmath():
    """Two typical vertices (h_1 = h_2): e(1/2) = E_z E_x1[P(x2 < B(x1)) | x1 >= A] at 20 digits."""
    pe = replica.path_energy(SPH, alpha=1.0, kappas=(-0.5, -0.5), t=[0.5])
    q = pe.vertices.q[0]
    k = -0.5
    mpmath.mp.dps = 20
    sq, s = mpmath.sqrt(q), mpmath.sqrt(1 - q)
    n = mpmath.sqrt((1 + q) / 2)  # |w(1/2)| for gamma = (1/2, 1/2) up to the common factor

    def Hm(x):
        return mpmath.erfc(x / mpmath.sqrt(2)) / 2

    def inner(z):
        h = sq * z
        A = (k - h) / s

        def f(x):
            B = (2 * k * n - (h + s * x)) - h  # D1 + D2 < 2 k n with D2 = h + s x2
            B = B / s
            return mpmath.npdf(x) / Hm(A) * max(mpmath.mpf(0), 1 - Hm(B) / Hm(A)) if B > A else 0

        xstar = (2 * k * n - 2 * h) / s - A
        if xstar <= A:
            return mpmath.mpf(0)
        return mpmath.quad(f, [A, (A + xstar) / 2, xstar])

    ref = mpmath.quad(lambda z: mpmath.npdf(z) * inner(z), [-10, -3, 0, 3, 10])
    assert abs(pe.energy[0] - float(ref)) < 1e-12


def test_path_endpoints_symmetry_and_curves():
    t = np.linspace(0, 1, 9)
    pe = replica.path_energy(SPH, alpha=1.0, kappas=(-0.5, -0.5), t=t)
    assert pe.energy[0] == 0.0 and pe.energy[-1] == 0.0
    np.testing.assert_allclose(pe.energy, pe.energy[::-1], rtol=1e-12, atol=1e-15)
    assert np.all(pe.energy[1:-1] > 0) and pe.barrier == pe.energy[4]
    # the straight path is the same curve: straight(t') = geodesic(t) at the same angle
    q12 = pe.vertices.overlaps[0, 1]
    th = math.acos(q12)
    tp = 0.3
    ang = math.atan2(tp * math.sin(th), (1 - tp) + tp * q12)
    st = replica.path_energy(SPH, alpha=1.0, kappas=(-0.5, -0.5), t=[tp], path="straight")
    ge = replica.path_energy(SPH, alpha=1.0, kappas=(-0.5, -0.5), t=[ang / th])
    assert abs(st.energy[0] - ge.energy[0]) < 1e-13


def test_zero_energy_criterion_is_exact():
    """Above the zero-energy margin the whole geodesic has e = 0; below it e > 0 somewhere."""
    k2 = replica.zero_energy_margin(SPH, alpha=1.0)
    assert -0.5 < k2 < replica.kappa_max("spherical", 1.0)
    t = np.linspace(0, 1, 41)
    above = replica.path_energy(SPH, alpha=1.0, kappas=(-0.5, k2 + 0.02), t=t)
    below = replica.path_energy(SPH, alpha=1.0, kappas=(-0.5, k2 - 0.02), t=t)
    assert np.all(above.energy == 0.0)
    assert below.barrier > 0
    # the margin needed near t = 0: kappa_2 >= q_12 kappa
    v = replica.vertices(SPH, alpha=1.0, kappas=(-0.5, k2))
    assert k2 >= v.overlaps[0, 1] * -0.5 - 1e-9


def test_star_shaped_picture_of_the_seed():
    """Annesi et al. 2023 (abstract, Fig. 1): typical pairs have small positive geodesic
    barriers; max-margin solutions connect at zero energy below alpha_star; alpha_star lies
    below the capacity (and, at kappa = -0.5, below the AT line of the typical solutions)."""
    pe = replica.path_energy(SPH, alpha=2.0, kappas=(-0.5, -0.5), t=[0.5])
    assert 0 < pe.barrier < 0.02  # "small": the value itself is checked in the next test
    tr = replica.star_transition(SPH, bracket=(3.0, 4.5))
    at = replica.at_line(SPH, bracket=(3.0, 4.7)).value
    alpha_c = replica.capacity(SPH).alpha_c
    assert 2.0 < tr.value < at < alpha_c
    # "any": the window of zero-energy margins closes a little later
    tr_any = replica.star_transition(SPH, bracket=(tr.value, 4.0), criterion="any")
    assert tr.value < tr_any.value < at
    assert replica.zero_energy_margin(SPH, alpha=tr_any.value - 0.01) is not None
    assert replica.zero_energy_margin(SPH, alpha=tr_any.value + 0.01) is None


def test_typical_pair_barrier_against_independent_quadrature():
    """The geodesic midpoint energy of two typical kappa = -0.5 solutions at alpha = 2, with
    nothing taken from the engine: q from Gardner's equation (scipy_refs.spherical_rs_q,
    Brent), the cross overlap of two typical solutions equal to q, and
    e(1/2) = E_z P(x1 + x2 < (kappa sqrt(2(1+q)) - 2 sqrt(q) z)/sqrt(1-q) | x_a >= A(z)) by
    nested QUADPACK (_rs_conditional).  Measured 2026-11-29: 0.00839451166190541 against the
    engine's 0.008394511661905364 (5e-15 relative); the engine's own error estimate is 1.3e-11,
    the tolerance 1e-10."""
    from .scipy_refs import spherical_rs_q
    k = -0.5
    q = spherical_rs_q(2.0, k, (0.3, 0.8))
    s = math.sqrt(1 - q)
    K = k * math.sqrt(2 * (1 + q))

    def f(z):
        h = math.sqrt(q) * z
        return norm.pdf(z) * _rs_conditional(h, h, s, k, 1.0, 1.0, K)
    zc = k / math.sqrt(q)
    ref = sum(integrate.quad(f, a, b, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
              for a, b in ((-12.0, zc), (zc, 12.0)))
    pe = replica.path_energy(SPH, alpha=2.0, kappas=(-0.5, -0.5), t=[0.5])
    assert pe.vertices.q[0] == pytest.approx(q, rel=1e-12)
    assert pe.vertices.overlaps[0, 1] == pytest.approx(q, rel=1e-12)
    assert abs(pe.barrier - ref) < 1e-10


def test_binary_paths():
    t = np.linspace(0, 1, 5)
    st = replica.path_energy(BIN, alpha=0.5, kappas=(0.0, 0.0), t=t, path="straight")
    # kappa >= 0: the normalised segment between solutions stays a solution (convex cone)
    assert np.all(st.energy == 0.0)
    hm = replica.path_energy(BIN, alpha=0.5, kappas=(0.0, 0.0), t=t, path="hamming")
    assert hm.energy[0] == 0 and hm.energy[-1] == 0 and np.all(hm.energy[1:-1] > 0.05)
    np.testing.assert_allclose(hm.energy, hm.energy[::-1], rtol=1e-10)


def test_vertices_report_rs_stability():
    v = replica.vertices(SPH, alpha=4.2, kappas=(-0.5, -0.5))
    assert not np.any(v.rs_stable)  # beyond the AT line (3.95 at kappa = -0.5)
    v = replica.vertices(SPH, alpha=1.0, kappas=(-0.5, -0.5))
    assert np.all(v.rs_stable)


def test_bad_input():
    with pytest.raises(ValueError, match="kappas"):
        replica.path_energy(SPH, alpha=1.0, kappas=(-0.5,), t=[0.5])
    with pytest.raises(ValueError, match="t must lie"):
        replica.path_energy(SPH, alpha=1.0, kappas=(-0.5, -0.5), t=[1.5])
    with pytest.raises(ValueError, match="Unknown path"):
        replica.path_energy(SPH, alpha=1.0, kappas=(-0.5, -0.5), t=[0.5], path="curvy")
    with pytest.raises(ValueError, match="binary"):
        replica.path_energy(SPH, alpha=1.0, kappas=(-0.5, -0.5), t=[0.5], path="hamming")
    with pytest.raises(ValueError, match="gamma"):
        replica.simplex_energy(SPH, alpha=1.0, kappas=(-0.5, -0.5), gamma=[1, -1])
    with pytest.raises(ValueError, match="y <= 3"):
        replica.simplex_energy(SPH, alpha=1.0, kappas=(-0.5,) * 4, gamma=[1] * 4)
    with pytest.raises(ValueError, match="kappas\\[1\\]"):
        replica.vertices(SPH, alpha=1.0, kappas=(-0.5, float("nan")))
    with pytest.raises(ValueError, match="alpha"):
        replica.vertices(SPH, alpha=-1.0, kappas=(-0.5,))
    ufun = models.perceptron(weights="spherical", channel=replica.channel(
        sp.Heaviside(sp.Abs(replica.symbols.Delta) - sp.Symbol("kappa", nonnegative=True)),
        name="u-function"),
        kappa=0.5)
    with pytest.raises(ModelError, match="margin"):
        replica.vertices(ufun, alpha=1.0, kappas=(0.5,))
    with pytest.raises(replica.SaddlePointConvergenceError, match="kappa_2"):
        replica.vertices(SPH, alpha=2.0, kappas=(-0.5, 0.5))


def _rs_conditional(h1, h2, s, k, g1, g2, K):
    """P[g1 D1 + g2 D2 < K | D_a = h_a + s x_a >= k] by SciPy quad (independent of the engine)."""
    A1, A2 = (k - h1) / s, (k - h2) / s
    xstar = ((K - g2 * k) / g1 - h1) / s
    if xstar <= A1:
        return 0.0

    def f(x1):
        B = ((K - g1 * (h1 + s * x1)) / g2 - h2) / s
        if B <= A2:
            return 0.0
        return (math.exp(norm.logpdf(x1) - norm.logsf(A1))
                * -math.expm1(norm.logsf(B) - norm.logsf(A2)))

    # the truncated density is below e^-40 beyond A1 + 40/max(A1, 1) + 10
    top = min(xstar, A1 + 40.0 / max(A1, 1.0) + 10.0)
    return integrate.quad(f, A1, top, epsabs=1e-13, limit=200)[0]


@pytest.mark.slow
def test_1rsb_same_state_energy_against_scipy():
    """Beyond the AT line: the same-state term of the 1RSB geodesic energy, by nested quad over
    the state-weighted field h = sqrt(q0) z0 + sqrt(q1 - q0) z1, weight H((kappa-h)/s)^m."""
    pe = replica.path_energy(SPH, alpha=4.5, kappas=(-0.5, -0.5), t=[0.5], ansatz="1rsb")
    c = pe.components
    q0, q1, m = c["q0"], c["q1"], c["m"]
    assert q1 - q0 > 0.01 and 0 < m < 1
    s = math.sqrt(1 - q1)
    th = math.acos(q1)
    g = math.sin(0.5 * th) / math.sin(th)
    K = -0.5 * math.sqrt(2 * g * g * (1 + q1))

    def tilt(h, ref):
        """H^m relative to its value at ref >= h (cancels in num/den; H increases with h)."""
        return math.exp(m * (norm.logsf((-0.5 - h) / s) - norm.logsf((-0.5 - ref) / s)))

    def outer(z0):
        c0 = math.sqrt(q0) * z0
        a1 = math.sqrt(q1 - q0)
        # the weighted z1 law is log-concave around its mode zp (far out when z0 << 0):
        # zp = m (a1/s) GH((kappa - c0 - a1 zp)/s), found by Brent
        dlog = lambda z: -z + m * (a1 / s) * math.exp(  # noqa: E731
            norm.logpdf((-0.5 - c0 - a1 * z) / s) - norm.logsf((-0.5 - c0 - a1 * z) / s))
        zp = optimize.brentq(dlog, 0.0, 200.0)
        lo, hi = min(-10.0, zp - 10.0), zp + 10.0
        top = c0 + a1 * hi
        pts = [p for p in (zp - 1, zp, zp + 1, (-0.5 - c0) / a1) if lo < p < hi]
        num = integrate.quad(lambda z1: norm.pdf(z1) * tilt(c0 + a1 * z1, top)
                             * _rs_conditional(c0 + a1 * z1, c0 + a1 * z1, s, -0.5, g, g, K),
                             lo, hi, epsabs=0, epsrel=1e-11, limit=200, points=pts)[0]
        den = integrate.quad(lambda z1: norm.pdf(z1) * tilt(c0 + a1 * z1, top), lo, hi,
                             epsabs=0, epsrel=1e-12, limit=200, points=pts)[0]
        return norm.pdf(z0) * num / den

    ref = integrate.quad(outer, -8, 6, epsabs=1e-10, limit=60)[0]
    assert abs(c["same"][0] - ref) < 1e-10
    # different states are further apart (q0 < q1) and cost more
    assert c["different"][0] > c["same"][0]
    np.testing.assert_allclose(pe.energy, (1 - m) * c["same"] + m * c["different"], rtol=1e-14)


def test_1rsb_quadrature_refinement():
    """The 1RSB energy's error estimate is the change from the check rules (6 instead of 8
    Gauss-Legendre nodes per panel at order 32): 6 -> 8 nodes changes the energies by < 2e-6
    relative (alpha = 4.5; measured 7e-7 and 5e-7 on each term, 3.7e-10 / 4.1e-10 on the
    weighted energy at t = 0.25 / 0.5), so the estimate is nonzero and below that; 8 -> 12
    nodes changes the energy by < 1e-12 (the slow test below checks that the estimate
    covers it)."""
    a = replica.path_energy(SPH, alpha=4.5, kappas=(-0.5, -0.5), t=[0.5], ansatz="1rsb",
                            order=32)
    assert a.energy_error is not None
    assert 1e-13 < a.energy_error[0] < 2e-6 * a.energy[0]
    assert a.components["different"][0] > a.components["same"][0] > 0


@pytest.mark.slow
def test_1rsb_error_estimate_covers_the_refined_energy():
    a = replica.path_energy(SPH, alpha=4.5, kappas=(-0.5, -0.5), t=[0.5], ansatz="1rsb",
                            order=32)
    b = replica.path_energy(SPH, alpha=4.5, kappas=(-0.5, -0.5), t=[0.5], ansatz="1rsb",
                            order=48)
    assert abs(a.energy[0] - b.energy[0]) <= a.energy_error[0]
    assert abs(a.energy[0] - b.energy[0]) <= b.energy_error[0] + a.energy_error[0]


def test_1rsb_reduces_to_rs_when_states_merge():
    """q0 -> q1: both 1RSB terms equal the RS energy at overlap q (direct kernel call)."""
    from replica.barriers import _kernels as bk
    from replica.quadrature import legendre_reference

    pe = replica.path_energy(SPH, alpha=1.0, kappas=(-0.5, -0.5), t=[0.5])
    q = pe.vertices.q[0]
    g = pe.gamma[0]
    gl = legendre_reference(12)
    for same in (True, False):
        e = bk.energy_1rsb_pair(q - 1e-10, q, 0.4, -0.5, g, -0.5, same, *gl, *gl)
        assert abs(e - pe.energy[0]) < 1e-9


def test_1rsb_below_the_at_line_collapses():
    with pytest.raises(replica.ReplicaError, match="collapses|no 1RSB"):
        replica.path_energy(SPH, alpha=2.0, kappas=(-0.5, -0.5), t=[0.5], ansatz="1rsb")
    with pytest.raises(ValueError, match="same"):
        replica.path_energy(SPH, alpha=4.5, kappas=(-0.5, -0.4), t=[0.5], ansatz="1rsb")
