"""Warm starts load the generated kernel by the free entropy's content hash (issue #12)."""
import numpy as np
import pytest
import sympy as sp

import replica
from replica import models
from replica.engine.compiled import CompiledFreeEntropy
from replica.engine.freeentropy import FreeEntropy


def _no_derivation(self):
    raise AssertionError("the free entropy was differentiated again")


def test_warm_start_does_no_sympy_derivation(monkeypatch):
    fe = models.perceptron(weights="spherical", kappa=0.3).free_entropy("rs")
    first = CompiledFreeEntropy(fe)
    monkeypatch.setattr(FreeEntropy, "kernel_outputs", _no_derivation)
    second = CompiledFreeEntropy(fe)
    assert second.module is first.module
    ctrl = models.perceptron(weights="spherical", kappa=0.3).controls(0.7)
    a, b = first(np.array([0.4]), ctrl), second(np.array([0.4]), ctrl)
    assert a.phi == b.phi and np.array_equal(a.hessian, b.hessian)


def test_new_content_is_derived(monkeypatch, tmp_path):
    """In an empty kernel cache the index misses: the free entropy is differentiated."""
    monkeypatch.setenv("REPLICA_CACHE_DIR", str(tmp_path))
    q = sp.Symbol("q", real=True)
    fe = replica.free_entropy(-q**2 / 2 + sp.Rational(3, 2) * sp.log(1 + q), {q: (0, 1)})
    monkeypatch.setattr(FreeEntropy, "kernel_outputs", _no_derivation)
    with pytest.raises(AssertionError, match="differentiated again"):
        CompiledFreeEntropy(fe)


def test_integer_powers_are_printed_as_products_with_their_value():
    """The printer writes x**k (k = 2, 3, 4) as products and k > 4 as float powers (Numba
    would compile its integer-power loop otherwise); parenthesisation and values are checked
    against Python's own powers of compound bases, negative exponents included (a kernel
    returns inf, never raises, at a zero base)."""
    from replica.codegen import compile_kernel
    from replica.engine.codegen import generate_source
    from replica.quadrature import hermite_rule, legendre_reference

    a, b, dummy = sp.symbols("a b dummy", real=True)
    ks = (-4, -3, -2, -1, 2, 3, 4, 5, 7)
    outs = [(a - 2 * b) ** k + dummy * 0 for k in ks] + [-(a * b) ** 2 + dummy * 0]
    src = generate_source(outs, (dummy,), (a, b))
    assert "**2" not in src and "**3" not in src and "**4)" not in src
    k_ = compile_kernel(outs, (dummy,), (a, b)).kernel
    gl, gh = legendre_reference(12), hermite_rule(16)
    for av, bv in [(0.7, 0.1), (-1.3, 0.45), (3.0, -2.5)]:
        out = k_(np.zeros(1), np.array([av, bv]), *gl, *gh, np.empty(len(outs)))
        want = [(av - 2 * bv) ** k for k in ks] + [-(av * bv) ** 2]
        assert out == pytest.approx(want, rel=4e-16 * 8)
    out = k_(np.zeros(1), np.array([1.0, 0.5]), *gl, *gh, np.empty(len(outs)))
    assert np.all(np.isinf(out[:4]))
