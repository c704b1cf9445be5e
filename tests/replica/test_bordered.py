"""Bordered solves (replica.engine.bordered): a saddle point with one scalar condition, and its
continuation in a second control.

Checked against independent solutions: the AT line of the spherical perceptron
(tests/replica/scipy_refs.spherical_at_line: the RS and replicon equations solved by SciPy),
the AT line of SK in a field (tests/replica/test_stability._at_point), and the zero-entropy
point of the binary perceptron by Brent's method on the same branch (Krauth-Mezard 1989:
0.833, recalled).
"""
import numpy as np
import pytest

import replica
from replica import ReplicaError, models
from replica.engine.bordered import BorderedPoint, Condition, bordered_solve, follow_bordered

from .scipy_refs import spherical_at_line
from .test_stability import SK_FIELD, _at_point


def _start(pb, sp_):
    return np.array([sp_.order_params[nm] for nm in pb.cfe.names])


def test_zero_entropy_point_of_the_binary_perceptron():
    m = models.perceptron(weights="binary", kappa=0.0)
    sp_ = replica.solve(m, alpha=0.8)
    pb = m.saddle_problem({"alpha": 0.8})
    bp = bordered_solve(pb, "alpha", _start(pb, sp_), 0.8, Condition("phi"))
    assert bp is not None and bp.saddle_point.success
    assert abs(bp.saddle_point.phi) < 1e-13
    brent = replica.find_zero(m, lambda s: s.phi, bracket=(0.5, 0.9), need=("phi",))
    assert bp.value == pytest.approx(brent.value, abs=1e-12)
    assert bp.value == pytest.approx(0.833, abs=5e-4)  # Krauth-Mezard 1989
    assert bp.iterations <= 8  # quadratic convergence from alpha = 0.8


def test_at_point_of_the_negative_perceptron_from_its_replicon():
    m = models.perceptron(weights="spherical", kappa=-1.0)
    pb = m.saddle_problem({"alpha": 7.5})
    sp_ = replica.solve(m, alpha=7.5)
    bp = bordered_solve(pb, "alpha", _start(pb, sp_), 7.5, Condition(pb.replicon.expr))
    ref, q_ref = spherical_at_line(-1.0, (7.9, 0.9))
    assert bp.value == pytest.approx(ref, abs=1e-10)
    assert bp.saddle_point.order_params["q"] == pytest.approx(q_ref, abs=1e-10)
    assert abs(replica.stability(m, saddle_point=bp.saddle_point).replicon) < 1e-12


def test_the_at_line_followed_in_kappa():
    """The AT line of the spherical perceptron, continued from kappa = -1 to -0.5 in the plane
    (kappa, alpha), ends on the independent AT point at kappa = -0.5."""
    m = models.perceptron(weights="spherical", kappa=-1.0)
    pb = m.saddle_problem({"alpha": 7.87})
    tr = replica.at_line(m, bracket=(6.0, 9.0))
    start = BorderedPoint(tr.value, tr.saddle_point, 0.0, 0)
    line = follow_bordered(pb.with_value("alpha", tr.value), "alpha", "kappa", -0.5, start,
                           condition=Condition(pb.replicon.expr))
    kappas = [k for k, _ in line]
    assert kappas[0] == -1.0 and kappas[-1] == -0.5 and np.all(np.diff(kappas) > 0)
    ref, _ = spherical_at_line(-0.5, (3.95, 0.9))
    assert line[-1][1].value == pytest.approx(ref, abs=1e-9)
    alphas = [bp.value for _, bp in line]
    assert np.all(np.diff(alphas) < 0)  # the AT load falls as the margin rises


def test_sk_at_line_followed_in_the_field():
    pb = replica.engine.problem.as_problem(SK_FIELD, {"beta": 1.5, "h": 0.3})
    b0, q0 = _at_point(0.3)
    bp0 = bordered_solve(pb, "beta", [q0], b0, Condition(SK_FIELD.replicon.expr))
    assert bp0.value == pytest.approx(b0, abs=1e-9)
    line = follow_bordered(pb.with_value("beta", bp0.value), "beta", "h", 0.6, bp0,
                           condition=Condition(SK_FIELD.replicon.expr))
    b1, q1 = _at_point(0.6)
    assert line[-1][0] == 0.6
    assert line[-1][1].value == pytest.approx(b1, abs=1e-8)
    assert line[-1][1].saddle_point.order_params["q"] == pytest.approx(q1, abs=1e-8)


def test_an_unreachable_condition_fails_by_name():
    pb = replica.engine.problem.as_problem(SK_FIELD, {"beta": 1.5, "h": 0.3})
    unreachable = Condition("phi", value=-5.0)  # phi >= ln 2 here
    assert bordered_solve(pb, "beta", [0.3], 1.5, unreachable, max_iter=15) is None
    with pytest.raises(ReplicaError, match="bordered solve of phi = -5 in beta"):
        bordered_solve(pb, "beta", [0.3], 1.5, unreachable, max_iter=15, throw=True)
    with pytest.raises(replica.ModelError, match="not a differentiated control"):
        bordered_solve(pb, "gamma", [0.3], 1.5)
    with pytest.raises(replica.ModelError, match="neither order parameters nor controls"):
        import sympy as sp
        bordered_solve(pb, "beta", [0.3], 1.5, Condition(sp.Symbol("zeta") - 1))


def test_a_step_into_the_non_finite_region_is_halved():
    """phi = -(x - 2 - c^2)^2 / 2 + 1e-3 sqrt(x - 2) is finite only for x > 2.  From (x, c) =
    (3, 1), the bordered Newton step towards c = 0.1 lands at x < 2; the solve halves it (it
    used to give up there) and reaches the saddle point, checked against Brent on the
    stationarity condition -(x - 2.01) + 5e-4 / sqrt(x - 2) = 0."""
    import math

    import sympy as sp
    from scipy import optimize

    x, c = sp.Symbol("x", real=True), sp.Symbol("c", real=True)
    phi = -(x - 2 - c**2) ** 2 / 2 + sp.Rational(1, 1000) * sp.sqrt(x - 2)
    fe = replica.free_entropy(phi, {x: (0, 10)}, [c], name="sqrt-wall")
    pb = replica.engine.problem.SaddleProblem(fe, {"c": 1.0})
    bp = bordered_solve(pb, "c", [3.0], 1.0, Condition(c - sp.Rational(1, 10)))
    assert bp is not None and bp.saddle_point.success
    ref = optimize.brentq(lambda v: -(v - 2.01) + 5e-4 / math.sqrt(v - 2), 2 + 1e-12, 3.0,
                          xtol=1e-14)
    assert bp.value == pytest.approx(0.1, abs=1e-14)
    assert bp.saddle_point.order_params["x"] == pytest.approx(ref, abs=1e-12)
