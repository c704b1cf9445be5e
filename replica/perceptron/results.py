"""Result of the perceptron system: the storage capacity."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.serialize import Serializable

__all__ = ["Capacity"]


@dataclass(frozen=True)
class Capacity(Serializable):
    """Storage capacity of a model.

    Attributes
    ----------
    alpha_c : float
        The capacity in the requested ansatz.
    ansatz : str
    method : str
        How it was obtained (e.g. the q -> 1 asymptotics of the RS free entropy).
    params : dict
    alpha_zero_entropy : float or None
        For discrete weights: where the RS entropy vanishes (Krauth-Mezard point), else None.
    details : dict
        Intermediate quantities (coefficients of the 1/(1-q) divergence, brackets, ...).
    """

    alpha_c: float
    ansatz: str
    method: str
    params: dict
    alpha_zero_entropy: float | None = None
    details: dict = field(default_factory=dict)
