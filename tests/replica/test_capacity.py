"""Capacities from the engine's q -> 1 asymptotics against closed forms and published values."""
import mpmath
import numpy as np
import pytest

import replica
from replica import models
from replica.errors import ModelError


def gardner_closed_form(kappa):
    """Gardner (1988), Eq. (31): alpha_c(kappa) = 1 / int_{-kappa}^inf Dt (t + kappa)^2."""
    with mpmath.workdps(40):
        k = mpmath.mpf(kappa)
        return float(1 / mpmath.quad(lambda t: mpmath.npdf(t) * (t + k) ** 2, [-k, mpmath.inf]))


@pytest.mark.parametrize("kappa", np.linspace(-2, 3, 11))
def test_spherical_capacity_equals_gardner_formula(kappa):
    got = replica.capacity(models.perceptron(weights="spherical", kappa=kappa)).alpha_c
    assert got == pytest.approx(gardner_closed_form(kappa), rel=1e-9)


def test_published_values():
    # Gardner, J. Phys. A 21, 257 (1988): alpha_c(0) = 2 (also Cover 1965).
    assert replica.capacity(models.perceptron(weights="spherical", kappa=0)).alpha_c == \
        pytest.approx(2.0, rel=1e-12)
    # Gardner & Derrida, J. Phys. A 21, 271 (1988): binary RS capacity 4/pi at kappa = 0.
    cb = replica.capacity(models.perceptron(weights="binary", kappa=0))
    assert cb.alpha_c == pytest.approx(4 / np.pi, rel=1e-12)
    # Krauth & Mezard, J. Phys. France 50, 3057 (1989) (recalled, three digits): the RS
    # entropy vanishes at alpha ~ 0.833, their (frozen 1RSB) capacity of the binary perceptron.
    assert cb.alpha_zero_entropy == pytest.approx(0.833, abs=5e-4)
    # the same zero from the Gardner-Derrida RS entropy written out and solved with SciPy
    # (scipy_refs.binary_zero_entropy; measured 2026-11-29: 0.8330785997395792 against the
    # engine's 0.8330785997395805, 1.5e-15 relative)
    from .scipy_refs import binary_zero_entropy
    assert cb.alpha_zero_entropy == pytest.approx(binary_zero_entropy(0.0, 0.83), rel=1e-10)
    # the reported overlap is that of the RS saddle point at the located alpha
    q_s = replica.solve(models.perceptron(weights="binary", kappa=0),
                        cb.alpha_zero_entropy).order_params["q"]
    assert cb.details["q_at_zero_entropy"] == pytest.approx(q_s, rel=1e-9)


def test_binary_zero_entropy_is_a_zero_of_the_solved_phi():
    m = models.perceptron(weights="binary", kappa=0.5)
    c = replica.capacity(m)
    assert abs(replica.solve(m, c.alpha_zero_entropy).phi) < 1e-11
    assert replica.solve(m, 0.99 * c.alpha_zero_entropy).phi > 0
    assert c.alpha_zero_entropy < c.alpha_c


def test_binary_rs_capacity_closed_form():
    """Gardner-Derrida RS: alpha_c = (2/pi) / int_{-kappa}^inf Dt (t+kappa)^2."""
    for k in [0.0, 0.5, 1.0, 2.0]:
        got = replica.capacity(models.perceptron(weights="binary", kappa=k)).alpha_c
        assert got == pytest.approx(2 / np.pi * gardner_closed_form(k), rel=1e-9)


def test_asymptotics_belong_to_the_compiled_free_entropy():
    """(1-q) phi(q) at q -> 1 on the compiled phi approaches A_prior - alpha E d^2/2."""
    c = replica.capacity(models.perceptron(weights="spherical", kappa=0.8))
    vals = c.details["(1-q)phi at q=1-1e-5,1e-6,1e-7, alpha=alpha_c/2"]
    pred = c.details["A(alpha_c/2) predicted"]
    errs = [abs(v - pred) for v in vals]
    assert errs[0] > errs[1] > errs[2]          # converging ...
    assert errs[2] < 1e-5                        # ... like (1-q) ln(1-q)


def test_branch_approaches_capacity():
    m = models.perceptron(weights="spherical", kappa=0.3)
    ac = replica.capacity(m).alpha_c
    qs = [replica.solve(m, ac * (1 - d)).order_params["q"] for d in (1e-2, 1e-3, 1e-4)]
    assert qs[0] < qs[1] < qs[2] and 1 - qs[2] < 1e-3


def test_no_hard_constraint_is_an_error():
    import sympy as sp
    from replica.symbols import Delta, beta
    kap = sp.Symbol("kappa", real=True)
    ch = replica.channel(sp.exp(-beta * sp.Heaviside(kap - Delta)), name="energy")
    m = models.perceptron(weights="spherical", channel=ch, kappa=0.0, beta=1.0)
    with pytest.raises(ModelError, match="no SAT/UNSAT transition"):
        replica.capacity(m)
    soft = replica.channel(sp.exp(-beta * sp.log(1 + sp.exp(kap - Delta))), name="soft")
    with pytest.raises(ModelError, match="smooth weight"):
        replica.capacity(models.perceptron(weights="spherical", channel=soft, kappa=0.0,
                                           beta=1.0))
