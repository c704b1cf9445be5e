"""Reserved names: symbols a user's prior or channel parameter may not be called.

The engine's blocks use a few symbols of their own (the overlaps q, qhat, ..., the Gaussian
variables z, y, the cavity field omega, V, the stability Delta); a parameter with one of
those names would silently become that quantity.  A system that builds free entropies from a
user's prior and channel reserves the names it adds (the perceptron's alpha, the Franz-Parisi
overlaps p, t, ...) with :func:`reserve` when it is imported; the engine itself names no
system.
"""
from __future__ import annotations

__all__ = ["reserve", "reserved", "check_unreserved"]

_RESERVED: dict[str, str] = {}


def reserve(names, owner: str) -> None:
    """Reserve ``names`` (an iterable of str) for ``owner`` (named in error messages)."""
    for nm in names:
        if not isinstance(nm, str) or not nm:
            raise TypeError(f"reserve: names are non-empty strings, got {nm!r}")
        _RESERVED.setdefault(nm, owner)


def reserved() -> dict:
    """Every reserved name and who reserved it."""
    return dict(_RESERVED)


def check_unreserved(names, where: str, allowed=()):
    """Raise :class:`~replica.errors.ModelError` if one of ``names`` is reserved (and not in
    ``allowed``), naming it, its owner and the remedy."""
    from .errors import ModelError

    bad = sorted(set(names) & set(_RESERVED) - set(allowed))
    if bad:
        owners = "; ".join(f"{nm!r} by {_RESERVED[nm]}" for nm in bad)
        raise ModelError(f"{where}: the parameter names {bad} are reserved ({owners}); "
                         "rename them")


reserve(("q", "qhat", "q0", "q1", "qhat0", "qhat1", "Q", "Qhat", "m", "z", "z0", "z1", "y",
         "omega", "V", "Delta"), "the engine's prior and channel blocks")
