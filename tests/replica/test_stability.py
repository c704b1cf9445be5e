"""Stability (the replicon and the AT line) for every system, through the engine.

* Sherrington-Kirkpatrick in a field h, written as a raw free entropy that declares its
  replicon lambda_R = 1 - beta^2 E_z[sech^4(beta (sqrt(q) z + h))] (de Almeida and Thouless,
  J. Phys. A 11, 983 (1978), their eq. for the AT line; recalled): the AT line located by
  ``replica.at_line`` against an independent solution of the two equations
  q = E tanh^2, beta^2 E sech^4 = 1 with SciPy's adaptive quadrature and ``fsolve``, and
  against the small-field law h^2 = (4/3)(1 - T)^3 of the same paper (recalled; leading order,
  corrections O(h^(4/3)) in T).
* The perceptron's replicon, now derived from its blocks by the engine, against the
  hand-derived formula of scipy_refs.py at several points.
"""
import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, optimize

import replica
from replica import ModelError, models
from replica.engine.gauss import GaussAvg
from replica.engine.replicon import Replicon

from .scipy_refs import channel_averages, gauss_avg


def ref_replicon(weights, kappa, alpha, ops):
    """The hand-derived replicon of scipy_refs.py's notes: sphere 1 - alpha E[(R(R-u))^2],
    binary 1 - alpha E[(1 - tanh^2)^2] E[(R(R-u))^2]/(1-q)^2."""
    qq = ops["q"]
    _, ea = channel_averages(qq, kappa)
    if weights == "spherical":
        return 1 - alpha * ea
    r = math.sqrt(ops["qhat"])
    rp = gauss_avg(lambda t: (1 - math.tanh(r * t) ** 2) ** 2, [0.0])
    return 1 - alpha * rp * ea / (1 - qq) ** 2

q, beta = sp.symbols("q beta", positive=True)
h = sp.Symbol("h", real=True)
z = sp.Symbol("z", real=True)
_ARG = beta * (sp.sqrt(q) * z + h)
_PTS = [(-h / sp.sqrt(q), 1 / (beta * sp.sqrt(q)))]
SK_FIELD = replica.free_entropy(
    beta**2 / 4 * (1 - q)**2 + GaussAvg(sp.log(2 * sp.cosh(_ARG)), z, points=_PTS),
    {q: (0, 1)}, [beta, h], name="SK in a field",
    replicon=Replicon(1 - beta**2 * GaussAvg(1 / sp.cosh(_ARG)**4, z, points=_PTS)))


def _gauss(f):
    g = lambda t: math.exp(-t * t / 2) * f(t) / math.sqrt(2 * math.pi)
    return integrate.quad(g, -12, 12, epsabs=1e-14, epsrel=1e-13, limit=400)[0]


def _at_point(hv):
    """(beta, q) on the AT line at field hv, independently."""
    def eqs(x):
        b, qq = x
        s = math.sqrt(qq)
        t2 = _gauss(lambda t: math.tanh(b * (s * t + hv)) ** 2)
        s4 = _gauss(lambda t: 1 / math.cosh(b * (s * t + hv)) ** 4)
        return [t2 - qq, b * b * s4 - 1]
    sol, info, ier, msg = optimize.fsolve(eqs, [1.3, 0.3], full_output=True, xtol=1e-13)
    assert ier == 1, msg
    return sol


@pytest.mark.parametrize("hv", [0.3, 0.6])
def test_sk_at_line_in_a_field(hv):
    tr = replica.at_line(SK_FIELD, param="beta", bracket=(1.0, 4.0), h=hv)
    b_ref, q_ref = _at_point(hv)
    assert tr.value == pytest.approx(b_ref, abs=1e-8)
    assert tr.saddle_point.order_params["q"] == pytest.approx(q_ref, abs=1e-8)
    st_lo = replica.stability(SK_FIELD, {"beta": 0.9 * b_ref, "h": hv})
    st_hi = replica.stability(SK_FIELD, {"beta": 1.1 * b_ref, "h": hv})
    assert st_lo.stable and not st_hi.stable and st_lo.sign_certain and st_hi.sign_certain


def test_sk_at_line_small_field_law():
    hv = 0.02
    tr = replica.at_line(SK_FIELD, param="beta", bracket=(1.0, 2.0), h=hv)
    T = 1 / tr.value
    assert (1 - T) == pytest.approx((0.75 * hv * hv) ** (1 / 3), rel=0.05)


@pytest.mark.parametrize("weights,kappa,alpha", [("spherical", 0.5, 0.5), ("spherical", -0.5, 3.0),
                                                 ("binary", 0.0, 0.8)])
def test_perceptron_replicon_is_the_hand_derived_one(weights, kappa, alpha):
    m = models.perceptron(weights=weights, kappa=kappa)
    st = replica.stability(m, alpha)
    ref = ref_replicon(weights, kappa, alpha, st.saddle_point.order_params)
    assert st.replicon == pytest.approx(ref, abs=1e-9)
    assert st.R_prior * st.R_channel * alpha == pytest.approx(1 - st.replicon, abs=1e-12)


def test_a_problem_without_a_replicon_says_how_to_declare_one():
    fe = replica.free_entropy(SK_FIELD.phi, {q: (0, 1)}, [beta, h])
    with pytest.raises(ModelError, match="replicon=replica.engine.replicon.Replicon"):
        replica.stability(fe, {"beta": 2.0, "h": 0.1})
    m = models.perceptron(weights="spherical", kappa=0.0)
    r = replica.solve(m, alpha=0.5, ansatz="1rsb", m=0.5, x0={"q0": 0.4, "q1": 0.8})
    with pytest.raises(ModelError, match="no replicon"):
        replica.stability(m, saddle_point=r)


def test_a_replicon_with_foreign_symbols_is_refused():
    bad = replica.free_entropy(SK_FIELD.phi, {q: (0, 1)}, [beta, h],
                               replicon=1 - sp.Symbol("gamma") * q)
    with pytest.raises(ModelError, match="gamma"):
        replica.stability(bad, {"beta": 2.0, "h": 0.1})


def test_spherical_spin_glass_replicon_hand_derived():
    """Spherical models at RS: lambda_R = 1 - beta^2 xi''(q) (1-q)^2 (derived by hand from the
    RS free entropy's replicon mode, up to a positive factor).  For xi = c q^2 (spherical
    SK) the RS point below T_c = sqrt(2c) has (1-q)^2 = 1/(2 c beta^2): exactly marginal; above
    T_c, q = 0 and lambda = 1 - 2 c beta^2.  For p = 3 the paramagnet q = 0 has lambda = 1."""
    from replica import pspin

    c = 0.5
    sk = pspin.spherical({2: c})
    for b in (1.5, 3.0):
        st = replica.stability(sk, b)
        q_ref = 1 - 1 / (b * math.sqrt(2 * c))
        assert st.saddle_point.order_params["q"] == pytest.approx(q_ref, abs=1e-10)
        assert abs(st.replicon) < 1e-10
    st = replica.stability(sk, 0.6)
    assert st.replicon == pytest.approx(1 - 2 * c * 0.36, abs=1e-10) and st.stable
    assert replica.stability(pspin.spherical({3: 1.0}), 1.0).replicon == pytest.approx(1.0,
                                                                                      abs=1e-10)
    with pytest.raises(ModelError, match="no replicon"):
        replica.stability(sk, 2.0, ansatz="1rsb")
