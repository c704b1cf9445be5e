"""Weights priors (the entropic blocks of the free entropy), derived from a single-site measure.

A prior is built from its single-site measure mu(w) — discrete values with weights that may
contain parameters (:func:`discrete`), or a density (:func:`density`) — with the norm
Q = |w|^2/N either fixed or an order parameter.  The engine derives, in SymPy, everything the
free entropies need: the RS term, the 1RSB term, the replicon factor and the q -> 1
coefficient used by the capacity.  Nobody writes them by hand.

Discrete measures (conjugates kept as order parameters).  With the single-site partition
function Z_w(A, B) = sum_k c_k exp(-A v_k^2/2 + B v_k), the replicated measure gives

    G_RS   = Qhat Q/2 + qhat q/2 + E_z ln Z_w(Qhat + qhat, sqrt(qhat) z),
    G_1RSB = Qhat Q/2 - [(m-1) qhat1 q1 - m qhat0 q0]/2
             + (1/m) E_z0 ln E_z1 Z_w(Qhat + qhat1, sqrt(qhat0) z0 + sqrt(qhat1-qhat0) z1)^m.

When every v_k^2 equals the same Q0 (binary, Ising), Q = Q0 is fixed and Qhat drops out:
G_RS = -qhat (Q0 - q)/2 + E_z ln sum_k c_k e^{sqrt(qhat) z v_k}.  The replicon factor is
E_z[(d^2 ln Z_w/dB^2)^2]; the q -> 1 coefficient of a fixed norm Q0 = 1 comes from the Laplace
principle, (E_z max_k v_k z)^2/2.

Gaussian densities exp(a0 + a2 w^2) (Lebesgue for a2 = 0), where the Gaussian integrals are
done exactly: the volume of the configurations with overlap matrix Q_ab is
exp(N [(1/2) ln det Q_ab + (n/2) ln(2 pi e)]), so

    G = lim_{n->0} (1/2n) ln det Q_ab + ln(2 pi e)/2 + a0 + a2 Q,

computed from the eigenvalues of the RS and 1RSB overlap matrices with symbolic n and
``sympy.limit``.  A fixed norm (the sphere) is normalised to phi(alpha = 0) = 0.

phi(alpha = 0) is the log of the measure's total mass per weight: 0 for the sphere and for a
probability density, ln 2 for the binary counting measure, ln 3 for the ternary one.

References
----------
E. Gardner, J. Phys. A 21, 257 (1988); E. Gardner and B. Derrida, J. Phys. A 21, 271 (1988);
W. Krauth and M. Mezard, J. Phys. France 50, 3057 (1989); L. Zdeborova and F. Krzakala,
"Statistical physics of inference", Adv. Phys. 65, 453 (2016), sec. 4.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache, cached_property

import sympy as sp

from .errors import ModelError
from .names import check_unreserved
from .gauss import GaussAvg, LogAvgExp
from .special import LogAddExp
from .symbols import Q, Qhat, m, q, q0, q1, qhat, qhat0, qhat1, z, z0, z1

__all__ = ["Prior", "discrete", "density", "spherical", "binary", "ternary", "ising",
           "gaussian", "PRIORS"]

_INF = float("inf")



@dataclass(frozen=True, eq=False)
class Prior:
    """An entropic block, derived from a single-site measure.

    Attributes
    ----------
    name : str
    rs_term : sympy.Expr
        G_prior in the RS ansatz, a function of ``q`` and of ``extra_params``.
    extra_params : tuple of sympy.Symbol
        Order parameters the block adds (conjugates, the free norm Q), e.g. ``(qhat,)``.
    phi_alpha0 : sympy.Expr
        Free entropy at alpha = 0 (the log-mass of the measure per weight).
    q1_coefficient : sympy.Expr or None
        A_prior = lim_{q->1} (1 - q) extr_{extra} G_prior, the coefficient of the 1/(1-q)
        divergence used by the capacity; None where the limit does not exist (free norm).
    q1_derivation : str
        How ``q1_coefficient`` was obtained (reported with capacities).
    rsb1_term : sympy.Expr
        G_prior in the 1RSB ansatz (q0, q1, m and ``rsb1_extra``).
    rsb1_extra : tuple of sympy.Symbol
    replicon : sympy.Expr
        The prior's replicon factor E[(d^2 ln Z_w/dB^2)^2] in the RS order parameters.
    params : tuple of sympy.Symbol
        Parameters of the measure (fields, biases): controls, sorted by name.
    norm : sympy.Expr or None
        The fixed self-overlap Q0 = |w|^2/N, or None when Q is an order parameter.
    kind : str
        ``"discrete"`` or ``"density"``.
    measure : tuple
        The measure it was built from: ``((value, weight), ...)`` or ``(log_density, w)``.
    domains : dict
        Domains of the extra order parameters by name.
    """

    name: str
    rs_term: sp.Expr
    extra_params: tuple
    phi_alpha0: sp.Expr
    q1_coefficient: sp.Expr | None
    q1_derivation: str
    rsb1_term: sp.Expr = None
    rsb1_extra: tuple = ()
    replicon: sp.Expr = None
    params: tuple = ()
    norm: sp.Expr | None = sp.S.One
    kind: str = "density"
    measure: tuple = ()
    domains: dict = field(default_factory=dict)

    @cached_property
    def key(self) -> str:
        """Content hash of the derived expressions (the cache key; never the name)."""
        h = hashlib.sha256()
        for e in (self.rs_term, self.rsb1_term, self.replicon, self.norm, self.phi_alpha0,
                  self.q1_coefficient):
            h.update(sp.srepr(e).encode())
        h.update(repr(sorted(self.domains.items())).encode())
        return h.hexdigest()[:24]

    @property
    def is_binary(self) -> bool:
        """The counting measure on {-1, +1} (the binary perceptron)."""
        return (self.kind == "discrete" and not self.params and
                sorted(float(v) for v, _ in self.measure) == [-1.0, 1.0] and
                all(sp.sympify(c) == 1 for _, c in self.measure))

    @property
    def is_spherical(self) -> bool:
        """The uniform measure on the sphere |w|^2 = N."""
        return self.kind == "density" and self.norm == 1 and self.measure[0] == 0

    @property
    def norm_value(self):
        """Q0 as a SymPy number, or the symbol ``Q`` for a free norm."""
        return Q if self.norm is None else self.norm

    def __repr__(self):
        return f"Prior({self.name!r})"


# ---------------------------------------------------------------------------------------------
# discrete measures

def _check_params(syms, where):
    params = tuple(sorted(syms, key=lambda s: s.name))
    names = [s.name for s in params]
    if len(set(names)) != len(names):
        raise ModelError(f"{where}: two different symbols share a name in {names}")
    check_unreserved(names, where)
    return params


def _log_sum_exp(terms):
    out = terms[0]
    for t in terms[1:]:
        out = LogAddExp(out, t)
    return out


def _discrete_atom(v, c, where):
    """One validated (value, weight) pair of a discrete measure, as SymPy expressions."""
    try:
        vs = sp.nsimplify(sp.sympify(v), rational=True) if isinstance(v, float) \
            else sp.sympify(v)
    except (sp.SympifyError, TypeError):
        raise ModelError(f"{where}: the value {v!r} is not a number") from None
    if vs.free_symbols or not vs.is_real or not vs.is_finite:
        raise ModelError(f"{where}: the value {v!r} must be a finite real number")
    try:
        cs_ = sp.sympify(c)
    except (sp.SympifyError, TypeError):
        raise ModelError(f"{where}: the weight {c!r} of {v!r} is not an expression") \
            from None
    if not cs_.free_symbols:
        if not (cs_.is_real and cs_.is_finite and cs_ > 0):
            raise ModelError(f"{where}: the weight {c!r} of the value {v!r} must be "
                             "positive and finite (drop values of zero weight)")
    return vs, cs_


def _discrete_atoms(weights, where):
    """The validated values and weights of a discrete measure, sorted by increasing value."""
    if not isinstance(weights, dict) or len(weights) < 2:
        raise ModelError(f"{where}: give a dict value -> weight with at least two values, "
                         f"got {weights!r}")
    vals, cs = [], []
    for v, c in weights.items():
        vs, cs_ = _discrete_atom(v, c, where)
        vals.append(vs)
        cs.append(cs_)
    if len(set(vals)) != len(vals):
        raise ModelError(f"{where}: repeated values {vals}")
    order = sorted(range(len(vals)), key=lambda i: float(vals[i]))
    vals = [vals[i] for i in order]
    cs = [cs[i] for i in order]
    return vals, cs


def _discrete_lnZ(logc, vals, fixed, A, B):
    """ln Z_w(A, B) = ln sum_k c_k exp(-A v_k^2/2 + B v_k) (no A term for a fixed norm)."""
    return _log_sum_exp([lc + (0 if fixed else -A * v**2 / 2) + B * v
                         for lc, v in zip(logc, vals)])


def _discrete_kinks(logc, vals, fixed, A):
    """Values of B where two terms of Z_w exchange dominance."""
    pairs = [(j, k) for j in range(len(vals)) for k in range(j + 1, len(vals))]
    if len(vals) > 8:
        pairs = [(j, j + 1) for j in range(len(vals) - 1)]
    out = []
    for j, k in pairs:
        b = (logc[k] - logc[j]) / (vals[j] - vals[k])
        if not fixed:
            b += A * (vals[j] + vals[k]) / 2
        out.append(sp.simplify(b))
    return list(dict.fromkeys(out))


def _discrete_rs_averages(logc, vals, fixed):
    """RS z-averages of a discrete measure: E_z ln Z_w and the replicon factor."""
    B = sp.Dummy("B")
    A_rs = Qhat + qhat
    pts = [(b / sp.sqrt(qhat), 1 / sp.sqrt(qhat))
           for b in _discrete_kinks(logc, vals, fixed, A_rs)]
    avg = GaussAvg(_discrete_lnZ(logc, vals, fixed, A_rs, sp.sqrt(qhat) * z), z, pts)
    d2 = sp.diff(_discrete_lnZ(logc, vals, fixed, A_rs, B), B, 2).subs(B, sp.sqrt(qhat) * z)
    replicon = GaussAvg(d2**2, z, pts)
    return avg, replicon


def _discrete_rsb1_average(logc, vals, fixed):
    """1RSB average E_z0 ln E_z1 Z_w^m of a discrete measure (before the 1/m)."""
    A_1 = Qhat + qhat1
    dq = sp.sqrt(qhat1 - qhat0)
    hfield = sp.sqrt(qhat0) * z0 + dq * z1
    ks1 = _discrete_kinks(logc, vals, fixed, A_1)
    inner = LogAvgExp(m * _discrete_lnZ(logc, vals, fixed, A_1, hfield), z1,
                      [((b - sp.sqrt(qhat0) * z0) / dq, 1 / dq) for b in ks1])
    return GaussAvg(inner, z0, [(b / sp.sqrt(qhat0), 1 / sp.sqrt(qhat1)) for b in ks1])


def _discrete_terms(vals, fixed, norm, avg, outer):
    """RS and 1RSB terms, their extra order parameters and the domains (fixed or free norm)."""
    if fixed:
        rs = -qhat * (norm - q) / 2 + avg
        rsb1 = -qhat1 * norm / 2 - ((m - 1) * qhat1 * q1 - m * qhat0 * q0) / 2 + outer / m
        extra, extra1 = (qhat,), (qhat0, qhat1)
        domains = {"q": (0.0, float(norm)), "q0": (0.0, float(norm)),
                   "q1": (0.0, float(norm))}
    else:
        rs = Qhat * Q / 2 + qhat * q / 2 + avg
        rsb1 = Qhat * Q / 2 - ((m - 1) * qhat1 * q1 - m * qhat0 * q0) / 2 + outer / m
        extra, extra1 = (qhat, Q, Qhat), (qhat0, qhat1, Q, Qhat)
        top = float(max(v**2 for v in vals))
        bottom = float(min(v**2 for v in vals))
        domains = {"q": (0.0, top), "q0": (0.0, top), "q1": (0.0, top), "Q": (bottom, top)}
    return rs, rsb1, extra, extra1, domains


def _discrete_q1_coefficient(vals, fixed, norm):
    """The q -> 1 coefficient (Laplace principle, norm 1 only) and how it was obtained."""
    vmax, vmin = vals[-1], vals[0]
    if fixed and norm == 1:
        zz = sp.Symbol("zeta", real=True)
        gauss = sp.exp(-zz**2 / 2) / sp.sqrt(2 * sp.pi)
        e_max = (sp.integrate(vmax * zz * gauss, (zz, 0, sp.oo))
                 + sp.integrate(vmin * zz * gauss, (zz, -sp.oo, 0)))
        coeff = sp.simplify(e_max**2 / 2)
        how = "Laplace principle: (E_z max_k v_k z)^2 / 2, integrated by SymPy"
    else:
        coeff = None
        how = ("no q -> 1 limit: the norm is an order parameter" if not fixed else
               f"no q -> 1 limit: the fixed norm is {norm}, not 1 (rescale the values)")
    return coeff, how


def discrete(weights, *, name=None) -> Prior:
    """A prior from a discrete single-site measure sum_k c_k delta(w - v_k).

    Parameters
    ----------
    weights : dict
        value v_k (a real number) -> weight c_k (a positive number or a SymPy expression
        whose free symbols become parameters of the prior, e.g. ``sympy.exp(h)``).
    name : str, optional

    Returns
    -------
    Prior

    Raises
    ------
    ModelError
        Fewer than two values, a non-numeric or repeated value, a non-positive weight, a
        parameter with a reserved name.

    Notes
    -----
    See the module docstring.  The self-overlap is fixed (Q = v^2) when all v_k^2 are equal,
    an order parameter (with its conjugate Qhat) otherwise.  The quadrature of the z-average
    is refined where two terms of Z_w exchange dominance,
    B = (ln c_k - ln c_j)/(v_j - v_k) + A (v_j + v_k)/2.

    Examples
    --------
    >>> import sympy as sp
    >>> h = sp.Symbol("h", real=True)
    >>> ising = discrete({-1: sp.exp(-h), 1: sp.exp(h)})       # a field h
    >>> ternary = discrete({-1: 1, 0: 1, 1: 1})
    """
    where = f"prior {name!r}" if name else "priors.discrete"
    vals, cs = _discrete_atoms(weights, where)
    params = _check_params(set().union(*[c.free_symbols for c in cs]), where)
    logc = [sp.expand_log(sp.log(c), force=True) for c in cs]
    squares = {v**2 for v in vals}
    fixed = len(squares) == 1
    norm = squares.pop() if fixed else None
    measure = tuple(zip(vals, cs))
    name = name or "discrete{" + ", ".join(f"{v}: {c}" for v, c in measure) + "}"

    avg, replicon = _discrete_rs_averages(logc, vals, fixed)
    outer = _discrete_rsb1_average(logc, vals, fixed)
    rs, rsb1, extra, extra1, domains = _discrete_terms(vals, fixed, norm, avg, outer)
    coeff, how = _discrete_q1_coefficient(vals, fixed, norm)
    phi0 = sp.log(sp.Add(*cs))
    return Prior(name, rs, extra, phi0, coeff, how, rsb1, extra1, replicon, params,
                 norm, "discrete", measure, domains)


# ---------------------------------------------------------------------------------------------
# Gaussian densities

_n = sp.Symbol("n", positive=True)


def _logdet_limit(eigenvalues):
    """lim_{n->0} (1/n) sum_i mult_i ln(lambda_i) for eigenvalues (lambda, multiplicity).

    The sum vanishes at n = 0 (the determinant of a 0 x 0 matrix), so the limit is its
    n-derivative at n = 0 (checked); the terms are kept apart (no cancelling fractions).
    """
    s = sp.Add(*[mult * sp.log(lam) for lam, mult in eigenvalues])
    if sp.simplify(s.subs(_n, 0)) != 0:
        raise ModelError(f"the replica log-determinant {s} does not vanish at n = 0")
    return sp.expand(sp.diff(s, _n).subs(_n, 0))


def density(log_density, w, *, norm=None, name=None) -> Prior:
    """A prior from a single-site density exp(log_density(w)) on the real line.

    Parameters
    ----------
    log_density : sympy.Expr
        ln of the density: a centred quadratic a0 + a2 w^2 (a2 < 0 for a free norm; 0, the
        Lebesgue measure, is allowed with a fixed norm).  Its other symbols become parameters.
    w : sympy.Symbol
        The weight variable in ``log_density``.
    norm : number, optional
        Fix |w|^2/N to this value (the sphere for 1 and a flat density); by default Q is an
        order parameter.
    name : str, optional

    Returns
    -------
    Prior

    Raises
    ------
    ModelError
        A density that is not a centred Gaussian (the Gaussian integrals of the replica
        measure are done exactly, a general density would need a nested numerical integral
        over w, not implemented), a free norm with a non-normalisable density.

    Notes
    -----
    RS overlap matrix (Q - q) I + q 1 1^T: (1/n) ln det -> ln(Q - q) + q/(Q - q).  1RSB with
    blocks of size m: eigenvalues Q - q1 (multiplicity n(1 - 1/m)), D = Q - q1 + m (q1 - q0)
    (n/m - 1) and D + n q0 (1), giving (1 - 1/m) ln(Q - q1) + ln(D)/m + q0/D.  The replicon
    factor is (Q - q)^2 (the squared variance of the single-site posterior).
    """
    where = f"prior {name!r}" if name else "priors.density"
    if not isinstance(w, sp.Symbol):
        raise ModelError(f"{where}: w must be a SymPy Symbol, got {w!r}")
    f = sp.expand(sp.sympify(log_density))
    try:
        poly = sp.Poly(f, w)
    except sp.PolynomialError:
        poly = None
    if poly is None or poly.degree() > 2:
        raise ModelError(f"{where}: only centred Gaussian densities exp(a0 + a2 w^2) are "
                         f"integrated exactly; got ln density = {f}")
    a2 = poly.coeff_monomial(w**2)
    a1 = poly.coeff_monomial(w)
    a0 = poly.coeff_monomial(1)
    if a1 != 0:
        raise ModelError(f"{where}: the density is not centred (linear term {a1} w)")
    params = _check_params((a0.free_symbols | a2.free_symbols) - {w}, where)
    if norm is None:
        if not (a2.is_negative or (not a2.free_symbols and a2 < 0)):
            raise ModelError(f"{where}: with a free norm the density must be normalisable "
                             f"(a2 < 0; declare its symbols positive), got a2 = {a2}")
    qq = Q if norm is None else sp.sympify(norm)
    if norm is not None and not (qq.is_positive and not qq.free_symbols):
        raise ModelError(f"{where}: the norm must be a positive number, got {norm!r}")
    const = sp.expand_log(sp.log(2 * sp.pi * sp.E) / 2 + a0, force=True)
    rs_det = _logdet_limit([(qq - q, _n - 1), (qq - q + _n * q, 1)])
    d1 = qq - q1 + m * (q1 - q0)
    rsb_det = _logdet_limit([(qq - q1, _n - _n / m), (d1, _n / m - 1), (d1 + _n * q0, 1)])
    rs = rs_det / 2 + const + a2 * qq
    rsb1 = rsb_det / 2 + const + a2 * qq
    if norm is not None:  # the uniform measure on the sphere |w|^2 = N norm: phi(0) = 0
        shift = rs.subs(q, 0)
        rs, rsb1 = rs - shift, rsb1 - shift
        phi0 = sp.S.Zero
        extra, extra1 = (), ()
        domains = {"q": (0.0, float(qq)), "q0": (0.0, float(qq)), "q1": (0.0, float(qq))}
    else:
        phi0 = sp.simplify(a0 + sp.log(sp.sqrt(sp.pi / -a2)))
        extra, extra1 = (Q,), (Q,)
        domains = {"q": (0.0, _INF), "q0": (0.0, _INF), "q1": (0.0, _INF), "Q": (0.0, _INF)}
    if norm is not None and qq == 1:
        eps = sp.Symbol("epsilon", positive=True)
        coeff = sp.nsimplify(sp.limit(eps * rs.subs(q, 1 - eps), eps, 0, "+"))
        how = "sympy.limit((1-q) G_prior(q), q -> 1)"
    else:
        coeff, how = None, "no q -> 1 limit: the norm is not fixed to 1"
    replicon = (qq - q) ** 2
    return Prior(name or f"density[{f}]", rs, extra, phi0, coeff, how, rsb1, extra1, replicon,
                 params, None if norm is None else qq, "density", (f, w), domains)


# ---------------------------------------------------------------------------------------------
# built-in priors

@cache
def spherical() -> Prior:
    """Spherical weights |w|^2 = N: the flat density with the norm fixed to 1.

    Notes
    -----
    The derivation of :func:`density` gives G_prior(q) = ln(1 - q)/2 + q/(2 (1 - q)) and, in
    1RSB with D = 1 - q1 + m (q1 - q0), G_prior = [(m-1)/m ln(1 - q1) + ln(D)/m + q0/D]/2.

    References
    ----------
    E. Gardner, "The space of interactions in neural network models", J. Phys. A 21, 257 (1988).
    """
    return density(sp.S.Zero, sp.Symbol("w", real=True), norm=1, name="spherical")


@cache
def binary() -> Prior:
    """Binary weights w in {-1, +1}^N with the counting measure.

    Notes
    -----
    G_prior(q, qhat) = -qhat (1 - q)/2 + E_z ln 2cosh(sqrt(qhat) z); the q -> 1 coefficient is
    (E_z |z|)^2/2 = 1/pi.

    References
    ----------
    E. Gardner and B. Derrida, "Optimal storage properties of neural network models",
    J. Phys. A 21, 271 (1988).
    """
    return discrete({-1: 1, 1: 1}, name="binary")


@cache
def ternary() -> Prior:
    """Ternary weights w in {-1, 0, +1}^N with the counting measure (free norm)."""
    return discrete({-1: 1, 0: 1, 1: 1}, name="ternary")


h = sp.Symbol("h", real=True)  #: the field of the Ising prior


@cache
def ising() -> Prior:
    """Binary weights with a field h: the measure e^{h w} on {-1, +1} (parameter ``h``)."""
    return discrete({-1: sp.exp(-h), 1: sp.exp(h)}, name="ising")


@cache
def gaussian() -> Prior:
    """Gaussian weights w_i ~ N(0, 1) (ridge), norm Q = |w|^2/N an order parameter.

    Notes
    -----
    G_prior(q, Q) = 1/2 + ln(Q - q)/2 + q/(2 (Q - q)) - Q/2, which is 0 at alpha = 0
    (Q = 1, q = 0).
    """
    wv = sp.Symbol("w", real=True)
    return density(-wv**2 / 2 - sp.log(2 * sp.pi) / 2, wv, name="gaussian")


#: Known priors by name (``models.perceptron(weights=name)``).
PRIORS = {"spherical": spherical, "binary": binary, "ternary": ternary, "ising": ising,
          "gaussian": gaussian}

