"""Priors from single-site measures: derived terms, new priors against independent references.

References: ``tests/replica/mpmath_refs.py`` solves the RS equations of discrete and Gaussian
priors with mpmath from an independent derivation (its own conjugate convention; only phi, q and
Q are compared, which are convention-free).  The alpha -> 0 limits are exact: phi -> ln sum_k
c_k, q -> <v>^2, Q -> <v^2>, and (phi - ln sum c)/alpha -> E_z ln H(-sqrt(q) z/sqrt(Q - q)).
"""
import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, special

import replica
from replica import ModelError, models, priors
from replica.symbols import m, q, q0, q1

from . import mpmath_refs

h = sp.Symbol("h", real=True)


def _ising():
    return priors.discrete({-1: sp.exp(-h), 1: sp.exp(h)})


CASES = [  # (prior builder, values/weights for the reference, alpha, kappa, params, start)
    ("ternary", lambda: priors.discrete({-1: 1, 0: 1, 1: 1}), ({-1: 1, 0: 1, 1: 1}, None),
     0.3, 0.0, {}, (0.13, 0.67)),
    ("ternary-kappa", lambda: priors.discrete({-1: 1, 0: 1, 1: 1}), ({-1: 1, 0: 1, 1: 1}, None),
     0.5, 0.2, {}, (0.3, 0.7)),
    ("biased-ternary", lambda: priors.discrete({-1: 1, 0: 2, 1: 1}),
     ({-1: 1, 0: 2, 1: 1}, None), 0.3, 0.0, {}, (0.1, 0.5)),
    ("ising-0.3", _ising, ([-1, 1], ["-0.3", "0.3"]), 0.5, 0.0, {"h": 0.3}, 0.36),
    ("ising-1.5", _ising, ([-1, 1], ["-1.5", "1.5"]), 0.5, 0.0, {"h": 1.5}, 0.7),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_discrete_priors_match_independent_mpmath(case):
    _, build, (vw, logw), alpha, kappa, params, x0 = case
    s = replica.solve(models.perceptron(weights=build(), kappa=kappa, **params), alpha=alpha)
    ref = mpmath_refs.rs_discrete(vw, None, alpha, kappa, x0=x0, dps=20, log_weights=logw)
    assert s.success
    assert s.phi == pytest.approx(float(ref["phi"]), abs=1e-9)
    assert s.order_params["q"] == pytest.approx(float(ref["q"]), abs=1e-9)
    if "Q" in s.order_params:
        assert s.order_params["Q"] == pytest.approx(float(ref["Q"]), abs=1e-9)


@pytest.mark.parametrize("alpha,kappa,x0", [(0.5, 0.0, (0.3, 1.0)), (1.0, 0.5, (0.5, 1.5))])
def test_gaussian_prior_matches_independent_mpmath(alpha, kappa, x0):
    s = replica.solve(models.perceptron(weights="gaussian", kappa=kappa), alpha=alpha)
    ref = mpmath_refs.rs_gaussian(alpha, kappa, x0=x0, dps=20)
    assert s.phi == pytest.approx(float(ref["phi"]), abs=1e-9)
    assert s.order_params["q"] == pytest.approx(float(ref["q"]), abs=1e-9)
    assert s.order_params["Q"] == pytest.approx(float(ref["Q"]), abs=1e-9)


def _energetic_alpha0(qv, Qv):
    """E_z ln H(-sqrt(q) z / sqrt(Q - q)) by SciPy quad (the first-order term in alpha)."""
    def f(zz):
        return special.log_ndtr(math.sqrt(qv) * zz / math.sqrt(Qv - qv)) * \
            math.exp(-zz * zz / 2) / math.sqrt(2 * math.pi)
    return integrate.quad(f, -40, 40, points=[0.0], epsabs=1e-14, limit=200)[0]


@pytest.mark.parametrize("name,prior,params,c,v", [
    ("ternary", lambda: priors.ternary(), {}, [1, 1, 1], [-1, 0, 1]),
    ("biased", lambda: priors.discrete({-1: 1, 0: 2, 1: 3}), {}, [1, 2, 3], [-1, 0, 1]),
    ("ising", lambda: priors.ising(), {"h": 0.7}, [math.exp(-0.7), math.exp(0.7)], [-1, 1]),
])
def test_alpha_to_zero_limits_are_exact(name, prior, params, c, v):
    c, v = np.array(c, float), np.array(v, float)
    mean, second = (c @ v) / c.sum(), (c @ v**2) / c.sum()
    mdl = models.perceptron(weights=prior(), kappa=0.0, **params)
    x0 = {"q": max(mean**2, 1e-3) * 1.01}
    if "Q" in [s.name for s in mdl.prior.extra_params]:
        x0["Q"] = second
    first = _energetic_alpha0(max(mean**2, 0.0), second) if mean != 0 else -math.log(2)
    for alpha in (1e-3, 1e-4):
        s = replica.solve(mdl, alpha=alpha, x0=x0)
        slope = (s.phi - math.log(c.sum())) / alpha
        assert slope == pytest.approx(first, abs=30 * alpha)  # O(alpha) correction
        assert s.order_params["q"] == pytest.approx(mean**2, abs=30 * alpha)
        if "Q" in s.order_params:
            assert s.order_params["Q"] == pytest.approx(second, abs=30 * alpha)
    phi0 = mdl.prior.phi_alpha0.subs({s_: params[s_.name] for s_ in mdl.prior.params})
    assert float(phi0) == pytest.approx(math.log(c.sum()), abs=1e-15)


def test_spherical_and_binary_rederived_equal_the_textbook_forms():
    sph = priors.spherical()
    assert sp.simplify(sph.rs_term - (sp.log(1 - q) / 2 + q / (2 * (1 - q)))) == 0
    d1 = 1 - q1 + m * (q1 - q0)
    gardner_1rsb = ((m - 1) / m * sp.log(1 - q1) + sp.log(d1) / m + q0 / d1) / 2
    assert sp.simplify(sph.rsb1_term - gardner_1rsb) == 0
    assert sph.q1_coefficient == sp.Rational(1, 2) and sph.phi_alpha0 == 0
    b = priors.binary()
    assert sp.simplify(b.q1_coefficient - 1 / sp.pi) == 0  # (E|z|)^2/2, Gardner-Derrida
    assert b.phi_alpha0 == sp.log(2)
    assert b.is_binary and sph.is_spherical and not priors.ternary().is_binary


def test_gaussian_prior_rs_term_is_the_ridge_form():
    Qs = sp.Symbol("Q", positive=True)
    ridge = sp.Rational(1, 2) + sp.log(Qs - q) / 2 + q / (2 * (Qs - q)) - Qs / 2
    assert sp.simplify(priors.gaussian().rs_term - ridge) == 0
    assert priors.gaussian().phi_alpha0 == 0


def test_priors_differing_only_in_a_value_never_share_a_kernel():
    """Two priors with the same name and different numeric fields (the old name-keyed cache
    returned 0.34423421 for both)."""
    a = priors.discrete({-1: math.exp(-0.3), 1: math.exp(0.3)}, name="ising")
    b = priors.discrete({-1: math.exp(-1.5), 1: math.exp(1.5)}, name="ising")
    assert a.key != b.key
    pa = replica.solve(models.perceptron(weights=a), alpha=0.5).phi
    pb = replica.solve(models.perceptron(weights=b), alpha=0.5).phi
    ra = mpmath_refs.rs_discrete([-1, 1], None, 0.5, 0.0, x0=0.36, dps=20,
                                 log_weights=["-0.3", "0.3"])
    rb = mpmath_refs.rs_discrete([-1, 1], None, 0.5, 0.0, x0=0.7, dps=20,
                                 log_weights=["-1.5", "1.5"])
    assert pa == pytest.approx(float(ra["phi"]), abs=1e-9)
    assert pb == pytest.approx(float(rb["phi"]), abs=1e-9)


def test_prior_parameter_is_a_control():
    mdl = models.perceptron(weights=_ising(), kappa=0.0, h=0.3)
    hs = np.linspace(0.0, 1.0, 11)
    br = replica.sweep(mdl, h=hs, alpha=0.5)
    assert br.success.all()
    s = replica.solve(models.perceptron(weights=_ising(), kappa=0.0, h=hs[7]), alpha=0.5)
    assert br.points[7].phi == pytest.approx(s.phi, abs=1e-12)
    # d phi/d h at the saddle point (envelope theorem) against a central difference
    dh = 1e-5
    fd = (replica.solve(mdl, {"alpha": 0.5, "h": 0.3 + dh}).phi
          - replica.solve(mdl, {"alpha": 0.5, "h": 0.3 - dh}).phi) / (2 * dh)
    s0 = replica.solve(mdl, alpha=0.5)
    assert s0.derivatives["h"] == pytest.approx(fd, abs=1e-8)
    # h = 0 is the binary perceptron
    assert br.points[0].phi == pytest.approx(
        replica.solve(models.perceptron(weights="binary"), alpha=0.5).phi, abs=1e-12)


def test_capacity_of_priors():
    ising = models.perceptron(weights=_ising(), kappa=0.0, h=0.4)
    assert replica.capacity(ising).alpha_c == pytest.approx(4 / math.pi, rel=1e-12)
    with pytest.raises(ModelError, match="fixed norm"):
        replica.capacity(models.perceptron(weights="ternary"))
    with pytest.raises(ModelError, match="fixed norm"):
        replica.capacity(models.perceptron(weights="gaussian"))


def test_ternary_rs_stability_and_1rsb_reduce_correctly():
    t = models.perceptron(weights="ternary", kappa=0.0)
    s = replica.solve(t, alpha=0.3)
    st = replica.stability(t, saddle_point=s)
    assert st.stable and 0 < st.replicon < 1
    # 1RSB at q0 = q1 reduces to RS: the RS point is a 1RSB stationary point at any m
    r = replica.solve(t, alpha=0.3, ansatz="1rsb", m=0.5,
                      x0={"q0": s.order_params["q"] * 0.999, "q1": s.order_params["q"] * 1.001,
                          "qhat0": s.order_params["qhat"], "qhat1": s.order_params["qhat"],
                          "Q": s.order_params["Q"], "Qhat": s.order_params["Qhat"]},
                      throw=False)
    if r.success:
        assert r.phi == pytest.approx(s.phi, abs=1e-9)


@pytest.mark.parametrize("weights,match", [
    ({1: 1}, "at least two"),
    ({-1: 1, 1: -1}, "positive"),
    ({-1: 1, 1: 0}, "positive"),
    ({"a": 1, 1: 1}, "not a number|finite real"),
    ({-1: sp.Symbol("q", real=True), 1: 1}, "reserved"),
    ([(-1, 1), (1, 1)], "dict"),
])
def test_bad_discrete_measures(weights, match):
    with pytest.raises(ModelError, match=match):
        priors.discrete(weights)


def test_bad_densities():
    w = sp.Symbol("w", real=True)
    with pytest.raises(ModelError, match="centred Gaussian"):
        priors.density(-sp.Abs(w), w)
    with pytest.raises(ModelError, match="not centred"):
        priors.density(-w**2 / 2 + w, w)
    with pytest.raises(ModelError, match="normalisable"):
        priors.density(sp.S.Zero, w)


def test_prior_weight_not_positive_at_the_given_parameter():
    a = sp.Symbol("a", real=True)
    pr = priors.discrete({-1: a, 1: 1})
    with pytest.raises(ValueError, match="must be positive"):
        models.perceptron(weights=pr, a=-0.5)
    with pytest.raises(ValueError, match="missing values for the parameters \\['a'\\]"):
        models.perceptron(weights=pr)
