"""replica: symbolic-plus-numeric replica theory of perceptron loss landscapes.

Build a model, solve its saddle point, follow branches, locate transitions:

>>> import replica
>>> from replica import models
>>> m = models.perceptron(weights="spherical", kappa=0.5)
>>> sp = replica.solve(m, alpha=0.5)
>>> round(replica.capacity(m).alpha_c, 6)
0.961205

Layout: :mod:`replica.engine` takes any free entropy (SymPy), derives its equations, compiles
and solves them; the systems are built on its public API: :mod:`replica.perceptron` (storage,
capacity, stability), :mod:`replica.localentropy` (Franz-Parisi) and :mod:`replica.barriers`
(equilibrium vertices and energy barriers) and :mod:`replica.spinglass` (spherical spin glasses:
``replica.kacrice``, ``replica.pspin``).  ``replica.models``, ``replica.priors``,
``replica.channels``, ``replica.symbols`` and ``replica.codegen`` are stable import paths.
"""
import sys as _sys

from . import engine
from .engine import (channels, codegen, errors, freeentropy, gauss, priors, quadrature,
                     results, serialize, solvers, special, strategies, symbols, transitions)
from .engine import _numba_special
from .perceptron import models
from .engine.channels import channel
from .engine.errors import ModelError, NonFiniteError, ReplicaError, SaddlePointConvergenceError
from .engine.freeentropy import FreeEntropy, free_entropy
from .engine.results import Branch, SaddlePoint, Status, Transition
from .engine.solvers import solve
from .engine.continuation import sweep
from .parallel import map_sweeps
from .engine.transitions import find_zero
from .perceptron import Capacity, capacity
from .engine.stability import Stability, at_line, stability
from .localentropy import (LargeDeviationEntropy, LargeDeviationTransition, LocalEnergy,
                           LocalEntropy, kappa_max, large_deviation_entropy,
                           large_deviation_transition, local_energy, local_entropy,
                           local_entropy_transition)
from .spinglass import kacrice, pspin
from .spinglass.ising import ground_state
from . import relu
from .barriers import (PathEnergy, SimplexEnergy, Vertices, path_energy, simplex_energy,
                       star_transition, vertices, zero_energy_margin)

# Stable import paths for the engine's public modules (``from replica.symbols import Delta``,
# ``replica.models.perceptron``): the modules themselves live in replica/engine and
# replica/perceptron.
for _name, _mod in {"channels": channels, "codegen": codegen, "errors": errors,
                    "freeentropy": freeentropy, "gauss": gauss, "priors": priors,
                    "quadrature": quadrature, "results": results, "serialize": serialize,
                    "solvers": solvers, "special": special, "strategies": strategies,
                    "symbols": symbols, "transitions": transitions,
                    "_numba_special": _numba_special, "models": models, "kacrice": kacrice,
                    "pspin": pspin}.items():
    _sys.modules.setdefault(f"{__name__}.{_name}", _mod)
del _name, _mod

__version__ = "0.1.0"

__all__ = [
    "free_entropy", "FreeEntropy", "Status", "strategies",
    "solve", "sweep", "map_sweeps", "capacity", "find_zero", "channel", "stability", "at_line", "Stability",
    "local_entropy", "local_energy", "local_entropy_transition", "kappa_max", "LocalEntropy",
    "LocalEnergy", "large_deviation_entropy", "LargeDeviationEntropy",
    "large_deviation_transition", "LargeDeviationTransition", "path_energy", "simplex_energy", "vertices", "zero_energy_margin",
    "star_transition", "Vertices", "SimplexEnergy", "PathEnergy",
    "engine", "models", "channels", "priors", "symbols", "kacrice", "pspin", "relu",
    "SaddlePoint", "Branch", "Capacity", "Transition", "ground_state",
    "ReplicaError", "SaddlePointConvergenceError", "NonFiniteError", "ModelError",
]
