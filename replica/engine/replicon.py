"""The replicon eigenvalue of an RS free entropy, declared as an expression.

See :mod:`replica.engine.stability` for its use (``replica.stability``, ``replica.at_line``).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Mapping

import sympy as sp

from .codegen import compile_kernel
from .errors import ModelError
from .gauss import AVERAGES

__all__ = ["Replicon", "expression_kernel"]

_KERNELS = {}


@dataclass(frozen=True, eq=False)
class Replicon:
    """The replicon eigenvalue of an RS free entropy, as an expression.

    Parameters
    ----------
    expr : sympy.Expr
        lambda_R in the order parameters and controls of the free entropy it belongs to
        (Gaussian averages allowed, with their ``points``); RS is stable where it is > 0.
    parts : mapping, optional
        ``{name: expr}``: factors reported with it (the perceptron's ``R_prior``,
        ``R_channel``).
    """

    expr: object
    parts: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self):
        try:
            object.__setattr__(self, "expr", sp.sympify(self.expr))
            object.__setattr__(self, "parts", {str(k): sp.sympify(v)
                                               for k, v in dict(self.parts).items()})
        except (sp.SympifyError, TypeError) as err:
            raise ModelError(f"Replicon: not a SymPy expression: {err}") from None

    def kernel(self, fe):
        """The compiled kernel of (lambda_R, parts...) with the argument order of ``fe`` (a
        :class:`~replica.engine.freeentropy.FreeEntropy`)."""
        return expression_kernel([self.expr, *self.parts.values()], fe, "the replicon")


def expression_kernel(outputs, fe, what):
    """A compiled kernel of ``outputs`` (SymPy expressions of ``fe``'s order parameters and
    controls, Gaussian averages allowed) with ``fe``'s argument order, cached by content.

    Raises
    ------
    ModelError
        An output has a symbol that is neither an order parameter, a control nor an
        integration variable (``what`` names the outputs in the message).
    """
    free = set().union(*[e.free_symbols for e in outputs])
    integration = {a.var for e in outputs for a in e.atoms(*AVERAGES)}
    unknown = sorted(str(s) for s in free - set(fe.order_params) - set(fe.controls)
                     - integration)
    if unknown:
        raise ModelError(f"{fe.name}: {what} has symbols {unknown} that are neither order "
                         "parameters nor controls of its free entropy")
    h = hashlib.sha256()
    for e in (*outputs, *fe.order_params, *fe.controls):
        h.update(sp.srepr(e).encode())
    key = h.hexdigest()
    if key not in _KERNELS:
        _KERNELS[key] = compile_kernel(list(outputs), fe.order_params, fe.controls)
    return _KERNELS[key]
