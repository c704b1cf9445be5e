"""The covariance function xi of a spherical spin glass, from a dict of coefficients.

A model is given by E[H(s) H(s')] = N xi(s.s'/N) on the sphere |s|^2 = N, with
xi(q) = sum_p c_p q^p passed as ``{p: c_p}``: ``{3: 1.0}`` is the pure 3-spin model in the
normalisation of Auffinger, Ben Arous and Cerny (xi(q) = q^3), ``{3: 0.5}`` the one of Crisanti
and Sommers (xi(q) = q^3/2), ``{2: 0.1, 4: 1.0}`` a mixed model.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from ..engine.errors import ModelError

__all__ = ["Covariance", "covariance"]


@dataclass(frozen=True)
class Covariance:
    """xi(q) = sum_p c_p q^p with integer p >= 2 and c_p >= 0 (at least one c_p > 0).

    Attributes
    ----------
    terms : tuple of (int, float)
        (p, c_p) pairs with c_p > 0, sorted by p.
    """

    terms: tuple

    def __call__(self, q, d=0):
        """xi^(d)(q), the d-th derivative."""
        out = 0.0
        for p, c in self.terms:
            if d > p:
                continue
            out += c * math.perm(p, d) * q ** (p - d)
        return out

    @property
    def pure(self):
        """The degree p of a pure model, or None for a mixed one."""
        return self.terms[0][0] if len(self.terms) == 1 else None

    @property
    def xi1(self):
        return self(1.0)

    @property
    def dxi1(self):
        return self(1.0, 1)

    @property
    def ddxi1(self):
        return self(1.0, 2)

    def as_dict(self):
        return {p: c for p, c in self.terms}


def covariance(xi) -> Covariance:
    """Validate ``xi`` (a dict {p: c_p} or a :class:`Covariance`).

    Raises
    ------
    ModelError
        Not a dict, a degree that is not an integer >= 2, a coefficient that is not a finite
        real number >= 0, or no positive coefficient; the message names the culprit.
    """
    if isinstance(xi, Covariance):
        return xi
    if not isinstance(xi, dict) or not xi:
        raise ModelError(f"xi must be a non-empty dict {{p: coefficient}}, e.g. {{3: 1.0}}; "
                         f"got {xi!r}")
    terms = []
    for p, c in xi.items():
        if isinstance(p, bool) or not isinstance(p, numbers.Integral):
            if not (isinstance(p, numbers.Real) and float(p).is_integer()):
                raise ModelError(f"xi: the degree {p!r} is not an integer")
        p = int(p)
        if p < 2:
            raise ModelError(f"xi: the degree p = {p} must be >= 2 (p-spin interactions)")
        if isinstance(c, bool) or not isinstance(c, numbers.Real):
            raise ModelError(f"xi[{p}] = {c!r} is not a real number")
        c = float(c)
        if not math.isfinite(c) or c < 0:
            raise ModelError(f"xi[{p}] = {c!r} must be finite and >= 0")
        if c > 0:
            terms.append((p, c))
    if not terms:
        raise ModelError(f"xi = {xi!r} has no positive coefficient")
    return Covariance(tuple(sorted(terms)))
