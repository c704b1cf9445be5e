"""k-RSB of Ising spin glasses on the engine's Parisi recursion (issue #30).

Checked against: an independent NumPy recursion (``parisi_ref.py``: dense Gaussian weights on a
grid 20x finer, no engine code); nested QUADPACK for one level; the engine's symbolic RS path
(k = 0); closed forms (the paramagnet ln 2 + beta^2/4 and its energy -beta/2, T_c = 1 of SK);
the independently located AT line in a field; Guerra's bound (phi decreases with k, and the
k-step optimum is a minimum over ladders).
"""
import math

import numpy as np
import pytest
from scipy import integrate, optimize

import replica
from replica import models
from replica.engine import parisi
from replica.engine.errors import ModelError
from replica.engine.results import ParisiFunction, SaddlePoint, Status

from .parisi_ref import parisi_phi

SK = {2: 0.5}


def _ladder(sp_):
    k = sp_.parisi.k
    return ([sp_.order_params[f"q{i}"] for i in range(k + 1)],
            [sp_.order_params[f"m{i}"] for i in range(1, k + 1)])


class _Ising:
    s_max = 1.0

    @staticmethod
    def values(h, v):
        return np.logaddexp(h, -h) + 0.5 * v, np.tanh(h)


def test_one_level_against_nested_quadpack():
    beta, h0, qs, m = 1.5, 0.3, (0.2, 0.6), 0.4
    a = [beta**2 * x for x in qs]
    rec = parisi.recursion(_Ising(), h0, a, beta**2, [m])
    g = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    s1, s0 = math.sqrt(a[1] - a[0]), math.sqrt(a[0])
    top = lambda h: np.logaddexp(h, -h) + (beta**2 - a[1]) / 2

    def F0(h):
        val = integrate.quad(lambda z: g(z) * math.exp(m * top(h + s1 * z)), -40, 40,
                             epsabs=0, epsrel=1e-13)[0]
        return math.log(val) / m

    ref = integrate.quad(lambda z: g(z) * F0(h0 + s0 * z), -40, 40, epsabs=1e-14,
                         epsrel=1e-13)[0]
    assert rec.F_root == pytest.approx(ref, abs=1e-13)
    # dF_root/dh0 against a central difference of the recursion itself at a finer grid
    d = 1e-5
    fine = parisi.Resolution(dh=0.05)
    fd = (parisi.recursion(_Ising(), h0 + d, a, beta**2, [m], fine).F_root
          - parisi.recursion(_Ising(), h0 - d, a, beta**2, [m], fine).F_root) / (2 * d)
    assert rec.dF_root == pytest.approx(fd, abs=1e-8)


@pytest.mark.parametrize("beta,h,k", [(2.0, 0.3, 1), (2.0, 0.3, 2), (2.0, 0.3, 3),
                                      (2.0, 0.0, 2), (4.0, 0.0, 1)])
def test_krsb_phi_against_independent_numpy_recursion(beta, h, k):
    sp_ = replica.solve(models.ising_spin_glass(SK, h=h), {"beta": beta}, ansatz="krsb", k=k)
    assert sp_.status == Status.CONVERGED and sp_.parisi.k == k
    q, m = _ladder(sp_)
    assert sp_.phi == pytest.approx(parisi_phi(SK, beta, h, q, m, dh=0.02), abs=1e-8)
    assert sp_.phi_error < 1e-12


def test_mixed_covariance_against_independent_numpy_recursion():
    """A mixed 2+3+4-spin covariance (xi'' not constant) in a field, 1RSB."""
    xi = {2: 0.3, 3: 0.2, 4: 0.25}
    sp_ = replica.solve(models.ising_spin_glass(xi, h=0.2), {"beta": 2.0}, ansatz="1rsb")
    assert sp_.status == Status.CONVERGED
    q, m = _ladder(sp_)
    assert q[1] - q[0] > 0.5
    assert sp_.phi == pytest.approx(parisi_phi(xi, 2.0, 0.2, q, m, dh=0.02), abs=1e-8)


def test_solution_is_stationary_and_a_minimum_of_the_reference():
    """Central differences of the independent functional vanish at the engine's ladder, and
    every displaced ladder has a larger phi (Guerra's bound: the k-step optimum is a min)."""
    beta, h = 2.0, 0.3
    sp_ = replica.solve(models.ising_spin_glass(SK, h=h), {"beta": beta}, ansatz="1rsb")
    q, m = _ladder(sp_)
    theta = np.array(q + m)
    f = lambda t: parisi_phi(SK, beta, h, list(t[:2]), list(t[2:]), dh=0.03)
    phi0 = f(theta)
    d = 4e-3

    def slope(t, i):   # Richardson-extrapolated central difference, error O(d^4)
        e = np.zeros(3)
        e[i] = d
        c1 = (f(t + e) - f(t - e)) / (2 * d)
        c2 = (f(t + e / 2) - f(t - e / 2)) / d
        return (4 * c2 - c1) / 3, min(f(t + e), f(t - e))

    for i in range(3):
        g, lowest = slope(theta, i)
        assert abs(g) < 1e-9
        assert lowest > phi0
    # and a displaced ladder is not stationary (the check can fail)
    assert abs(slope(theta + [0.0, 0.02, 0.0], 1)[0]) > 1e-4


def test_rs_rung_equals_symbolic_rs():
    sk = models.ising_spin_glass(SK, h=0.3)
    rs = replica.solve(sk, {"beta": 2.0})
    pb = sk.saddle_problem({"beta": 2.0}, "krsb", k=1)
    import dataclasses
    pb0 = dataclasses.replace(pb, k=0)
    phi, r, _ = pb0.functional([rs.order_params["q"]], [])
    assert phi == pytest.approx(rs.phi, abs=1e-13)
    assert abs(r[0]) < 1e-11
    assert rs.ansatz == "rs"


@pytest.mark.parametrize("h", [0.0, 0.3])
def test_guerra_phi_decreases_with_k(h):
    sk = models.ising_spin_glass(SK, h=h)
    phis = [replica.solve(sk, {"beta": 2.0}).phi]
    for k in (1, 2, 3):
        phis.append(replica.solve(sk, {"beta": 2.0}, ansatz="krsb", k=k).phi)
    diffs = np.diff(phis)
    assert np.all(diffs < -1e-9), phis


def test_zero_field_ladder_starts_above_zero_and_descends_with_k():
    """At h = 0 the symmetric ladder (q_0 = 0) is stationary but a saddle of phi; the k-step
    optimum has q_0 > 0, which decreases as k grows (q(x) starts at 0 in the Parisi limit)."""
    sk = models.ising_spin_glass(SK)
    q0 = []
    for k in (1, 2, 3):
        sp_ = replica.solve(sk, {"beta": 2.0}, ansatz="krsb", k=k)
        q0.append(sp_.order_params["q0"])
        H = np.linalg.eigvalsh(0.5 * (sp_.hessian + sp_.hessian.T))
        assert H[0] > 0
    assert 0 < q0[2] < q0[1] < q0[0]
    # the best symmetric ladder (q_0 = 0: q_1, m_1 optimised) lies above the optimum
    pb = sk.saddle_problem({"beta": 2.0}, "1rsb")
    sym = optimize.minimize(lambda x: pb.functional([0.0, x[0]], [x[1]])[0], [0.6, 0.2],
                            method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-14})
    assert sym.fun > replica.solve(sk, {"beta": 2.0}, ansatz="1rsb").phi + 1e-4


@pytest.mark.parametrize("beta", [0.5, 0.9])
def test_paramagnet_above_tc_collapses(beta):
    sp_ = replica.solve(models.ising_spin_glass(SK), {"beta": beta}, ansatz="krsb", k=2)
    assert sp_.status == Status.COLLAPSED and sp_.success and sp_.parisi.k == 0
    assert sp_.phi == pytest.approx(math.log(2) + beta**2 / 4, abs=1e-12)
    assert sp_.observables["energy"] == pytest.approx(-beta / 2, abs=1e-10)
    assert "collapsed" in sp_.method


def test_rsb_appears_at_the_at_line():
    m = models.ising_spin_glass(SK, h=0.5)
    b_at = replica.at_line(m, param="beta", bracket=(1.2, 3.0)).value
    below = replica.solve(m, {"beta": 0.99 * b_at}, ansatz="1rsb")
    above = replica.solve(m, {"beta": 1.02 * b_at}, ansatz="1rsb")
    assert below.status == Status.COLLAPSED
    assert above.status == Status.CONVERGED
    q, _ = _ladder(above)
    assert q[1] - q[0] > 1e-3
    assert above.phi < replica.solve(m, {"beta": 1.02 * b_at}).phi


def test_energy_is_minus_dphi_dbeta():
    sk = models.ising_spin_glass(SK, h=0.2)
    sp_ = replica.solve(sk, {"beta": 2.5}, ansatz="krsb", k=2)
    d = 1e-4
    up = replica.solve(sk, {"beta": 2.5 + d}, ansatz="krsb", k=2).phi
    dn = replica.solve(sk, {"beta": 2.5 - d}, ansatz="krsb", k=2).phi
    assert sp_.observables["energy"] == pytest.approx(-(up - dn) / (2 * d), abs=1e-7)
    dh = 1e-4
    up = replica.solve(sk, {"beta": 2.5, "h": 0.2 + dh}, ansatz="krsb", k=2).phi
    dn = replica.solve(sk, {"beta": 2.5, "h": 0.2 - dh}, ansatz="krsb", k=2).phi
    assert sp_.observables["magnetization"] == pytest.approx((up - dn) / (2 * dh) / 2.5,
                                                             abs=1e-7)


def test_parisi_function_and_round_trip(tmp_path):
    sp_ = replica.solve(models.ising_spin_glass(SK, h=0.3), {"beta": 2.0}, ansatz="krsb", k=2)
    pf = sp_.parisi
    q, m = _ladder(sp_)
    assert pf.q_of_x(0.0) == q[0] and pf.q_of_x(0.999) == q[2]
    assert pf.q_of_x(0.5 * (m[0] + m[1])) == q[1]
    atoms, w = pf.P_of_q
    assert np.allclose(atoms, q) and w.sum() == pytest.approx(1.0)
    assert np.allclose(w, np.diff([0.0, *m, 1.0]))
    back = SaddlePoint.load(sp_.save(tmp_path / "p.json"))
    assert back.parisi == pf and back.phi == sp_.phi
    with pytest.raises(ValueError, match="x must lie in"):
        pf.q_of_x(1.5)


def test_bad_input_is_named():
    sk = models.ising_spin_glass(SK)
    with pytest.raises(ModelError, match="k must be an integer >= 1"):
        replica.solve(sk, {"beta": 2.0}, ansatz="krsb", k=0)
    with pytest.raises(ModelError, match="needs the number of steps"):
        replica.solve(sk, {"beta": 2.0}, ansatz="krsb")
    with pytest.raises(ModelError, match="unknown ansatz"):
        replica.solve(sk, {"beta": 2.0}, ansatz="2rsb")
    with pytest.raises(ModelError, match="beta must be > 0"):
        replica.solve(sk, {"beta": -1.0}, ansatz="1rsb")
    with pytest.raises(ModelError, match="has no k-step ansatz"):
        replica.solve(models.perceptron(weights="spherical", kappa=0.0).free_entropy(),
                      {"alpha": 0.5}, k=2)
    with pytest.raises(ModelError, match="is for ansatz='krsb'"):
        replica.solve(models.perceptron(weights="spherical", kappa=0.0), 0.5, k=2)
    with pytest.raises(ModelError, match="must give every order parameter"):
        replica.solve(sk, {"beta": 2.0}, ansatz="1rsb", x0={"q0": 0.1})
    with pytest.raises(ModelError, match="0 <= q_0"):
        replica.solve(sk, {"beta": 2.0}, ansatz="1rsb", x0={"q0": 0.5, "q1": 0.2, "m1": 0.3})
    with pytest.raises(ValueError, match="ParisiFunction"):
        ParisiFunction(x=[0.1, 0.2], q=[0.1, 0.2])


def test_a_ladder_that_fails_is_not_reported_collapsed(monkeypatch):
    from replica.engine import ladder
    sk = models.ising_spin_glass(SK, h=0.3)
    real = ladder.solve_min

    def failing(pb, start, tol, max_iter):
        rec = real(pb, start, tol, max_iter)
        return rec if pb.k == 0 else rec[:3] + (Status.MAX_ITER,) + rec[4:]

    monkeypatch.setattr(ladder, "solve_min", failing)
    monkeypatch.setattr(ladder, "_refined", lambda theta, k: None)
    sp_ = replica.solve(sk, {"beta": 2.0}, ansatz="1rsb", throw=False)
    assert sp_.status == Status.NO_ROOT and not sp_.success
    with pytest.raises(replica.SaddlePointConvergenceError, match="no 1-step solution"):
        replica.solve(sk, {"beta": 2.0}, ansatz="frsb")


def test_engine_calls_without_the_recursion_name_it():
    sk = models.ising_spin_glass(SK)
    with pytest.raises(ModelError, match="find_zero: .*Parisi recursion"):
        replica.find_zero(sk, "phi", bracket=(1.2, 2.0), ansatz="1rsb")
    with pytest.raises(ModelError, match="stability: .*Parisi recursion"):
        replica.stability(sk, {"beta": 2.0}, ansatz="1rsb")


def test_plot_draws_q_of_x():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sp_ = replica.solve(models.ising_spin_glass(SK, h=0.3), {"beta": 2.0}, ansatz="krsb", k=2)
    fig = sp_.plot()
    (line,) = fig.axes[0].get_lines()
    x, y = line.get_data()
    assert np.allclose(x, [0.0, *sp_.parisi.x[1:], 1.0])
    assert np.allclose(y[:-1], sp_.parisi.q) and y[-1] == sp_.parisi.q[-1]
    plt.close(fig)
    with pytest.raises(ValueError, match="has none"):
        replica.solve(models.ising_spin_glass(SK, h=0.3), {"beta": 2.0}).plot()


def test_sweep_of_krsb_points_matches_single_solves():
    sk = models.ising_spin_glass(SK, h=0.3)
    betas = np.array([1.3, 1.6, 2.0])
    br = replica.sweep(sk, beta=betas, ansatz="1rsb")
    assert br.param == "beta" and np.all(br.solved)
    for b, p in zip(betas, br.points):
        one = replica.solve(sk, {"beta": b}, ansatz="1rsb", throw=False)
        assert p.phi == pytest.approx(one.phi, abs=1e-12)
        assert p.status == one.status
    # below the AT line (beta_AT = 1.534 at h = 0.3) the 1-step ladder collapses
    assert br.points[0].status == Status.COLLAPSED and br.points[2].parisi.k == 1


def test_unbounded_parameters_are_a_reparametrisation():
    """m_unbounded (solver variables m' = mu / (1 + mu)) finds the same ladder at finite T."""
    import dataclasses
    sk = models.ising_spin_glass(SK, h=0.3)
    pb = sk.saddle_problem({"beta": 2.0}, "krsb", k=2)
    ref = replica.engine.krsb.solve_parisi(pb)
    alt = replica.engine.krsb.solve_parisi(dataclasses.replace(pb, m_unbounded=True))
    assert alt.phi == pytest.approx(ref.phi, abs=1e-12)
    for i in (1, 2):
        assert alt.order_params[f"mu{i}"] == pytest.approx(ref.order_params[f"m{i}"], abs=1e-7)


def test_a_vanishing_parisi_parameter_is_the_rs_functional_to_rounding():
    """m_1 -> 0 makes x(q) = 0 up to q_1: the 1-step functional at (q_0, q_1; m_1) tends to the
    RS one at q_1 (independent NumPy recursion), linearly in m_1.  Each level divides a
    logarithm by m: computed as log1p of a normalised sum, it stays exact at m = 1e-14 (a plain
    log of the sum was off by ~1e-16 / m)."""
    sk = models.ising_spin_glass(SK, h=0.3)
    pb = sk.saddle_problem({"beta": 2.0}, "1rsb")
    rs = parisi_phi(SK, 2.0, 0.3, [0.7], [])
    for m1, tol in ((1e-10, 5e-10), (1e-14, 1e-13)):
        phi = pb.functional(np.array([0.2, 0.7]), np.array([m1]))[0]
        assert abs(phi - rs) < tol
