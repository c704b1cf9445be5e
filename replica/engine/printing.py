"""How the kernels print SymPy: the Python/Numba printer of :mod:`replica.engine.codegen`, and
the check of which functions it can print (asked by :func:`replica.channel` and
:func:`replica.free_entropy` before anything is compiled)."""
from __future__ import annotations

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from .special import NUMBA_NAMES

__all__ = ["KernelPrinter", "supported_functions", "unsupported_functions"]


class KernelPrinter(PythonCodePrinter):
    """Python/Numba printer mapping the engine's special functions to their Numba twins."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "inline": True,
                          "allow_unknown_functions": False, "strict": True})

    def _print_Pow(self, expr, rational=False):
        # Numba raises ZeroDivisionError for 0.0**(-k) with an integer k, whatever the error
        # model; 1.0/x**k gives inf like every other division of the kernels
        # (integer powers are products or float powers: Numba compiles its integer-power
        # loop, a subroutine, once per process otherwise)
        b, e = expr.as_base_exp()
        if e.is_Integer and e < 0:
            return f"(1.0/{self.parenthesize(b ** -e, 0)})" if e != -1 else \
                f"(1.0/{self.parenthesize(b, 100)})"
        if e.is_Integer and 2 <= e <= 4:
            x = self.parenthesize(b, 100)
            return {2: f"({x}*{x})", 3: f"({x}*{x}*{x})", 4: f"(({x}*{x})*({x}*{x}))"}[int(e)]
        if e.is_Integer and e > 4:
            return f"{self.parenthesize(b, 100)}**{int(e)}.0"
        return super()._print_Pow(expr, rational=rational)


def _make_special_printer(fname, target):
    def _print(self, expr):
        args = ", ".join(self._print(a) for a in expr.args)
        return f"_sf.{target}({args})"
    return _print


for _name, _target in NUMBA_NAMES.items():
    setattr(KernelPrinter, f"_print_{_name}", _make_special_printer(_name, _target))


#: Functions the channels integrate exactly by their decomposition (never printed as such).
_DECOMPOSED = (sp.Heaviside, sp.DiracDelta)


def supported_functions() -> list:
    """Names of the SymPy functions the kernels can compile (math, and the engine's own)."""
    known = set(KernelPrinter().known_functions) | set(NUMBA_NAMES)
    return sorted(known | {"Heaviside", "Abs", "sign", "Max", "Min", "Piecewise"})


def unsupported_functions(exprs, order=2) -> list:
    """Names of the functions in ``exprs``, or in their derivatives up to ``order``, that the
    kernels cannot compile (empty if none).

    Each function applied in ``exprs`` is printed with symbols for its arguments by the
    kernels' own printer, and so are its derivatives in each argument up to ``order`` (what
    the gradient and Newton's Jacobian will contain: ``gamma``'s derivative is ``polygamma``,
    which has no compiled form).  The work is per function, not per expression: no derivative
    of the expressions themselves is taken.
    """
    printer = KernelPrinter()
    bad, seen = set(), set()
    for e in exprs:
        for f in sp.sympify(e).atoms(sp.Function):
            if isinstance(f, _DECOMPOSED) or (f.func, len(f.args)) in seen:
                continue
            seen.add((f.func, len(f.args)))
            args = sp.symbols(f"a0:{len(f.args)}", real=True)
            frontier = [f.func(*args)]
            for k in range(order + 1):
                nxt = []
                for g in frontier:
                    for h in sp.sympify(g).atoms(sp.Function):
                        if isinstance(h, _DECOMPOSED):
                            continue
                        try:
                            printer.doprint(h.func(*sp.symbols(f"b0:{len(h.args)}", real=True)))
                        except Exception:  # the printer's refusal
                            bad.add(h.func.__name__)
                    if k < order:
                        nxt.extend(sp.diff(g, a) for a in args)
                frontier = nxt
    return sorted(bad)
