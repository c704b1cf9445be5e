"""The one place that fixes the Numba options of the simulation kernels."""
from __future__ import annotations

import numba

#: Options shared by every kernel: compiled once, cached on disk (``cache=True``) so the test
#: suite and the main job reuse compiled code, and no fast-math (results must be reproducible
#: bit for bit across runs).
JIT_OPTIONS = dict(cache=True, nogil=True, fastmath=False)


def jit(func=None, **overrides):
    """Decorate ``func`` with :func:`numba.njit` and the project's options."""
    options = {**JIT_OPTIONS, **overrides}
    if func is None:
        return lambda f: numba.njit(**options)(f)
    return numba.njit(**options)(func)
