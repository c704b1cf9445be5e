"""Results of the Franz-Parisi system: local entropy and local energy."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine.results import SaddlePoint
from ..engine.serialize import Serializable

__all__ = ["LocalEntropy", "LocalEnergy"]


@dataclass(frozen=True)
class LocalEntropy(Serializable):
    """Franz-Parisi local entropy S(p) around references of margin ``kappa_ref``.

    Attributes
    ----------
    model, weights : str
    alpha : float
    params : dict
        The neighbours' channel parameters (e.g. ``{"kappa": 0.0}``).
    kappa_ref : float
    p : numpy.ndarray
        Overlaps with the reference, as requested.
    phi : numpy.ndarray
        S(p): the log-volume (per weight) of the neighbours at overlap p (binary: the log of
        their number), NaN where a point failed.
    dphi_dp : numpy.ndarray
        dS/dp at fixed saddle point (envelope theorem).
    order_params : dict
        Name -> array of the saddle point's order parameters (``q``, ``t``; binary also
        ``qhat``, ``that``, ``phat``).
    residual : numpy.ndarray
        Scaled residual of each saddle point.
    success : numpy.ndarray of bool
    status : tuple of str
    p_typical : float
        p*: the overlap of the reference with typical neighbours (where S is maximal and equals
        the RS entropy ``phi_typical`` of the neighbours' model).
    phi_typical : float
    reference, typical : SaddlePoint
        RS saddle points of the references' model (margin kappa_ref) and of the neighbours'.
    """

    model: str
    weights: str
    alpha: float
    params: dict
    kappa_ref: float
    p: np.ndarray
    phi: np.ndarray
    dphi_dp: np.ndarray
    order_params: dict
    residual: np.ndarray
    success: np.ndarray
    status: tuple
    p_typical: float
    phi_typical: float
    reference: SaddlePoint = field(repr=False)
    typical: SaddlePoint = field(repr=False)

    @property
    def d(self):
        """Distance d = (1 - p)/2 (the Hamming distance per weight for binary weights)."""
        return (1.0 - self.p) / 2.0

    @property
    def dphi_dd(self):
        """dS/dd = -2 dS/dp."""
        return -2.0 * self.dphi_dp

    @property
    def q(self):
        return self.order_params["q"]


@dataclass(frozen=True)
class LocalEnergy(Serializable):
    """Mean fraction of violated constraints (per P) at random points at overlap p from a
    reference of margin ``kappa_ref``.

    Attributes
    ----------
    model, weights : str
    alpha : float
    params : dict
    kappa_ref : float
        The reference's margin (kappa_max(alpha) for the maximal-margin reference).
    q_ref : float
        Overlap between references (1.0 for the maximal-margin reference).
    p : numpy.ndarray
    e : numpy.ndarray
        e(p), per constraint.
    de_dp : numpy.ndarray
    reference : SaddlePoint or None
    e_error : numpy.ndarray or None
        Estimated quadrature error of e: the same averages on the check rules
        (``quadrature.CHECK_ORDER``, ``CHECK_GH_ORDER``), plus rounding.
    """

    model: str
    weights: str
    alpha: float
    params: dict
    kappa_ref: float
    q_ref: float
    p: np.ndarray
    e: np.ndarray
    de_dp: np.ndarray
    reference: SaddlePoint | None = field(repr=False, default=None)
    e_error: np.ndarray | None = field(repr=False, default=None)

    @property
    def d(self):
        return (1.0 - self.p) / 2.0
