"""k-RSB and full RSB of the spherical perceptron at fixed load (issue #30): the spherical
entropy of the ladder plus alpha times the Parisi recursion of the channel's cavity field.

Checked against:
* an independent plain-NumPy recursion (``parisi_ref.perceptron_phi``: dense normalised
  Gaussian weights and logsumexp, the entropy integrated step by step) at k = 1, 2;
* the engine's symbolic RS (k = 0) and 1RSB at fixed m (a separate derivation: SymPy
  averages compiled by Numba), and the optimality of m there;
* the AT line of the RS solution (``replica.at_line``): the ladder collapses to RS on its
  stable side and breaks replica symmetry beyond it;
* the order of the bounds phi_frsb < phi_2rsb < phi_1rsb < phi_rs inside the Gardner phase;
* d phi / d alpha = F_root (the envelope theorem) against central differences.
"""
import math

import numpy as np
import pytest
from scipy.special import log_ndtr

import replica
from replica import models
from replica.engine import channels
from replica.engine.channel_terminal import channel_terminal
from replica.engine.errors import ModelError
from replica.engine.results import Status

from .parisi_ref import perceptron_phi

NEG = dict(weights="spherical", kappa=-1.0)


def _ladder(s):
    k = sum(1 for nm in s.order_params if nm.startswith("m"))
    return ([s.order_params[f"q{i}"] for i in range(k + 1)],
            [s.order_params[f"m{i}"] for i in range(1, k + 1)])


def test_channel_terminal_is_ln_H_and_its_derivative():
    t = channel_terminal(channels.margin(), {"kappa": -0.7})
    h = np.linspace(-6.0, 6.0, 41)
    for v in (0.04, 0.3, 1.0):
        F, dF = t.values(h, v)
        assert np.allclose(F, log_ndtr((h + 0.7) / math.sqrt(v)), rtol=1e-13, atol=1e-300)
        e = 1e-6
        fd = (t.values(h + e, v)[0] - t.values(h - e, v)[0]) / (2 * e)
        assert np.allclose(dF, fd, rtol=1e-6, atol=1e-9)
        assert t.width(v) == pytest.approx(math.sqrt(v))
        assert t.slope_bound(v) > np.max(np.abs(dF[F > np.max(F) - 20]))


def test_channel_terminal_refuses_a_numerical_average():
    import sympy as sp
    from replica.symbols import Delta
    smooth = replica.channel(sp.exp(-Delta**4), name="quartic")
    with pytest.raises(ModelError, match="closed-form ln Z_out"):
        channel_terminal(smooth, {})


def test_one_and_two_steps_against_the_independent_recursion():
    neg = models.perceptron(**NEG)
    for k in (1, 2):
        s = replica.solve(neg, alpha=9.0, ansatz="krsb", k=k)
        assert s.status == Status.CONVERGED
        q, m = _ladder(s)
        assert len(m) == k and np.all(np.diff(q) > 1e-3)
        ref = perceptron_phi(-1.0, 9.0, q, m, dh=0.01)
        assert s.phi == pytest.approx(ref, abs=1e-12)
        assert s.phi_error < 1e-11


def test_one_step_is_the_symbolic_1rsb_with_m_optimised():
    neg = models.perceptron(**NEG)
    s = replica.solve(neg, alpha=9.0, ansatz="krsb", k=1)
    (q0, q1), (m1,) = _ladder(s)
    sym = replica.solve(neg, alpha=9.0, ansatz="1rsb", m=m1, x0={"q0": 0.6, "q1": 0.85})
    assert sym.phi == pytest.approx(s.phi, abs=1e-12)
    assert sym.order_params["q0"] == pytest.approx(q0, abs=1e-9)
    assert sym.order_params["q1"] == pytest.approx(q1, abs=1e-9)
    for dm in (-2e-3, 2e-3):   # m minimises phi (second order: ~ 1.5e-2 dm^2)
        other = replica.solve(neg, alpha=9.0, ansatz="1rsb", m=m1 + dm,
                              x0={"q0": q0, "q1": q1})
        assert other.phi - s.phi > 1e-8


def test_rsb_appears_at_the_at_line():
    neg = models.perceptron(**NEG)
    a_at = replica.at_line(neg, param="alpha", bracket=(4.0, 12.0)).value
    below = replica.solve(neg, alpha=0.98 * a_at, ansatz="krsb", k=1)
    above = replica.solve(neg, alpha=1.02 * a_at, ansatz="krsb", k=1)
    rs_below = replica.solve(neg, alpha=0.98 * a_at)
    assert below.status == Status.COLLAPSED
    assert below.phi == pytest.approx(rs_below.phi, abs=1e-12)
    assert below.order_params["q0"] == pytest.approx(rs_below.order_params["q"], abs=1e-9)
    assert above.status == Status.CONVERGED
    q, _ = _ladder(above)
    assert q[1] - q[0] > 1e-2
    assert above.phi < replica.solve(neg, alpha=1.02 * a_at).phi


def test_full_rsb_lies_below_every_finite_step_bound():
    neg = models.perceptron(**NEG)
    full = replica.solve(neg, alpha=9.0, ansatz="frsb")
    assert full.status == Status.CONVERGED and full.phi_error < 1e-10
    phis = [replica.solve(neg, alpha=9.0).phi] + [
        replica.solve(neg, alpha=9.0, ansatz="krsb", k=k).phi for k in (1, 2, 3)]
    assert np.all(np.diff(phis) < 0)
    assert full.phi < phis[-1]
    # the tail beyond k = 3 next to the first step's gain: a k^-4 law gives
    # 3^-4 / (1 - 2^-4) = 0.013 (measured 0.0143)
    assert phis[-1] - full.phi < 0.03 * (phis[1] - phis[2])
    # d phi / d alpha (the envelope theorem) against central differences of the ladder
    d = 1e-4
    s = replica.solve(neg, alpha=9.0, ansatz="krsb", k=2)
    up, dn = (replica.solve(neg, alpha=9.0 + e, ansatz="krsb", k=2).phi for e in (d, -d))
    assert s.derivatives["alpha"] == pytest.approx((up - dn) / (2 * d), abs=1e-8)


def test_bad_input_names_the_culprit():
    with pytest.raises(ModelError, match="spherical weights"):
        replica.solve(models.perceptron(weights="binary", kappa=0.0), 0.5, ansatz="krsb", k=2)
    neg = models.perceptron(**NEG)
    with pytest.raises(ModelError, match="m is for ansatz='1rsb'"):
        replica.solve(neg, {"alpha": 9.0, "m": 0.3}, ansatz="krsb", k=2)
    with pytest.raises(ModelError, match="k must be an integer"):
        replica.solve(neg, alpha=9.0, ansatz="krsb", k=-1)
    with pytest.raises(ModelError, match="takes no k"):
        replica.solve(neg, alpha=9.0, ansatz="frsb", k=2)
    with pytest.raises((ModelError, ValueError), match="alpha"):
        replica.solve(neg, alpha=-1.0, ansatz="krsb", k=1)
