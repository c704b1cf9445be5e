"""Replica theory of spherical spin glasses (replica.pspin) against closed forms, independent
mpmath solutions, and the Kac-Rice route.

* T_d: closed form sqrt(p (p-2)^(p-2) / (2 (p-1)^(p-1))) for xi = q^p/2 (Crisanti-Sommers
  normalisation; the marginal m = 1 solution, derived by hand in tests/replica/mpmath_refs.py).
* T_s: independent mpmath solution of the hand-derived m = 1 equations
  (mpmath_refs.pspin_static_temperature), and T_s = 0.586 for p = 3 (Crisanti and Sommers,
  Z. Phys. B 87, 341 (1992); recalled, 3 digits).
* The two routes of issue #13 must agree: the zero-temperature 1RSB ground state equals the
  Kac-Rice E_0 (Auffinger-Ben Arous-Cerny), and the 1RSB (Monasson) complexity of stable
  states equals the Kac-Rice complexity of minima Theta_0 below -E_inf.
"""
import math

import pytest

import replica
from replica import ReplicaError, kacrice, pspin

from . import mpmath_refs


@pytest.mark.parametrize("p", [3, 4, 5])
def test_dynamical_and_static_temperatures(p):
    td = math.sqrt(p * (p - 2) ** (p - 2) / (2 * (p - 1) ** (p - 1)))
    assert pspin.T_d({p: 0.5}) == pytest.approx(td, rel=1e-12)
    ref = mpmath_refs.pspin_static_temperature(p, x0=(0.6 if p == 3 else 0.8, 1.9))
    assert pspin.T_s({p: 0.5}) == pytest.approx(float(ref["T_s"]), rel=1e-12)
    assert pspin.T_s({p: 0.5}) < pspin.T_d({p: 0.5})
    # xi -> c^2 xi is H -> c H: temperatures scale by c
    assert pspin.T_s({p: 1.0}) == pytest.approx(math.sqrt(2) * pspin.T_s({p: 0.5}), rel=1e-12)
    if p == 3:
        assert pspin.T_s({3: 0.5}) == pytest.approx(0.586, abs=5e-4)  # Crisanti-Sommers


@pytest.mark.parametrize("xi", [{3: 1.0}, {4: 1.0}, {5: 1.0}, {3: 0.5}, {2: 0.3, 4: 1.0}])
def test_ground_state_is_the_kac_rice_E0(xi):
    assert pspin.ground_state(xi) == pytest.approx(-kacrice.E_k(xi, 0), abs=1e-10)


@pytest.mark.parametrize("p", [3, 4, 5])
def test_1rsb_complexity_of_states_is_the_kac_rice_count_of_minima(p):
    xi = {p: 1.0}
    e0, einf = kacrice.E_k(xi, 0), kacrice.E_inf(xi)
    for e in (-e0 - 0.2, -e0, -0.5 * (e0 + einf), -einf - 1e-6):
        assert pspin.complexity_1rsb(xi, e) == pytest.approx(
            kacrice.complexity(xi, e, 0), abs=1e-10), e
    assert abs(pspin.complexity_1rsb(xi, -e0)) < 1e-10
    with pytest.raises(ReplicaError, match="above the marginal energy"):
        pspin.complexity_1rsb(xi, -einf + 0.01)


def test_1rsb_free_entropy_solves_on_the_raw_path():
    """The model's 1RSB free entropy solved by the engine at beta = 2 (below T_s) against the
    independent mpmath solution (xi = q^3/2)."""
    fe = pspin.spherical({3: 0.5}).free_entropy("1rsb")
    s = replica.solve(fe, {"beta": 2.0}, x0={"q": 0.7, "m": 0.7})
    ref = mpmath_refs.pspin_1rsb(3, 2.0, (0.7, 0.7))
    assert s.status == replica.Status.CONVERGED
    assert s.order_params["q"] == pytest.approx(float(ref["q"]), abs=1e-11)
    assert s.order_params["m"] == pytest.approx(float(ref["m"]), abs=1e-11)
    assert s.phi == pytest.approx(float(ref["phi"]), abs=1e-12)


def test_bad_input_is_named():
    with pytest.raises(replica.ModelError, match="must be finite and >= 0"):
        pspin.T_s({3: float("nan")})
    with pytest.raises(ReplicaError, match="no discontinuous"):
        pspin.T_d({2: 1.0})
    with pytest.raises(ReplicaError, match="continuous transition"):
        pspin.T_s({2: 1.0, 3: 0.1})  # the p = 2 part dominates: a continuous transition
    with pytest.raises(ValueError, match="unknown ansatz"):
        pspin.spherical({3: 1.0}).free_entropy("2rsb")
    with pytest.raises(ValueError, match="real number"):
        pspin.complexity_1rsb({3: 1.0}, "low")
