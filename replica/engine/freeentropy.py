"""The free-entropy layer: a SymPy expression, its order parameters with domains, its controls.

Every equation the solvers use is an exact symbolic derivative of phi: the gradient in the
order parameters (stationarity), the Hessian (Newton's Jacobian) and the derivative of the
gradient with respect to each control parameter (continuation tangents).  A user's free entropy
comes in through :func:`free_entropy`; systems build :class:`FreeEntropy` objects from their
parts (the perceptron's prior x channel in :mod:`replica.perceptron.builders`).
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from .printing import supported_functions, unsupported_functions
from .errors import ModelError
from .gauss import AVERAGES
from .replicon import Replicon

__all__ = ["FreeEntropy", "free_entropy"]

_INF = float("inf")

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
    strategies : tuple or None
        Fallbacks the solver tries when Newton from the start fails (see
        :mod:`replica.strategies`), in order; None: the engine's default
        (:func:`replica.engine.problem.default_strategies`: bracketing for one bounded order
        parameter).
    start : callable or dict, optional
        Default starting point: a dict name -> value, or ``start(names, x0) -> dict`` filling
        in the values ``x0`` does not give.  Default: the middle of each bounded domain.
    replicon : replica.engine.replicon.Replicon, optional
        The replicon eigenvalue of an RS free entropy (for ``replica.stability`` and
        ``replica.at_line``); not part of the content key (it does not change the kernel).
    """

    ansatz: str
    order_params: tuple
    controls: tuple
    parts: tuple
    differentiated: tuple = None
    domains: tuple = None
    name: str = ""
    strategies: tuple | None = ()
    start: object = None
    replicon: object = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        if self.domains is None:
            raise ModelError(f"free entropy {self.name or self.ansatz!r}: declare the domains of "
                             f"its order parameters {[s.name for s in self.order_params]}")
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
        """d^2 phi / d theta_i d theta_j, differentiated once per pair i <= j: the entry below
        the diagonal is the same expression (the kernel evaluates it once; mixed partials of
        the averages commute, tests/replica/test_derivatives.py checks both orders)."""
        n = len(self.order_params)
        h = [[None] * n for _ in range(n)]
        for i in range(n):
            for j in range(i, n):
                h[i][j] = h[j][i] = sp.diff(self.gradient[i], self.order_params[j])
        return tuple(tuple(row) for row in h)

    @cached_property
    def control_derivatives(self):
        """d gradient_i / d control_k, shape (n, n_differentiated_controls)."""
        return tuple(tuple(sp.diff(g, c) for c in self.diff_controls) for g in self.gradient)

    def kernel_outputs(self):
        """Flat list of the expressions one kernel call evaluates, and the layout.

        Layout: phi; gradient of each part (n each); Hessian (n*n, row-major);
        control derivatives (n*n_controls, row-major); d phi/d control (n_controls); the
        value of each part (their sizes bound the rounding error of phi where they cancel).
        """
        out = [self.phi]
        for g in self.part_gradients:
            out.extend(g)
        for row in self.hessian:
            out.extend(row)
        for row in self.control_derivatives:
            out.extend(row)
        out.extend(self.phi_control_gradient)
        out.extend(self.parts)
        return out

    @cached_property
    def phi_control_gradient(self):
        """d phi / d control_k (at a saddle point, the total derivative: envelope theorem)."""
        return tuple(sp.diff(self.phi, c) for c in self.diff_controls)

    @property
    def diff_controls(self):
        """The differentiated controls (all controls unless ``differentiated`` is given)."""
        return self.controls if self.differentiated is None else self.differentiated


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
                 parts=None, replicon=None) -> FreeEntropy:
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
    replicon : replica.engine.replicon.Replicon or sympy.Expr, optional
        The replicon eigenvalue of this RS free entropy in its order parameters and
        controls (positive where RS is locally stable), for ``replica.stability`` and
        ``replica.at_line``.
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
    if replicon is not None and not isinstance(replicon, Replicon):
        replicon = Replicon(replicon)
    fe = FreeEntropy("custom", tuple(order), ctrl, parts, domains=tuple(domains),
                     name=name or "free entropy",
                     strategies=None if strategies is None else tuple(strategies),
                     start=start, replicon=replicon)
    bad = unsupported_functions(parts)  # and their derivatives, function by function
    if bad:
        raise ModelError(f"{where}: the functions {bad} (in phi or in the derivatives the "
                         "solver needs) cannot be compiled; supported: "
                         f"{', '.join(supported_functions())}")
    return fe
