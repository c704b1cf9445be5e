"""Spherical spin glasses on the engine: Kac-Rice complexity (:mod:`.kacrice`) and replica
theory on the raw free-entropy path (:mod:`.pspin`).  Also importable as ``replica.kacrice``
and ``replica.pspin``."""
from . import covariance, kacrice, pspin

__all__ = ["covariance", "kacrice", "pspin"]
