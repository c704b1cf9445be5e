"""The signature every generated kernel is compiled with (imported by the generated modules).

Kept apart from the drivers in :mod:`replica.engine._newton` so that editing a driver does not
change the content hash of the generated kernels (:mod:`replica.engine.codegen`).
"""
from numba import types

_arr = types.float64[::1]
#: Signature of every generated kernel: (theta, ctrl, gl_x, gl_w, gh_x, gh_w, out) -> out.
KERNEL_SIG = _arr(_arr, _arr, _arr, _arr, _arr, _arr, _arr)
#: The first-class function type of a kernel (an argument of the compiled drivers).
KERNEL_TYPE = types.FunctionType(KERNEL_SIG)
