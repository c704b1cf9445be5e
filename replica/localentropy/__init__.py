"""Franz-Parisi local entropy and local energy around reference solutions.

The free entropy of the construction (:mod:`.franzparisi`) and its solution along the overlap
with the reference (:mod:`.entropy`), on the engine's public ``solve``.
"""
from .entropy import kappa_max, local_entropy, local_entropy_transition
from .localenergy import local_energy
from .largedev import LargeDeviationEntropy, large_deviation_entropy, large_deviation_free_entropy
from .ldtransition import LargeDeviationTransition, large_deviation_transition
from .results import LocalEnergy, LocalEntropy

__all__ = ["local_entropy", "local_energy", "local_entropy_transition", "kappa_max",
           "LocalEntropy", "LocalEnergy", "large_deviation_entropy",
           "large_deviation_free_entropy", "LargeDeviationEntropy",
           "large_deviation_transition", "LargeDeviationTransition"]
