"""The quadrature rules of the generated kernels, behind a C ABI (called by symbol, not linked).

A generated kernel that called :func:`replica.engine.quadrature.panel_rule` directly had the
rule's whole compiled library (the graded mesh, its sort, the array allocations) linked into
its own LLVM module, optimised and turned into machine code again for every model: a third of
a first call's compile time (``benchmarks/bench_first_call.py``).  Here the rules are compiled
once, as ``numba.cfunc`` with ``cache=True``, and registered with LLVM under a fixed symbol
name (:func:`llvmlite.binding.add_symbol`) when this module is imported; a kernel declares
them as :class:`numba.types.ExternalFunction` and the call is resolved when the kernel's
machine code is loaded, from Numba's cache or freshly compiled (the generated module imports
this one first).  The symbols carry a version: a change of the ABI changes their names.

The ABI of ``replica_rule_v1(io, nh, ref_x, ref_w, k, lower, zmax, base, kind)`` (one
compiled function for both rules: one library to load on a warm start):

* ``io`` (``double *``, ``2 nh + 1`` entries, the kernel's stack): the hint centres in
  ``io[0:nh]``, their scales in ``io[nh:2 nh]`` (NaN: an unused slot); the rule writes the
  number of nodes ``n`` into ``io[2 nh]`` (``-1`` if the memory could not be allocated);
* ``ref_x``, ``ref_w``: the ``k``-point Gauss-Legendre reference rule on [-1, 1];
* ``lower``: the truncation point of the ``TRUNC`` rule (ignored by ``PANEL``);
* ``kind``: :data:`PANEL` or :data:`TRUNC`;
* returns a buffer from ``malloc`` holding the ``n`` nodes and then the ``n`` weights, which
  the kernel releases with ``free`` (NULL when ``n = -1``).

The nodes and weights are those of :func:`~replica.engine.quadrature.panel_rule` and
:func:`~replica.engine.quadrature.trunc_rule`, copied (the kernels' outputs are unchanged to
rounding, ``tests/replica/test_rules_c.py``).
"""
from __future__ import annotations

import llvmlite.binding as _llvm
import numba
from numba import carray, types
from numba.core import cgutils
from numba.extending import intrinsic

from .quadrature import panel_rule, trunc_rule

__all__ = ["rule_c", "PANEL", "TRUNC", "c_free", "stack_f64", "data_ptr"]

_P = types.CPointer(types.float64)
_RULE_SIG = _P(_P, types.intp, _P, _P, types.intp, types.float64, types.float64, types.float64,
               types.intp)
#: ``kind`` of :data:`rule_c`.
PANEL, TRUNC = 0, 1
_malloc = types.ExternalFunction("malloc", types.voidptr(types.intp))

#: ``free(p)`` for the buffers the rules return (``free(NULL)`` does nothing).
c_free = types.ExternalFunction("free", types.void(_P))


@intrinsic
def _as_f64(typingctx, p):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(_P))
    return _P(types.voidptr), codegen


@intrinsic
def _address(typingctx, p):
    def codegen(context, builder, signature, args):
        return builder.ptrtoint(args[0], context.get_value_type(types.intp))
    return types.intp(_P), codegen


@intrinsic
def stack_f64(typingctx, size):
    """``double *`` to ``size`` (an integer literal) doubles on the calling function's stack,
    allocated once in its entry block (reused by every iteration of a loop around the call)."""
    if not isinstance(size, types.IntegerLiteral):
        return None
    n = int(size.literal_value)

    def codegen(context, builder, signature, args):
        return cgutils.alloca_once(builder, context.get_value_type(types.float64), size=n)
    return _P(size), codegen


@intrinsic
def data_ptr(typingctx, arr):
    """The data pointer of a contiguous float64 array."""
    if not (isinstance(arr, types.Array) and arr.dtype == types.float64):
        return None

    def codegen(context, builder, signature, args):
        return context.make_array(signature.args[0])(context, builder, args[0]).data
    return _P(arr), codegen


@numba.njit(cache=True, nogil=True)
def _export(io, nh, x, w):
    # x, w -> one malloc'd buffer [x | w]; n (or -1 without memory) into io[2 nh]
    n = x.shape[0]
    buf = _as_f64(_malloc(16 * max(n, 1)))
    if _address(buf) == 0:
        io[2 * nh] = -1.0
        return buf
    for i in range(n):
        buf[i] = x[i]
        buf[n + i] = w[i]
    io[2 * nh] = float(n)
    return buf


@numba.cfunc(_RULE_SIG, cache=True, nogil=True)
def _rule(io, nh, ref_x, ref_w, k, lower, zmax, base, kind):
    h = carray(io, (2 * nh + 1,))
    rx = carray(ref_x, (k,))
    rw = carray(ref_w, (k,))
    if kind == TRUNC:
        x, w = trunc_rule(lower, h[:nh], h[nh:2 * nh], rx, rw, zmax, base)
    else:
        x, w = panel_rule(h[:nh], h[nh:2 * nh], rx, rw, zmax, base)
    return _export(h, nh, x, w)


_llvm.add_symbol("replica_rule_v1", _rule.address)

#: The rules by symbol: ``kind`` PANEL is :func:`~replica.engine.quadrature.panel_rule`
#: (``lower`` ignored), TRUNC :func:`~replica.engine.quadrature.trunc_rule`.
rule_c = types.ExternalFunction("replica_rule_v1", _RULE_SIG)
