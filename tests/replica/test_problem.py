"""The engine's public problem (replica.engine.problem) and bad input named at the door.

A system written by a user (here Sherrington-Kirkpatrick at RS, h = 0) goes through the same
API as the perceptron; its numbers are checked against an independent fixed-point iteration
of q = E tanh^2(beta sqrt(q) z) (the SK RS equation, Sherrington and Kirkpatrick 1975)
solved here with SciPy's adaptive quadrature and Brent's method.
"""
import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, optimize

import replica
from replica import ModelError, models
from replica.engine.gauss import GaussAvg
from replica.engine.problem import SaddleProblem, System, as_problem, gather_controls
from replica.engine.strategies import Homotopy
from replica.symbols import Delta

q, beta = sp.symbols("q beta", positive=True)
z = sp.Symbol("z", real=True)
SK_PHI = (beta**2 / 4 * (1 - q)**2
          + GaussAvg(sp.log(2 * sp.cosh(beta * sp.sqrt(q) * z)), z,
                     points=[(0, 1 / (beta * sp.sqrt(q)))]))


class SK:
    """Sherrington-Kirkpatrick at replica symmetry: a system in a few lines."""

    primary_control = "beta"
    fe = replica.free_entropy(SK_PHI, {q: (0, 1)}, [beta], name="SK")

    def saddle_problem(self, controls, ansatz=None):
        if ansatz not in (None, "rs"):
            raise ModelError(f"SK: only 'rs', got {ansatz!r}")
        return SaddleProblem(self.fe, controls, label="SK", primary="beta",
                             check=lambda nm, v: replica.engine.compiled.check_positive(nm, v),
                             observables={"energy": lambda p: -p.derivatives["beta"]})


def _q_sk(b):
    """The nonzero root of q = E tanh^2(beta sqrt(q) z) (beta > 1): adaptive quadrature on
    each half-line (the integrand is even; its feature sits at z = 0), Brent in q."""
    def F(qq):
        f = lambda t: math.exp(-t * t / 2) * math.tanh(b * math.sqrt(qq) * t) ** 2
        return 2 * integrate.quad(f, 0, np.inf, epsabs=1e-13, epsrel=1e-12,
                                  limit=200)[0] / math.sqrt(2 * math.pi)
    return optimize.brentq(lambda qq: F(qq) - qq, 1e-9, 1 - 1e-12, xtol=1e-15, rtol=1e-15)


def test_a_user_system_solves_through_the_public_problem():
    sk = SK()
    assert isinstance(sk, System)
    for b in (1.5, 2.0, 3.0):
        p = replica.solve(sk, b)
        assert p.success
        assert p.order_params["q"] == pytest.approx(_q_sk(b), abs=1e-9)
        assert p.controls == {"beta": b} and p.params == {} and p.beta == b
        assert not hasattr(p, "alpha")  # no control the system does not have
        # the energy observable, -d phi/d beta = -(beta/2)(1 - q^2) for SK at RS
        assert p.observables["energy"] == pytest.approx(-b / 2 * (1 - p.order_params["q"] ** 2),
                                                        abs=1e-9)
    br = replica.sweep(sk, beta=np.linspace(1.2, 2.5, 6))
    assert br.success.all()
    # the transition q -> 0 at beta = 1, located on the SK system's own control
    tr = replica.find_zero(sk, lambda p: p.order_params["q"] - 0.05, bracket=(1.02, 1.5))
    assert tr.param == "beta"
    assert _q_sk(tr.value) == pytest.approx(0.05, abs=1e-8)


def test_the_system_check_and_the_bare_number():
    with pytest.raises(ModelError, match="beta must be > 0"):
        replica.solve(SK(), -1.0)
    fe = SK.fe
    with pytest.raises(ModelError, match="no primary control"):
        replica.solve(fe, 2.0)
    with pytest.raises(ModelError, match="param"):
        replica.find_zero(fe, lambda p: p.phi, bracket=(1.2, 2.0))
    with pytest.raises(ModelError, match="given twice"):
        gather_controls(fe, {"beta": 1.0}, {"beta": 2.0})
    with pytest.raises(ModelError, match="unknown controls"):
        as_problem(fe, {"beta": 1.0, "gamma": 2.0})
    with pytest.raises(ModelError, match="missing values"):
        as_problem(fe, {})

    class Broken:
        def saddle_problem(self, controls, ansatz=None):
            return (fe, controls, "x", None)  # the old 4-tuple

    with pytest.raises(ModelError, match="not a replica.engine.problem.SaddleProblem"):
        replica.solve(Broken(), {"beta": 1.0})


@pytest.mark.parametrize("value", ["0.5", True, 1 + 2j, [0.5], None])
def test_control_values_that_are_not_real_numbers_are_refused(value):
    m = models.perceptron(weights="spherical", kappa=0.0)
    with pytest.raises(ModelError, match="alpha"):
        replica.solve(m, alpha=value)


def test_numpy_and_sympy_numbers_are_numbers():
    m = models.perceptron(weights="spherical", kappa=0.0)
    a = replica.solve(m, alpha=np.float32(0.5)).order_params["q"]
    b = replica.solve(m, alpha=sp.Rational(1, 2)).order_params["q"]
    c = replica.solve(m, alpha=np.array(0.5)).order_params["q"]
    assert a == b == c


def test_the_perceptron_keeps_its_conveniences():
    m = models.perceptron(weights="spherical", kappa=0.5)
    p = replica.solve(m, 0.5)
    assert p.alpha == 0.5 and p.params == {"kappa": 0.5}
    assert replica.solve(m, alpha=0.5).phi == p.phi
    r = replica.solve(m, alpha=0.5, ansatz="1rsb", m=0.5, x0={"q0": 0.4, "q1": 0.8})
    assert r.controls["m"] == 0.5 and r.m == 0.5


def test_saddle_points_saved_before_alpha_became_a_control_still_load(tmp_path):
    m = models.perceptron(weights="spherical", kappa=0.5)
    p = replica.solve(m, 0.5)
    d = p.to_dict()
    d["alpha"] = 0.5  # the old field
    back = replica.SaddlePoint.from_dict(d)
    assert back.alpha == 0.5 and back.phi == p.phi
    path = p.save(tmp_path / "p.json")
    assert replica.SaddlePoint.load(path).alpha == 0.5


def test_homotopy_paths_in_either_direction():
    fe = SK.fe

    def path(h, target):
        return h.path(SaddleProblem(fe, {"beta": target}))

    up = path(Homotopy("beta", start=0.5), 3.0)
    assert up[0] == 0.5 and up[-1] == 3.0 and np.all(np.diff(up) > 0)
    down = path(Homotopy("beta", start=3.0), 0.5)
    assert down[0] == 3.0 and down[-1] == 0.5 and np.all(np.diff(down) < 0)
    # the perceptron's rule: from 0.02, or from a quarter of a target below 0.08
    small = path(Homotopy("beta", start=0.02, fraction=0.25), 0.05)
    assert small[0] == 0.25 * 0.05 and small[-1] == 0.05
    assert path(Homotopy("beta", start=0.02, fraction=0.25), 0.5)[0] == 0.02
    neg = Homotopy("x", start=-0.02).path(type("P", (), {"values": {"x": -2.0}})())
    assert neg[0] == -0.02 and neg[-1] == -2.0 and np.all(np.diff(neg) < 0)
    across = Homotopy("x", start=-1.0).path(type("P", (), {"values": {"x": 2.0}})())
    np.testing.assert_allclose(across, np.linspace(-1.0, 2.0, 16))
    # approaching a singular end from above: geometric in the distance to it
    h = Homotopy("x", start=5.0, end=lambda v: 1.0)
    p = h.path(type("P", (), {"values": {"x": 1.0 + 1e-6}})())
    assert p[0] == 5.0 and p[-1] == pytest.approx(1.0 + 1e-6, rel=1e-12)
    assert np.all(np.diff(p) < 0) and np.all(p > 1.0)
    assert h.path(type("P", (), {"values": {"x": 0.5}})()) is None  # beyond the end


@pytest.mark.parametrize("weight,name", [(sp.gamma(1 + Delta**2), "polygamma"),
                                         (sp.besselj(0, Delta) ** 2, "besselj")])
def test_a_weight_the_compiler_cannot_print_is_refused_at_channel(weight, name):
    with pytest.raises(ModelError, match=f"{name}.*cannot be compiled; supported: .*erf"):
        replica.channel(weight)


def test_a_negative_weight_is_refused_at_channel():
    with pytest.raises(ModelError, match="weight is negative .* at Delta="):
        replica.channel(sp.sin(Delta) + sp.Rational(1, 2))
    kappa = sp.Symbol("kappa", real=True)
    with pytest.raises(ModelError, match="weight is negative"):
        replica.channel(sp.Heaviside(Delta - kappa) - sp.Rational(1, 2))
    # a weight non-negative for every allowed parameter value is accepted
    b = sp.Symbol("b", positive=True)
    replica.channel(sp.exp(-b * Delta**2) * (1 + sp.tanh(Delta)))


def test_a_free_entropy_the_compiler_cannot_print_is_refused():
    with pytest.raises(ModelError, match="polygamma"):
        replica.free_entropy(beta * sp.loggamma(1 + q) - q**2, {q: (0, 1)}, [beta])


def test_reserved_names_say_who_reserved_them():
    with pytest.raises(ModelError, match="'p' by the Franz-Parisi"):
        replica.channel(sp.Heaviside(Delta - sp.Symbol("p", real=True)))
    with pytest.raises(ModelError, match="'alpha' by the perceptron"):
        replica.channel(sp.Heaviside(Delta - sp.Symbol("alpha", real=True)))


def test_branch_rows_that_failed_are_nan_and_the_plot_separates_conjugates():
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    m = models.perceptron(weights="binary", kappa=0.0)
    br = replica.sweep(m, alpha=np.array([0.3, 0.5, 50.0]))  # no RS branch at alpha = 50
    assert br.solved.tolist()[:2] == [True, True]
    bad = ~br.solved
    assert bad.any()
    assert np.all(np.isnan(br.phi[bad])) and np.all(np.isnan(br.order_params["q"][bad]))
    assert np.all(np.isfinite(br.phi[~bad]))
    fig = br.plot()
    titles = [a.get_ylabel() for a in fig.axes]
    assert titles == ["order parameters", "conjugates", "phi (free entropy)"]
    assert [t.get_text() for t in fig.axes[1].get_legend().get_texts()][0] == "qhat"
    assert "perceptron" in fig.get_suptitle()
    plt.close(fig)


def test_a_result_file_that_is_not_json_names_the_file(tmp_path):
    bad = tmp_path / "branch.json"
    bad.write_bytes(b"\xff\xfe not json")
    with pytest.raises(ValueError, match="branch.json: not a replica-landscapes result file"):
        replica.Branch.load(bad)
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="branch.json.*not JSON"):
        replica.Branch.load(bad)


def test_an_unwritable_kernel_cache_names_the_variable(tmp_path, monkeypatch):
    from replica.engine import codegen

    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("REPLICA_CACHE_DIR", str(blocker / "kernels"))
    with pytest.raises(replica.ReplicaError, match="REPLICA_CACHE_DIR .* is not a writable"):
        codegen.cache_dir()


def test_the_inaccurate_status_says_how_to_declare_a_feature():
    assert "GaussAvg(f, z, points=[(center, width)])" in replica.Status.INACCURATE.message


def test_a_control_declared_positive_is_refused_when_not():
    from replica.symbols import beta as b_sym
    k = sp.Symbol("kappa", real=True)
    soft = replica.channel(sp.exp(-b_sym * sp.log(1 + sp.exp(k - Delta))), name="softplus")
    with pytest.raises(ModelError, match="beta must be > 0"):
        models.perceptron(weights="spherical", channel=soft, kappa=0.3, beta=-1.0)
    m = models.perceptron(weights="spherical", channel=soft, kappa=0.3, beta=2.0)
    with pytest.raises(ModelError, match="beta must be > 0"):
        replica.solve(m, alpha=1.0, beta=0.0)
    with pytest.raises(ModelError, match="beta must be > 0"):
        m.with_params(beta=-3.0)
    with pytest.raises(ModelError, match="beta must be > 0"):
        replica.solve(SK.fe, {"beta": -2.0})  # a raw free entropy: beta declared positive


def _sqrt_wall_problem(repairs):
    """phi = -(x - 2 - c^2)^2 / 2 + 1e-3 sqrt(x - 2) on x in (0, 10): the saddle point
    x*(c) ~ 2 + c^2 is finite only for x > 2, so from c = 1 (x* ~ 3) the tangent prediction at
    c = 0.1 (x ~ 1.2) is not finite."""
    x, c = sp.Symbol("x", real=True), sp.Symbol("c", real=True)
    phi = -(x - 2 - c**2) ** 2 / 2 + sp.Rational(1, 1000) * sp.sqrt(x - 2)
    fe = replica.free_entropy(phi, {x: (0, 10)}, [c], name="sqrt-wall")
    return SaddleProblem(fe, {"c": 1.0}, repairs=repairs)


def test_the_continuation_tries_the_problems_repairs_before_halving():
    """A repair of the prediction (here: half-way from the wall x = 2 to the last point) is
    tried when Newton from the prediction fails; the point reached is the saddle point
    (checked against Brent on the stationarity condition)."""
    from replica.engine.continuation import sweep_problem

    calls = []

    def repair(problem, pred, history):
        x_last = history[-1].order_params["x"]
        calls.append((problem.values["c"], float(pred[0]), x_last))
        return np.array([2.0 + 0.5 * (x_last - 2.0)])

    pb = _sqrt_wall_problem((repair,))
    br = sweep_problem(pb, "c", np.array([1.0, 0.1]), x0={"x": 3.0}, max_halvings=0,
                       top=False)
    assert calls and calls[0][0] == 0.1 and calls[0][1] < 2.0 < calls[0][2]
    assert br.points[-1].success
    ref = optimize.brentq(lambda v: -(v - 2.01) + 5e-4 / math.sqrt(v - 2), 2 + 1e-12, 3.0,
                         xtol=1e-14)
    assert br.points[-1].order_params["x"] == pytest.approx(ref, abs=1e-10)
    # without the repair and without halvings the same step is not taken from the prediction
    # (the last resort, Newton from the last point, may still reach it: the point is then not
    # from the continuation's predictor)
    plain = sweep_problem(_sqrt_wall_problem(()), "c", np.array([1.0, 0.1]), x0={"x": 3.0},
                          max_halvings=0, top=False)
    assert plain.points[-1].method != "continuation" or not plain.points[-1].success


def test_repairs_must_be_callables():
    with pytest.raises(ModelError, match="repairs must be callables"):
        _sqrt_wall_problem((0.5,))
