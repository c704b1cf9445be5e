"""One-step RSB: reduction identities, stability of RS (AT line), frozen 1RSB capacity."""
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

import replica
from replica import codegen, models
from replica.symbols import m as M
from replica.symbols import q, q0, q1, qhat, qhat0, qhat1


@pytest.mark.parametrize("weights", ["spherical", "binary"])
def test_1rsb_reduces_to_rs_at_q0_equal_q1_symbolically(weights):
    """Substituting q0 = q1 (and qhat0 = qhat1) gives the RS expression, checked at 25 digits."""
    mod = models.perceptron(weights=weights, kappa=0.4)
    rsb = mod.free_entropy("1rsb").phi
    rs = mod.free_entropy("rs").phi
    red = rsb.subs({q0: q1, qhat0: qhat1}).subs({q1: q, qhat1: qhat})
    vals = {q: 0.6, qhat: 2.0, M: 0.37, sp.Symbol("alpha", positive=True): 0.7,
            sp.Symbol("kappa", real=True): 0.4}
    a = codegen.evaluate_mpmath(red, vals, dps=25)
    b = codegen.evaluate_mpmath(rs, vals, dps=25)
    assert abs(a - b) < mpmath.mpf(10) ** -20


@pytest.mark.parametrize("weights,point", [
    ("spherical", {"q0": 0.35, "q1": 0.8}),
    ("binary", {"q0": 0.35, "q1": 0.8, "qhat0": 0.9, "qhat1": 6.0})])
def test_1rsb_at_m_equal_1_is_rs_at_q0(weights, point):
    mod = models.perceptron(weights=weights, kappa=0.2)
    c1 = mod.compiled("1rsb")
    cr = mod.compiled("rs")
    theta = np.array([point[n] for n in c1.names])
    phi1 = c1(theta, mod.controls(0.6, m=1.0)).phi
    rs_theta = np.array([point["q0"]] + ([point["qhat0"]] if weights == "binary" else []))
    assert phi1 == pytest.approx(cr(rs_theta, mod.controls(0.6)).phi, rel=1e-12)


def test_spherical_1rsb_phi_against_independent_nested_quad():
    from scipy.integrate import quad
    from scipy.special import log_ndtr
    mod = models.perceptron(weights="spherical", kappa=-0.5)
    c1 = mod.compiled("1rsb")
    a0, b1, mm, al, k = 0.3, 0.7, 0.4, 2.0, -0.5
    got = c1(np.array([a0, b1]), mod.controls(al, m=mm)).phi
    g = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731

    def inner(z0):
        f = lambda z1: g(z1) * math.exp(mm * log_ndtr(-(k - math.sqrt(a0) * z0 - math.sqrt(
            b1 - a0) * z1) / math.sqrt(1 - b1)))  # noqa: E731
        return quad(f, -12, 12, epsabs=0, epsrel=1e-13, limit=200)[0]

    en = quad(lambda z0: g(z0) * math.log(inner(z0)), -12, 12, epsabs=0, epsrel=1e-12,
              limit=200)[0] / mm
    d1 = 1 - b1 + mm * (b1 - a0)
    ent = ((mm - 1) / mm * math.log(1 - b1) + math.log(d1) / mm + a0 / d1) / 2
    assert got == pytest.approx(ent + al * en, rel=1e-10)


def test_at_condition_reproduces_the_known_points():
    """The hand-derived replicon of scipy_refs.py (lambda_R = 1 - alpha R_prior
    E[(R(R-u))^2]/(1-q)^2) before it is used as a reference: (i) binary weights, kappa = 0:
    Gardner & Derrida, J. Phys. A 21, 271 (1988) (recalled): RS unstable above
    alpha_AT = 1.015 (three digits); computed 1.01465361009; (ii) sphere, kappa = 0, q -> 1:
    E[(R(R-u))^2] -> P(z < 0) = 1/2, so lambda_R -> 1 - alpha_c/2 = 0 (marginal at Gardner's
    capacity 2); the approach is 1/2 - c sqrt(1-q), removed by a Richardson step in
    sqrt(1-q) (measured: 0.49954193, 0.49995410 at 1-q = 1e-6, 1e-8; extrapolated
    0.49999990; mpmath at 30 digits because R - u cancels for u ~ 1e4)."""
    from .scipy_refs import binary_at_line
    a_at = binary_at_line(0.0, (1.0, 0.7, 7.0))[0]
    assert a_at == pytest.approx(1.015, abs=5e-4)

    def ea(qv):
        with mpmath.workdps(30):
            s, r = mpmath.sqrt(1 - qv), mpmath.sqrt(qv)

            def f(zv):
                u = -r * zv / s
                R = mpmath.npdf(u) / mpmath.ncdf(-u)
                return mpmath.npdf(zv) * (R * (R - u)) ** 2
            w = s / r
            return mpmath.quad(f, [-mpmath.inf, -40 * w, -5 * w, 0, 5 * w, 40 * w, mpmath.inf])
    e6, e8 = ea(1 - mpmath.mpf("1e-6")), ea(1 - mpmath.mpf("1e-8"))
    assert 0.4995 < e6 < e8 < 0.5
    assert abs((10 * e8 - e6) / 9 - 0.5) < 1e-6  # O(1-q) remainder after the sqrt step


@pytest.mark.parametrize("kappa,x0,bracket", [(-1.0, (7.9, 0.7), (2.0, 13.0)),
                                              (-0.5, (3.95, 0.9), (3.0, 4.7))])
def test_spherical_at_line_against_an_independent_replicon(kappa, x0, bracket):
    """The engine's AT point against the RS equation and the hand-derived replicon condition
    alpha E_z[(R(u)(R(u) - u))^2] = 1 solved together by SciPy (scipy_refs.py).
    Measured 2026-11-29 (reference vs engine): kappa = -1: 7.873560240525099 vs
    7.873560240526327 (1.6e-13 relative); kappa = -0.5: 3.9507013134452 vs 3.950701313445199.
    Tolerance 1e-9 relative: the engine's find_zero and replicon quadrature are at ~1e-12."""
    from .scipy_refs import spherical_at_line
    mod = models.perceptron(weights="spherical", kappa=kappa)
    ref, q_ref = spherical_at_line(kappa, x0)
    tr = replica.at_line(mod, bracket=bracket)
    assert tr.value == pytest.approx(ref, rel=1e-9)
    assert tr.saddle_point.order_params["q"] == pytest.approx(q_ref, rel=1e-9)


def test_binary_at_line_gardner_derrida():
    """Gardner & Derrida (1988): alpha_AT = 1.015 at kappa = 0 (recalled, three digits); the
    independent SciPy solution of RS + replicon (scipy_refs.binary_at_line) gives 1.01465361009
    (measured 2026-11-29: engine 1.0146536100939987, 3.5e-15 relative)."""
    from .scipy_refs import binary_at_line
    mb = models.perceptron(weights="binary", kappa=0.0)
    assert replica.stability(mb, 0.5).stable
    got = replica.at_line(mb, bracket=(0.5, 1.27)).value
    assert got == pytest.approx(1.015, abs=5e-4)
    assert got == pytest.approx(binary_at_line(0.0, (1.0, 0.7, 7.0))[0], rel=1e-9)


def test_spherical_stability_up_to_capacity():
    """Replicon at capacity: > 0 for kappa > 0, -> 0 at kappa = 0, < 0 for kappa < 0."""
    from .scipy_refs import channel_averages, spherical_rs_q

    for k, sign in [(1.0, 1), (-1.0, -1)]:
        mod = models.perceptron(weights="spherical", kappa=k)
        ac = replica.capacity(mod).alpha_c
        assert np.sign(replica.stability(mod, ac * (1 - 1e-6)).replicon) == sign
    mod = models.perceptron(weights="spherical", kappa=0.0)
    ds = (1e-2, 1e-3, 1e-4, 1e-6)
    lam = [replica.stability(mod, 2 * (1 - d)).replicon for d in ds]
    # against the hand-derived replicon 1 - alpha E[(R(u)(R(u) - u))^2] at Gardner's q, by
    # QUADPACK (tests/replica/scipy_refs.py) at d = 1e-2 (measured 2e-10 relative on
    # 2026-11-29; closer to q = 1 QUADPACK itself reports roundoff)
    q = spherical_rs_q(2 * (1 - 1e-2), 0.0, (0.99, 0.999))
    assert lam[0] == pytest.approx(1 - 2 * (1 - 1e-2) * channel_averages(q, 0.0)[1], rel=1e-8)
    # marginal at kappa = 0: lambda_R = c sqrt(1 - alpha/alpha_c) (1 + O(sqrt)); between
    # d = 1e-4 and 1e-6 the ratio is 10 up to the O(1e-2) correction (measured 10.03)
    assert np.all(np.diff(lam) < 0) and lam[-1] > 0
    assert lam[2] / lam[3] == pytest.approx(10.0, rel=1e-2)


def test_1rsb_bifurcates_from_rs_at_the_at_line():
    """Negative perceptron kappa = -1: a split start collapses to RS below the AT point and
    converges to q0 < q_RS < q1 above it (an independent check of the replicon)."""
    mod = models.perceptron(weights="spherical", kappa=-1.0)
    a_at = replica.at_line(mod, bracket=(2.0, 13.0)).value
    # the gap grows linearly above the AT point (measured: 7.6e-3 at 1.005 alpha_AT, 1.5e-2 at
    # 1.01); below, the split start collapses (gap 2e-10 at 0.995 alpha_AT)
    for a, split in [(a_at * 0.995, False), (a_at * 1.005, True)]:
        qr = replica.solve(mod, a).order_params["q"]
        s = replica.solve(mod, a, ansatz="1rsb", m=0.5, x0={"q0": qr - 0.05, "q1": qr + 0.05})
        gap = s.order_params["q1"] - s.order_params["q0"]
        assert (gap > 1e-3) == split, (a, gap)


def test_frozen_1rsb_capacity_binary():
    # Krauth & Mezard, J. Phys. France 50, 3057 (1989) (recalled): alpha_c = 0.833 at kappa = 0;
    # the frozen 1RSB capacity is the zero of the RS entropy, computed independently by
    # scipy_refs.binary_zero_entropy (0.83307859974, measured 2026-11-29)
    from .scipy_refs import binary_zero_entropy
    c = replica.capacity(models.perceptron(weights="binary", kappa=0.0), ansatz="1rsb")
    assert c.ansatz == "1rsb" and c.alpha_c == pytest.approx(0.833, abs=5e-4)
    assert c.alpha_c == pytest.approx(binary_zero_entropy(0.0, 0.83), rel=1e-10)
    assert c.details["alpha_c_rs"] == pytest.approx(4 / np.pi, rel=1e-12)
    with pytest.raises(ValueError, match="Unknown ansatz"):
        replica.capacity(models.perceptron(weights="binary"), ansatz="2rsb")


def test_1rsb_requires_m():
    mod = models.perceptron(weights="spherical")
    with pytest.raises(ValueError, match="Parisi parameter"):
        replica.solve(mod, 0.5, ansatz="1rsb")
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        replica.solve(mod, 0.5, ansatz="1rsb", m=1.5)


def test_complexity_is_minus_m2_dphi_dm_by_finite_differences():
    """Sigma(m) = -m^2 d phi/d m: the kernel's d phi/d m at the saddle point (envelope theorem)
    against a central difference of the solved phi(m)."""
    mod = models.perceptron(weights="spherical", kappa=-1.0)
    qr = replica.solve(mod, 9.0).order_params["q"]
    s = replica.solve(mod, 9.0, ansatz="1rsb", m=0.5, x0={"q0": qr - 0.05, "q1": qr + 0.05})
    h = 1e-4
    p = [replica.solve(mod, 9.0, ansatz="1rsb", m=0.5 + d, x0=s.order_params).phi
         for d in (-h, h)]
    fd = (p[1] - p[0]) / (2 * h)
    assert s.derivatives["m"] == pytest.approx(fd, rel=1e-6)
    assert s.complexity == pytest.approx(-0.25 * fd, rel=1e-6)
    assert s.internal_entropy == pytest.approx(s.phi + 0.5 * fd, rel=1e-9)
    with pytest.raises(ValueError, match="fixed m"):
        replica.solve(mod, 9.0).complexity


def test_energy_of_a_temperature_channel_is_minus_dphi_dbeta():
    from replica.symbols import Delta, beta
    kap = sp.Symbol("kappa", real=True)
    ch = replica.channel(sp.exp(-beta * sp.Heaviside(kap - Delta)), name="errors")
    mod = models.perceptron(weights="spherical", channel=ch, kappa=0.0, beta=3.0)
    s = replica.solve(mod, 3.0)  # above capacity: a positive fraction of errors
    h = 1e-5
    fd = (replica.solve(mod.with_params(beta=3.0 + h), 3.0).phi
          - replica.solve(mod.with_params(beta=3.0 - h), 3.0).phi) / (2 * h)
    assert s.derivatives["beta"] == pytest.approx(fd, rel=1e-7)
    assert 0 < -s.derivatives["beta"] / 3.0 < 1  # errors per pattern
