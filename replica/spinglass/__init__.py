"""Spherical spin glasses: Kac-Rice complexity (:mod:`.kacrice`) and replica theory
(:mod:`.pspin`), on the engine's public API."""
from . import covariance, kacrice

__all__ = ["covariance", "kacrice"]
