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
