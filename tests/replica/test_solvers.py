"""Solvers: convergence criteria, continuation, error paths (no NaN leaves silently)."""
import math

import numpy as np
import pytest

import replica
from replica import models
from replica.errors import NonFiniteError, SaddlePointConvergenceError


def test_contract_entry_points():
    m = models.perceptron(weights="spherical", kappa=0.5)
    sp_ = replica.solve(m, alpha=0.5)
    assert sp_.success and sp_.status == "converged"
    assert 0 < sp_.order_params["q"] < 1
    assert math.isfinite(sp_.phi) and sp_.residual <= 1e-10
    br = replica.sweep(m, alpha=np.linspace(0.05, 0.9, 200))
    assert len(br) == 200 and br.success.all()
    assert np.all(np.diff(br.order_params["q"]) > 0)  # q grows with alpha
    assert np.all(np.diff(br.phi) < 0)                # the volume shrinks
    assert replica.capacity(m).alpha_c > 0.9


@pytest.mark.parametrize("weights", ["spherical", "binary"])
def test_sweep_agrees_with_cold_solves(weights):
    m = models.perceptron(weights=weights, kappa=0.3)
    alphas = np.linspace(0.05, 0.6, 12)
    br = replica.sweep(m, alpha=alphas)
    for a, p in zip(alphas, br.points):
        cold = replica.solve(m, a)
        for k, v in cold.order_params.items():
            assert p.order_params[k] == pytest.approx(v, rel=1e-9)
        assert p.phi == pytest.approx(cold.phi, rel=1e-12, abs=1e-12)


def test_sweep_along_kappa():
    m = models.perceptron(weights="spherical")
    br = replica.sweep(m, kappa=np.linspace(-0.5, 1.0, 16), alpha=0.4)
    assert br.success.all() and br.param == "kappa"
    assert np.all(np.diff(br.phi) < 0)  # larger margin, smaller volume


def test_saddle_point_is_stationary_by_independent_backend():
    from replica import codegen
    m = models.perceptron(weights="binary", kappa=0.0)
    sp_ = replica.solve(m, 0.7)
    fe = m.free_entropy()
    vals = dict(zip(fe.order_params, sp_.order_params.values()))
    vals.update(zip(fe.controls, m.controls(0.7)))
    for g in fe.gradient:
        assert abs(float(codegen.evaluate_numpy(g, vals))) < 1e-10


def test_failed_points_are_kept_as_rows():
    m = models.perceptron(weights="spherical", kappa=0.0)
    br = replica.sweep(m, alpha=np.array([1.0, 1.5, 2.5, 3.0]))
    assert len(br) == 4
    assert list(br.success) == [True, True, False, False]
    assert br.status[2] != "converged"


def test_beyond_capacity_raises_with_last_iterate():
    m = models.perceptron(weights="spherical", kappa=0.0)
    with pytest.raises(SaddlePointConvergenceError) as info:
        replica.solve(m, 2.5)
    res = info.value.result
    assert not res.success and res.status == "no_root"
    assert "capacity" in str(info.value)
    failed = replica.solve(m, 2.5, throw=False)
    assert not failed.success and math.isfinite(failed.residual)


def test_max_iter_reports_and_raises():
    m = models.perceptron(weights="binary", kappa=0.0)
    with pytest.raises(SaddlePointConvergenceError) as info:
        replica.solve(m, 0.9, max_iter=1, fallback=False)
    assert info.value.result.iterations == 1
    assert info.value.result.residual > 1e-10


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), "x"])
def test_bad_alpha(bad):
    m = models.perceptron(weights="spherical")
    with pytest.raises(ValueError, match="alpha"):
        replica.solve(m, bad)


def test_bad_model_inputs():
    with pytest.raises(ValueError, match="kappa"):
        models.perceptron(weights="spherical", kappa=float("nan"))
    with pytest.raises(ValueError, match="Unknown weights 'potts'"):
        models.perceptron(weights="potts")
    with pytest.raises(ValueError, match="unknown parameters"):
        models.perceptron(weights="spherical", temperature=1.0)
    with pytest.raises(ValueError, match="x0"):
        replica.solve(models.perceptron(), 0.5, x0={"q": 1.5})
    with pytest.raises(ValueError, match="unknown order parameters"):
        replica.solve(models.perceptron(), 0.5, x0={"r": 0.5})
    with pytest.raises(ValueError, match="exactly one array"):
        replica.sweep(models.perceptron(), alpha=0.5)
    with pytest.raises(ValueError, match="Unknown ansatz"):
        replica.solve(models.perceptron(), 0.5, ansatz="2rsb")


def test_non_finite_is_an_error_naming_the_quantity():
    m = models.perceptron(weights="binary", kappa=0.0)
    cfe = m.compiled()
    with pytest.raises(NonFiniteError) as info:
        cfe(np.array([0.5, 0.0]), m.controls(0.5))  # qhat = 0: 1/sqrt(qhat) in the kernel
    assert info.value.quantity is not None and "qhat" in str(info.value)


def test_near_capacity_branch_reaches_q_0999():
    m = models.perceptron(weights="spherical", kappa=1.0)
    ac = replica.capacity(m).alpha_c
    sp_ = replica.solve(m, ac * (1 - 1e-4))
    assert sp_.success and sp_.order_params["q"] > 0.999
    mb = models.perceptron(weights="binary", kappa=0.0)
    spb = replica.solve(mb, 4 / np.pi * (1 - 1e-4))
    assert spb.success and spb.order_params["q"] > 0.999


@pytest.mark.parametrize("weights,kappa,alphas", [("spherical", 0.5, (0.1, 0.95, 12)),
                                                   ("binary", 0.0, (0.1, 0.8, 8))])
def test_sweep_rows_carry_what_a_single_point_carries(weights, kappa, alphas):
    """The rows of the compiled continuation are assembled in one batch (make_rows); each
    must carry exactly what make_point gives for the same order parameters: the kernel
    re-evaluated at the row's point, its error estimates, status and derived fields."""
    import dataclasses

    from replica.engine.solvers import make_point
    m = models.perceptron(weights=weights, kappa=kappa)
    br = replica.sweep(m, alpha=np.linspace(*alphas))
    assert sum(p.method == "continuation" for p in br.points) >= len(br.points) - 1
    for p in br.points:
        pb = m.saddle_problem({"alpha": p.controls["alpha"]})
        theta = np.array(list(p.order_params.values()))
        ref = make_point(pb, theta, pb.cfe(theta, pb.ctrl), p.iterations, replica.Status.CONVERGED,
                         p.step, p.method, 1e-10)
        a, b = dataclasses.asdict(p), dataclasses.asdict(ref)
        for k in a:
            if isinstance(a[k], np.ndarray):
                np.testing.assert_array_equal(a[k], b[k], err_msg=k)
            else:
                assert a[k] == b[k], k


def test_a_point_from_checked_fields_needs_every_field():
    with pytest.raises(TypeError, match=r"missing \['ansatz', 'control_derivatives'"):
        replica.SaddlePoint.from_checked_fields({"model": "m"})
