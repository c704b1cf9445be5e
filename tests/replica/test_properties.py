"""Hypothesis property tests over the domain of the RS perceptron."""
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import replica
from replica import models

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(kappa=st.floats(-1.5, 2.5), frac=st.floats(0.01, 0.995))
def test_spherical_solutions_are_stationary_points(kappa, frac):
    m = models.perceptron(weights="spherical", kappa=kappa)
    alpha = frac * replica.capacity(m).alpha_c
    sp_ = replica.solve(m, alpha)
    assert sp_.success and sp_.residual <= 1e-10
    assert 0 < sp_.order_params["q"] < 1 and math.isfinite(sp_.phi)
    ev = m.compiled()(np.array([sp_.order_params["q"]]), m.controls(alpha))
    assert np.all(np.isfinite(ev.hessian)) and ev.scaled_residual <= 1e-10


@SETTINGS
@given(kappa=st.floats(0.0, 1.5), frac=st.floats(0.02, 0.98))
def test_binary_solutions_are_stationary_points(kappa, frac):
    m = models.perceptron(weights="binary", kappa=kappa)
    alpha = frac * replica.capacity(m).alpha_c
    sp_ = replica.solve(m, alpha)
    assert sp_.success and sp_.residual <= 1e-10
    assert sp_.phi < math.log(2)


@SETTINGS
@given(q=st.floats(1e-6, 1 - 1e-6), kappa=st.floats(-3, 3), alpha=st.floats(1e-3, 50))
def test_equations_are_finite_on_the_whole_domain(q, kappa, alpha):
    m = models.perceptron(weights="spherical", kappa=kappa)
    ev = m.compiled()(np.array([q]), m.controls(alpha))  # raises NonFiniteError otherwise
    assert math.isfinite(ev.phi)
