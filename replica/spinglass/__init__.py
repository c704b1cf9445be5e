"""Spherical spin glasses on the engine: Kac-Rice complexity (:mod:`.kacrice`) and replica
theory on the raw free-entropy path (:mod:`.pspin`).  Also importable as ``replica.kacrice``
and ``replica.pspin``.  :mod:`.deformed`: the GOE-plus-low-rank
(general activation) deformation, also through ``kacrice``'s ``deformation=`` keyword."""
from . import covariance, deformed, ising, kacrice, pspin

__all__ = ["covariance", "deformed", "ising", "kacrice", "pspin"]
