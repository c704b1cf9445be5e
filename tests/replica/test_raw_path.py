"""The engine as a layer: a raw free entropy in, saddle points, branches and transitions out.

The worked example is the static 1RSB solution of the pure spherical 3-spin glass (Crisanti and
Sommers, Z. Phys. B 87, 341 (1992)), xi(q) = q^3/2:

    phi(q, m; beta) = beta^2/2 (xi(1) - (1-m) xi(q)) + (m-1)/(2m) ln(1-q) + ln(1-(1-m) q)/(2m).

References: an independent mpmath solution of the same stationarity equations
(``tests/replica/mpmath_refs.py``, written without the engine) and the static transition
temperature T_s = 0.586 (Crisanti-Sommers 1992; recalled value, quoted to 3 digits, the
comparison is at that resolution).
"""
import json
import math

import numpy as np
import pytest
import sympy as sp

import replica
from replica import ModelError
from replica.symbols import Delta

from . import mpmath_refs

q, m, beta = sp.symbols("q m beta", positive=True)


def _pspin_phi(p=3):
    xi = lambda x: x**p / 2  # noqa: E731
    return (beta**2 / 2 * (xi(1) - (1 - m) * xi(q)) + (m - 1) / (2 * m) * sp.log(1 - q)
            + sp.log(1 - (1 - m) * q) / (2 * m))


@pytest.fixture(scope="module")
def pspin():
    return replica.free_entropy(_pspin_phi(), order_params={q: (0, 1), m: (0, 1)},
                                controls=[beta])


def test_pspin_static_solution_matches_independent_mpmath(pspin):
    s = replica.solve(pspin, {"beta": 2.0}, x0={"q": 0.7, "m": 0.7})
    assert s.success and s.status == replica.Status.CONVERGED
    assert s.controls == {"beta": 2.0}
    ref = mpmath_refs.pspin_1rsb(3, 2.0, (0.7, 0.7), dps=30)
    assert s.order_params["q"] == pytest.approx(float(ref["q"]), abs=1e-11)
    assert s.order_params["m"] == pytest.approx(float(ref["m"]), abs=1e-11)
    assert s.phi == pytest.approx(float(ref["phi"]), abs=1e-12)
    # the 1RSB glass has a lower free entropy than the paramagnet beta^2/4 (q = 0)
    assert s.phi < 2.0**2 / 4


def test_pspin_branch_down_to_the_static_transition(pspin):
    betas = np.linspace(2.0, 1.6, 21)
    br = replica.sweep(pspin, {"beta": betas}, x0={"q": 0.7, "m": 0.7})
    ok = br.success
    # m grows towards 1 as the temperature rises, and the branch leaves the domain m < 1 past
    # beta_s = 1/T_s ~ 1.7076: those points are kept as failed rows or land on the paramagnet
    mm = br.order_params["m"][ok & (betas > 1.71)]
    assert np.all(np.diff(mm) > 0) and mm[-1] < 1
    assert np.all(ok[betas > 1.71])
    for k in (0, 5, 10):  # beta = 2.0, 1.9, 1.8 against mpmath from a rounded start
        p_ = br.points[k]
        x0 = (round(p_.order_params["q"], 2), round(p_.order_params["m"], 2))
        ref = mpmath_refs.pspin_1rsb(3, float(betas[k]), x0, dps=20)
        assert p_.order_params["q"] == pytest.approx(float(ref["q"]), abs=1e-10)
        assert p_.order_params["m"] == pytest.approx(float(ref["m"]), abs=1e-10)
    assert all(isinstance(p_.status, replica.Status) for p_ in br.points)


def test_pspin_static_temperature(pspin):
    """T_s: where the branch's m reaches 1.  d phi/dq carries a factor 1 - m, so on m = 1 the
    q-equation is void and (q, m = 1) is stationary at every beta (the paramagnetic phi): the
    transition is not a sign change that Brent can bracket.  The branch is followed to
    m = 1 - delta for three delta and beta(delta), analytic in delta, is extrapolated to 0."""
    fe = replica.free_entropy(_pspin_phi(), order_params={q: (0, 1), m: (0, 2)},
                              controls=[beta])
    deltas = np.array([0.02, 0.01, 0.005])
    b_d = []
    for d in deltas:
        tr = replica.find_zero(fe, lambda s, d=d: s.order_params["m"] - (1 - d),
                               bracket=(2.0, 1.6), param="beta", x0={"q": 0.7, "m": 0.7})
        assert tr.saddle_point.success
        b_d.append(tr.value)
    beta_s = np.polyval(np.polyfit(deltas, b_d, 2), 0.0)
    beta_lin = np.polyval(np.polyfit(deltas[1:], b_d[1:], 1), 0.0)
    t_s = 1 / beta_s
    err = abs(1 / beta_lin - t_s)  # the linear extrapolation's error bounds the quadratic's
    ref = float(mpmath_refs.pspin_static_temperature(3, dps=30)["T_s"])
    assert 0 < err < 1e-4
    assert t_s == pytest.approx(ref, abs=err)
    assert abs(t_s - 0.586) < 5e-4  # Crisanti-Sommers 1992, quoted to 3 digits (recalled)
    assert t_s < math.sqrt(3 / 8)  # below the dynamical temperature T_d = sqrt(3/8)


def test_pspin_paramagnet_when_started_above_the_transition(pspin):
    s = replica.solve(pspin, {"beta": 1.6}, x0={"q": 0.7, "m": 0.7}, throw=False)
    if s.success:  # the only stationary points inside the domain are the paramagnet q -> 0
        assert s.order_params["q"] < 1e-5
        assert s.phi == pytest.approx(1.6**2 / 4, abs=1e-8)


# --- declarations are checked ---------------------------------------------------------------

def test_undeclared_symbol_is_named():
    J = sp.Symbol("J", real=True)
    with pytest.raises(ModelError, match="'J'|J"):
        replica.free_entropy(_pspin_phi() * J, {q: (0, 1), m: (0, 1)}, [beta])


def test_order_parameter_and_control_with_one_name():
    with pytest.raises(ModelError, match="more than once"):
        replica.free_entropy(_pspin_phi(), {q: (0, 1), m: (0, 1)}, [beta, "m"])


@pytest.mark.parametrize("dom", [(1, 0), (0, 0), (float("nan"), 1), ("a", 1), (0,)])
def test_bad_domains(dom):
    with pytest.raises(ModelError, match="domain"):
        replica.free_entropy(_pspin_phi(), {q: dom, m: (0, 1)}, [beta])


def test_unused_order_parameter():
    x = sp.Symbol("x", real=True)
    with pytest.raises(ModelError, match="does not depend"):
        replica.free_entropy(_pspin_phi(), {q: (0, 1), m: (0, 1), x: (0, 1)}, [beta])


def test_names_resolve_to_the_symbols_of_phi(pspin):
    fe = replica.free_entropy(_pspin_phi(), {"q": (0, 1), "m": (0, 1)}, ["beta"])
    a = replica.solve(fe, {"beta": 2.0}, x0={"q": 0.7, "m": 0.7})
    b = replica.solve(pspin, {"beta": 2.0}, x0={"q": 0.7, "m": 0.7})
    assert a.phi == b.phi


def test_missing_and_unknown_controls(pspin):
    with pytest.raises(ModelError, match="missing values for the controls \\['beta'\\]"):
        replica.solve(pspin, {}, x0={"q": 0.7, "m": 0.7})
    with pytest.raises(ModelError, match="unknown controls \\['gamma'\\]"):
        replica.solve(pspin, {"beta": 2.0, "gamma": 1.0})
    with pytest.raises(ValueError, match="beta must be finite"):
        replica.solve(pspin, {"beta": float("inf")})


def test_no_bare_exception_from_a_singular_point(pspin):
    """0**(-k) in a kernel used to raise a bare ZeroDivisionError from compiled Newton."""
    br = replica.sweep(pspin, {"beta": np.linspace(2.0, 1.6, 41)}, x0={"q": 0.7, "m": 0.7})
    assert len(br) == 41
    for p_ in br.points:
        assert p_.success or p_.status in (replica.Status.LINE_SEARCH, replica.Status.MAX_ITER,
                                           replica.Status.SINGULAR, replica.Status.NON_FINITE,
                                           replica.Status.INACCURATE)
        assert p_.message


# --- engine names cannot be hijacked --------------------------------------------------------

@pytest.mark.parametrize("name", ["t", "m", "p", "q_ref", "q", "Q", "mu"])
def test_channel_parameter_with_an_engine_name_is_rejected(name):
    s = sp.Symbol(name, real=True)
    with pytest.raises(ModelError, match=f"\\['{name}'\\]"):
        replica.channel(sp.Heaviside(Delta - s))


# --- results a physicist can keep -----------------------------------------------------------

def _roundtrip(obj):
    return type(obj).from_dict(json.loads(json.dumps(obj.to_dict(), allow_nan=False)))


def test_saddle_point_and_branch_roundtrip(pspin, tmp_path):
    s = replica.solve(pspin, {"beta": 2.0}, x0={"q": 0.7, "m": 0.7})
    s2 = _roundtrip(s)
    assert s2.phi == s.phi and s2.order_params == s.order_params
    assert s2.status is replica.Status.CONVERGED and s2.controls == s.controls
    np.testing.assert_array_equal(s2.hessian, s.hessian)
    br = replica.sweep(pspin, {"beta": np.linspace(2.0, 1.6, 9)}, x0={"q": 0.7, "m": 0.7})
    path = br.save(tmp_path / "branch.json")
    br2 = replica.Branch.load(path)
    np.testing.assert_array_equal(br2.values, br.values)
    np.testing.assert_array_equal(br2.phi, br.phi)  # NaN rows too (assert_array_equal: NaN==NaN)
    assert br2.status == br.status and br2.folds == br.folds
    assert replica.serialize.load(path).to_dict() == br.to_dict()


def test_model_results_roundtrip():
    from replica import models
    b = models.perceptron(weights="binary", kappa=0.0)
    cap = replica.capacity(b)
    assert _roundtrip(cap).to_dict() == cap.to_dict()
    le = replica.local_energy(models.perceptron(weights="spherical", kappa=0.0), alpha=1.0,
                              kappa_ref=0.2, overlaps=[0.9, 0.95])
    le2 = _roundtrip(le)
    np.testing.assert_array_equal(le2.e, le.e)
    assert le2.reference.phi == le.reference.phi


def test_branch_plot_marks_failed_points(pspin):
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    br = replica.sweep(pspin, {"beta": np.linspace(2.0, 1.6, 21)}, x0={"q": 0.7, "m": 0.7})
    fig = br.plot()
    axes = fig.axes
    assert len(axes) == 2  # order parameters, phi (no conjugates here)
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels[:2] == ["q", "m"]
    if (~br.solved).any():
        assert "no saddle point" in labels
    assert axes[0].get_xlabel() == "beta"
    assert "beta" in fig.get_suptitle()
    plt.close("all")
    with pytest.raises(ValueError, match="unknown order parameters"):
        br.plot(order_params=["qq"])


def test_status_messages_are_remediations():
    """Each failure status says what to do: the remedy's keyword is in its message."""
    remedy = {"max_iter": "max_iter", "line_search": "sweep", "singular": "singular",
              "non_finite": "domains", "no_root": "no saddle point", "inaccurate": "points=",
              "converged": "below", "collapsed": "fewer steps"}
    for st in replica.Status:
        assert remedy[st.value] in st.message, st
        assert st == st.value  # compares equal to its string


# --- 1RSB branches at fixed m -----------------------------------------------------------------

def test_sweep_follows_a_1rsb_branch_at_fixed_m():
    from replica import models
    neg = models.perceptron(weights="spherical", kappa=-1.0)
    alphas = np.linspace(9.0, 9.6, 4)
    br = replica.sweep(neg, alpha=alphas, ansatz="1rsb", m=0.5, x0={"q0": 0.6, "q1": 0.8})
    assert br.success.all()
    for a, p_ in zip(alphas, br.points):
        s = replica.solve(neg, a, ansatz="1rsb", m=0.5, x0=dict(p_.order_params))
        assert s.phi == pytest.approx(p_.phi, abs=1e-12)
        assert p_.controls["m"] == 0.5
        assert p_.order_params["q1"] > p_.order_params["q0"] + 1e-3  # not the RS point
    # and along m at fixed alpha: Sigma(m) = -m^2 dphi/dm, computed at each point
    brm = replica.sweep(neg, m=np.linspace(0.4, 0.6, 3), alpha=9.0, ansatz="1rsb",
                        x0={"q0": 0.6, "q1": 0.8})
    assert brm.success.all()
    sig = [p_.complexity for p_ in brm.points]
    assert np.all(np.isfinite(sig))


def test_error_estimates_are_reported_and_honest(pspin):
    """The a-posteriori Newton step estimates the error: from a point perturbed by 1e-6, one
    Newton step predicts the perturbation (to second order)."""
    s = replica.solve(pspin, {"beta": 2.0}, x0={"q": 0.7, "m": 0.7})
    assert set(s.errors) == {"q", "m"}
    assert all(e < 1e-12 for e in s.errors.values())
    from replica.engine import solvers
    from replica.engine.compiled import point_errors
    from replica.engine.problem import as_problem
    pb = as_problem(pspin, {"beta": 2.0})
    th = np.array(list(s.order_params.values())) + np.array([1e-6, -2e-6])
    ev = pb.cfe(th, pb.ctrl)
    # the a-posteriori step alone: the check rules replaced by the rules themselves
    err = point_errors(ev.hessian, ev.part_gradients, ev.part_values, ev.phi,
                               ev.part_gradients, ev.phi, 0.0)[:2]
    np.testing.assert_allclose(err, [1e-6, 2e-6], rtol=1e-4)
    off = solvers.make_point(pb, th, ev, 1, replica.Status.CONVERGED, 0.0, "test", 1e-10)
    assert off.status == replica.Status.INACCURATE and off.exceeded == ("order_params",)
    np.testing.assert_allclose([off.errors["q"], off.errors["m"]], [1e-6, 2e-6], rtol=1e-4)
