"""Special functions: Numba and SciPy implementations against mpmath (30 digits) in the tails,
and the SymPy derivatives (fdiff) against mpmath's numerical differentiation."""
import mpmath
import numpy as np
import pytest
import sympy as sp

from replica import _numba_special as nsf
from replica import special

mpmath.mp.dps = 30

XS = np.concatenate([np.linspace(-40.0, 40.0, 321), [-38.5, 37.9, 45.0, 60.0, 1e-12, -1e-12]])


def _mp_H(x):
    return mpmath.erfc(mpmath.mpf(x) / mpmath.sqrt(2)) / 2


def test_logH_value_at_40():
    # DESIGN.md: log H at x = 40 is -804.6 (naive log(erfc/2) is -inf there)
    ref = mpmath.log(_mp_H(40))
    assert abs(nsf.logH(40.0) - float(ref)) <= 1e-14 * abs(float(ref))
    assert nsf.logH(40.0) == pytest.approx(-804.6084420137538, rel=1e-15)


@pytest.mark.parametrize("x", XS)
def test_logH_and_GH_against_mpmath(x):
    h = _mp_H(x)
    ref_log = float(special.MPMATH_IMPLEMENTATIONS["logH"](mpmath.mpf(x)))  # log1p form for x < 0
    ref_gh = float(mpmath.npdf(x) / h)
    # relative accuracy everywhere, including the far negative tail where log H ~ -H(-x) ~ 1e-284;
    # there the bound is the conditioning of H under rounding of x/sqrt(2): ~ x^2 ulp.
    rel = 2e-15 if x > -4 else 2.2e-16 * (4 + x * x)
    assert abs(nsf.logH(x) - ref_log) <= rel * abs(ref_log) + 1e-320
    # inverse Mills ratio: relative accuracy where it is representable
    if ref_gh > 1e-300:
        assert nsf.GH(x) == pytest.approx(ref_gh, rel=4e-15)
    else:
        assert nsf.GH(x) < 1e-290


@pytest.mark.parametrize("t", np.concatenate([np.linspace(-5, 40, 451), [3.999, 4.0, 4.001]]))
def test_erfcx_against_mpmath(t):
    ref = mpmath.exp(mpmath.mpf(t) ** 2) * mpmath.erfc(t)
    assert nsf.erfcx(t) == pytest.approx(float(ref), rel=3e-15)


@pytest.mark.parametrize("h", [-800.0, -30.0, -1.0, 0.0, 1e-8, 2.5, 40.0, 800.0])
def test_log2cosh_sigmoid_logaddexp(h):
    h_mp = mpmath.mpf(h)
    assert nsf.log2cosh(h) == pytest.approx(float(mpmath.log(2 * mpmath.cosh(h_mp))), rel=1e-15)
    assert nsf.sigmoid(h) == pytest.approx(float(1 / (1 + mpmath.exp(-h_mp))), rel=1e-15,
                                           abs=1e-300)
    assert nsf.log1pexp(h) == pytest.approx(float(mpmath.log(1 + mpmath.exp(h_mp))), rel=1e-15,
                                            abs=1e-300)
    ref = mpmath.log(mpmath.exp(h_mp) + mpmath.exp(-2 * h_mp + 3))
    assert nsf.logaddexp(h, -2 * h + 3) == pytest.approx(float(ref), rel=1e-15)


def test_numpy_twins_agree_with_numba():
    xs = np.linspace(-38, 38, 77)
    np_logH = special.NUMPY_IMPLEMENTATIONS["logH"](xs)
    np_GH = special.NUMPY_IMPLEMENTATIONS["GH"](xs)
    for x, a, b in zip(xs, np_logH, np_GH):
        # SciPy's log_ndtr and our log1p(-H(-x)) differ by ~1e-13 relative in the far negative
        # tail (|log H| < 1e-250); both are far below any absolute tolerance that matters there.
        assert nsf.logH(x) == pytest.approx(a, rel=1e-14 if x > -4 else 4.4e-16 * (4 + x * x),
                                            abs=1e-300)
        assert nsf.GH(x) == pytest.approx(b, rel=1e-13)


FUNCS = [(special.H, (0.7,)), (special.logH, (3.1,)), (special.logH, (-2.2,)),
         (special.GH, (1.3,)), (special.GH, (-4.0,)), (special.Log2Cosh, (0.9,)),
         (special.Sigmoid, (-1.7,)), (special.Log1pExp, (2.3,)),
         (special.LogAddExp, (0.4, -1.1))]


@pytest.mark.parametrize("cls,args", FUNCS)
def test_symbolic_derivatives_against_mpmath_diff(cls, args):
    """fdiff of every special function equals the numerical derivative of its definition."""
    syms = sp.symbols(f"a0:{len(args)}")
    expr = cls(*syms)
    mp_impl = special.MPMATH_IMPLEMENTATIONS[cls.__name__]
    for i in range(len(args)):
        d = sp.diff(expr, syms[i])
        f = sp.lambdify(syms, d, modules=[special.MPMATH_IMPLEMENTATIONS, "mpmath"])
        analytic = f(*[mpmath.mpf(a) for a in args])

        def g(t, i=i):
            a = [mpmath.mpf(v) for v in args]
            a[i] = t
            return mp_impl(*a)

        numeric = mpmath.diff(g, mpmath.mpf(args[i]))
        assert float(abs(analytic - numeric)) <= 1e-20 * max(1, float(abs(numeric)))


@pytest.mark.parametrize("x", XS)
def test_logH_GH_pair_equals_the_separate_functions(x):
    """The kernels' fused (log H, GH) evaluation has the accuracy of each function alone."""
    lh, gh = nsf.logH_GH(x)
    ref_log = float(special.MPMATH_IMPLEMENTATIONS["logH"](mpmath.mpf(x)))
    rel = 2e-15 if x > -4 else 2.2e-16 * (4 + x * x)
    assert abs(lh - ref_log) <= rel * abs(ref_log) + 1e-320
    ref_gh = float(mpmath.npdf(x) / _mp_H(x))
    if ref_gh > 1e-300:
        assert gh == pytest.approx(ref_gh, rel=4e-15)
