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


@pytest.mark.parametrize("weights,alpha_,kappa_,th", [("binary", 0.3, 0.5, [0.3, 0.6, 1.5, 3.0]),
                                                      ("spherical", 2.0, -0.5, [0.4, 0.7])])
def test_mixed_partials_commute(weights, alpha_, kappa_, th):
    """The Hessian is differentiated once per pair i <= j (the entry below the diagonal is the
    same expression); the other order of differentiation, d/d theta_i of d phi/d theta_j, is a
    different expression, compiled here into its own kernel: the two must agree (1RSB, nested
    and tilted averages)."""
    from replica.codegen import compile_kernel
    from replica.quadrature import hermite_rule, legendre_reference
    m = models.perceptron(weights=weights, kappa=kappa_)
    fe = m.free_entropy("1rsb")
    n = len(fe.order_params)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    outs = []
    for i, j in pairs:
        assert fe.hessian[j][i] is fe.hessian[i][j]
        outs += [fe.hessian[i][j], sp.diff(fe.gradient[j], fe.order_params[i])]
    k_ = compile_kernel(outs, fe.order_params, fe.controls).kernel
    gl, gh = legendre_reference(), hermite_rule(64)
    out = k_(np.array(th[:n]), m.controls(alpha_, m=0.6), *gl, *gh, np.empty(len(outs)))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out[0::2], out[1::2], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kappa,alpha,qs", [(0.0, 1.0, (0.2, 0.5, 0.9)),
                                             (-0.8, 4.0, (0.3, 0.93)),
                                             (0.4, 0.6, (0.45, 0.99))])
def test_spherical_gradient_against_the_hand_derived_saddle_point_equation(kappa, alpha, qs):
    """The compiled d phi/dq of the spherical perceptron against Gardner's equation written by
    hand, d phi/dq = q/(2(1-q)^2) - alpha/(2(1-q)) E_z R(u)^2 (derivation in scipy_refs.py),
    integrated by QUADPACK (epsrel 1e-12).  Replaces a check that the gradient equals
    sympy.diff of phi, which is how the gradient is built (it could not fail).  Measured
    agreement 2026-11-29: <= 4e-14 relative to the two terms (the tolerance, 1e-10, is the
    quadrature accuracy of the engine's rules and of QUADPACK with margin)."""
    from .scipy_refs import channel_averages, spherical_dphi_dq
    m = models.perceptron(weights="spherical", kappa=kappa)
    cfe = m.compiled()
    for qv in qs:
        got = cfe(np.array([qv]), m.controls(alpha)).gradient[0]
        ref = spherical_dphi_dq(qv, alpha, kappa)
        scale = qv / (2 * (1 - qv) ** 2) + alpha / (2 * (1 - qv)) * channel_averages(qv, kappa, False)[0]
        assert abs(got - ref) <= 1e-10 * scale, (qv, got, ref)
