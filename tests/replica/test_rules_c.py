"""The kernels' quadrature rules behind a C ABI (replica.engine._rules_c, issue #12).

A generated kernel calls the graded and the truncated rules by symbol instead of linking them
(a third of its compile time).  These tests check that the kernel integrates on exactly the
nodes and weights of :mod:`replica.engine.quadrature` (independent Python sums over the rules'
own arrays), nested inside an outer loop, up to the largest mesh, and that a rule's NaN
answer stays NaN.
"""
import math

import numpy as np
import pytest
import sympy as sp

from replica.engine import _rules_c, codegen
from replica.engine.codegen import compile_kernel, generate_source
from replica.engine.gauss import GaussAvg, TruncAvg
from replica.engine.quadrature import (BASE_WIDTH, ZMAX, hermite_rule, legendre_reference,
                                       panel_rule, trunc_rule)

z, u = sp.symbols("z u", real=True)
a, b, c = sp.symbols("a b c", real=True)
GL, GH = legendre_reference(12), hermite_rule(16)


def _run(outs, theta_syms, ctrl_syms, theta, ctrl, gl=GL):
    k = compile_kernel(outs, theta_syms, ctrl_syms).kernel
    return k(np.asarray(theta, float), np.asarray(ctrl, float), *gl, *GH, np.empty(len(outs)))


def _poly(x, av):  # the integrand below, evaluated in the same order of operations
    return x * x * x + av * x


def test_the_kind_constants_agree():
    assert (codegen._PANEL, codegen._TRUNC) == (_rules_c.PANEL, _rules_c.TRUNC)


def test_the_kernel_uses_no_linked_rule():
    src = generate_source([GaussAvg(z ** 3, z, [(a, b)])], (a,), (b,))
    assert "_rule_c(" in src and "_panel_rule(" not in src and "_free(_b1)" in src


@pytest.mark.parametrize("av,bv", [(0.3, 0.05), (-2.0, 1e-6), (4.5, 0.7), (0.0, 1e-200)])
def test_graded_average_sums_the_rules_own_nodes(av, bv):
    out = _run([GaussAvg(z ** 3 + a * z, z, [(a, b)])], (a,), (b,), [av], [bv])
    x, w = panel_rule((av,), (bv,), *GL, ZMAX, BASE_WIDTH)
    want = 0.0
    for xi, wi in zip(x, w):
        want += wi * _poly(xi, av)
    assert out[0] == pytest.approx(want, rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("lv", [-3.0, -0.2, 0.0, 1.7, 12.0])
def test_truncated_average_sums_the_rules_own_nodes(lv):
    out = _run([TruncAvg(z ** 3 + a * z, z, a, [(b, c)])], (a,), (b, c), [lv], [0.5, 0.1])
    x, w = trunc_rule(lv, (0.5,), (0.1,), *GL, ZMAX, BASE_WIDTH)
    want = 0.0
    for xi, wi in zip(x, w):
        want += wi * _poly(xi, lv)
    assert out[0] == pytest.approx(want, rel=1e-14, abs=1e-15)
    # and the number itself: E[z^3 + l z | z >= l] = phi(l) (l^2 + 2) / H(l) + l E[z | z >= l]
    phi = math.exp(-lv * lv / 2) / math.sqrt(2 * math.pi)
    H = 0.5 * math.erfc(lv / math.sqrt(2))
    assert out[0] == pytest.approx(phi * (lv * lv + 2) / H + lv * phi / H, rel=1e-10)


def test_nested_averages_against_the_closed_form():
    """E_z E_u (z + a u)^2 |z - b|, an average inside the loop of another, kinked at z = b:
    E_u (z + a u)^2 = z^2 + a^2, and E_z z^k |z - b| from the truncated moments
    M_k(t) = int_t^inf z^k phi(z) dz of the standard normal."""
    f = (z + a * u) ** 2 * sp.Abs(z - b)
    inner = GaussAvg(f, u, [(b, 1)])
    out = _run([GaussAvg(inner, z, [(b, sp.Rational(1, 4))])], (a,), (b,), [0.7], [0.4])
    av, bv = 0.7, 0.4
    phi = math.exp(-bv * bv / 2) / math.sqrt(2 * math.pi)
    Hb = 0.5 * math.erfc(bv / math.sqrt(2))
    e_abs = 2 * phi + bv * (1 - 2 * Hb)
    # M0 = H, M1 = phi, M2 = t phi + H, M3 = (t^2 + 2) phi
    def M(k, t):
        p = math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
        h = 0.5 * math.erfc(t / math.sqrt(2))
        return (h, p, t * p + h, (t * t + 2) * p)[k]

    def upper(k):  # int_b^inf z^k (z - b) phi
        return M(k + 1, bv) - bv * M(k, bv)

    def lower(k):  # int_-inf^b z^k (b - z) phi = (-1)^k int_-b^inf y^k (b + y) phi, y = -z
        return (-1) ** k * (bv * M(k, -bv) + M(k + 1, -bv))

    e_z2_abs = upper(2) + lower(2)
    assert e_abs == pytest.approx(upper(0) + lower(0), rel=1e-14)
    assert out[0] == pytest.approx(e_z2_abs + av * av * e_abs, rel=1e-9)


def test_the_largest_mesh_fits():
    """Twelve hints of scale 1e-11 push the graded mesh to its edge cap (512 edges, ~10^4
    nodes with the 20-point check rule): the kernel still sums every node of the rule."""
    hints = [(sp.Rational(j, 3) - 2, b) for j in range(12)]
    out = _run([GaussAvg(z ** 2, z, hints)], (b,), (a,), [1e-11], [0.0],
               gl=legendre_reference(20))
    x, w = panel_rule(tuple(j / 3 - 2 for j in range(12)), (1e-11,) * 12,
                      *legendre_reference(20), ZMAX, BASE_WIDTH)
    assert x.shape[0] > 10000
    assert out[0] == pytest.approx(float(np.sum(w * x * x)), rel=1e-13)
    assert out[0] == pytest.approx(1.0, rel=1e-12)


def test_a_nan_truncation_point_gives_nan():
    out = _run([TruncAvg(z ** 2, z, a)], (a,), (b,), [math.nan], [0.0])
    assert math.isnan(out[0])
