"""Floating-point reductions summed in an order fixed by the source: the same bits on every CPU.

BLAS (``np.dot``, ``@`` and ``np.linalg.norm`` on floats, in NumPy and inside Numba kernels)
chooses its kernel for the CPU at run time (OpenBLAS ``DYNAMIC_ARCH``: SkylakeX, Haswell,
Sandybridge, Zen, ...), and the kernels sum in different orders, so the last bits of a dot
product depend on the machine. A Markov chain or an iterative solver amplifies one ulp into a
different trajectory within a few sweeps: the hit-and-run samples of an instance, and every
observable computed from them, then differ from machine to machine although the seeds are the
same (issue #15). The kernels below sum in the order written here and are compiled without
fast-math (no reassociation, no fused multiply-add), so LLVM can vectorise them only across
independent sums: the result does not depend on the CPU, the SIMD width, BLAS or the number of
threads. ``benchmarks/check_reproducibility.py`` checks it.
"""
from __future__ import annotations

import math

import numpy as np

from simulate._jit import jit

__all__ = ["dot", "norm", "matvec_t", "matmat_t", "sin", "cos", "atan2"]


@jit
def dot(x, y):
    """sum_i x[i] y[i] with 4 interleaved partial sums s_j = sum_k x[4k+j] y[4k+j] (the tail
    beyond a multiple of 4 added to s_0 in order), returned as (s_0 + s_1) + (s_2 + s_3)."""
    n = x.shape[0]
    m = n - n % 4
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for i in range(0, m, 4):
        s0 += x[i] * y[i]
        s1 += x[i + 1] * y[i + 1]
        s2 += x[i + 2] * y[i + 2]
        s3 += x[i + 3] * y[i + 3]
    for i in range(m, n):
        s0 += x[i] * y[i]
    return (s0 + s1) + (s2 + s3)


def norm(x) -> float:
    """Euclidean norm sqrt(dot(x, x)) of a float64 vector, in the fixed order of :func:`dot`."""
    return math.sqrt(dot(x, x))


@jit
def matmat_t(XT, G, nk, out):
    """out[k, mu] = sum_i XT[i, mu] G[k, i] for k < nk, each sum accumulated in increasing i:
    row k equals ``matvec_t(XT, G[k])`` bit for bit. One pass over XT serves all nk vectors
    (row i of XT is read once per block, not once per vector), which is what makes a block
    of directions cheaper than nk matrix-vector products when XT does not fit in cache."""
    N, P = XT.shape
    for k in range(nk):
        for mu in range(P):
            out[k, mu] = 0.0
    for i in range(N):
        for k in range(nk):
            g = G[k, i]
            for mu in range(P):
                out[k, mu] += XT[i, mu] * g


@jit
def matvec_t(XT, v, out):
    """out[mu] = sum_i XT[i, mu] v[i], each sum accumulated in increasing i (so out = X v for
    XT = X.T, C-contiguous). The loop over mu is elementwise (vectorised by LLVM); 8 rows of
    XT are read per pass over ``out``, which does not change the order of any sum."""
    N, P = XT.shape
    m = N - N % 8
    for mu in range(P):
        out[mu] = 0.0
    for i in range(0, m, 8):
        v0 = v[i]
        v1 = v[i + 1]
        v2 = v[i + 2]
        v3 = v[i + 3]
        v4 = v[i + 4]
        v5 = v[i + 5]
        v6 = v[i + 6]
        v7 = v[i + 7]
        for mu in range(P):
            acc = out[mu]
            acc += XT[i, mu] * v0
            acc += XT[i + 1, mu] * v1
            acc += XT[i + 2, mu] * v2
            acc += XT[i + 3, mu] * v3
            acc += XT[i + 4, mu] * v4
            acc += XT[i + 5, mu] * v5
            acc += XT[i + 6, mu] * v6
            acc += XT[i + 7, mu] * v7
            out[mu] = acc
    for i in range(m, N):
        vi = v[i]
        for mu in range(P):
            out[mu] += XT[i, mu] * vi


# --------------------------------------------------------------------------------------------
# Portable sin, cos, atan2
# --------------------------------------------------------------------------------------------
# The system libm is not the same function everywhere: glibc picks an FMA or a non-FMA variant
# of sin/cos/atan2 for the CPU (they differ in the last bit for ~1e-3 of the arguments), and
# other platforms ship other libms. The chains are chaotic, so the sampler uses these ports of
# FreeBSD msun / Sun fdlibm (k_sin.c, k_cos.c, e_rem_pio2.c, s_atan.c, e_atan2.c; "Copyright
# (C) 1993 by Sun Microsystems, Inc. All rights reserved. Developed at SunPro, a Sun
# Microsystems, Inc. business. Permission to use, copy, modify, and distribute this software
# is freely granted, provided that this notice is preserved."): +, -, *, / only, no FMA, so
# the same bits on every IEEE-754 machine; errors below 1 ulp (tested against libm).

_S1 = -1.66666666666666324348e-01
_S2 = 8.33333333332248946124e-03
_S3 = -1.98412698298579493134e-04
_S4 = 2.75573137070700676789e-06
_S5 = -2.50507602534068634195e-08
_S6 = 1.58969099521155010221e-10
_C1 = 4.16666666666666019037e-02
_C2 = -1.38888888888741095749e-03
_C3 = 2.48015872894767294178e-05
_C4 = -2.75573143513906633035e-07
_C5 = 2.08757232129817482790e-09
_C6 = -1.13596475577881948265e-11
_INVPIO2 = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e+00   # first 33 bits of pi/2
_PIO2_2 = 6.07710050630396597660e-11   # second 33 bits of pi/2
_PIO2_2T = 2.02226624879595063154e-21  # pi/2 - (_PIO2_1 + _PIO2_2)
_PI = 3.14159265358979311600e+00
_PI_LO = 1.22464679914735317722e-16
_PI_O_2 = 1.57079632679489655800e+00
_ATANHI = (4.63647609000806093515e-01, 7.85398163397448278999e-01,
           9.82793723247329054082e-01, 1.57079632679489655800e+00)
_ATANLO = (2.26987774529616870924e-17, 3.06161699786838301793e-17,
           1.39033110312309984516e-17, 6.12323399573676603587e-17)
_AT0 = 3.33333333333329318027e-01
_AT1 = -1.99999999998764832476e-01
_AT2 = 1.42857142725034663711e-01
_AT3 = -1.11111104054623557880e-01
_AT4 = 9.09088713343650656196e-02
_AT5 = -7.69187620504482999495e-02
_AT6 = 6.66107313738753120669e-02
_AT7 = -5.83357013379057348645e-02
_AT8 = 4.97687799461593236017e-02
_AT9 = -3.65315727442169155270e-02
_AT10 = 1.62858201153657823623e-02


@jit
def _ksin(x, y):
    """sin(x + y) on [-pi/4, pi/4], |y| << |x| (msun k_sin.c with iy = 1)."""
    z = x * x
    w = z * z
    r = _S2 + z * (_S3 + z * _S4) + z * w * (_S5 + z * _S6)
    v = z * x
    return x - ((z * (0.5 * y - v * r) - y) - v * _S1)


@jit
def _kcos(x, y):
    """cos(x + y) on [-pi/4, pi/4], |y| << |x| (msun k_cos.c)."""
    z = x * x
    w = z * z
    r = z * (_C1 + z * (_C2 + z * _C3)) + w * w * (_C4 + z * (_C5 + z * _C6))
    hz = 0.5 * z
    w = 1.0 - hz
    return w + (((1.0 - w) - hz) + (z * r - x * y))


@jit
def _rem_pio2(x):
    """(n, y0, y1) with x = n pi/2 + y0 + y1, |y0 + y1| <= pi/4 (Cody-Waite, 99 bits of pi/2;
    accurate for |x| below ~1e5, the sampler's angles are in [0, 2 pi])."""
    fn = math.floor(x * _INVPIO2 + 0.5)
    r = x - fn * _PIO2_1          # exact for |fn| < 2^20
    w = fn * _PIO2_2
    t = r
    r = t - w
    w = fn * _PIO2_2T - ((t - r) - w)
    y0 = r - w
    y1 = (r - y0) - w
    return np.int64(fn), y0, y1


@jit
def sin(x):
    """sin(x), the same bits on every machine (|x| below ~1e5; see :func:`_rem_pio2`)."""
    n, y0, y1 = _rem_pio2(x)
    q = n & 3
    if q == 0:
        return _ksin(y0, y1)
    if q == 1:
        return _kcos(y0, y1)
    if q == 2:
        return -_ksin(y0, y1)
    return -_kcos(y0, y1)


@jit
def cos(x):
    """cos(x), the same bits on every machine (|x| below ~1e5)."""
    n, y0, y1 = _rem_pio2(x)
    q = n & 3
    if q == 0:
        return _kcos(y0, y1)
    if q == 1:
        return -_ksin(y0, y1)
    if q == 2:
        return -_kcos(y0, y1)
    return _ksin(y0, y1)


@jit
def _atan(x):
    """atan(x) for finite x (fdlibm s_atan.c)."""
    ax = abs(x)
    if ax >= 7.3786976294838206e19:  # 2^66
        return _ATANHI[3] + _ATANLO[3] if x > 0 else -_ATANHI[3] - _ATANLO[3]
    if ax < 0.4375:
        if ax < 7.450580596923828e-09:  # 2^-27
            return x
        k = -1
        t = x
    elif ax < 1.1875:
        if ax < 0.6875:
            k = 0
            t = (2.0 * ax - 1.0) / (2.0 + ax)
        else:
            k = 1
            t = (ax - 1.0) / (ax + 1.0)
    elif ax < 2.4375:
        k = 2
        t = (ax - 1.5) / (1.0 + 1.5 * ax)
    else:
        k = 3
        t = -1.0 / ax
    z = t * t
    w = z * z
    s1 = z * (_AT0 + w * (_AT2 + w * (_AT4 + w * (_AT6 + w * (_AT8 + w * _AT10)))))
    s2 = w * (_AT1 + w * (_AT3 + w * (_AT5 + w * (_AT7 + w * _AT9))))
    if k < 0:
        return t - t * (s1 + s2)
    hi = _ATANHI[0]
    lo = _ATANLO[0]
    if k == 1:
        hi = _ATANHI[1]
        lo = _ATANLO[1]
    elif k == 2:
        hi = _ATANHI[2]
        lo = _ATANLO[2]
    elif k == 3:
        hi = _ATANHI[3]
        lo = _ATANLO[3]
    r = hi - ((t * (s1 + s2) - lo) - t)
    return r if x >= 0 else -r


@jit
def atan2(y, x):
    """atan2(y, x) in [-pi, pi] for finite y, x, the same bits on every machine (fdlibm
    e_atan2.c; the exponent tests are written as |y/x| > 2^60 and < 2^-60)."""
    if x == 1.0:
        return _atan(y)
    ny = math.copysign(1.0, y) < 0.0
    nx = math.copysign(1.0, x) < 0.0
    if y == 0.0:
        if not nx:
            return y
        return -_PI if ny else _PI
    if x == 0.0:
        return -_PI_O_2 if ny else _PI_O_2
    t = abs(y / x)
    if t > 1.152921504606847e18:  # 2^60: |y/x| huge
        return -(_PI_O_2 + 0.5 * _PI_LO) if ny else _PI_O_2 + 0.5 * _PI_LO
    if nx and t < 8.673617379884035e-19:  # 2^-60, x < 0: |y/x| tiny
        z = 0.0
    else:
        z = _atan(t)
    if not nx:
        return -z if ny else z
    if not ny:
        return _PI - (z - _PI_LO)
    return (z - _PI_LO) - _PI
