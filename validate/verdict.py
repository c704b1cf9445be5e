"""The verdict of one comparison: theory against the N -> infinity extrapolation.

One pure function, :func:`judge`, turns per-size statistics and a theory value into a
status. The runner uses it on fresh data and the power tests replay it on recorded data
with a shifted theory, so both go through the same code.

Statuses
--------
``passed``
    The fit is acceptable, ``|z| <= threshold`` and the comparison is conclusive:
    ``threshold * error <= resolution`` (a theory wrong by the declared resolution would
    have been rejected).
``failed``
    The fit is acceptable and ``|z| > threshold``: simulation and theory disagree,
    whatever the resolution.
``inconclusive``
    The fit is acceptable and ``|z| <= threshold``, but ``threshold * error`` is wider
    than the resolution, or the fit has no degrees of freedom left to test it.
``bad-fit``
    The finite-size fit is rejected: its chi^2 p-value is below ``fit_p_min``. The error
    is never inflated to hide a misfit; z is reported but not judged.
``error``
    No comparison was possible (the theory raised, too few usable sizes, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from .extrapolate import Extrapolation, extrapolate

__all__ = ["STATUSES", "Verdict", "judge", "absolute_resolution", "fit_p_value"]

#: Every status a record can carry, best first.
STATUSES = ("passed", "failed", "inconclusive", "bad-fit", "error")


@dataclass(frozen=True)
class Verdict:
    """Result of :func:`judge`.

    Attributes
    ----------
    status : str
        One of :data:`STATUSES`.
    z : float
        ``(extrapolated - theory) / error`` (NaN when there is no comparison).
    p_value : float
        chi^2 p-value of the finite-size fit (NaN when ``dof = 0`` or no fit).
    resolution : float
        Absolute resolution the comparison had to reach (NaN if not computable).
    extrapolation : Extrapolation or None
    messages : tuple of str
        Why the status is what it is.
    """

    status: str
    z: float
    p_value: float
    resolution: float
    extrapolation: Extrapolation | None
    messages: tuple[str, ...]


def absolute_resolution(resolution: float, relative: bool, theory: float) -> float:
    """``resolution`` itself, or ``resolution * |theory|`` when it is relative."""
    if not relative:
        return float(resolution)
    return float(resolution) * abs(theory) if math.isfinite(theory) else math.nan


def fit_p_value(chi2: float, dof: int) -> float:
    """Upper tail ``P(chi^2_dof >= chi2)``; NaN when ``dof = 0``."""
    return float(stats.chi2.sf(chi2, dof)) if dof > 0 else math.nan


def judge(sizes, theory: float, *, scaling: str, degree: int, threshold: float,
          resolution: float, relative: bool, fit_p_min: float) -> Verdict:
    """Compare ``theory`` with the extrapolation of the per-size statistics ``sizes``.

    Parameters
    ----------
    sizes : sequence of SizeSummary
        Per-size ``N, n, mean, sem``; sizes with fewer than 2 points or ``sem <= 0`` are
        left out (and said so).
    theory : float
        N -> infinity prediction (NaN: the theory failed).
    scaling, degree : str, int
        The finite-size fit (see :func:`validate.extrapolate.extrapolate`), never inflated.
    threshold : float
        ``|z|`` above which theory and simulation disagree.
    resolution : float
        Declared resolution (absolute, or relative to ``|theory|`` if ``relative``).
    fit_p_min : float
        Fits with a chi^2 p-value below this are ``bad-fit``.

    Returns
    -------
    Verdict

    Notes
    -----
    With ``r`` the absolute resolution and ``s`` the extrapolation's standard error, a
    conclusive comparison has ``threshold * s <= r``. Then a theory shifted by ``2 r``
    from one that passed has ``|z| >= 2 r / s - threshold >= threshold``: it fails.
    """
    messages: list[str] = []
    usable = [s for s in sizes if s.n >= 2 and math.isfinite(s.sem) and s.sem > 0]
    dropped = [s.N for s in sizes if s not in usable]
    if dropped:
        messages.append(f"sizes without a usable standard error (< 2 ok points or sem = 0): "
                        f"{dropped}")
    res = absolute_resolution(resolution, relative, theory)
    try:
        extrap = extrapolate([s.N for s in usable], [s.mean for s in usable],
                             [s.sem for s in usable], scaling=scaling, degree=degree,
                             inflate=False)
    except ValueError as exc:
        messages.append(f"extrapolation impossible: {exc}")
        return Verdict("error", math.nan, math.nan, res, None, tuple(messages))
    messages.append(extrap.note)
    p = fit_p_value(extrap.chi2, extrap.dof)
    if not math.isfinite(theory):
        messages.append("no theory value")
        return Verdict("error", math.nan, p, res, extrap, tuple(messages))
    z = (extrap.value - theory) / extrap.error
    if extrap.dof > 0 and p < fit_p_min:
        messages.append(f"bad fit: chi2/dof = {extrap.chi2:.2f}/{extrap.dof}, p = {p:.2g} < "
                        f"{fit_p_min:g}; the finite-size form does not describe the data, "
                        "so z is not judged")
        return Verdict("bad-fit", z, p, res, extrap, tuple(messages))
    if abs(z) > threshold:
        return Verdict("failed", z, p, res, extrap, tuple(messages))
    width = threshold * extrap.error
    if extrap.dof == 0:
        messages.append("inconclusive: no degree of freedom left to test the finite-size fit")
        return Verdict("inconclusive", z, p, res, extrap, tuple(messages))
    if not width <= res:
        messages.append(f"inconclusive: {threshold:g} sigma = {width:.3g} is wider than the "
                        f"resolution {res:.3g}")
        return Verdict("inconclusive", z, p, res, extrap, tuple(messages))
    messages.append(f"conclusive: {threshold:g} sigma = {width:.3g} <= resolution {res:.3g}")
    return Verdict("passed", z, p, res, extrap, tuple(messages))
