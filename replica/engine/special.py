"""Special functions as SymPy ``Function`` s with exact derivatives, and their numeric twins.

The free entropies of the perceptron family are written with these functions, never with the
naive ``log(erfc(x/sqrt(2))/2)`` (which is ``-inf`` at x = 40).  Each class has

* ``fdiff``: the exact derivative, so stationarity equations and Jacobians come from
  ``sympy.diff`` with no derivative written by hand anywhere else;
* a Numba implementation in :mod:`replica._numba_special` (used by :mod:`replica.codegen`),
* a NumPy/SciPy implementation (``NUMPY_IMPLEMENTATIONS``) and an mpmath implementation
  (``MPMATH_IMPLEMENTATIONS``) used by the independent backends in the tests.

Notes
-----
With G(x) = exp(-x^2/2)/sqrt(2 pi) and H(x) = int_x^inf G(t) dt:

* H'(x) = -G(x);  (log H)'(x) = -GH(x) with GH = G/H the inverse Mills ratio;
* GH'(x) = GH(x) (GH(x) - x);
* (log 2cosh h)' = tanh h;  d/da log(e^a + e^b) = sigmoid(a - b);  sigmoid' = sigmoid(x) sigmoid(-x).
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import scipy.special as _ss
import sympy as sp

__all__ = [
    "H", "logH", "GH", "Log2Cosh", "LogAddExp", "LogHDiff", "Sigmoid", "Log1pExp", "Relu", "Step",
    "gaussian_density",
    "NUMPY_IMPLEMENTATIONS", "MPMATH_IMPLEMENTATIONS", "NUMBA_NAMES",
]


def gaussian_density(x):
    """Standard normal density G(x) as a SymPy expression."""
    return sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi)


class H(sp.Function):
    """Gaussian tail H(x) = int_x^inf Dz = erfc(x/sqrt 2)/2."""

    nargs = 1

    def fdiff(self, argindex=1):
        return -gaussian_density(self.args[0])

    @classmethod
    def eval(cls, x):
        if x is sp.S.Zero:
            return sp.Rational(1, 2)
        if x is sp.S.Infinity:
            return sp.S.Zero
        if x is sp.S.NegativeInfinity:
            return sp.S.One

    def _eval_rewrite_as_erfc(self, x, **kwargs):
        return sp.erfc(x / sp.sqrt(2)) / 2


class GH(sp.Function):
    """Inverse Mills ratio GH(x) = G(x)/H(x)."""

    nargs = 1

    def fdiff(self, argindex=1):
        x = self.args[0]
        return GH(x) * (GH(x) - x)

    def _eval_rewrite_as_erfc(self, x, **kwargs):
        return gaussian_density(x) / (sp.erfc(x / sp.sqrt(2)) / 2)


class logH(sp.Function):
    """log H(x), tail-stable (log H(40) = -804.608...)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return -GH(self.args[0])

    @classmethod
    def eval(cls, x):
        if x is sp.S.Zero:
            return -sp.log(2)

    def _eval_rewrite_as_erfc(self, x, **kwargs):
        return sp.log(sp.erfc(x / sp.sqrt(2)) / 2)


class Log2Cosh(sp.Function):
    """log(2 cosh h), overflow-free."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sp.tanh(self.args[0])

    @classmethod
    def eval(cls, h):
        if h is sp.S.Zero:
            return sp.log(2)


class Sigmoid(sp.Function):
    """Logistic function 1/(1 + exp(-x))."""

    nargs = 1

    def fdiff(self, argindex=1):
        x = self.args[0]
        return Sigmoid(x) * Sigmoid(-x)


class Step(sp.Function):
    """Heaviside step used inside squared distances: Step(x) = 1 for x > 0, else 0.

    Its derivative (a delta function) is taken as 0: the engine only meets Step through
    d/dx Relu(x)^2 = 2 Relu(x) and d^2/dx^2 Relu(x)^2 = 2 Step(x), where the delta term would
    multiply Relu(x) = 0.
    """

    nargs = 1

    def fdiff(self, argindex=1):
        return sp.S.Zero


class Relu(sp.Function):
    """max(x, 0); Relu' = Step."""

    nargs = 1

    def fdiff(self, argindex=1):
        return Step(self.args[0])


class LogAddExp(sp.Function):
    """log(exp(a) + exp(b)), overflow-free; used for unions of constraint regions."""

    nargs = 2

    def fdiff(self, argindex=1):
        a, b = self.args
        return Sigmoid(a - b) if argindex == 1 else Sigmoid(b - a)


class LogHDiff(sp.Function):
    """log(H(a) - H(b)) = log P(a < z < b), z standard normal (a < b): the Gaussian mass of an
    interval, tail-stable.

    d/da = -G(a)/(H(a) - H(b)) and d/db = G(b)/(H(a) - H(b)), written as
    exp(log G - LogHDiff) so that neither factor under- or overflows on its own.
    """

    nargs = 2

    def fdiff(self, argindex=1):
        a, b = self.args
        x = a if argindex == 1 else b
        g = sp.exp(-x**2 / 2 - sp.log(2 * sp.pi) / 2 - LogHDiff(a, b))
        return -g if argindex == 1 else g


class Log1pExp(sp.Function):
    """Softplus log(1 + exp x), overflow-free."""

    nargs = 1

    def fdiff(self, argindex=1):
        return Sigmoid(self.args[0])


# ---------------------------------------------------------------------------------------------
# numeric twins

def _np_logaddexp(a, b):
    return np.logaddexp(a, b)


def _np_loghdiff(a, b):
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    out = np.full(a.shape, -np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        right = (a < b) & (a >= 0)
        left = (a < b) & (b <= 0)
        mid = (a < b) & (a < 0) & (b > 0)
        la = _ss.log_ndtr(-a)
        out = np.where(right, la + np.log(-np.expm1(_ss.log_ndtr(-b) - la)), out)
        lb = _ss.log_ndtr(b)
        out = np.where(left, lb + np.log(-np.expm1(_ss.log_ndtr(a) - lb)), out)
        out = np.where(mid, np.log(0.5 * (_ss.erf(b / math.sqrt(2.0))
                                          + _ss.erf(-a / math.sqrt(2.0)))), out)
    return out if out.ndim else float(out)


def _np_sigmoid(x):
    return _ss.expit(x)


def _np_log2cosh(h):
    a = np.abs(h)
    return a + np.log1p(np.exp(-2.0 * a))


def _np_gh(x):
    return math.sqrt(2.0 / math.pi) / _ss.erfcx(np.asarray(x) / math.sqrt(2.0))


#: SciPy implementations for ``lambdify(..., modules=[NUMPY_IMPLEMENTATIONS, "numpy"])``.
NUMPY_IMPLEMENTATIONS = {
    "H": lambda x: 0.5 * _ss.erfc(np.asarray(x) / math.sqrt(2.0)),
    "logH": lambda x: _ss.log_ndtr(-np.asarray(x)),
    "GH": _np_gh,
    "Log2Cosh": _np_log2cosh,
    "LogAddExp": _np_logaddexp,
    "LogHDiff": _np_loghdiff,
    "Sigmoid": _np_sigmoid,
    "Log1pExp": lambda x: np.logaddexp(0.0, x),
    "Relu": lambda x: np.maximum(x, 0.0),
    "Step": lambda x: np.where(np.asarray(x) > 0, 1.0, 0.0),
}


def _mp_H(x):
    return mpmath.erfc(x / mpmath.sqrt(2)) / 2


#: mpmath implementations (definitions, not asymptotics: mpmath does not underflow).
MPMATH_IMPLEMENTATIONS = {
    "H": _mp_H,
    "logH": lambda x: mpmath.log(_mp_H(x)) if x > 0 else mpmath.log1p(-_mp_H(-x)),
    "GH": lambda x: mpmath.npdf(x) / _mp_H(x),
    "Log2Cosh": lambda h: mpmath.log(2 * mpmath.cosh(h)),
    "LogAddExp": lambda a, b: mpmath.log(mpmath.exp(a) + mpmath.exp(b)),
    "LogHDiff": lambda a, b: (mpmath.mpf("-inf") if not a < b else
                              mpmath.log(mpmath.ncdf(-a) - mpmath.ncdf(-b)) if a > 0 else
                              mpmath.log(mpmath.ncdf(b) - mpmath.ncdf(a))),
    "Sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
    "Log1pExp": lambda x: mpmath.log(1 + mpmath.exp(x)),
    "Relu": lambda x: x if x > 0 else mpmath.mpf(0),
    "Step": lambda x: mpmath.mpf(1) if x > 0 else mpmath.mpf(0),
}

#: Name of the Numba implementation in :mod:`replica._numba_special` of each function.
NUMBA_NAMES = {
    "H": "H", "logH": "logH", "GH": "GH", "Log2Cosh": "log2cosh", "LogAddExp": "logaddexp", "LogHDiff": "loghdiff",
    "Sigmoid": "sigmoid", "Log1pExp": "log1pexp", "Relu": "relu", "Step": "step",
}
