"""Ising spin glasses: +-1 spins with Gaussian couplings of any covariance, in a field.

Model: H(s) Gaussian with E[H(s) H(s')] = N xi(s.s'/N) (xi as in :mod:`replica.pspin`:
``{2: 0.5}`` is Sherrington-Kirkpatrick with J_ij ~ N(0, 1/N)), plus the field term
-h sum_i s_i; Gibbs weight exp(-beta H).  phi is the free entropy per spin with the counting
measure (ln 2 at beta = 0).

* RS (``ansatz="rs"``, a symbolic free entropy on the engine's raw path, with its replicon):
  phi(q) = E_z ln 2 cosh(beta h + beta sqrt(xi'(q)) z)
  + beta^2/2 (xi(1) - xi(q) - (1 - q) xi'(q)),
  replicon 1 - beta^2 xi''(q) E_z sech^4(beta h + beta sqrt(xi'(q)) z).
* k-RSB (``"1rsb"``, ``"krsb"`` with ``k``): the Parisi functional on the engine's grid
  recursion (:mod:`replica.engine.krsb`) with A(q) = beta^2 xi'(q),
  theta(q) = beta^2 (q xi'(q) - xi(q)), field h_0 = beta h and terminal
  ln 2 cosh h + v_top / 2.  Guerra's bound makes phi the minimum over ladders.

The energy per spin is e = -d phi / d beta (``sp.derivatives["beta"]``, by the envelope
theorem, and the observable ``"energy"``); the magnetisation is ``"magnetization"``.

References
----------
D. Sherrington and S. Kirkpatrick, Phys. Rev. Lett. 35, 1792 (1975).
J. R. L. de Almeida and D. J. Thouless, J. Phys. A 11, 983 (1978).
G. Parisi, J. Phys. A 13, L115 (1980).
F. Guerra, "Broken replica symmetry bounds in the mean field spin glass model",
Comm. Math. Phys. 233, 1 (2003).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
from scipy import special

from ..engine.compiled import check_finite
from ..engine.errors import ModelError
from ..engine.freeentropy import free_entropy
from ..engine.gauss import GaussAvg
from ..engine.krsb import ParisiProblem, check_k, solve_parisi
from ..engine.results import SaddlePoint
from ..engine.problem import SaddleProblem
from ..engine.replicon import Replicon
from .covariance import Covariance, covariance
from .pspin import _xi_expr, beta_control

__all__ = ["IsingSpinGlass", "ising_spin_glass", "IsingSpins", "IsingSpinsT0", "ground_state"]

ANSATZE = ("rs", "1rsb", "krsb", "frsb")
#: The highest rung of the k-ladder of ansatz="frsb".
FULL_K_MAX = 12


class IsingSpins:
    """The terminal of the Parisi recursion for +-1 spins: F(h) = ln 2 cosh h + v_top / 2
    (the last average, at x = 1, in closed form), F'(h) = tanh h."""

    s_max = 1.0

    @staticmethod
    def values(h, v_top):
        a = np.abs(h)
        return a + np.log1p(np.exp(-2.0 * a)) + 0.5 * v_top, np.tanh(h)


class IsingSpinsT0:
    """The zero-temperature terminal of +-1 spins (fields y = h / beta, mu = beta m): the
    site's -energy |y|, its last Gaussian level in closed form (:meth:`level`)."""

    s_max = 1.0

    @staticmethod
    def values(h, v_top):
        return np.abs(h) + 0.5 * v_top, np.sign(h)

    @staticmethod
    def level(y, v, m):
        """F = (1/m) ln E exp(m |y + sqrt(v) z|), F' = dF/dy and G = d(m F)/dm (the tilted
        average of |y + sqrt(v) z|); m = 0: F = G = E |y + sqrt(v) z|.

        E exp(m |y + s z|) = exp(m^2 s^2 / 2) (e^{m y} Phi(a) + e^{-m y} Phi(b)),
        a = (y + m s^2)/s, b = (m s^2 - y)/s."""
        y = np.asarray(y, dtype=float)
        s = math.sqrt(v)
        if s == 0.0:
            return np.abs(y), np.sign(y), np.abs(y)
        if m == 0.0:
            t = y / s
            e = y * special.erf(t / math.sqrt(2.0)) + 2.0 * s * np.exp(-0.5 * t * t) / math.sqrt(
                2.0 * math.pi)
            return e, special.erf(t / math.sqrt(2.0)), e
        a = (y + m * s * s) / s
        b = (m * s * s - y) / s
        lp = m * y + special.log_ndtr(a)
        lm = -m * y + special.log_ndtr(b)
        ls = np.logaddexp(lp, lm)
        p_plus = np.exp(lp - ls)
        F = (0.5 * m * m * s * s + ls) / m
        dF = 2.0 * p_plus - 1.0
        G = (m * s * s + y * dF
             + 2.0 * s * np.exp(-m * y - 0.5 * b * b - ls) / math.sqrt(2.0 * math.pi))
        return F, dF, G


@dataclass(frozen=True)
class IsingSpinGlass:
    """An Ising spin glass with covariance ``xi`` in a field ``h``.

    Attributes
    ----------
    xi : Covariance
    h : float
    """

    xi: Covariance
    h: float = 0.0

    #: A bare number given to solve/sweep/find_zero is the inverse temperature.
    primary_control = "beta"

    @property
    def name(self):
        return f"Ising spin glass xi={self.xi.as_dict()}"

    def saddle_problem(self, controls, ansatz=None, k=None):
        """The engine's view at ``controls`` (``beta``, optionally a new ``h``):
        a :class:`~replica.engine.problem.SaddleProblem` (RS) or a
        :class:`~replica.engine.krsb.ParisiProblem` (``"1rsb"``; ``"krsb"`` with ``k``)."""
        ansatz = "rs" if ansatz is None else ansatz
        if ansatz not in ANSATZE:
            raise ModelError(f"{self.name}: unknown ansatz {ansatz!r}; use one of {ANSATZE}")
        controls = dict(controls)
        beta = beta_control(self.name, controls, ("beta", "h"))
        h = check_finite("h", controls.get("h", self.h))
        if ansatz == "rs":
            if k not in (None, 0):
                raise ModelError(f"{self.name}: k = {k} is for ansatz='krsb'")
            fe = _rs_free_entropy(self.xi)
            return SaddleProblem(fe, {"beta": beta, "h": h}, label=self.name, primary="beta",
                                 observables=_RS_OBSERVABLES, replicon=fe.replicon)
        k = check_k(ansatz, k, self.name, FULL_K_MAX)
        return _parisi_problem(self, beta, h, k, ansatz)


def _parisi_problem(model, beta, h, k, ansatz):
    xi = model.xi
    b2 = beta * beta

    def A(q):
        return b2 * xi(q, 1)

    def dA(q):
        return b2 * xi(q, 2)

    def theta(q):
        return b2 * (q * xi(q, 1) - xi(q))

    def derivatives(q, m, rec):
        # d phi / d beta at fixed ladder (envelope theorem): A, theta ~ beta^2, h_0 = beta h
        mm = np.concatenate(([0.0], m, [1.0]))
        kk = len(q) - 1
        dF_da = 0.5 * (mm[:kk + 1] - mm[1:kk + 2]) * rec.sq
        a = np.array([A(x) for x in q])
        th = np.array([theta(x) for x in np.concatenate((q, [1.0]))])
        d_beta = (2.0 / beta * (float(np.dot(dF_da, a)) + 0.5 * A(1.0)) + h * rec.dF_root
                  - 1.0 / beta * float(np.dot(mm[1:], np.diff(th))))
        return {"beta": d_beta, "h": beta * rec.dF_root}

    return ParisiProblem(label=model.name, terminal=IsingSpins(), A=A, dA=dA, theta=theta,
                         h0=beta * h, k=k, values={"beta": beta, "h": h}, primary="beta",
                         ansatz=ansatz, minimum=True, derivatives=derivatives,
                         observables=_KRSB_OBSERVABLES)


_KRSB_OBSERVABLES = {"energy": lambda p: -p.derivatives["beta"],
                     "magnetization": lambda p: p.derivatives["h"] / p.controls["beta"]}


@lru_cache(maxsize=None)
def _rs_free_entropy(xi: Covariance):
    q, beta = sp.symbols("q beta", positive=True)
    h = sp.Symbol("h", real=True)
    z = sp.Symbol("z", real=True)
    X = _xi_expr(xi, q)
    X1 = sp.diff(X, q)
    arg = beta * h + beta * sp.sqrt(X1) * z
    pts = [(-h / sp.sqrt(X1), 1 / (beta * sp.sqrt(X1)))]
    phi = (GaussAvg(sp.log(2 * sp.cosh(arg)), z, points=pts)
           + beta**2 / 2 * (_xi_expr(xi, sp.Integer(1)) - X - (1 - q) * X1))
    rep = Replicon(1 - beta**2 * sp.diff(X1, q) * GaussAvg(1 / sp.cosh(arg)**4, z, points=pts))
    fe = free_entropy(phi, {q: (0, 1)}, [beta, h], name=f"Ising spin glass {xi.as_dict()}",
                      replicon=rep)
    return dataclasses.replace(fe, ansatz="rs")


_RS_OBSERVABLES = {"energy": lambda p: -p.derivatives["beta"]}


def ising_spin_glass(xi, h=0.0) -> IsingSpinGlass:
    """An Ising spin glass: +-1 spins, E[H(s) H(s')] = N xi(s.s'/N), field h.

    Parameters
    ----------
    xi : dict
        ``{p: c_p}``: xi(q) = sum_p c_p q^p (``{2: 0.5}``: SK).
    h : float
        The external field (a control: ``solve(model, {"beta": 2, "h": 0.3})`` overrides it).

    Examples
    --------
    >>> import replica
    >>> sk = replica.models.ising_spin_glass(xi={2: 0.5})
    >>> import math
    >>> abs(replica.solve(sk, {"beta": 0.5}).phi - (math.log(2) + 0.5**2 / 4)) < 1e-12
    True
    """
    return IsingSpinGlass(covariance(xi), float(check_finite("h", h)))


def ground_state(model, ansatz="rs", k=None, *, tol=1e-10, throw=True) -> SaddlePoint:
    """The zero-temperature limit: the ground-state energy per spin of an Ising spin glass.

    Parameters
    ----------
    model : IsingSpinGlass
    ansatz : str
        ``"rs"``, ``"1rsb"``, ``"krsb"`` (with ``k``) or ``"frsb"`` (the k-ladder
        extrapolated in k^-4, k^-5, as at finite temperature).
    k : int, optional
    tol : float
        On phi (and the equations of each rung).
    throw : bool

    Returns
    -------
    SaddlePoint
        ``phi`` = lim phi / beta = -E_0 (so ``observables["energy"]`` = E_0); the ladder in
        the T -> 0 scaling: q_0 < ... < q_{k-1} < q_k = 1 (the last one fixed) and
        mu_l = lim beta m_l in (0, inf) (``mu1..muk``).

    Notes
    -----
    With h = beta y and m = mu / beta the recursion keeps its form: the terminal is |y|,
    A(q) = xi'(q) and theta(q) = q xi'(q) - xi(q); the last level (from q_{k-1} to 1) is
    done in closed form, E exp(mu |y + s z|) = e^{mu^2 s^2/2} (e^{mu y} Phi(a) +
    e^{-mu y} Phi(b)), a = (y + mu s^2)/s, b = (mu s^2 - y)/s.  The top level's term
    (theta(1) - theta(q_k)) vanishes and the ln 2 of the counting measure is O(1/beta).

    Examples
    --------
    >>> import math, replica
    >>> sk = replica.models.ising_spin_glass(xi={2: 0.5})
    >>> abs(replica.ground_state(sk).observables["energy"] + math.sqrt(2 / math.pi)) < 1e-12
    True

    References
    ----------
    G. Parisi, J. Phys. A 13, L115 (1980); A. Crisanti and T. Rizzo, "Analysis of the
    infinite-replica symmetry breaking solution of the Sherrington-Kirkpatrick model",
    Phys. Rev. E 65, 046137 (2002).
    """
    if not isinstance(model, IsingSpinGlass):
        raise ModelError(f"ground_state: an Ising spin glass (models.ising_spin_glass) is "
                         f"needed, got {type(model).__name__}; for spherical spin glasses use "
                         "replica.pspin.ground_state(xi)")
    if ansatz not in ANSATZE:
        raise ModelError(f"{model.name}: unknown ansatz {ansatz!r}; use one of {ANSATZE}")
    if ansatz == "rs":
        if k not in (None, 0):
            raise ModelError(f"{model.name}: k = {k} is for ansatz='krsb'")
        k = 0
    else:
        k = check_k(ansatz, k, model.name, FULL_K_MAX)
    xi = model.xi
    pb = ParisiProblem(label=f"{model.name}, T = 0", terminal=IsingSpinsT0(),
                       A=lambda q: xi(q, 1), dA=lambda q: xi(q, 2),
                       theta=lambda q: q * xi(q, 1) - xi(q), h0=model.h, k=k,
                       values={"h": model.h}, ansatz=ansatz, minimum=True,
                       observables={"energy": lambda p: -p.phi}, top_one=True,
                       m_unbounded=True)
    return solve_parisi(pb, tol=tol, throw=throw)
