"""replica: symbolic-plus-numeric replica theory of perceptron loss landscapes.

Build a model, solve its saddle point, follow branches, locate transitions:

>>> import replica
>>> from replica import models
>>> m = models.perceptron(weights="spherical", kappa=0.5)
>>> sp = replica.solve(m, alpha=0.5)
>>> round(replica.capacity(m).alpha_c, 6)
1.015358

Free entropies are assembled in SymPy from blocks (:mod:`replica.priors`,
:mod:`replica.channels`), differentiated symbolically (:mod:`replica.freeentropy`) and compiled
by Numba (:mod:`replica.codegen`).
"""
from . import channels, models, priors, strategies, symbols
from .capacity import capacity
from .channels import channel
from .localentropy import kappa_max, local_energy, local_entropy, local_entropy_transition
from .barriers import (path_energy, simplex_energy, star_transition, vertices,
                       zero_energy_margin)
from .errors import ModelError, NonFiniteError, ReplicaError, SaddlePointConvergenceError
from .freeentropy import FreeEntropy, free_entropy
from .results import (Status, Branch, Capacity, LocalEnergy, LocalEntropy, PathEnergy, SaddlePoint,
                      SimplexEnergy, Transition, Vertices)
from .solvers import solve, sweep
from .stability import Stability, at_line, stability
from .transitions import find_zero

__version__ = "0.1.0"

__all__ = [
    "free_entropy", "FreeEntropy", "Status", "strategies",
    "solve", "sweep", "capacity", "find_zero", "channel", "stability", "at_line", "Stability",
    "local_entropy", "local_energy", "local_entropy_transition", "kappa_max", "LocalEntropy",
    "LocalEnergy", "path_energy", "simplex_energy", "vertices", "zero_energy_margin",
    "star_transition",
    "Vertices",
    "SimplexEnergy", "PathEnergy",
    "models", "channels", "priors", "symbols",
    "SaddlePoint", "Branch", "Capacity", "Transition",
    "ReplicaError", "SaddlePointConvergenceError", "NonFiniteError", "ModelError",
]
