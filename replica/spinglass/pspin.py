"""Replica theory of spherical spin glasses on the engine's raw path.

Model: E[H(s) H(s')] = N xi(s.s'/N) on |s|^2 = N (:mod:`replica.spinglass.covariance`),
Gibbs weight exp(-beta H); no external field, so the 1RSB overlap q0 vanishes.  The free
entropies are explicit SymPy expressions handed to :func:`replica.free_entropy`; every
equation below is derived from them by ``sympy.diff``:

* RS: phi(q) = beta^2/2 (xi(1) - xi(q)) + ln(1-q)/2 + q/(2(1-q)) (paramagnet q = 0);
* 1RSB (Crisanti-Sommers): phi(q, m) = beta^2/2 (xi(1) - (1-m) xi(q)) + (m-1)/(2m) ln(1-q)
  + ln(1-(1-m) q)/(2m);
* zero temperature (q = 1 - chi/beta, m = mu/beta, beta -> infinity):
  phi/beta -> Phi0(chi, mu) = (mu xi(1) + xi'(1) chi + ln(1 + mu/chi)/mu)/2, so that the
  ground-state energy per spin is -Phi0 at its stationary point, and
  Psi(mu) = mu Phi0(chi*(mu), mu) = lim (1/N) ln sum_states exp(-mu N e_state) gives the
  complexity of states Sigma(e) = Psi(mu) + mu e, e = -Psi'(mu) (Monasson), on the branch where
  the states are stable (replicon 1 - xi''(1) chi^2 >= 0).

The dynamical temperature T_d (m = 1 marginal) and the static one T_s (Sigma(m = 1) = 0) come
from the same 1RSB expression.  For pure models 1RSB is exact (Crisanti-Sommers; the ground
state and the complexity of stable states coincide with the Kac-Rice E_0 and Theta_0 of
Auffinger, Ben Arous and Cerny, which the tests check); for mixed models it is the 1RSB
approximation (with q0 = 0).

References
----------
A. Crisanti and H.-J. Sommers, "The spherical p-spin interaction spin glass model: the
statics", Z. Phys. B 87, 341 (1992).
R. Monasson, "Structural glass transition and the entropy of the metastable states",
Phys. Rev. Lett. 75, 2847 (1995).
A. Auffinger, G. Ben Arous and J. Cerny, Comm. Pure Appl. Math. 66, 165 (2013).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
from scipy import optimize

from ..engine.compiled import check_finite, check_positive
from ..engine.errors import ModelError
from ..engine.krsb import ParisiProblem, check_k
from ..engine.sphere import spherical_entropy
from ..engine.problem import SaddleProblem
from ..engine.errors import ReplicaError
from ..engine.freeentropy import FreeEntropy, free_entropy
from ..engine.solvers import solve
from .covariance import Covariance, covariance

__all__ = ["PSpin", "spherical", "T_d", "T_s", "ground_state", "complexity_1rsb",
           "crisanti_sommers"]

q, m, beta = sp.symbols("q m beta", positive=True)
chi, mu = sp.symbols("chi mu", positive=True)


def _xi_expr(cv: Covariance, x):
    # the coefficient as typed (its shortest decimal repr) becomes an exact rational
    return sp.Add(*[sp.Rational(repr(c)) * x**p for p, c in cv.terms])


@dataclass(frozen=True)
class PSpin:
    """A spherical spin glass with covariance xi, and its free entropies.

    Attributes
    ----------
    xi : Covariance
    """

    xi: Covariance

    #: A bare number given to solve/sweep/find_zero is the inverse temperature.
    primary_control = "beta"

    def free_entropy(self, ansatz="1rsb") -> FreeEntropy:
        """The raw free entropy: ``"rs"`` (order parameter q, control beta), ``"1rsb"``
        (q, m; beta) or ``"1rsb-T0"`` (chi, mu; no control: the zero-temperature limit)."""
        return _free_entropy(self.xi, ansatz)

    @property
    def name(self):
        return f"spherical spin glass {self.xi.as_dict()}"

    def saddle_problem(self, controls, ansatz=None, k=None):
        """The engine's view: ``ansatz`` ``"rs"`` (default; with its replicon), ``"1rsb"``,
        ``"1rsb-T0"`` (a :class:`replica.engine.problem.SaddleProblem` of the symbolic free
        entropy), or ``"krsb"`` with ``k`` steps and ``"frsb"`` (a
        :class:`~replica.engine.krsb.ParisiProblem`: the Crisanti-Sommers functional of a
        k-step ladder, :func:`crisanti_sommers`); beta > 0."""
        ansatz = "rs" if ansatz is None else ansatz
        if ansatz in ("krsb", "frsb"):
            beta = beta_control(self.name, controls, ("beta",))
            return _cs_problem(self, beta, check_k(ansatz, k, self.name, FULL_K_MAX), ansatz)
        if k is not None:
            raise ModelError(f"{self.name}: k = {k!r} is for ansatz='krsb'; ansatz {ansatz!r} "
                             "takes none")
        fe = _free_entropy(self.xi, ansatz)
        return SaddleProblem(fe, controls, label=self.name,
                             check=check_positive, primary="beta" if fe.controls else None,
                             replicon=fe.replicon)


#: The highest rung of the k-ladder of ansatz="frsb".
FULL_K_MAX = 12


def beta_control(name, controls, allowed):
    """The inverse temperature from ``controls`` (a dict whose keys must be in ``allowed``),
    finite and > 0; a :class:`ModelError` naming ``name`` and the culprit otherwise."""
    unknown = sorted(set(controls) - set(allowed))
    if unknown:
        raise ModelError(f"{name}: unknown controls {unknown}; its controls are "
                         f"{', '.join(allowed)}")
    if "beta" not in controls:
        raise ModelError(f"{name}: give the inverse temperature beta")
    beta = check_finite("beta", controls["beta"])
    if beta <= 0:
        raise ModelError(f"{name}: beta must be > 0, got {beta}")
    return beta


def crisanti_sommers(xi, beta, q, m):
    """The Crisanti-Sommers free entropy of a k-step ladder and its gradient.

    Parameters
    ----------
    xi : dict or Covariance
    beta : float
    q : array_like
        k + 1 overlaps 0 <= q_0 < ... < q_k < 1.
    m : array_like
        k Parisi parameters 0 < m_1 < ... < m_k < 1.

    Returns
    -------
    phi : float
    dq, dm : numpy.ndarray
        d phi / d q_l (l = 0..k), d phi / d m_l (l = 1..k).

    Notes
    -----
    With x(q) the ladder's step function (x = m_l on (q_{l-1}, q_l), 0 below q_0, 1 above
    q_k; m_0 = 0, m_{k+1} = 1),

        phi = beta^2/2 int_0^1 x(q) xi'(q) dq + S(q, m)
            = beta^2/2 [xi(1) - sum_{l=0}^{k} (m_{l+1} - m_l) xi(q_l)] + S,

    S the spherical entropy of :func:`replica.engine.sphere.spherical_entropy`.  k = 1,
    q_0 = 0 is the 1RSB expression of :class:`PSpin`; k = 0 the RS one.  In a continuous
    stretch of the Parisi solution beta^2 xi''(q) lambda(q)^2 = 1, so
    x(q) = xi_3(q) / (2 beta xi''(q)^(3/2)) there (xi_3 the third derivative).

    References
    ----------
    A. Crisanti and H.-J. Sommers, Z. Phys. B 87, 341 (1992).
    A. Crisanti and L. Leuzzi, Phys. Rev. B 73, 014412 (2006) (2+p models, 1-full RSB).
    """
    cv = covariance(xi) if not isinstance(xi, Covariance) else xi
    q = np.asarray(q, dtype=float)
    m = np.asarray(m, dtype=float)
    S, dq, dm = spherical_entropy(q, m)
    mm = np.concatenate(([0.0], m, [1.0]))
    b2 = 0.5 * beta * beta
    xq = np.array([cv(x) for x in q])
    phi = b2 * (cv(1.0) - float(np.dot(mm[1:] - mm[:-1], xq))) + S
    dq = dq - b2 * (mm[1:] - mm[:-1]) * np.array([cv(x, 1) for x in q])
    dm = dm + b2 * np.diff(xq)
    return phi, dq, dm


def _cs_problem(model, beta, k, ansatz):
    cv = model.xi

    def extra(q, m):
        return crisanti_sommers(cv, beta, q, m)

    def derivatives(q, m, rec):
        # d phi / d beta at fixed ladder (envelope theorem)
        mm = np.concatenate(([0.0], m, [1.0]))
        xq = np.array([cv(x) for x in q])
        return {"beta": beta * (cv(1.0) - float(np.dot(mm[1:] - mm[:-1], xq)))}

    return ParisiProblem(label=model.name, terminal=None, A=None, dA=None, theta=None,
                         h0=0.0, k=k, values={"beta": beta}, primary="beta", ansatz=ansatz,
                         minimum=True, derivatives=derivatives, extra=extra,
                         observables={"energy": lambda p: -p.derivatives["beta"]})


@lru_cache(maxsize=64)
def _free_entropy(cv: Covariance, ansatz):
    xi = lambda x: _xi_expr(cv, x)  # noqa: E731
    x1 = xi(sp.Integer(1))
    name = f"spherical spin glass {cv.as_dict()}"
    if ansatz == "rs":
        phi = beta**2 / 2 * (x1 - xi(q)) + sp.log(1 - q) / 2 + q / (2 * (1 - q))
        # the replicon of the RS point (up to a positive factor): 1 - beta^2 xi''(q) (1-q)^2
        # (its zero at the plateau is the marginality of the threshold states)
        replicon = 1 - beta**2 * sp.diff(xi(q), q, 2) * (1 - q)**2
        return free_entropy(phi, {q: (0, 1)}, [beta], name=f"{name}, RS", replicon=replicon)
    if ansatz == "1rsb":
        phi = (beta**2 / 2 * (x1 - (1 - m) * xi(q)) + (m - 1) / (2 * m) * sp.log(1 - q)
               + sp.log(1 - (1 - m) * q) / (2 * m))
        return free_entropy(phi, {q: (0, 1), m: (0, 1)}, [beta], name=f"{name}, 1RSB")
    if ansatz == "1rsb-T0":
        d1 = sp.diff(xi(q), q).subs(q, 1)
        phi = (mu * x1 + d1 * chi + sp.log(1 + mu / chi) / mu) / 2
        return free_entropy(phi, {chi: (0, math.inf), mu: (0, math.inf)},
                            name=f"{name}, 1RSB T=0")
    if ansatz == "1rsb-T0-mu":  # at fixed mu (a control): Psi(mu)/mu
        d1 = sp.diff(xi(q), q).subs(q, 1)
        phi = (mu * x1 + d1 * chi + sp.log(1 + mu / chi) / mu) / 2
        return free_entropy(phi, {chi: (0, math.inf)}, [mu], name=f"{name}, 1RSB T=0, mu")
    raise ValueError(f"unknown ansatz {ansatz!r}; use 'rs', '1rsb' or '1rsb-T0'")


def spherical(xi) -> PSpin:
    """The spherical spin glass with covariance ``xi`` ({p: c_p}); see the module notes."""
    return PSpin(covariance(xi))


def _max_on_unit(f):
    """max of f on (0, 1): a grid, then Brent."""
    grid = np.linspace(1e-6, 1 - 1e-6, 20001)
    vals = np.array([f(v) for v in grid])
    i = int(np.argmax(vals))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = optimize.minimize_scalar(lambda v: -f(v), bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-14})
    return float(res.x), float(-res.fun)


def T_d(xi) -> float:
    """Dynamical (mode-coupling) temperature: T_d^2 = max_q xi'(q)(1-q)/q.

    Notes
    -----
    The 1RSB q-equation at m = 1 reads beta^2 xi'(q) (1-q) = q; it has a solution q > 0 for
    beta >= beta_d, and beta_d^2 = min_q q/(xi'(q)(1-q)).  Pure Crisanti-Sommers xi = q^p/2:
    T_d^2 = p (p-2)^(p-2)/(2 (p-1)^(p-1)), q_d = (p-2)/(p-1).
    """
    cv = covariance(xi)
    if cv.pure == 2:
        raise ReplicaError("xi = {2: c}: no discontinuous (1RSB) transition; T_d is undefined")
    qd, t2 = _max_on_unit(lambda x: cv(x, 1) * (1 - x) / x)
    _check_plateau(cv, qd)
    return math.sqrt(t2)


def _check_plateau(cv, qd):
    """A discontinuous transition has its plateau q_d inside (0, 1); at q_d -> 0 the
    transition is continuous (xi''(0) (1 - 0)^2 = 1 first), where T_d and T_s are not 1RSB
    quantities."""
    if qd < 1e-4:
        raise ReplicaError(f"xi = {cv.as_dict()}: the m = 1 plateau sits at q_d = {qd:.2e} -> 0, "
                           "a continuous transition; T_d and T_s are not defined by 1RSB here")


@lru_cache(maxsize=64)
def _m1_equations(cv: Covariance):
    """beta^2(q) from the 1RSB q-equation at m = 1, and d phi/dm at m = 1 (SymPy-derived)."""
    phi = _free_entropy(cv, "1rsb").phi
    eq_q = sp.cancel(sp.together(sp.diff(phi, q) / (1 - m))).subs(m, 1)
    b2 = sp.Symbol("b2", positive=True)
    sol = sp.solve(sp.Eq(eq_q.subs(beta**2, b2), 0), b2)
    if len(sol) != 1:
        raise ReplicaError(f"the m = 1 q-equation is not linear in beta^2: {eq_q}")
    beta2 = sol[0]
    g = sp.diff(phi, m).subs(m, 1).subs(beta**2, beta2)
    return sp.lambdify(q, beta2, "math"), sp.lambdify(q, g, "math")


def T_s(xi) -> float:
    """Static (Kauzmann) temperature: the 1RSB solution reaches m = 1 (complexity of the
    equilibrium states vanishes).

    Notes
    -----
    On the m = 1 branch, beta^2(q) solves the q-equation (for q > q_d, the dynamical
    plateau) and T_s = 1/beta(q_s) with d phi/dm (q_s, m = 1) = 0, both derived by
    ``sympy.diff`` from the 1RSB free entropy; q_s by Brent's method on (q_d, 1).
    """
    cv = covariance(xi)
    if cv.pure == 2:
        raise ReplicaError("xi = {2: c}: no discontinuous (1RSB) transition; T_s is undefined")
    beta2, g = _m1_equations(cv)
    qd, _ = _max_on_unit(lambda x: cv(x, 1) * (1 - x) / x)
    _check_plateau(cv, qd)
    hi = 1 - 1e-12
    if not (g(qd) < 0 < g(hi)):
        raise ReplicaError(f"xi = {cv.as_dict()}: d phi/dm at m = 1 does not change sign on "
                           f"(q_d, 1) ({g(qd):.3g}, {g(hi):.3g}): no static 1RSB transition")
    qs = optimize.brentq(g, qd, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    return 1.0 / math.sqrt(beta2(qs))


def _t0_start(cv):
    # chi solves xi'(1) chi (chi + mu) = 1; mu ~ 1 is on the stable branch for pure p >= 3
    mu0 = 1.5
    c0 = (-mu0 + math.sqrt(mu0 * mu0 + 4 / cv.dxi1)) / 2
    return {"chi": c0, "mu": mu0}


def ground_state(xi) -> float:
    """Ground-state energy per spin from zero-temperature 1RSB: -Phi0 at its stationary point
    (exact for pure models: equal to -E_0 of :func:`replica.kacrice.E_k`).

    Raises
    ------
    SaddlePointConvergenceError
        If the zero-temperature saddle point is not found.
    """
    cv = covariance(xi)
    s = solve(_free_entropy(cv, "1rsb-T0"), {}, x0=_t0_start(cv))
    return -s.phi


def _psi(cv, mu_v):
    """(Psi(mu), Psi'(mu), chi) at fixed mu: Psi = mu Phi0(chi*, mu), chi* stationary."""
    fe = _free_entropy(cv, "1rsb-T0-mu")
    c0 = (-mu_v + math.sqrt(mu_v * mu_v + 4 / cv.dxi1)) / 2
    s = solve(fe, {"mu": mu_v}, x0={"chi": c0})
    phi0 = s.phi
    dphi0 = s.derivatives["mu"]  # envelope theorem: the total derivative at fixed controls
    return mu_v * phi0, phi0 + mu_v * dphi0, s.order_params["chi"]


def complexity_1rsb(xi, e) -> float:
    """Monasson complexity Sigma(e) of the zero-temperature 1RSB states of energy e per spin.

    Parameters
    ----------
    xi : dict
    e : float
        Energy per spin (negative), at or below the marginal energy of the states.

    Returns
    -------
    float
        Sigma(e) = Psi(mu) + mu e at -Psi'(mu) = e on the stable branch (replicon
        1 - xi''(1) chi^2 >= 0); negative below the ground state.

    Raises
    ------
    ReplicaError
        If e lies above the marginal energy (no stable 1RSB states there).
    """
    cv = covariance(xi)
    e = check_finite("e", e)
    dd = cv.ddxi1
    mu_mg = math.sqrt(dd) / cv.dxi1 - 1 / math.sqrt(dd)  # chi = 1/sqrt(xi''): replicon = 0
    if mu_mg <= 0:
        raise ReplicaError(f"xi = {cv.as_dict()}: the zero-temperature 1RSB states are never "
                           "stable (xi''(1) <= xi'(1): the marginal mu is <= 0)")
    e_mg = -_psi(cv, mu_mg)[1]
    if e > e_mg + 1e-12:
        raise ReplicaError(f"e = {e} is above the marginal energy {e_mg:.10g} of the 1RSB "
                           "states (replicon < 0 there)")
    hi = 2 * mu_mg
    while -_psi(cv, hi)[1] > e:
        hi *= 2
        if hi > 1e8:
            raise ReplicaError(f"no mu with -Psi'(mu) = {e}")
    mu_e = optimize.brentq(lambda v: -_psi(cv, v)[1] - e, mu_mg, hi, xtol=1e-14,
                           rtol=4 * np.finfo(float).eps) if e < e_mg else mu_mg
    ps, _, _ = _psi(cv, mu_e)
    return ps + mu_e * e
