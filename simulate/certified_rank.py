"""Certified rank of a float64 matrix over the rationals (its entries are exact dyadic
numbers): the rank modulo a prime first (a lower bound, computed from NumPy residues in a
compiled Gauss-Jordan elimination; equal to min(shape) it certifies full rank), otherwise
fraction-free Bareiss elimination on the integer matrix with the same rank.  Used by
:func:`simulate.relu.jacobian_rank`.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from simulate._jit import jit

__all__ = ["certified_rank"]

#: Prime of the modular rank (rank mod p <= rank over Q; equality at full rank certifies it).
_PRIME = 2_147_483_647


@jit
def _rank_mod_p_kernel(A, p):
    """Rank over GF(p) of the residue matrix A (int64, entries in [0, p), p < 2^31 so that
    products fit in int64), by Gauss-Jordan elimination in place."""
    rows, cols = A.shape
    r = 0
    for c in range(cols):
        piv = -1
        for i in range(r, rows):
            if A[i, c] != 0:
                piv = i
                break
        if piv < 0:
            continue
        if piv != r:
            for k in range(cols):
                t = A[r, k]
                A[r, k] = A[piv, k]
                A[piv, k] = t
        # inverse of the pivot by Fermat: a^(p-2) mod p
        inv = 1
        base = A[r, c]
        e = p - 2
        while e > 0:
            if e & 1:
                inv = inv * base % p
            base = base * base % p
            e >>= 1
        for i in range(rows):
            if i != r and A[i, c] != 0:
                f = A[i, c] * inv % p
                for k in range(c, cols):
                    A[i, k] = (A[i, k] - f * A[r, k]) % p
        r += 1
        if r == rows:
            break
    return r


def _rank_mod_p(M, p=_PRIME):
    """Rank mod p of the integer matrix M (a list of rows of Python ints): a lower bound on
    its rank over the rationals."""
    if not M or not M[0]:
        return 0
    A = np.array([[x % p for x in row] for row in M], dtype=np.int64)
    return int(_rank_mod_p_kernel(A, np.int64(p)))


def _residues(J, p=_PRIME) -> np.ndarray:
    """The rows of ``_integer_rows(J)`` modulo p, computed in NumPy without big integers.

    A float64 x = m 2^e with an integer mantissa |m| < 2^53; row i of the integer matrix is
    J[i] 2^(-e_min(i)) with e_min(i) the smallest exponent of a nonzero entry of the row,
    whose entries m 2^(e - e_min) are reduced as (|m| mod p)(2^(e - e_min) mod p) mod p
    (both factors < 2^31, the product fits in int64)."""
    mant, ex = np.frexp(J)
    m = (mant * 2.0 ** 53).astype(np.int64)  # exact: |mant| < 1 has 53 significant bits
    e = ex.astype(np.int64) - 53
    nz = m != 0
    big = np.iinfo(np.int64).max
    emin = np.where(nz, e, big).min(axis=1)
    emin = np.where(emin == big, 0, emin)
    k = np.where(nz, e - emin[:, None], 0)
    pow2 = np.ones(int(k.max()) + 1, dtype=np.int64)
    for i in range(1, pow2.size):
        pow2[i] = pow2[i - 1] * 2 % p
    r = (np.abs(m) % p) * pow2[k] % p
    return np.where(m < 0, (p - r) % p, r)


def _rank_bareiss(M):
    """Exact rank of an integer matrix (fraction-free Gaussian elimination, Bareiss)."""
    M = [row[:] for row in M]
    rows, cols = len(M), len(M[0]) if M else 0
    r, prev = 0, 1
    for c in range(cols):
        piv = next((i for i in range(r, rows) if M[i][c] != 0), None)
        if piv is None:
            continue
        M[r], M[piv] = M[piv], M[r]
        for i in range(r + 1, rows):
            M[i] = [(M[r][c] * M[i][k] - M[i][c] * M[r][k]) // prev if k > c else 0
                    for k in range(cols)]
        prev = M[r][c]
        r += 1
        if r == rows:
            break
    return r


def _integer_rows(J):
    """J (float64, exact dyadic rationals) as an integer matrix with the same rank."""
    out = []
    for row in J:
        fr = [Fraction(float(x)) for x in row]
        den = 1
        for f in fr:
            den = den * f.denominator // math.gcd(den, f.denominator)
        out.append([int(f * den) for f in fr])
    return out


def certified_rank(J) -> int:
    """Exact rank over Q of a finite float64 matrix (module notes)."""
    J = np.asarray(J, dtype=float)
    if J.size == 0:
        return 0
    Jr = np.ascontiguousarray(J if J.shape[0] <= J.shape[1] else J.T)
    full = min(J.shape)
    if _rank_mod_p_kernel(_residues(Jr), np.int64(_PRIME)) == full:
        return full
    return _rank_bareiss(_integer_rows(Jr))
