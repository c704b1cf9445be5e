"""The perceptron storage system: a weights prior x a constraint channel.

Models (:mod:`.models`), their RS/1RSB free entropies (:mod:`.builders`), the storage
capacity (:mod:`.capacity`, :mod:`.jamming`) and RS stability (:mod:`.stability`), built on
the engine's public API.
"""
from .capacity import capacity
from .models import Model, perceptron
from .results import Capacity
from .stability import Stability, at_line, stability

__all__ = ["perceptron", "Model", "capacity", "Capacity", "stability", "at_line", "Stability"]
