"""The engine: free entropies in, saddle points, branches and transitions out.

It knows no physical system.  Building blocks (:mod:`.symbols`, :mod:`.special`,
:mod:`.gauss` averages, :mod:`.priors` from single-site measures, :mod:`.channels` from
constraint weights), the free-entropy layer (:mod:`.freeentropy`: any SymPy free entropy with
its domains and controls), code generation (:mod:`.codegen`, :mod:`.quadrature`,
:mod:`.compiled`), solvers (:mod:`.solvers`, :mod:`.strategies`, :mod:`.transitions`) and
results (:mod:`.results`, :mod:`.serialize`).  Systems (:mod:`replica.perceptron`,
:mod:`replica.localentropy`, :mod:`replica.barriers`) are built on its public functions.
"""
from .channels import channel
from .compiled import compiled_free_entropy
from .errors import ModelError, NonFiniteError, ReplicaError, SaddlePointConvergenceError
from .freeentropy import FreeEntropy, free_entropy
from .problem import SaddleProblem, System
from .results import Branch, SaddlePoint, Status, Transition
from .continuation import sweep
from .solvers import solve
from .stability import Stability, at_line, stability
from .transitions import find_zero

__all__ = ["free_entropy", "FreeEntropy", "compiled_free_entropy", "solve", "sweep",
           "find_zero", "stability", "at_line", "Stability", "SaddleProblem", "System", "channel", "SaddlePoint", "Branch", "Transition", "Status",
           "ReplicaError", "SaddlePointConvergenceError", "NonFiniteError", "ModelError"]
