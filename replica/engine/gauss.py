"""The Gaussian average as a SymPy object that can be nested and differentiated.

``GaussAvg(f, z, points)`` stands for E_z f = int Dz f(z), Dz = exp(-z^2/2)/sqrt(2 pi) dz.
Differentiation with respect to any other symbol passes under the integral (the integrands of
the replica free entropies are smooth in the parameters and Gaussian-dominated), so
``sympy.diff`` of a free entropy written with ``GaussAvg`` gives the stationarity equations.

``points`` is a tuple of ``(center, scale)`` pairs: places where the integrand varies on a
scale much shorter than 1 (e.g. the kink of ln H((kappa - sqrt(q) z)/sqrt(1-q)) at
z = kappa/sqrt(q), of width sqrt((1-q)/q)).  They carry no meaning for the value; they tell the
quadrature (:mod:`replica.quadrature`) where to refine.  An average without points is smooth and
is evaluated by Gauss-Hermite.
"""
from __future__ import annotations

import sympy as sp

from .special import GH

__all__ = ["GaussAvg", "LogAvgExp", "TiltedAvg", "TruncAvg", "AVERAGES", "top_level_averages"]


def _points_tuple(points):
    return sp.Tuple(*[sp.Tuple(sp.sympify(c), sp.sympify(s)) for c, s in points])


class _Average(sp.Expr):
    """Common structure: ``args = (*bodies, var, points)``."""

    is_commutative = True
    _nbody = 1

    @property
    def var(self):
        return self.args[self._nbody]

    @property
    def points(self):
        return tuple((c, s) for c, s in self.args[self._nbody + 1])

    @property
    def free_symbols(self):
        # computed once per (immutable) average: the derivations ask it of every nested
        # average again and again (a third of the SymPy time of the Franz-Parisi kernels)
        syms = self.__dict__.get("_free_symbols")
        if syms is None:
            syms = set().union(*[b.free_symbols for b in self.args[:self._nbody]]) - {self.var}
            for c, s in self.points:
                syms |= c.free_symbols | s.free_symbols
            syms = self.__dict__["_free_symbols"] = frozenset(syms)
        return set(syms)

    def _eval_subs(self, old, new):
        if old == self.var:
            return self
        return None


class GaussAvg(_Average):
    """E_z[integrand] = int Dz integrand(z); nestable, differentiable under the integral.

    Parameters
    ----------
    integrand : sympy.Expr
    var : sympy.Symbol
        The integration variable (standard normal).
    points : sequence of (center, scale)
        Quadrature hints: locations and widths of steep features of the integrand.
    """

    def __new__(cls, integrand, var, points=()):
        integrand = sp.sympify(integrand)
        if not isinstance(var, sp.Symbol):
            raise TypeError(f"GaussAvg: integration variable must be a Symbol, got {var!r}")
        if var not in integrand.free_symbols:
            return integrand  # E_z[c] = c
        if integrand.is_Add:  # linearity keeps each average as small as possible
            return sp.Add(*[GaussAvg(t, var, points) for t in integrand.args])
        if integrand.is_Mul:
            const = [f for f in integrand.args if var not in f.free_symbols]
            if const:
                rest = [f for f in integrand.args if var in f.free_symbols]
                return sp.Mul(*const) * GaussAvg(sp.Mul(*rest), var, points)
        return sp.Expr.__new__(cls, integrand, var, _points_tuple(points))

    @property
    def integrand(self):
        return self.args[0]

    def _eval_derivative(self, s):
        if s == self.var:
            raise ValueError("cannot differentiate a Gaussian average by its own variable")
        return GaussAvg(sp.diff(self.integrand, s), self.var, self.points)

    def _sympystr(self, printer):
        return f"E_{printer._print(self.var)}[{printer._print(self.integrand)}]"


class LogAvgExp(_Average):
    """ln E_z[exp(g)], evaluated with a max shift (no underflow for g ~ -1000).

    The 1RSB free entropies contain (1/m) ln E_z1[Z^m] = (1/m) LogAvgExp(m ln Z, z1).  Its
    derivative is the tilted average: d/ds ln E[e^g] = E[g_s e^g]/E[e^g] = TiltedAvg(g_s, g).
    """

    def __new__(cls, g, var, points=()):
        g = sp.sympify(g)
        if var not in g.free_symbols:
            return g
        return sp.Expr.__new__(cls, g, var, _points_tuple(points))

    @property
    def exponent(self):
        return self.args[0]

    def _eval_derivative(self, s):
        return TiltedAvg(sp.diff(self.exponent, s), self.exponent, self.var, self.points)

    def _sympystr(self, printer):
        return f"logE_{printer._print(self.var)}[exp({printer._print(self.exponent)})]"


class TiltedAvg(_Average):
    """E_z[f e^g] / E_z[e^g]: the average of f under the Gaussian measure tilted by e^g."""

    _nbody = 2

    def __new__(cls, f, g, var, points=()):
        f = sp.sympify(f)
        g = sp.sympify(g)
        if var not in g.free_symbols:
            return GaussAvg(f, var, points)
        if var not in f.free_symbols:
            return f
        if f.is_Add:
            return sp.Add(*[TiltedAvg(t, g, var, points) for t in f.args])
        if f.is_Mul:
            const = [a for a in f.args if var not in a.free_symbols]
            if const:
                rest = [a for a in f.args if var in a.free_symbols]
                return sp.Mul(*const) * TiltedAvg(sp.Mul(*rest), g, var, points)
        return sp.Expr.__new__(cls, f, g, var, _points_tuple(points))

    @property
    def integrand(self):
        return self.args[0]

    @property
    def exponent(self):
        return self.args[1]

    def _eval_derivative(self, s):
        f, g, v, p = self.integrand, self.exponent, self.var, self.points
        gs = sp.diff(g, s)
        return (TiltedAvg(sp.diff(f, s) + f * gs, g, v, p)
                - TiltedAvg(f, g, v, p) * TiltedAvg(gs, g, v, p))

    def _sympystr(self, printer):
        return (f"E_{printer._print(self.var)}[{printer._print(self.integrand)} | "
                f"exp({printer._print(self.exponent)})]")


class TruncAvg(_Average):
    """E_x[f | x >= lower] = int_lower^inf Dx f(x) / H(lower): a truncated Gaussian average.

    It is the average over the fluctuating part of the stability of a reference configuration
    drawn from the flat measure over solutions with a hard margin (Franz-Parisi construction):
    with Delta_ref = sqrt(q_ref) z0 + sqrt(1 - q_ref) x >= kappa_ref, the constraint is
    x >= lower = (kappa_ref - sqrt(q_ref) z0)/sqrt(1 - q_ref).

    Parameters
    ----------
    integrand : sympy.Expr
    var : sympy.Symbol
    lower : sympy.Expr
        The truncation point (may depend on outer integration variables).
    points : sequence of (center, scale)
        Quadrature hints, as for :class:`GaussAvg` (the truncation point is always refined).

    Notes
    -----
    Differentiation under the integral and with respect to the moving truncation point:

        d/ds E[f | x >= A] = E[df/ds | x >= A] + (dA/ds) GH(A) (E[f | x >= A] - f(A)),

    with GH = G/H the inverse Mills ratio (dH/dA = -G(A)).
    """

    def __new__(cls, integrand, var, lower, points=()):
        integrand = sp.sympify(integrand)
        lower = sp.sympify(lower)
        if not isinstance(var, sp.Symbol):
            raise TypeError(f"TruncAvg: integration variable must be a Symbol, got {var!r}")
        if var in lower.free_symbols:
            raise ValueError("TruncAvg: the truncation point depends on its own variable")
        if var not in integrand.free_symbols:
            return integrand
        if integrand.is_Add:
            return sp.Add(*[TruncAvg(t, var, lower, points) for t in integrand.args])
        if integrand.is_Mul:
            const = [f for f in integrand.args if var not in f.free_symbols]
            if const:
                rest = [f for f in integrand.args if var in f.free_symbols]
                return sp.Mul(*const) * TruncAvg(sp.Mul(*rest), var, lower, points)
        return sp.Expr.__new__(cls, integrand, var, lower, _points_tuple(points))

    @property
    def integrand(self):
        return self.args[0]

    @property
    def lower(self):
        return self.args[2]

    @property
    def points(self):
        return tuple((c, s) for c, s in self.args[3])

    @property
    def free_symbols(self):
        return super().free_symbols | self.lower.free_symbols

    def _eval_derivative(self, s):
        f, v, a, pts = self.integrand, self.var, self.lower, self.points
        out = TruncAvg(sp.diff(f, s), v, a, pts)
        da = sp.diff(a, s)
        if da != 0:
            out += da * GH(a) * (self - f.subs(v, a))
        return out

    def _sympystr(self, printer):
        return (f"E_{printer._print(self.var)}[{printer._print(self.integrand)} | "
                f"{printer._print(self.var)} >= {printer._print(self.lower)}]")


AVERAGES = (GaussAvg, LogAvgExp, TiltedAvg, TruncAvg)


def top_level_averages(expr):
    """The averages (Gauss, log-exp, tilted) of ``expr`` not nested in another, stable order."""
    found = []

    def walk(e):
        if isinstance(e, AVERAGES):
            if e not in found:
                found.append(e)
            return
        for a in e.args:
            walk(a)

    walk(sp.sympify(expr))
    return found
