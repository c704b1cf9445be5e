"""Symbolic stationarity equations, Hessian and control derivatives against finite differences.

Central differences with Richardson extrapolation: truncation error O(h^4) and rounding error
~ eps |f| / h; with h = 1e-3 (relative) both are below 1e-9 of the scale of the terms, which is
the tolerance used.
"""
import numpy as np
import pytest
import sympy as sp

from replica import models
from replica.symbols import Delta, beta

K = sp.Symbol("kappa", nonnegative=True)
KR = sp.Symbol("kappa", real=True)


def _richardson(f, x, h):
    d1 = (f(x + h) - f(x - h)) / (2 * h)
    d2 = (f(x + h / 2) - f(x - h / 2)) / h
    return (4 * d2 - d1) / 3


MODELS = [
    (lambda: models.perceptron(weights="spherical", kappa=0.4), 0.6, {"q": 0.45}),
    (lambda: models.perceptron(weights="spherical", kappa=-0.8), 4.0, {"q": 0.93}),
    (lambda: models.perceptron(weights="binary", kappa=0.2), 0.5, {"q": 0.35, "qhat": 0.8}),
    (lambda: models.perceptron(weights="binary", kappa=0.0), 1.2, {"q": 0.97, "qhat": 300.0}),
    (lambda: models.perceptron(weights="binary",
                               channel=__import__("replica").channel(
                                   sp.Heaviside(sp.Abs(Delta) - K)), kappa=0.6),
     0.4, {"q": 0.3, "qhat": 0.5}),
    (lambda: models.perceptron(weights="spherical",
                               channel=__import__("replica").channel(
                                   sp.exp(-beta * sp.log(1 + sp.exp(KR - Delta)))),
                               kappa=0.3, beta=1.5), 0.8, {"q": 0.4}),
]


@pytest.mark.parametrize("make,alpha,point", MODELS)
def test_gradient_hessian_control_derivatives_match_finite_differences(make, alpha, point):
    m = make()
    cfe = m.compiled()
    theta = np.array([point[nm] for nm in cfe.names])
    ctrl = m.controls(alpha)
    ev = cfe(theta, ctrl)
    n = len(theta)
    for i in range(n):
        h = 1e-3 * min(theta[i], 1 - theta[i]) if cfe.names[i] == "q" else 1e-3 * theta[i]

        def phi_i(t, i=i):
            th = theta.copy()
            th[i] = t
            return cfe(th, ctrl).phi

        def grad_i(t, i=i):
            th = theta.copy()
            th[i] = t
            return cfe(th, ctrl).gradient

        scale = 1 + np.abs(ev.part_gradients[:, i]).sum()
        assert abs(_richardson(phi_i, theta[i], h) - ev.gradient[i]) <= 1e-9 * scale
        fd_col = _richardson(grad_i, theta[i], h)
        hscale = 1 + np.abs(ev.hessian).max()
        np.testing.assert_allclose(ev.hessian[:, i], fd_col, rtol=0, atol=1e-8 * hscale)
    for k in range(len(ctrl)):
        if ctrl[k] == 0:
            continue

        def grad_c(t, k=k):
            c = ctrl.copy()
            c[k] = t
            return cfe(theta, c).gradient

        h = 1e-3 * abs(ctrl[k])
        fd = _richardson(grad_c, ctrl[k], h)
        np.testing.assert_allclose(ev.control_derivatives[:, k], fd, rtol=0,
                                   atol=1e-8 * (1 + np.abs(ev.control_derivatives).max()))


def test_hessian_is_symmetric():
    m = models.perceptron(weights="binary", kappa=0.5)
    ev = m.compiled()(np.array([0.6, 3.0]), m.controls(0.3))
    assert ev.hessian[0, 1] == pytest.approx(ev.hessian[1, 0], rel=1e-14)


def test_no_handwritten_derivative_free_entropy_matches_symbolic_diff():
    """The kernel's gradient is literally sympy.diff of phi (structural check)."""
    m = models.perceptron(weights="spherical", kappa=0.0)
    fe = m.free_entropy()
    q = fe.order_params[0]
    assert sp.simplify(fe.gradient[0] - sp.diff(fe.phi, q)) == 0
