"""A free entropy compiled into one Numba kernel (phi, gradients, Hessian, control derivatives).

``compiled_free_entropy(fe)`` compiles a :class:`~replica.engine.freeentropy.FreeEntropy` once
per content hash of its expressions; calling the result evaluates everything at a point and
raises :class:`~replica.engine.errors.NonFiniteError` (naming the quantity) on NaN or inf.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from . import _newton
from .codegen import compile_kernel, index_kernel, indexed_kernel
from .errors import ModelError, NonFiniteError
from .freeentropy import FreeEntropy
from .quadrature import (CHECK_GH_ORDER, CHECK_ORDER, GH_ORDER, ORDER, hermite_rule,
                         legendre_reference)

#: The a-posteriori error estimates of a saddle point, compiled (see :mod:`replica.engine.solvers`).
point_errors = _newton.point_errors
#: The same for every row of a sweep's kernel outputs, in one compiled call.
rows_errors = _newton.rows_errors

__all__ = ["Evaluation", "CompiledFreeEntropy", "compiled_free_entropy", "check_finite",
           "point_errors", "rows_errors", "KERNEL_ERRORS", "check_assumptions", "rules",
           "check_positive"]


@dataclass(frozen=True)
class Evaluation:
    """Everything one kernel call returns at a point."""

    phi: float
    gradient: np.ndarray
    part_gradients: np.ndarray
    hessian: np.ndarray
    control_derivatives: np.ndarray
    phi_control_gradient: np.ndarray = None
    part_values: np.ndarray = None

    @property
    def scaled_residual(self):
        scale = 1.0 + np.abs(self.part_gradients).sum(axis=0)
        return float(np.max(np.abs(self.gradient) / scale))


class CompiledFreeEntropy:
    """A free entropy with its Numba kernel (phi, gradients, Hessian, control derivatives)."""

    def __init__(self, fe: FreeEntropy):
        self.fe = fe
        self.n = len(fe.order_params)
        self.nc = len(fe.diff_controls)
        self.n_parts = len(fe.parts)
        n_out = (1 + self.n_parts * self.n + self.n * self.n + self.n * self.nc + self.nc
                 + self.n_parts)
        self.module = indexed_kernel(fe.key)
        if self.module is None:  # derive (SymPy) and generate the kernel, once per content
            outputs = fe.kernel_outputs()
            assert len(outputs) == n_out
            self.module = compile_kernel(outputs, fe.order_params, fe.controls)
            index_kernel(fe.key, self.module)
        self.kernel = self.module.kernel
        self._kernel_fn = self.kernel.address
        self._gl = _rule("gl", ORDER)
        self._gh = _rule("gh", GH_ORDER)
        self._gl_check = _rule("gl", CHECK_ORDER)
        self._gh_check = _rule("gh", CHECK_GH_ORDER)
        self._out = np.empty(n_out)
        self.n_out = n_out  # length of the kernel's output buffer
        self.names = tuple(s.name for s in fe.order_params)
        self.control_names = tuple(s.name for s in fe.diff_controls)
        self.input_names = tuple(s.name for s in fe.controls)
        self.domains = [tuple(d) for d in fe.domains]
        self.lo = np.array([d[0] for d in self.domains])
        self.hi = np.array([d[1] for d in self.domains])

    def __call__(self, theta, ctrl, *, check=True) -> Evaluation:
        theta = np.ascontiguousarray(theta, dtype=float)
        ctrl = np.ascontiguousarray(ctrl, dtype=float)
        try:
            out = self.kernel(theta, ctrl, self._gl[0], self._gl[1], self._gh[0], self._gh[1],
                              np.empty_like(self._out))
        except KERNEL_ERRORS as err:
            raise self._kernel_error(err, theta, ctrl) from None
        return self.unpack(out, theta, ctrl, check=check)

    def check(self, theta, ctrl) -> Evaluation:
        """The same outputs on the check rules (CHECK_ORDER Gauss-Legendre nodes per panel,
        CHECK_GH_ORDER Gauss-Hermite nodes): the difference to ``self(theta, ctrl)`` is the
        a-posteriori estimate of the quadrature error.  Non-finite values are returned, not
        raised (the caller reports an infinite error)."""
        theta = np.ascontiguousarray(theta, dtype=float)
        ctrl = np.ascontiguousarray(ctrl, dtype=float)
        try:
            out = self.kernel(theta, ctrl, self._gl_check[0], self._gl_check[1],
                              self._gh_check[0], self._gh_check[1], np.empty_like(self._out))
        except KERNEL_ERRORS:
            out = np.full_like(self._out, np.nan)
        return self.unpack(out, theta, ctrl, check=False)

    def _kernel_error(self, err, theta, ctrl):
        return NonFiniteError(
            f"{type(err).__name__} ({err}) in the compiled free entropy at "
            f"{dict(zip(self.names, theta))}, controls {dict(zip(self.input_names, ctrl))}",
            quantity="phi", point=(tuple(theta), tuple(ctrl)))

    def unpack(self, out, theta, ctrl, *, check=True) -> Evaluation:
        """An Evaluation from a raw output buffer (raises NonFiniteError on NaN/inf)."""
        n, nc, npt = self.n, self.nc, self.n_parts
        i = 1
        parts = out[i:i + npt * n].reshape(npt, n)
        i += npt * n
        hess = out[i:i + n * n].reshape(n, n)
        i += n * n
        dctrl = out[i:i + n * nc].reshape(n, nc)
        i += n * nc
        ev = Evaluation(float(out[0]), parts.sum(axis=0), parts, hess, dctrl, out[i:i + nc],
                        out[i + nc:i + nc + npt])
        if check and not np.all(np.isfinite(out)):
            bad = self._first_nonfinite(out)
            raise NonFiniteError(
                f"non-finite {bad} at {dict(zip(self.names, theta))}, "
                f"controls {dict(zip(self.input_names, ctrl))} (a NaN is also what a tilted "
                f"average returns when its mass could not be located on any window: see "
                f"replica.quadrature.tilt_next)", quantity=bad,
                point=(tuple(theta), tuple(ctrl)))
        return ev

    def newton(self, theta0, ctrl, lo, hi, tol, xtol, max_iter):
        """The compiled Newton driver (see replica.solvers.newton)."""
        try:
            return _newton.newton(self._kernel_fn, _f64(theta0), _f64(ctrl), _f64(lo), _f64(hi),
                                  float(tol), float(xtol), int(max_iter), self.n_parts,
                                  self.nc, self._gl[0], self._gl[1], self._gh[0], self._gh[1],
                                  self._out.shape[0])
        except KERNEL_ERRORS as err:
            raise self._kernel_error(err, theta0, ctrl) from None

    def continuation(self, theta_prev, out_prev, v_prev, ctrl, iv, kidx, grid, start, stop,
                     tol, xtol, max_iter, thetas, outs, checks, info):
        """The compiled predictor-corrector loop (see replica.engine.continuation.sweep): fills rows
        start.. of thetas, outs (the outputs on the rules), checks (on the check rules) and
        info (iterations, step) and returns the index of the first grid point where Newton
        from the tangent prediction does not converge (``stop`` if none).  A Python exception
        of the kernel (a domain error) propagates; rows already filled stay valid."""
        return _newton.continuation(
            self._kernel_fn, _f64(theta_prev), _f64(out_prev), float(v_prev), ctrl, int(iv),
            int(kidx), grid, int(start), int(stop), self.lo, self.hi, float(tol), float(xtol),
            int(max_iter), self.n_parts, self.nc, self._gl[0], self._gl[1], self._gh[0],
            self._gh[1], self._gl_check[0], self._gl_check[1], self._gh_check[0],
            self._gh_check[1], thetas, outs, checks, info)

    def _first_nonfinite(self, out):
        npt = self.n_parts
        labels = ["phi"]
        labels += [f"d(part {k})/d{nm}" for k in range(npt) for nm in self.names]
        labels += [f"d2phi/d{a}d{b}" for a in self.names for b in self.names]
        labels += [f"d2phi/d{a}d{c}" for a in self.names for c in self.control_names]
        labels += [f"dphi/d{c}" for c in self.control_names]
        labels += [f"part {k} of phi" for k in range(npt)]
        k = int(np.flatnonzero(~np.isfinite(out))[0])
        return labels[k]


#: Python exceptions a compiled kernel can raise (math domain errors, integer powers of 0)
KERNEL_ERRORS = (ZeroDivisionError, ValueError, OverflowError, ArithmeticError)


_BY_CONTENT = {}
_RULES = {}


def _rule(kind, order):
    key = (kind, order)
    if key not in _RULES:
        _RULES[key] = legendre_reference(order) if kind == "gl" else hermite_rule(order)
    return _RULES[key]


def rules(check=False):
    """The quadrature rules of the kernels, ((Gauss-Legendre nodes, weights), (Gauss-Hermite
    nodes, weights)): the solver's, or with ``check`` the higher-order check rules."""
    if check:
        return _rule("gl", CHECK_ORDER), _rule("gh", CHECK_GH_ORDER)
    return _rule("gl", ORDER), _rule("gh", GH_ORDER)


def compiled_free_entropy(fe: FreeEntropy) -> CompiledFreeEntropy:
    """The compiled kernels of a free entropy, cached by the content hash of its expressions."""
    cfe = _BY_CONTENT.get(fe.key)
    if cfe is None:
        cfe = _BY_CONTENT[fe.key] = CompiledFreeEntropy(fe)
    return cfe



def _f64(a):
    return np.ascontiguousarray(a, dtype=np.float64)


def check_finite(name, value):
    """A finite real number as a float; strings, booleans, complex numbers and arrays of
    more than one element are refused with a :class:`~replica.errors.ModelError` naming the
    quantity (``"0.5"`` is not silently read as 0.5)."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ModelError(f"{name} must be a real number, got {value!r} "
                         f"({type(value).__name__})")
    v = float(value)
    if not math.isfinite(v):
        raise ModelError(f"{name} must be finite, got {value!r}")
    return v


def check_assumptions(symbol, value):
    """``value`` (a float) against the SymPy assumptions of ``symbol``: a control declared
    positive must be > 0, nonnegative >= 0, negative < 0 (a temperature with a negative beta
    is refused, not solved)."""
    for flag, ok, words in (("is_positive", value > 0, "> 0"),
                            ("is_nonnegative", value >= 0, ">= 0"),
                            ("is_negative", value < 0, "< 0"),
                            ("is_nonpositive", value <= 0, "<= 0")):
        if getattr(symbol, flag) and not ok:
            raise ModelError(f"{symbol.name} must be {words} (it is declared so in the free "
                             f"entropy), got {value!r}")
    return value


def check_positive(name, value):
    """A finite real number > 0 (a load, a temperature); the error names the control."""
    a = check_finite(name, value)
    if a <= 0:
        raise ModelError(f"{name} must be > 0, got {value!r}")
    return a


