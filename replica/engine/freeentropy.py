"""Assembly of free entropies from blocks, and their symbolic derivatives.

The replica-symmetric free entropy of a prior x channel model is

    phi_RS = G_prior(q, ...) + alpha E_z ln Z_out(sqrt(q) z, 1 - q),

and every equation the solvers use is an exact symbolic derivative of it: the gradient in the
order parameters (stationarity), the Hessian (Newton's Jacobian) and the derivative of the
gradient with respect to each control parameter (continuation tangents).
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from .errors import ModelError
from .gauss import AVERAGES, GaussAvg, LogAvgExp
from .symbols import V, alpha, m, omega, q, q0, q1, y, z, z0, z1

__all__ = ["FreeEntropy", "free_entropy", "rs_free_entropy", "rsb1_free_entropy",
           "STANDARD_DOMAINS"]

_INF = float("inf")

#: Domains of the order parameters of the built-in perceptron constructions (each builder
#: declares its unknowns' domains with :func:`standard_domains`; a user's free entropy declares
#: its own in :func:`free_entropy`).
STANDARD_DOMAINS = {
    "q": (0.0, 1.0), "qhat": (0.0, _INF), "q0": (0.0, 1.0), "q1": (0.0, 1.0),
    "qhat0": (0.0, _INF), "qhat1": (0.0, _INF), "m": (0.0, 1.0), "mu": (0.0, _INF),
    "t": (-1.0, 1.0), "that": (-_INF, _INF), "phat": (-_INF, _INF), "c12": (-1.0, 1.0),
    "chat12": (-1.0, 1.0), "Qhat": (-_INF, _INF),
}


def standard_domains(order, **overrides):
    """Domains of the built-in constructions' order parameters (``overrides`` by name)."""
    out = []
    for s in order:
        d = overrides.get(s.name, STANDARD_DOMAINS.get(s.name))
        if d is None:
            raise ModelError(f"no domain declared for the order parameter {s.name!r}")
        out.append(tuple(float(v) for v in d))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class FreeEntropy:
    """A free entropy phi(order parameters; controls) as SymPy expressions.

    Attributes
    ----------
    ansatz : str
        ``"rs"`` (``"1rsb"`` later).
    order_params : tuple of sympy.Symbol
        The unknowns of the saddle point, in a fixed order (the kernels' argument order).
    controls : tuple of sympy.Symbol
        ``alpha`` first, then the channel parameters sorted by name.
    parts : tuple of sympy.Expr
        Additive parts (entropic, energetic); phi = sum(parts).  The residual of a saddle
        point is reported relative to the size of the parts' gradients.
    differentiated : tuple of sympy.Symbol, optional
        The controls whose derivatives (of phi and of the gradient) the kernels evaluate;
        default all of them.  The Franz-Parisi construction differentiates only in
        (alpha, p): the reference's parameters are inputs, not continuation parameters.
    domains : tuple of (float, float)
        The open interval of each order parameter (infinite ends allowed); the solvers never
        step outside.
    name : str
        A label for results and messages.
    strategies : tuple
        Fallbacks the solver tries when Newton from the start fails (see
        :mod:`replica.strategies`), in order.
    start : callable or dict, optional
        Default starting point: a dict name -> value, or ``start(names, x0) -> dict`` filling
        in the values ``x0`` does not give.  Default: the middle of each bounded domain.
    """

    ansatz: str
    order_params: tuple
    controls: tuple
    parts: tuple
    differentiated: tuple = None
    domains: tuple = None
    name: str = ""
    strategies: tuple = ()
    start: object = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        if self.domains is None:
            object.__setattr__(self, "domains", standard_domains(self.order_params))
        _check_declaration(self)

    @cached_property
    def key(self) -> str:
        """Content hash of the expressions, names and domains (the cache key of its kernels)."""
        h = hashlib.sha256()
        for part in (self.ansatz, [sp.srepr(p) for p in self.parts],
                     [sp.srepr(s) for s in self.order_params],
                     [sp.srepr(s) for s in self.controls],
                     [sp.srepr(s) for s in self.diff_controls], self.domains):
            h.update(repr(part).encode())
        return h.hexdigest()[:24]

    @property
    def phi(self):
        return sp.Add(*self.parts)

    @cached_property
    def part_gradients(self):
        """d part / d theta_i for each part, shape (n_parts, n)."""
        return tuple(tuple(sp.diff(pt, t) for t in self.order_params) for pt in self.parts)

    @cached_property
    def gradient(self):
        return tuple(sp.Add(*[g[i] for g in self.part_gradients])
                     for i in range(len(self.order_params)))

    @cached_property
    def hessian(self):
        n = len(self.order_params)
        return tuple(tuple(sp.diff(self.gradient[i], self.order_params[j]) for j in range(n))
                     for i in range(n))

    @cached_property
    def control_derivatives(self):
        """d gradient_i / d control_k, shape (n, n_differentiated_controls)."""
        return tuple(tuple(sp.diff(g, c) for c in self.diff_controls) for g in self.gradient)

    def kernel_outputs(self):
        """Flat list of the expressions one kernel call evaluates, and the layout.

        Layout: phi; gradient of each part (n each); Hessian (n*n, row-major);
        control derivatives (n*n_controls, row-major); d phi/d control (n_controls).
        """
        out = [self.phi]
        for g in self.part_gradients:
            out.extend(g)
        for row in self.hessian:
            out.extend(row)
        for row in self.control_derivatives:
            out.extend(row)
        out.extend(self.phi_control_gradient)
        return out

    @cached_property
    def phi_control_gradient(self):
        """d phi / d control_k (at a saddle point, the total derivative: envelope theorem)."""
        return tuple(sp.diff(self.phi, c) for c in self.diff_controls)

    @property
    def diff_controls(self):
        """The differentiated controls (all controls unless ``differentiated`` is given)."""
        return self.controls if self.differentiated is None else self.differentiated


def model_controls(prior, channel, head=(alpha,)):
    """The controls of a prior x channel free entropy: ``head``, then every parameter of the
    channel and of the prior, sorted by name (one control per name)."""
    byname = {}
    for s in tuple(channel.params) + tuple(prior.params):
        other = byname.setdefault(s.name, s)
        if other != s:
            raise ModelError(f"the channel {channel.name!r} and the prior {prior.name!r} use "
                             f"two different symbols named {s.name!r}")
    return tuple(head) + tuple(byname[k] for k in sorted(byname))


_START = {"q": 0.5, "q0": 0.3, "q1": 0.7, "m": 0.5, "mu": 3.0}


def perceptron_start(prior):
    """Default start of the perceptron's free entropies: q = Q0/2 (q0, q1 = 0.3, 0.7 of Q0), the
    conjugates from the spherical relation qhat = q/(Q0 - q)^2, Qhat = -qhat."""
    lo_hi = prior.domains.get("Q")
    q_norm = float(prior.norm) if prior.norm is not None else (
        0.5 * (lo_hi[0] + lo_hi[1]) if lo_hi and math.isfinite(lo_hi[1]) else 1.0)

    def start(names, x0):
        qn = float(x0.get("Q", q_norm))
        guess = {"Q": qn}
        for nm in names:
            if nm in x0:
                guess[nm] = float(x0[nm])
            elif nm in _START:
                guess[nm] = _START[nm] * (qn if nm.startswith("q") else 1.0)
        for nm in names:
            if nm.startswith("qhat") and nm not in x0:
                qv = guess["q" + nm[4:]]
                guess[nm] = qv / (qn - qv) ** 2
        if "Qhat" in names and "Qhat" not in x0:
            guess["Qhat"] = -guess.get("qhat", guess.get("qhat1", 1.0))
        return guess

    return start


def _perceptron_strategies():
    from .strategies import Bracket, ConjugateFixedPoint, Homotopy
    return (Bracket(), Homotopy("alpha"), ConjugateFixedPoint())


def rs_free_entropy(prior, channel) -> FreeEntropy:
    """phi_RS = G_prior + alpha E_z ln Z_out(sqrt(q) z, Q - q) for a prior and a channel.

    Notes
    -----
    Q is the prior's fixed norm (1 for spherical and binary weights) or its order parameter.
    The channel's kinks t_k (values of Delta where its weight jumps) become quadrature hints
    of the z-average at z = t_k/sqrt(q) with width sqrt((Q-q)/q).

    References
    ----------
    E. Gardner, J. Phys. A 21, 257 (1988); E. Gardner and B. Derrida, J. Phys. A 21, 271 (1988).
    """
    sq = sp.sqrt(q)
    var = prior.norm_value - q
    width = sp.sqrt(var) / sq
    points = [(t / sq, width) for t in channel.kinks]
    energetic = alpha * GaussAvg(channel.log_zout.subs({omega: sq * z, V: var}), z, points)
    order = (q,) + tuple(prior.extra_params)
    return FreeEntropy("rs", order, model_controls(prior, channel), (prior.rs_term, energetic),
                       domains=standard_domains(order, **prior.domains),
                       name=f"perceptron[{prior.name}, {channel.name}]",
                       strategies=_perceptron_strategies(), start=perceptron_start(prior))


def rsb1_free_entropy(prior, channel, *, optimize_m=False) -> FreeEntropy:
    """One-step RSB free entropy of a prior x channel model.

    phi_1RSB = G_prior^1RSB(q0, q1, m, ...) + (alpha/m) E_z0 ln E_z1 Z_out(omega, Q - q1)^m,
    omega = sqrt(q0) z0 + sqrt(q1 - q0) z1.

    Parameters
    ----------
    optimize_m : bool
        False: m is a control parameter (fixed by the user, complexity curves); True: m is an
        order parameter, determined by d phi/d m = 0.

    Notes
    -----
    The inner average is a :class:`~replica.gauss.LogAvgExp` (max-shifted, no underflow of
    Z_out^m).  At q0 = q1 the expression reduces to phi_RS(q1); at m = 1 to phi_RS(q0)
    (Gaussian convolution of Z_out); both identities are tested at high precision.

    References
    ----------
    W. Krauth and M. Mezard, J. Phys. France 50, 3057 (1989); M. Mezard, G. Parisi and
    M. A. Virasoro, Spin Glass Theory and Beyond (World Scientific, 1987).
    """
    if prior.rsb1_term is None:
        raise ModelError(f"prior {prior.name!r} has no 1RSB term")
    dq = sp.sqrt(q1 - q0)
    omega_ = sp.sqrt(q0) * z0 + dq * z1
    log_zout = channel.log_zout
    if log_zout.has(y):  # a nested numerical channel average: rename its variable
        log_zout = log_zout.xreplace({y: sp.Symbol("y1", real=True)})
    var = prior.norm_value - q1
    lz = log_zout.subs({omega: omega_, V: var})
    inner_pts = [((t - sp.sqrt(q0) * z0) / dq, sp.sqrt(var) / dq) for t in channel.kinks]
    outer_pts = [(t / sp.sqrt(q0), sp.sqrt(prior.norm_value - q0) / sp.sqrt(q0))
                 for t in channel.kinks]
    energetic = alpha * GaussAvg(LogAvgExp(m * lz, z1, inner_pts), z0, outer_pts) / m
    order = (q0, q1) + tuple(prior.rsb1_extra)
    if optimize_m:
        order = order + (m,)
        controls = model_controls(prior, channel)
    else:
        controls = model_controls(prior, channel, (alpha, m))
    return FreeEntropy("1rsb", order, controls, (prior.rsb1_term, energetic),
                       domains=standard_domains(order, **prior.domains),
                       name=f"perceptron[{prior.name}, {channel.name}]",
                       start=perceptron_start(prior))


def _integration_variables(expr):
    return {a.var for a in sp.sympify(expr).atoms(*AVERAGES)}


def _check_declaration(fe):
    """Every free symbol declared once; names unique; domains open intervals."""
    where = f"free entropy {fe.name or fe.ansatz!r}"
    for s in tuple(fe.order_params) + tuple(fe.controls):
        if not isinstance(s, sp.Symbol):
            raise ModelError(f"{where}: {s!r} is not a SymPy Symbol")
    names = [s.name for s in fe.order_params] + [s.name for s in fe.controls]
    dup = sorted({nm for nm in names if names.count(nm) > 1})
    if dup:
        raise ModelError(f"{where}: the names {dup} are used more than once among the order "
                         f"parameters {[s.name for s in fe.order_params]} and the controls "
                         f"{[s.name for s in fe.controls]}")
    if len(fe.domains) != len(fe.order_params):
        raise ModelError(f"{where}: {len(fe.domains)} domains for "
                         f"{len(fe.order_params)} order parameters")
    for s, (lo, hi) in zip(fe.order_params, fe.domains):
        if math.isnan(lo) or math.isnan(hi) or not lo < hi or lo == _INF or hi == -_INF:
            raise ModelError(f"{where}: the domain ({lo}, {hi}) of {s.name!r} is not an open "
                             "interval lo < hi")
    declared = set(fe.order_params) | set(fe.controls)
    phi = sp.Add(*fe.parts)
    stray = phi.free_symbols - declared
    if stray:
        raise ModelError(f"{where}: the symbols {sorted(map(str, stray))} are neither order "
                         "parameters nor controls; declare them")
    bound = _integration_variables(phi)
    clash = sorted(s.name for s in bound if s in declared)
    if clash:
        raise ModelError(f"{where}: {clash} are integration variables of an average and cannot "
                         "be order parameters or controls")
    unused = [s.name for s in fe.order_params if s not in phi.free_symbols]
    if unused:
        raise ModelError(f"{where}: phi does not depend on the order parameters {unused}")
    if fe.differentiated is not None:
        extra = [s.name for s in fe.differentiated if s not in fe.controls]
        if extra:
            raise ModelError(f"{where}: differentiated controls {extra} are not controls")


def _as_symbol(s, what):
    if isinstance(s, sp.Symbol):
        return s
    if isinstance(s, str) and s.isidentifier():
        return sp.Symbol(s, real=True)
    raise ModelError(f"{what}: {s!r} is neither a SymPy Symbol nor a name")


def free_entropy(phi, order_params, controls=(), *, name=None, strategies=None, start=None,
                 parts=None) -> FreeEntropy:
    """A free entropy from its SymPy expression: the raw entry point of the engine.

    Parameters
    ----------
    phi : sympy.Expr
        phi(order parameters; controls).  It may contain the engine's Gaussian averages
        (:class:`~replica.gauss.GaussAvg` and friends) and special functions.
    order_params : dict
        Symbol (or name) -> (lo, hi), the open interval in which the order parameter lives
        (``float("inf")`` ends allowed).  The order of the dict is the order of the unknowns.
    controls : sequence of Symbol or str
        The parameters given to :func:`~replica.solve` by name (temperatures, loads, ...).
    name : str, optional
    strategies : sequence, optional
        Fallbacks for the solver (:mod:`replica.strategies`); default: bracketing when there
        is a single bounded order parameter, none otherwise.
    start : dict or callable, optional
        Default starting point (else the middle of each bounded domain, lo + 1 or 0 for
        unbounded ones).
    parts : sequence of sympy.Expr, optional
        Additive parts of phi (sum(parts) == phi) whose gradients set the scale of the
        residual; default the single part phi.

    Returns
    -------
    FreeEntropy

    Raises
    ------
    ModelError
        An undeclared free symbol, a name used twice, a symbol that is both an order parameter
        and a control, a domain that is not an open interval, an order parameter phi does not
        depend on.

    Examples
    --------
    The static 1RSB free entropy of the pure spherical 3-spin glass (Crisanti and Sommers):

    >>> import sympy as sp
    >>> q, m, beta = sp.symbols("q m beta", positive=True)
    >>> phi = (beta**2 / 2 * (sp.Rational(1, 2) - (1 - m) * q**3 / 2)
    ...        + (m - 1) / (2 * m) * sp.log(1 - q) + sp.log(1 - (1 - m) * q) / (2 * m))
    >>> fe = free_entropy(phi, {q: (0, 1), m: (0, 1)}, [beta])
    """
    from . import strategies as _strategies

    where = f"free entropy {name!r}" if name else "free_entropy"
    if parts is None:
        try:
            phi = sp.sympify(phi)
        except (sp.SympifyError, TypeError) as err:
            raise ModelError(f"{where}: phi is not a SymPy expression: {err}") from None
        parts = (phi,)
    else:
        parts = tuple(sp.sympify(p) for p in parts)
        if phi is not None and sp.simplify(sp.Add(*parts) - sp.sympify(phi)) != 0:
            raise ModelError(f"{where}: the parts do not add up to phi")
    if not isinstance(order_params, dict) or not order_params:
        raise ModelError(f"{where}: order_params must be a non-empty dict "
                         "{symbol: (lo, hi)}")
    order, domains = [], []
    for s, dom in order_params.items():
        s = _as_symbol(s, where)
        try:
            lo, hi = (float(v) for v in dom)
        except (TypeError, ValueError):
            raise ModelError(f"{where}: the domain of {s.name!r} must be a pair (lo, hi), "
                             f"got {dom!r}") from None
        order.append(s)
        domains.append((lo, hi))
    if isinstance(controls, (str, sp.Symbol)):
        controls = [controls]
    ctrl = tuple(_as_symbol(c, where) for c in controls)
    # a name (or a same-named symbol with other assumptions) resolves to the symbol of phi
    byname = {}
    for s in set().union(*[p.free_symbols for p in parts]):
        if s.name in byname:
            raise ModelError(f"{where}: two different symbols are named {s.name!r} in phi "
                             f"({sp.srepr(s)} and {sp.srepr(byname[s.name])})")
        byname[s.name] = s
    order = [byname.get(s.name, s) for s in order]
    ctrl = tuple(byname.get(s.name, s) for s in ctrl)
    if strategies is None:
        bounded = len(order) == 1 and all(math.isfinite(v) for v in domains[0])
        strategies = (_strategies.Bracket(),) if bounded else ()
    return FreeEntropy("custom", tuple(order), ctrl, parts, domains=tuple(domains),
                       name=name or "free entropy", strategies=tuple(strategies), start=start)
