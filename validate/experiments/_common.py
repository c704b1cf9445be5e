"""What every experiment family shares: the pattern count of an instance and the failure type.

Importing this module must not import ``replica`` or ``simulate`` (see ``validate.registry``).
"""

from __future__ import annotations

__all__ = ["InstanceFailure", "pattern_count"]


class InstanceFailure(RuntimeError):
    """One instance on which the observable is undefined (no solution, an empty shell, ...).

    The runner keeps it as a failed row, with the message, and never drops it; the per-size
    mean is then conditioned on the instances where the observable exists, which the record
    says.
    """


def pattern_count(alpha: float, N: int, *, exact: bool = False) -> int:
    """Number of patterns ``P`` of an instance at load ``alpha`` and size ``N``.

    ``round(alpha N)``, at least 1; with ``exact=True`` ``alpha N`` must be an integer (to
    1e-9), for experiments whose sizes are chosen so that no rounding enters.

    Raises
    ------
    ValueError
        If ``P < 1``, or ``alpha N`` is not an integer when ``exact``.
    """
    x = float(alpha) * int(N)
    P = int(round(x))
    if exact and abs(x - P) > 1e-9:
        raise ValueError(f"alpha N = {x} must be a positive integer (alpha={alpha}, N={N}): this "
                         "experiment uses sizes with P = alpha N exactly")
    if P < 1:
        raise ValueError(f"P = round(alpha N) = {P} < 1 at alpha={alpha}, N={N}")
    return P
