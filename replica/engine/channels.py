"""Constraint channels (the energetic blocks), built from a weight written in SymPy.

A channel is defined by its weight w(Delta) >= 0 on the stability Delta = w.xi/sqrt(N): the
indicator theta(Delta - kappa) of the margin constraint, a Gibbs weight exp(-beta * loss), ...
Its RS contribution is alpha E_z ln Z_out(sqrt(q) z, 1 - q) with

    Z_out(omega, V) = int Dy w(omega + sqrt(V) y).

``channel(weight)`` derives Z_out itself:

* weights that are sums of positive multiples of half-line indicators theta(a Delta + b) (after
  rewriting theta(|L| - c) and functions f(theta) of a single indicator) are integrated
  analytically: int Dy theta(A + B y) = H(-A/|B|), and ln Z_out is written with the tail-stable
  ``logH`` and ``LogAddExp`` (no underflow at large arguments);
* any other weight is averaged numerically: ln Z_out = ln E_y[w(omega + sqrt(V) y)], a nested
  Gaussian average evaluated by Gauss-Hermite.  Its derivatives still come from ``sympy.diff``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from .errors import ModelError
from .printing import supported_functions, unsupported_functions
from .names import check_unreserved
from .gauss import GaussAvg
from .special import NUMPY_IMPLEMENTATIONS, LogAddExp, LogHDiff, logH
from .symbols import Delta, V, kappa, omega, y

__all__ = ["Channel", "HalfLine", "channel", "margin"]


@dataclass(frozen=True)
class HalfLine:
    """A term c * theta(a Delta + b) of a piecewise-constant weight (a = 0: the constant c)."""

    c: sp.Expr
    a: sp.Expr
    b: sp.Expr


@dataclass(frozen=True)
class Channel:
    """An energetic block.

    Attributes
    ----------
    name : str
    weight : sympy.Expr
        The user's weight w(Delta).
    params : tuple of sympy.Symbol
        Parameters of the weight (everything but ``Delta``), sorted by name.
    log_zout : sympy.Expr
        ln Z_out(omega, V) in the symbols ``omega`` and ``V``.
    kinks : tuple of sympy.Expr
        Values of Delta where the weight jumps (quadrature hints).
    halflines : tuple of HalfLine or None
        The analytic decomposition, None for a numerically averaged weight.
    """

    name: str
    weight: sp.Expr
    params: tuple
    log_zout: sp.Expr
    kinks: tuple
    halflines: tuple | None

    @property
    def key(self) -> str:
        """A structural identity of the channel (name and weight), for caches."""
        k = self.__dict__.get("_key")
        if k is None:
            k = f"{self.name}|{sp.srepr(self.weight)}"
            object.__setattr__(self, "_key", k)
        return k

    @property
    def analytic(self) -> bool:
        return self.halflines is not None

    def feasible_halflines(self, values):
        """The half-lines where the weight is positive, at numeric parameter values.

        Returns a list of ``('all', None)``, ``('right', t)`` (Delta > t) or ``('left', t)``
        (Delta < t).  Raises ModelError for a weight that is not piecewise constant.
        """
        if self.halflines is None:
            raise ModelError(f"channel {self.name!r}: the feasible set of a smooth weight is "
                             "not defined; the q -> 1 capacity needs a hard constraint")
        subs = {s: values[s.name] for s in self.params}
        out = []
        for hl in self.halflines:
            c = float(hl.c.subs(subs))
            if c <= 0.0:
                continue
            a = float(hl.a.subs(subs))
            if a == 0.0:
                out.append(("all", None))
            else:
                t = float((-hl.b / hl.a).subs(subs))
                out.append(("right", t) if a > 0 else ("left", t))
        return out


def _linear_in_delta(g, where):
    a = sp.diff(g, Delta)
    if Delta in a.free_symbols:
        raise ModelError(f"{where}: the argument {g} of a Heaviside is not linear in Delta")
    if a == 0:
        raise ModelError(f"{where}: the Heaviside argument {g} does not depend on Delta")
    if not (a.is_positive or a.is_negative):
        raise ModelError(f"{where}: the sign of the coefficient {a} of Delta in {g} is unknown; "
                         "declare its symbols positive or negative")
    return a, sp.expand(g - a * Delta)


def _rewrite_abs(w, where):
    def repl(h):
        g = h.args[0]
        absatoms = [t for t in g.atoms(sp.Abs) if Delta in t.free_symbols]
        if not absatoms:
            return h
        if len(absatoms) > 1:
            raise ModelError(f"{where}: more than one |.| inside {h} is not supported")
        A = absatoms[0]
        d = sp.Dummy("absval")
        gd = g.subs(A, d)
        coeff = sp.diff(gd, d)
        rest = sp.expand(gd - coeff * d)
        if Delta in coeff.free_symbols or not coeff.is_positive:
            raise ModelError(f"{where}: write the constraint as Heaviside(|L| - c), got {h}")
        c = -rest / coeff
        if not c.is_nonnegative:
            raise ModelError(
                f"{where}: Heaviside(|L| - c) is a union of two half-lines only for c >= 0; "
                f"declare the symbols of c = {c} nonnegative, e.g. "
                "sympy.Symbol('kappa', nonnegative=True)")
        L = A.args[0]
        return sp.Heaviside(L - c) + sp.Heaviside(-L - c)

    return w.replace(lambda e: isinstance(e, sp.Heaviside), repl)


def _decompose(w, where):
    """w as a sum of HalfLine terms, or None when w is not piecewise constant."""
    w = _rewrite_abs(w, where)
    heavis = sorted({h for h in w.atoms(sp.Heaviside) if Delta in h.free_symbols}, key=sp.srepr)
    if not heavis:
        return None
    probe = w
    for i, h in enumerate(heavis):
        probe = probe.subs(h, sp.Symbol(f"_theta{i}"))
    if Delta in probe.free_symbols:
        return None  # Delta appears outside indicators: smooth part, average numerically
    thetas = [sp.Symbol(f"_theta{i}") for i in range(len(heavis))]
    terms = []
    if len(heavis) == 1:
        g = heavis[0].args[0]
        a, b = _linear_in_delta(g, where)
        f0 = sp.simplify(probe.subs(thetas[0], 0))
        f1 = sp.simplify(probe.subs(thetas[0], 1))
        terms = [HalfLine(f1, a, b), HalfLine(f0, -a, -b)]
    else:
        expanded = sp.expand(probe)
        for t in sp.Add.make_args(expanded):
            present = [th for th in thetas if th in t.free_symbols]
            if len(present) > 1:
                raise ModelError(f"{where}: products of several indicators (bounded intervals) "
                                 f"are not integrated analytically: {w}")
            if not present:
                terms.append(HalfLine(t, sp.S.Zero, sp.S.One))
                continue
            th = present[0]
            c = sp.simplify(t / th)
            if th in c.free_symbols:
                raise ModelError(f"{where}: nonlinear function of an indicator in {w}")
            a, b = _linear_in_delta(heavis[thetas.index(th)].args[0], where)
            terms.append(HalfLine(c, a, b))
    out = []
    for t in terms:
        if t.c == 0:
            continue
        if t.c.is_negative or t.c.is_nonnegative is False:
            raise ModelError(f"{where}: the weight has a negative coefficient {t.c}")
        out.append(t)
    if not out:
        raise ModelError(f"{where}: the weight {w} vanishes identically")
    return tuple(out)


def channel(weight, *, name=None) -> Channel:
    """Build a channel from its weight w(Delta), a SymPy expression in ``replica.symbols.Delta``.

    Parameters
    ----------
    weight : sympy.Expr
        w(Delta) >= 0.  Its other free symbols become the channel's parameters (their values
        are given to the model by name, e.g. ``kappa=0.5``).
    name : str, optional

    Returns
    -------
    Channel

    Raises
    ------
    ModelError
        If the weight does not depend on Delta, uses the reserved symbols of the engine, or
        cannot be integrated.

    Notes
    -----
    Piecewise-constant weights sum_k c_k theta(a_k Delta + b_k) give
    Z_out = sum_k c_k H(-(a_k omega + b_k)/(|a_k| sqrt V)) and
    ln Z_out = LogAddExp_k (ln c_k + logH(.)).  Other weights give the nested average
    ln E_y w(omega + sqrt(V) y).

    Examples
    --------
    The symmetric ("u-function") binary perceptron |Delta| >= kappa (Aubin, Perkins and
    Zdeborova, J. Phys. A 52, 294003 (2019)):

    >>> import sympy as sp
    >>> from replica.symbols import Delta
    >>> K = sp.Symbol("kappa", nonnegative=True)
    >>> ch = channel(sp.Heaviside(sp.Abs(Delta) - K), name="u-function")
    """
    try:
        w = sp.sympify(weight)
    except (sp.SympifyError, TypeError) as err:
        raise ModelError(f"channel {name or weight!r}: the weight is not a SymPy expression "
                         f"({err})") from None
    key = (sp.srepr(w), name)
    cached = _BY_CONTENT.get(key)
    if cached is None:
        cached = _BY_CONTENT[key] = _build_channel(w, name)
    return cached


#: Channels by the content of their weight (and name): derived and checked once per process.
_BY_CONTENT = {}


def _build_channel(w, name):
    where = f"channel {name or w}"
    if Delta not in w.free_symbols:
        raise ModelError(f"{where}: the weight must depend on replica.symbols.Delta, "
                         f"got free symbols {sorted(map(str, w.free_symbols))}")
    check_unreserved([s.name for s in w.free_symbols if s != Delta], where)
    params = tuple(sorted(w.free_symbols - {Delta}, key=lambda s: s.name))
    names = [s.name for s in params]
    if len(set(names)) != len(names):
        raise ModelError(f"{where}: two different symbols share a name in {names}")
    try:
        halflines = _decompose(w, where)
        err = None
    except ModelError as e:  # e.g. a product of indicators: maybe piecewise all the same
        halflines, err = None, e
    pieces = None if halflines is not None else _pieces(w, where)
    if err is not None and pieces is None:
        raise err
    if halflines is not None:
        logs, kinks = [], []
        for hl in halflines:
            if hl.a == 0:
                logs.append(sp.log(hl.c))
                continue
            x = -(hl.a * omega + hl.b) / (sp.Abs(hl.a) * sp.sqrt(V))
            logs.append(sp.log(hl.c) + logH(sp.simplify(x)))
            kinks.append(sp.simplify(-hl.b / hl.a))
        log_zout = logs[0]
        for extra in logs[1:]:
            log_zout = LogAddExp(log_zout, extra)
        kinks = tuple(dict.fromkeys(kinks))
    elif pieces is not None:
        log_zout, kinks = _pieces_log_zout(pieces)
    else:
        kinked = _kink_atoms(w)
        if kinked:
            raise ModelError(
                f"{where}: {kinked[0]} makes the weight non-smooth, and its pieces are not all "
                "of the form exp(a + b Delta + c Delta^2) (c <= 0) between kinks linear in "
                "Delta, which are integrated exactly; the nested Gaussian average of a kinked "
                "weight is not integrated to the engine's accuracy, so it is not attempted")
        log_zout = sp.log(GaussAvg(w.subs(Delta, omega + sp.sqrt(V) * y), y))
        kinks = ()
    _check_compilable(log_zout, params, where)
    _check_nonnegative(w, params, where)
    return Channel(name or str(w), w, params, log_zout, kinks, halflines)


def _check_compilable(log_zout, params, where):
    """Refuse a weight whose ln Z_out, or the derivatives of its functions the solver needs
    (the gradient, Newton's Jacobian, the continuation's control derivatives), contain a
    function the kernels cannot compile, naming it and listing what is supported."""
    bad = unsupported_functions([log_zout])
    if bad:
        raise ModelError(f"{where}: the functions {bad} (in the weight or in the derivatives "
                         "the solver needs) cannot be compiled; supported: "
                         f"{', '.join(supported_functions())}")


#: Parameter values at which :func:`_check_nonnegative` probes a weight.
_PROBE_VALUES = (0.3, 1.0, 2.5, -0.7)


def _check_nonnegative(w, params, where):
    """Refuse a weight found negative on a grid of Delta in [-8, 8] at a few parameter values
    (respecting their assumptions): a constraint weight is a probability or an indicator.
    A value found is a certificate; a weight that is negative elsewhere is caught by the
    solver (a NaN in ln Z_out)."""
    if w.is_nonnegative:
        return
    grid = np.linspace(-8.0, 8.0, 161)
    f = sp.lambdify((Delta,) + tuple(params), w, modules=[NUMPY_IMPLEMENTATIONS, "numpy",
                                                          "scipy"])
    for value in _PROBE_VALUES:
        vals = [value if (value > 0 or not s.is_positive) and
                (value < 0 or not s.is_negative) and (value >= 0 or not s.is_nonnegative)
                else abs(value) for s in params]
        with np.errstate(all="ignore"):
            out = np.broadcast_to(np.asarray(f(grid, *vals), dtype=float), grid.shape)
        top = np.nanmax(np.abs(out[np.isfinite(out)]), initial=0.0)
        neg = np.flatnonzero(np.isfinite(out) & (out < -1e-12 * max(top, 1.0)))
        if neg.size:
            i = int(neg[0])
            at = ", ".join([f"Delta={grid[i]:g}"] + [f"{s.name}={v:g}" for s, v in
                                                      zip(params, vals)])
            raise ModelError(f"{where}: the weight is negative ({out[i]:.4g} at {at}); a "
                             "constraint weight must be >= 0 (an indicator, a probability or a "
                             "Boltzmann factor)")


_KINK_TYPES = (sp.Heaviside, sp.Piecewise, sp.Max, sp.Min, sp.Abs, sp.sign, sp.DiracDelta,
               sp.floor, sp.ceiling)


def _kink_atoms(w):
    """Sub-expressions of w that are non-smooth in Delta."""
    return sorted((a for a in w.atoms(*_KINK_TYPES) if Delta in a.free_symbols), key=str)


def _rel_truth(rel, sign):
    """Truth of ``rel`` (lhs REL rhs) where lhs - rhs has the given sign (+1/-1)."""
    if isinstance(rel, sp.Eq):
        return sp.false
    if isinstance(rel, sp.Ne):
        return sp.true
    if isinstance(rel, (sp.StrictLessThan, sp.LessThan)):
        return sp.true if sign < 0 else sp.false
    return sp.true if sign > 0 else sp.false


def _order(ts, where):
    """Sort symbolic kinks; each pair must have a known order (from the symbols' assumptions)."""
    out = []
    for t in ts:
        k = 0
        while k < len(out):
            d = sp.simplify(t - out[k])
            if d.is_nonpositive:
                break
            if not d.is_nonnegative:
                raise ModelError(f"{where}: cannot order the kinks {out[k]} and {t} of the weight; "
                                 "declare the signs of their symbols (e.g. nonnegative=True)")
            k += 1
        out.insert(k, t)
    return out


def _pieces(w, where):
    """w as pieces exp(a + b Delta + c Delta^2) on intervals between kinks linear in Delta.

    Returns a list of (lo, hi, a, b, c) (lo/hi may be -oo/oo), or None when w is not of this
    form (then it is either smooth and averaged numerically, or rejected).
    """
    w1 = sp.piecewise_fold(w.rewrite(sp.Piecewise))
    rels = [r for r in w1.atoms(sp.core.relational.Relational) if Delta in r.free_symbols]
    info = {}
    for r in rels:
        if isinstance(r, (sp.Eq, sp.Ne)):
            info[r] = None
            continue
        g = sp.expand(r.lhs - r.rhs)
        c = sp.diff(g, Delta)
        if Delta in c.free_symbols or c == 0 or not (c.is_positive or c.is_negative):
            return None  # a kink not linear in Delta, or of unknown orientation
        info[r] = (sp.simplify(-(g - c * Delta) / c), 1 if c.is_positive else -1)
    ts = _order(list(dict.fromkeys(v[0] for v in info.values() if v is not None)), where)
    edges = [-sp.oo] + ts + [sp.oo]
    out = []
    for k in range(len(edges) - 1):
        lo, hi = edges[k], edges[k + 1]
        subs = {}
        for r, v in info.items():
            if v is None:
                subs[r] = _rel_truth(r, 0)
                continue
            t, orient = v
            side = 1 if ts.index(t) < k else -1  # Delta > t on the interval, or Delta < t
            subs[r] = _rel_truth(r, side * orient)
        piece = sp.piecewise_fold(w1.xreplace(subs))
        if piece == 0:
            continue
        if piece.has(sp.Piecewise) or any(True for _ in _kink_atoms(piece)):
            return None
        L = sp.expand(sp.expand_log(sp.log(piece), force=True))
        if not L.is_polynomial(Delta) or sp.degree(L, Delta) > 2:
            return None
        a, b, c = (L.coeff(Delta, j) if j else L.subs(Delta, 0) for j in (0, 1, 2))
        if not (c.is_nonpositive or (not c.free_symbols and c <= 0)):
            return None
        if lo == hi:
            continue
        out.append((lo, hi, sp.simplify(a), sp.simplify(b), sp.simplify(c)))
    return out or None


def _pieces_log_zout(pieces):
    """ln Z_out = ln sum_k int_{interval k} Dy exp(a + b D + c D^2), D = omega + sqrt(V) y.

    With A = 1 - 2 c V, B = (b + 2 c omega) sqrt(V) and u = sqrt(A) y - B/sqrt(A), each piece
    is a + b omega + c omega^2 - ln(A)/2 + B^2/(2A) + ln P(u_lo < z < u_hi).
    """
    terms, kinks = [], []
    sv = sp.sqrt(V)
    for lo, hi, a, b, c in pieces:
        A = 1 - 2 * c * V
        B = (b + 2 * c * omega) * sv
        sa = sp.sqrt(A)

        def u(t):
            return sa * (t - omega) / sv - B / sa
        const = a + b * omega + c * omega**2 - sp.log(A) / 2 + B**2 / (2 * A)
        if lo == -sp.oo and hi == sp.oo:
            mass = sp.S.Zero
        elif lo == -sp.oo:
            mass = logH(-u(hi))
        elif hi == sp.oo:
            mass = logH(u(lo))
        else:
            mass = LogHDiff(u(lo), u(hi))
        terms.append(const + mass)
        kinks += [t for t in (lo, hi) if t.is_finite is not False and t not in (-sp.oo, sp.oo)]
    log_zout = terms[0]
    for t in terms[1:]:
        log_zout = LogAddExp(log_zout, t)
    return log_zout, tuple(dict.fromkeys(kinks))


def margin() -> Channel:
    """The margin constraint theta(Delta - kappa): ln Z_out = log H((kappa - omega)/sqrt V).

    References
    ----------
    E. Gardner, J. Phys. A 21, 257 (1988).
    """
    return channel(sp.Heaviside(Delta - kappa), name="margin")
