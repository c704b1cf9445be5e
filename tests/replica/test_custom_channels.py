"""Derive-your-own: channels written by a user as a SymPy weight, solved end to end, checked
against formulas typed independently in mpmath."""
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

import replica
from replica import models
from replica.errors import ModelError
from replica.symbols import Delta, beta

K = sp.Symbol("kappa", nonnegative=True)
KR = sp.Symbol("kappa", real=True)


def ubp_model(kappa):
    """Symmetric ('u-function') binary perceptron |Delta| >= kappa, Aubin, Perkins and
    Zdeborova, J. Phys. A 52, 294003 (2019)."""
    ch = replica.channel(sp.Heaviside(sp.Abs(Delta) - K), name="u-function")
    return models.perceptron(weights="binary", channel=ch, kappa=kappa)


def _H(x):
    return mpmath.erfc(x / mpmath.sqrt(2)) / 2


def test_ubp_phi_matches_independent_formula_off_saddle():
    mpmath.mp.dps = 25
    m = ubp_model(0.8)
    cfe = m.compiled()
    for qv, qh, a in [(0.3, 0.7, 0.5), (0.9, 40.0, 1.0)]:
        q, qhat, k = mpmath.mpf(qv), mpmath.mpf(qh), mpmath.mpf(0.8)
        s1 = mpmath.sqrt(1 - q)

        def en(z):
            w = mpmath.sqrt(q) * z
            return mpmath.npdf(z) * mpmath.log(_H((k - w) / s1) + _H((k + w) / s1))

        zc = k / mpmath.sqrt(q)
        e = mpmath.quad(en, [-mpmath.inf, -zc - 0.3, -zc, -zc + 0.3, 0, zc - 0.3, zc, zc + 0.3,
                             mpmath.inf])
        ent = mpmath.quad(lambda z: mpmath.npdf(z) * mpmath.log(2 * mpmath.cosh(
            mpmath.sqrt(qhat) * z)), [-mpmath.inf, 0, mpmath.inf])
        ref = -qhat * (1 - q) / 2 + ent + a * e
        got = cfe(np.array([qv, qh]), m.controls(a)).phi
        assert abs(got - float(ref)) <= 1e-11 * abs(float(ref))


def test_ubp_saddle_point_is_the_symmetric_solution_with_annealed_entropy():
    # By the symmetry Delta -> -Delta the RS saddle point has q = 0, and then
    # phi = ln 2 + alpha ln(2 H(kappa)) (the annealed entropy), APZ 2019 Eq. (13).
    kappa = 0.5
    m = ubp_model(kappa)
    sp_ = replica.solve(m, alpha=0.3)
    assert sp_.order_params["q"] < 1e-8
    ref = math.log(2) + 0.3 * math.log(2 * float(_H(mpmath.mpf(kappa))))
    assert sp_.phi == pytest.approx(ref, rel=1e-10)
    c = replica.capacity(m)
    assert c.alpha_zero_entropy == pytest.approx(-math.log(2) / math.log(
        2 * float(_H(mpmath.mpf(kappa)))), rel=1e-9)


def soft_model(weights="spherical", kappa=0.3, b=2.0):
    """A smooth channel at inverse temperature beta: the Gibbs weight of the softplus loss."""
    ch = replica.channel(sp.exp(-beta * sp.log(1 + sp.exp(KR - Delta))), name="softplus")
    return models.perceptron(weights=weights, channel=ch, kappa=kappa, beta=b)


@pytest.mark.parametrize("weights", ["spherical", "binary"])
def test_smooth_channel_solved_and_checked_by_double_integral(weights):
    """phi at the solved saddle point against a nested adaptive SciPy quad (an independent code
    path: QUADPACK, hand-typed integrand, no SymPy)."""
    from scipy.integrate import quad

    m = soft_model(weights)
    sp_ = replica.solve(m, alpha=1.0)
    assert sp_.success
    q = sp_.order_params["q"]
    k, b = 0.3, 2.0
    g = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731

    def zout(w):
        f = lambda y: g(y) * (1 + math.exp(k - w - math.sqrt(1 - q) * y)) ** (-b)  # noqa: E731
        return quad(f, -12, 12, epsabs=0, epsrel=1e-13, limit=200)[0]

    e = quad(lambda z: g(z) * math.log(zout(math.sqrt(q) * z)), -12, 12, epsabs=0,
             epsrel=1e-12, limit=200)[0]
    if weights == "spherical":
        ent = math.log(1 - q) / 2 + q / (2 * (1 - q))
    else:
        qhat = sp_.order_params["qhat"]
        ent = -qhat * (1 - q) / 2 + quad(
            lambda z: g(z) * (abs(math.sqrt(qhat) * z)
                              + math.log1p(math.exp(-2 * abs(math.sqrt(qhat) * z)))),
            -12, 12, points=[0.0], epsabs=0, epsrel=1e-13, limit=200)[0]
    # the inner average is Gauss-Hermite (64 nodes) on a smooth integrand
    assert sp_.phi == pytest.approx(ent + e, rel=1e-10)


def test_smooth_channel_energy_decreases_with_beta():
    # e = -d phi / d beta >= 0 and the free entropy decreases as beta grows (loss >= 0)
    phis = [replica.solve(soft_model(b=b), alpha=1.0).phi for b in (0.5, 1.0, 2.0)]
    assert phis[0] > phis[1] > phis[2]


def test_energy_channel_at_temperature_is_analytic():
    ch = replica.channel(sp.exp(-beta * sp.Heaviside(KR - Delta)), name="errors")
    assert ch.analytic and len(ch.halflines) == 2
    m = models.perceptron(weights="spherical", channel=ch, kappa=0.0, beta=50.0)
    hard = models.perceptron(weights="spherical", kappa=0.0)
    # large beta -> the hard margin channel (difference ~ e^-50 * ...)
    assert replica.solve(m, 1.0).phi == pytest.approx(replica.solve(hard, 1.0).phi, rel=1e-12)


def test_channel_errors_name_the_culprit():
    with pytest.raises(ModelError, match="depend on replica.symbols.Delta"):
        replica.channel(sp.Heaviside(KR))
    with pytest.raises(ModelError, match="reserved"):
        replica.channel(sp.Heaviside(Delta - sp.Symbol("q")))
    with pytest.raises(ModelError, match="nonnegative"):
        replica.channel(sp.Heaviside(sp.Abs(Delta) - KR))
    with pytest.raises(ModelError, match="not linear"):
        replica.channel(sp.Heaviside(Delta**3 - KR))
    with pytest.raises(ValueError, match="missing values"):
        models.perceptron(weights="spherical",
                          channel=replica.channel(sp.Heaviside(Delta - KR) * beta))
    with pytest.raises(ValueError, match="unknown parameters"):
        models.perceptron(weights="spherical", channel=replica.channel(sp.Heaviside(Delta - KR)),
                          kappa=0.1, gamma=2.0)
