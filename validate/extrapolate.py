"""Finite-size extrapolation of per-N means to N -> infinity.

The per-N means ``y_N`` with standard errors ``s_N`` are fitted by weighted least
squares to a polynomial in a scaling variable ``x = x(N)`` (``1/N`` by default),
``y_N = c_0 + c_1 x + ... + c_d x^d``; the extrapolated value is ``c_0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["SCALINGS", "Extrapolation", "FitSummary", "extrapolate", "scaling_variable"]

#: Scaling variables ``x(N)`` known by name; ``x -> 0`` as ``N -> infinity``.
SCALINGS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "1/N": lambda N: 1.0 / N,
    "1/sqrt(N)": lambda N: 1.0 / np.sqrt(N),
    "N^(-2/3)": lambda N: N ** (-2.0 / 3.0),
}


def scaling_variable(N, scaling: str) -> np.ndarray:
    """Return the scaling variable ``x(N)`` named ``scaling``.

    Raises
    ------
    ValueError
        If ``scaling`` is not one of :data:`SCALINGS`.
    """
    try:
        fn = SCALINGS[scaling]
    except KeyError:
        raise ValueError(
            f"Unknown scaling {scaling!r}; known scalings: {sorted(SCALINGS)}"
        ) from None
    return fn(np.asarray(N, dtype=float))


@dataclass(frozen=True)
class FitSummary:
    """Goodness of fit of one scaling (used to compare scalings)."""

    scaling: str
    value: float
    error: float
    chi2: float
    dof: int


@dataclass(frozen=True)
class Extrapolation:
    """Result of :func:`extrapolate`.

    Attributes
    ----------
    scaling : str
        Name of the scaling variable ``x(N)``.
    degree : int
        Degree of the polynomial in ``x``.
    N : tuple of int
        Sizes entering the fit.
    coef : tuple of float
        Fitted coefficients ``c_0, c_1, ...`` (increasing powers of ``x``).
    cov : tuple of tuple of float
        Parameter covariance ``(A^T W A)^{-1}``, *not* rescaled by chi^2.
    value : float
        ``c_0``, the extrapolation to ``N -> infinity``.
    error : float
        Standard error of ``value``; equals ``sqrt(cov[0][0]) * inflation``.
    chi2 : float
        Weighted residual sum of squares.
    dof : int
        Degrees of freedom ``len(N) - degree - 1``.
    inflation : float
        Factor applied to the statistical error: ``sqrt(chi2/dof)`` when the fit was
        inflated, 1 otherwise.
    note : str
        Human-readable remark (inflation, no goodness-of-fit check, ...).
    alternatives : tuple of FitSummary
        The same fit with other scaling variables, for comparison.
    """

    scaling: str
    degree: int
    N: tuple[int, ...]
    coef: tuple[float, ...]
    cov: tuple[tuple[float, ...], ...]
    value: float
    error: float
    chi2: float
    dof: int
    inflation: float
    note: str
    alternatives: tuple[FitSummary, ...] = ()

    @property
    def chi2_dof(self) -> float:
        """``chi2 / dof`` (NaN when ``dof == 0``)."""
        return self.chi2 / self.dof if self.dof > 0 else math.nan

    def predict(self, N) -> tuple[np.ndarray, np.ndarray]:
        """Fitted curve and its (inflated) standard error at sizes ``N`` (may be inf)."""
        x = scaling_variable(N, self.scaling)
        A = np.vander(np.atleast_1d(x), self.degree + 1, increasing=True)
        cov = np.asarray(self.cov) * self.inflation**2
        y = A @ np.asarray(self.coef)
        err = np.sqrt(np.einsum("ij,jk,ik->i", A, cov, A))
        return y, err


def _wls(x, y, sigma, degree):
    A = np.vander(x, degree + 1, increasing=True)
    w = 1.0 / sigma**2
    cov = np.linalg.inv(A.T @ (w[:, None] * A))
    coef = cov @ (A.T @ (w * y))
    chi2 = float(np.sum(w * (y - A @ coef) ** 2))
    return coef, cov, chi2


def extrapolate(
    N,
    mean,
    sem,
    *,
    scaling: str = "1/N",
    degree: int = 1,
    inflate: bool = True,
    compare: tuple[str, ...] = ("1/N", "1/sqrt(N)"),
) -> Extrapolation:
    """Extrapolate per-size means to ``N -> infinity`` by weighted least squares.

    Parameters
    ----------
    N : array_like of int
        System sizes (at least ``degree + 1`` distinct values).
    mean, sem : array_like of float
        Mean of the observable at each size and its standard error (> 0, finite).
    scaling : str, optional
        Scaling variable, a key of :data:`SCALINGS` (default ``"1/N"``).
    degree : int, optional
        Degree of the polynomial in the scaling variable (default 1).
    inflate : bool, optional
        If True (default) and ``chi2/dof > 1``, multiply the error by the scale factor
        ``S = sqrt(chi2/dof)`` (the Particle Data Group convention).
    compare : tuple of str, optional
        Other scalings fitted with the same degree, reported in ``alternatives``.

    Returns
    -------
    Extrapolation

    Raises
    ------
    ValueError
        On non-finite input, a non-positive standard error, mismatched lengths, or too
        few sizes for the requested degree.

    Notes
    -----
    With design matrix ``A_{Nk} = x_N^k`` and weights ``W = diag(1/s_N^2)``, the estimate
    is ``c = (A^T W A)^{-1} A^T W y`` with covariance ``(A^T W A)^{-1}`` and
    ``chi2 = sum_N (y_N - (A c)_N)^2 / s_N^2``. When ``dof = 0`` the fit is exact and no
    goodness-of-fit check is possible.
    """
    N = np.asarray(N, dtype=float)
    y = np.asarray(mean, dtype=float)
    s = np.asarray(sem, dtype=float)
    if not (N.shape == y.shape == s.shape and N.ndim == 1):
        raise ValueError(
            f"N, mean and sem must be 1-d of equal length; got shapes {N.shape}, {y.shape}, {s.shape}"
        )
    for label, arr in (("N", N), ("mean", y), ("sem", s)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise ValueError(f"non-finite {label} at N={N[bad].tolist()}")
    if (s <= 0).any():
        raise ValueError(f"standard error must be > 0; got sem=0 at N={N[s <= 0].tolist()}")
    if degree < 0:
        raise ValueError(f"degree must be >= 0; got {degree}")
    if len(np.unique(N)) < degree + 1:
        raise ValueError(
            f"need at least {degree + 1} distinct sizes for degree {degree}; got N={N.tolist()}"
        )
    x = scaling_variable(N, scaling)
    coef, cov, chi2 = _wls(x, y, s, degree)
    dof = len(N) - degree - 1
    inflation = 1.0
    if dof == 0:
        note = "exact fit (dof = 0): no goodness-of-fit check"
    elif inflate and chi2 / dof > 1.0:
        inflation = math.sqrt(chi2 / dof)
        note = f"chi2/dof = {chi2 / dof:.2f} > 1: error inflated by sqrt(chi2/dof) = {inflation:.2f}"
    else:
        note = f"chi2/dof = {chi2 / dof:.2f}: error not inflated"
    alternatives = []
    for other in compare:
        if other == scaling:
            continue
        c2, v2, chi2_2 = _wls(scaling_variable(N, other), y, s, degree)
        alternatives.append(
            FitSummary(other, float(c2[0]), float(math.sqrt(v2[0, 0])), chi2_2, dof)
        )
    return Extrapolation(
        scaling=scaling,
        degree=degree,
        N=tuple(int(n) for n in N),
        coef=tuple(float(c) for c in coef),
        cov=tuple(tuple(float(v) for v in row) for row in cov),
        value=float(coef[0]),
        error=float(math.sqrt(cov[0, 0]) * inflation),
        chi2=chi2,
        dof=dof,
        inflation=inflation,
        note=note,
        alternatives=tuple(alternatives),
    )
