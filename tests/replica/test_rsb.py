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


def test_binary_at_line_gardner_derrida():
    # Gardner & Derrida, J. Phys. A 21, 271 (1988): RS unstable above alpha_AT = 1.015 (kappa=0)
    mb = models.perceptron(weights="binary", kappa=0.0)
    assert replica.stability(mb, 0.5).stable
    assert replica.at_line(mb, bracket=(0.5, 1.27)).value == pytest.approx(1.015, abs=1e-3)


def test_spherical_stability_up_to_capacity():
    """Replicon at capacity: > 0 for kappa > 0, -> 0 at kappa = 0, < 0 for kappa < 0."""
    for k, sign in [(1.0, 1), (-1.0, -1)]:
        mod = models.perceptron(weights="spherical", kappa=k)
        ac = replica.capacity(mod).alpha_c
        assert np.sign(replica.stability(mod, ac * (1 - 1e-6)).replicon) == sign
    mod = models.perceptron(weights="spherical", kappa=0.0)
    lam = [replica.stability(mod, 2 * (1 - d)).replicon for d in (1e-2, 1e-4)]
    # marginal at kappa = 0: lambda_R vanishes like sqrt(alpha_c - alpha)
    assert 0 < lam[1] < lam[0] and lam[1] < 1e-2
    assert 7 < lam[0] / lam[1] < 14


def test_1rsb_bifurcates_from_rs_at_the_at_line():
    """Negative perceptron kappa = -1: a split start collapses to RS below the AT point and
    converges to q0 < q_RS < q1 above it (an independent check of the replicon)."""
    mod = models.perceptron(weights="spherical", kappa=-1.0)
    a_at = replica.at_line(mod, bracket=(2.0, 13.0)).value
    for a, split in [(a_at * 0.97, False), (a_at * 1.04, True)]:
        qr = replica.solve(mod, a).order_params["q"]
        s = replica.solve(mod, a, ansatz="1rsb", m=0.5, x0={"q0": qr - 0.05, "q1": qr + 0.05})
        gap = s.order_params["q1"] - s.order_params["q0"]
        assert (gap > 1e-3) == split, (a, gap)


def test_frozen_1rsb_capacity_binary():
    # Krauth & Mezard, J. Phys. France 50, 3057 (1989): alpha_c = 0.833 at kappa = 0
    c = replica.capacity(models.perceptron(weights="binary", kappa=0.0), ansatz="1rsb")
    assert c.ansatz == "1rsb" and c.alpha_c == pytest.approx(0.833, abs=5e-4)
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
