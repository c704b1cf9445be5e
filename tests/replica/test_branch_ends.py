"""Solves at the ends of RS branches, on purpose (issue #12).

Approaching the capacity alpha_c, q -> 1 and (binary weights) qhat ~ 1/(1 - q)^2 -> infinity.
``solve`` must return a solution for 1 - alpha/alpha_c anywhere in [1e-7, 0.5], kappa in
[-1, 2], from its default start, on a grid that does not single out special values of alpha.

How well the order parameters are determined there is a property of the problem, not of the
solver: for binary weights the q-equation balances qhat/2 against alpha dG_E/dq, both
~ 1/(1 - q)^2 (1e13 at 1 - alpha/alpha_c = 1e-7), so double precision fixes ln qhat only to
~1e-13 / (1 - alpha/alpha_c) relative: phi is nearly flat along qhat (1 - q)^2 = const.
Those points are reported ``inaccurate`` with their error estimates (a few ppm of qhat at
1e-7).  The equations themselves are checked by an independent mpmath transcription.
"""
import mpmath
import numpy as np
import pytest

import replica
from replica import models

# dense and irregular: no special alpha is singled out
_EPS = np.geomspace(1e-7, 0.5, 23) * (1 + 0.137 * np.sin(np.arange(23)))
_KAPPAS = (-1.0, -0.3, 0.0, 0.45, 1.0, 2.0)


def _grid(weights, kappa):
    mod = models.perceptron(weights=weights, kappa=kappa)
    c = replica.capacity(mod)
    return mod, c, [replica.solve(mod, c.alpha_c * (1 - e), throw=False) for e in _EPS]


@pytest.mark.parametrize("kappa", _KAPPAS)
def test_spherical_solves_up_to_the_capacity(kappa):
    mod, c, pts = _grid("spherical", kappa)
    for e, p in zip(_EPS, pts):
        # q is determined to tolerance everywhere; phi is the sum of terms ~ 1/(1-q) that
        # cancel, so very close to the end it has fewer digits than tol asks (then, and only
        # then, ``inaccurate``: see test_error_estimates.py for the honesty of phi_error)
        assert p.accurate("order_params", "gradient"), (e, p.status, p.exceeded)
        if e > 1e-5:
            assert p.status == replica.Status.CONVERGED, (e, p.status, p.exceeded)
        else:
            assert p.success or p.exceeded == ("phi",), (e, p.exceeded)
    one_minus_q = np.array([1 - p.order_params["q"] for p in pts])
    assert np.all(np.diff(one_minus_q) > 0)  # q increases towards the capacity, monotonically
    assert one_minus_q[0] < 1e-5


@pytest.mark.parametrize("kappa", _KAPPAS)
def test_binary_solves_up_to_the_capacity(kappa):
    mod, c, pts = _grid("binary", kappa)
    for e, p in zip(_EPS, pts):
        # a solution everywhere; accurate to the solver's standard away from the very end
        assert p.status in (replica.Status.CONVERGED, replica.Status.INACCURATE), (e, p.status)
        if e > 2e-4:
            assert p.status == replica.Status.CONVERGED, (e, p.order_params, p.errors)
        if p.status == replica.Status.INACCURATE:
            # the error estimate says how far: a few ppm of ln qhat, not more
            assert p.errors["qhat"] / p.order_params["qhat"] < 1e-3
            assert p.accurate("gradient")
    one_minus_q = np.array([1 - p.order_params["q"] for p in pts])
    assert np.all(np.diff(one_minus_q) > 0)


def _mp_channel_dq(q, kappa):
    """d/dq E_z ln H((kappa - sqrt(q) z)/sqrt(1 - q)) by mpmath (central difference of
    tanh-sinh quadratures split at the kink's scale sqrt(1 - q)), at 40 digits."""
    mp = mpmath

    def G(qq):
        c, s_ = kappa / mp.sqrt(qq), mp.sqrt(1 - qq)
        pts = sorted({mp.mpf(-12), mp.mpf(12)} | {c + s_ * k for k in (-64, -16, -4, -1, 0, 1,
                                                                        4, 16, 64)
                                                   if -12 < c + s_ * k < 12})
        return mp.quad(lambda z: mp.npdf(z) * mp.log(mp.ncdf((mp.sqrt(qq) * z - kappa)
                                                             / mp.sqrt(1 - qq))), pts)

    h = mp.mpf("1e-15")
    return (G(q + h) - G(q - h)) / (2 * h)


def _mp_sech2(qhat):
    """E_z sech^2(sqrt(qhat) z), split on the scale 1/sqrt(qhat)."""
    mp = mpmath
    a = mp.sqrt(qhat)
    pts = sorted({mp.mpf(-12), mp.mpf(0), mp.mpf(12)}
                 | {sg * 40 * k / a for k in (1, 2, 4, 8, 16, 32, 64) for sg in (-1, 1)
                    if 40 * k / a < 12})
    return mp.quad(lambda z: mp.npdf(z) * mp.sech(a * z) ** 2, pts)


@pytest.mark.parametrize("weights,kappa,e", [("spherical", 0.0, 1e-7), ("spherical", 1.0, 1e-5),
                                             ("binary", 0.0, 1e-3), ("binary", 0.45, 1e-5)])
def test_near_capacity_equations_by_mpmath(weights, kappa, e):
    """The saddle-point equations, transcribed independently and evaluated by mpmath at the
    engine's point: spherical q/(2(1-q)^2) + alpha dG_E/dq = 0; binary 1 - q = E sech^2(sqrt(qhat)
    z) and qhat/2 + alpha dG_E/dq = 0 (each relative to its largest term).  (The RS helper
    tests/replica/mpmath_refs.rs_discrete is not used: its prior quadrature does not resolve
    sech^2 of width 1/sqrt(qhat) ~ 1e-3 and it misses eq. 1 by 1.5e-8 at 1 - alpha/alpha_c =
    1e-3, where the engine meets it to 2e-14.)"""
    mod = models.perceptron(weights=weights, kappa=kappa)
    a = replica.capacity(mod).alpha_c * (1 - e)
    p = replica.solve(mod, a, throw=False)
    assert p.accurate("order_params", "gradient"), (p.status, p.exceeded)
    with mpmath.workdps(40):
        q = mpmath.mpf(p.order_params["q"])
        dge = a * _mp_channel_dq(q, mpmath.mpf(kappa))
        if weights == "spherical":
            lead = q / (2 * (1 - q) ** 2)
            assert abs(lead + dge) / lead < 1e-11
        else:
            qhat = mpmath.mpf(p.order_params["qhat"])
            assert abs(1 - q - _mp_sech2(qhat)) / (1 - q) < 1e-11
            assert abs(qhat / 2 + dge) / qhat < 1e-11
