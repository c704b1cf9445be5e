"""One error hierarchy; every error carries the data needed to diagnose it."""
from __future__ import annotations

__all__ = ["ReplicaError", "SaddlePointConvergenceError", "NonFiniteError", "ModelError"]


class ReplicaError(Exception):
    """Base class of the engine's errors."""


class ModelError(ReplicaError, ValueError):
    """A model, block or SymPy expression that cannot be built (names the culprit)."""


class SaddlePointConvergenceError(ReplicaError):
    """A solver stopped without meeting its convergence criteria.

    Attributes
    ----------
    result : SaddlePoint
        The last iterate, with its residual, iteration count and status.
    """

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


class NonFiniteError(ReplicaError, FloatingPointError):
    """A NaN or inf appeared in an equation; names the quantity and the point."""

    def __init__(self, message, quantity=None, point=None):
        super().__init__(message)
        self.quantity = quantity
        self.point = point
