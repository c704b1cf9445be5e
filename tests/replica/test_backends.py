"""The compiled kernels against two independent evaluations of the same SymPy expressions:
NumPy/SciPy (lambdify on the same quadrature rule) and mpmath (30 digits, adaptive tanh-sinh).

Accuracy requirement (issue #2): 1e-10 relative against mpmath across the RS saddle-point branch,
including q up to 0.999.  The points are saddle points found by the solver, so this covers the
branch as a user meets it.
"""
import mpmath
import numpy as np
import pytest

import replica
from replica import codegen, models


def _branch_points(weights, kappa, qs):
    """Saddle points at the alphas where the RS overlap equals each q in ``qs``."""
    m = models.perceptron(weights=weights, kappa=kappa)
    alpha_c = replica.capacity(m).alpha_c if weights == "spherical" else None
    out = []
    for qt in qs:
        if weights == "spherical":
            lo, hi = 1e-4, alpha_c * (1 - 1e-12)
        else:
            lo, hi = 1e-4, replica.capacity(m).alpha_c * 0.99999999
        # bisection on alpha for q(alpha) = qt (q increases along the branch)
        for _ in range(48):
            mid = 0.5 * (lo + hi)
            if replica.solve(m, mid).order_params["q"] < qt:
                lo = mid
            else:
                hi = mid
        out.append((m, replica.solve(m, 0.5 * (lo + hi))))
    return out


CASES = [("spherical", 0.0, [0.05, 0.999]),
         ("spherical", 1.5, [0.3, 0.999]),
         ("spherical", -1.0, [0.2, 0.95]),
         ("binary", 0.0, [0.05, 0.999])]
SLOW_CASES = [pytest.param("spherical", 0.0, [0.5, 0.9, 0.99], marks=pytest.mark.slow),
              pytest.param("binary", 0.0, [0.5, 0.9, 0.99], marks=pytest.mark.slow),
              pytest.param("binary", 1.0, [0.3, 0.99], marks=pytest.mark.slow)]


def FreeEntropyParts(fe, k):
    """The kernel outputs of part k of phi alone (same layout as FreeEntropy.kernel_outputs)."""
    import sympy as sp
    part = fe.parts[k]
    n = len(fe.order_params)
    grads = [sp.diff(part, t) for t in fe.order_params]
    out = [part]
    for j in range(len(fe.parts)):
        out.extend(grads if j == k else [sp.S.Zero] * n)
    out.extend(sp.diff(g, t) for g in grads for t in fe.order_params)
    out.extend(sp.diff(g, c) for g in grads for c in fe.controls)
    out.extend(sp.diff(part, c) for c in fe.controls)
    out.extend(part if j == k else sp.S.Zero for j in range(len(fe.parts)))
    return out


def _values(m, sp_):
    cfe = m.compiled()
    theta = np.array(list(sp_.order_params.values()))
    ctrl = m.controls(sp_.alpha)
    vals = dict(zip(cfe.fe.order_params, theta))
    vals.update(zip(cfe.fe.controls, ctrl))
    return cfe, theta, ctrl, vals


@pytest.mark.parametrize("weights,kappa,qs", CASES)
def test_numba_equals_numpy_on_all_outputs(weights, kappa, qs):
    for m, sp_ in _branch_points(weights, kappa, qs):
        cfe, theta, ctrl, vals = _values(m, sp_)
        fe = cfe.fe
        outs = fe.kernel_outputs()
        got = cfe.kernel(theta, ctrl, *cfe._gl, *cfe._gh, np.empty(len(outs)))
        # scale of each output: the sum of the magnitudes of its parts (entropic, energetic),
        # which cancel near q -> 1 (each ~ 1/(1-q)^3 in the Hessian)
        parts_outs = [FreeEntropyParts(fe, k) for k in range(len(fe.parts))]
        for k, e in enumerate(outs):
            ref = float(codegen.evaluate_numpy(e, vals))
            scale = sum(abs(float(codegen.evaluate_numpy(po[k], vals))) for po in parts_outs)
            assert abs(got[k] - ref) <= 1e-13 * (scale + abs(ref)) + 1e-14, \
                (k, got[k], ref, scale, sp_.order_params)


@pytest.mark.parametrize("weights,kappa,qs", CASES + SLOW_CASES)
def test_numba_against_mpmath_along_branch(weights, kappa, qs):
    """phi, gradient parts and Hessian: 1e-10 relative to the size of the terms."""
    for m, sp_ in _branch_points(weights, kappa, qs):
        cfe, theta, ctrl, vals = _values(m, sp_)
        ev = cfe(theta, ctrl)
        fe = cfe.fe
        ref_phi = codegen.evaluate_mpmath(fe.phi, vals, dps=30)
        assert abs(ev.phi - float(ref_phi)) <= 1e-10 * abs(float(ref_phi)), sp_
        for p, part in enumerate(fe.part_gradients):
            for i, g in enumerate(part):
                ref = float(codegen.evaluate_mpmath(g, vals, dps=30))
                assert abs(ev.part_gradients[p, i] - ref) <= 1e-10 * max(abs(ref), 1e-3), \
                    (p, i, sp_)
        n = len(fe.order_params)
        for i in range(n):
            for j in range(i, n):
                ref = float(codegen.evaluate_mpmath(fe.hessian[i][j], vals, dps=30))
                assert abs(ev.hessian[i, j] - ref) <= 1e-10 * max(abs(ref), 1e-3), (i, j, sp_)


def test_independent_formula_spherical_phi():
    """The assembled phi equals Gardner's formula typed independently in mpmath."""
    mpmath.mp.dps = 30
    m = models.perceptron(weights="spherical", kappa=0.7)
    cfe = m.compiled()
    for qv, a in [(0.3, 0.4), (0.97, 0.8), (0.999, 0.6)]:
        q, k = mpmath.mpf(qv), mpmath.mpf(0.7)
        zc = k / mpmath.sqrt(q)
        en = mpmath.quad(lambda z: mpmath.npdf(z) * mpmath.log(
            mpmath.erfc((k - mpmath.sqrt(q) * z) / mpmath.sqrt(2 * (1 - q))) / 2),
            [-mpmath.inf, zc - 0.5, zc, zc + 0.5, mpmath.inf])
        ref = mpmath.log(1 - q) / 2 + q / (2 * (1 - q)) + a * en
        got = cfe(np.array([qv]), m.controls(a)).phi
        assert abs(got - float(ref)) <= 1e-12 * abs(float(ref))


def test_independent_formula_binary_phi():
    """Gardner-Derrida's binary RS phi typed independently in mpmath."""
    mpmath.mp.dps = 30
    m = models.perceptron(weights="binary", kappa=0.3)
    cfe = m.compiled()
    for qv, qh, a in [(0.4, 0.9, 0.5), (0.95, 150.0, 0.7)]:
        q, k, qhat = mpmath.mpf(qv), mpmath.mpf(0.3), mpmath.mpf(qh)
        ent = mpmath.quad(lambda z: mpmath.npdf(z) * mpmath.log(2 * mpmath.cosh(
            mpmath.sqrt(qhat) * z)), [-mpmath.inf, -0.1, 0, 0.1, mpmath.inf])
        zc = k / mpmath.sqrt(q)
        en = mpmath.quad(lambda z: mpmath.npdf(z) * mpmath.log(
            mpmath.erfc((k - mpmath.sqrt(q) * z) / mpmath.sqrt(2 * (1 - q))) / 2),
            [-mpmath.inf, zc - 0.5, zc, zc + 0.5, mpmath.inf])
        ref = -qhat * (1 - q) / 2 + ent + a * en
        got = cfe(np.array([qv, qh]), m.controls(a)).phi
        assert abs(got - float(ref)) <= 1e-12 * abs(float(ref))
