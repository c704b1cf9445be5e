"""The dichotomies one ReLU neuron (a linear or affine threshold unit) can realise on n inputs:
all of them, enumerated exactly (:func:`realisable_dichotomies`), the non-empty activation
rows of :mod:`simulate.relu`.

References
----------
T. M. Cover, "Geometrical and statistical properties of systems of linear inequalities with
applications in pattern recognition", IEEE Trans. Electron. Comput. 14, 326 (1965).
"""
from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = ["realisable_dichotomies", "GENERIC_TOL", "MAX_CANDIDATES"]


#: Relative tolerance of :func:`realisable_dichotomies`: a |cosine| (or volume sine) of the
#: lifted inputs below it means the data are not in general position.
GENERIC_TOL = 1e-10
#: Largest number C(n, D - 1) 2^(D - 1) of candidate patterns (per sign of the ray) that
#: :func:`realisable_dichotomies` enumerates; above it, it refuses.
MAX_CANDIDATES = 50_000_000


def _cover(n, D) -> int:
    """Cover's count 2 sum_{k<D} binom(n - 1, k) (computed here: ``simulate`` does not import
    ``replica``)."""
    return 2 * sum(math.comb(n - 1, k) for k in range(D))


def _combinations(n, m, chunk):
    """The m-subsets of range(n) in lexicographic order, in int64 blocks of <= chunk rows."""
    it = itertools.combinations(range(n), m)
    while True:
        block = np.fromiter(itertools.chain.from_iterable(itertools.islice(it, chunk)),
                            dtype=np.int64)
        if block.size == 0:
            return
        yield block.reshape(-1, m)


def _pack_rows(P):
    """0/1 rows (N, n) as (N, ceil(n/64)) uint64 words, input 0 in the top bit of word 0:
    the lexicographic order of the rows is the lexicographic order of their words."""
    N, n = P.shape
    k = -(-n // 64)
    buf = np.zeros((N, 8 * k), dtype=np.uint8)
    buf[:, :(n + 7) // 8] = np.packbits(P, axis=1)
    return buf.view(">u8").astype(np.uint64)


def _unpack_rows(K, n):
    b = np.ascontiguousarray(K.astype(">u8")).view(np.uint8).reshape(K.shape[0], -1)
    return np.unpackbits(b, axis=1)[:, :n]


def _unique_rows(K):
    """Sorted distinct rows of a (N, k) uint64 array (lexicographic)."""
    if K.shape[1] == 1:
        return np.unique(K[:, 0])[:, None]
    K = K[np.lexsort(K.T[::-1])]
    keep = np.ones(K.shape[0], dtype=bool)
    keep[1:] = np.any(K[1:] != K[:-1], axis=1)
    return K[keep]


def _non_generic(msg):
    return ValueError(f"non-generic data: the inputs are not in general position ({msg})")


def _unit_rows(Xt):
    """The lifted inputs scaled to unit norm (a zero input is non-generic)."""
    norms = np.linalg.norm(Xt, axis=1)
    if np.any(norms == 0):
        raise _non_generic(f"input {int(np.flatnonzero(norms == 0)[0])} is the origin and "
                           "there is no bias")
    return Xt / norms[:, None]


def _one_dimensional_rows(U):
    """D = 1: the rows 1{x_j > 0} and their complement, in lexicographic order."""
    s = (U[:, 0] > 0).astype(np.uint8)
    rows = np.array([s, 1 - s], dtype=np.uint8)
    return rows[np.lexsort(rows.T[::-1])]


def _independent_rows(U, tol):
    """n < D: all 2^n rows in lexicographic order, once the inputs are checked independent."""
    n = U.shape[0]
    sv = np.linalg.svd(U, compute_uv=False)
    if sv[-1] < tol:
        raise _non_generic(f"the {n} lifted inputs are linearly dependent (smallest "
                           f"singular value {sv[-1]:.3g} of the unit rows < tol = {tol:g})")
    c = np.arange(2 ** n, dtype=np.int64)
    return ((c[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.uint8)


def _check_candidates(n, D, max_candidates):
    """Refuse when the C(n, D-1) 2^(D-1) candidates exceed ``max_candidates``."""
    m = D - 1
    cand = math.comb(n, m) * 2 ** m
    if cand > max_candidates:
        raise ValueError(f"enumerating the dichotomies of n = {n} inputs in dimension D = {D} "
                         f"takes C(n, D-1) 2^(D-1) = {cand:.3g} candidates, over the limit "
                         f"{max_candidates:.3g} (there are {_cover(n, D):.3g} dichotomies)")


def _ray_cosines(U, S, minors, tol):
    """Cosines (B, n) of the inputs with the null rays of the subsets S, and the S masks."""
    B, n = S.shape[0], U.shape[0]
    D = U.shape[1]
    rb = np.arange(B)
    M = U[S]  # (B, m, D)
    r = np.stack([(-1.0) ** c * np.linalg.det(M[:, :, minors[c]]) for c in range(D)],
                 axis=1)
    vol = np.linalg.norm(r, axis=1)
    if np.any(vol < tol):
        b = int(np.argmin(vol))
        raise _non_generic(f"the lifted inputs {S[b].tolist()} are linearly dependent "
                           f"(volume sine {vol[b]:.3g} < tol = {tol:g})")
    cos = (r / vol[:, None]) @ U.T  # (B, n)
    inS = np.zeros((B, n), dtype=bool)
    inS[rb[:, None], S] = True
    small = (np.abs(cos) < tol) & ~inS
    if np.any(small):
        b, j = np.argwhere(small)[0]
        raise _non_generic(f"lifted input {int(j)} lies in the span of the lifted inputs "
                           f"{S[b].tolist()} (|cos| = {abs(cos[b, j]):.3g} < tol = {tol:g})")
    return cos, inS


def _candidate_words(cos, inS, S, choice, word, bitv, full):
    """Packed candidate rows (B, 2^D, k): both rays of each S, with every sign choice on S."""
    B, m = S.shape
    rb = np.arange(B)
    base = _pack_rows(((cos > 0) & ~inS).astype(np.uint8))  # (B, k), S bits clear
    k = base.shape[1]
    smask = np.zeros((B, k), dtype=np.uint64)
    add = np.zeros((B, 2 ** m, k), dtype=np.uint64)
    for t in range(m):
        one = np.zeros((B, k), dtype=np.uint64)
        one[rb, word[S[:, t]]] = bitv[S[:, t]]
        smask |= one
        add |= np.where(choice[None, :, t, None], one[:, None, :], np.uint64(0))
    neg = ~base & full & ~smask
    return np.concatenate([base[:, None, :] | add, neg[:, None, :] | add], axis=1)


def realisable_dichotomies(X, *, bias=True, tol=GENERIC_TOL,
                           max_candidates=MAX_CANDIDATES) -> np.ndarray:
    """All activation rows one neuron can realise on the inputs X: the dichotomies of the n
    inputs by an affine (``bias=True``) or linear (``bias=False``) threshold function.

    Parameters
    ----------
    X : array_like, shape (n, d0)
        The inputs, one per row, in general position (after the lift below).
    bias : bool
        Lift x -> (x, 1) (dimension D = d0 + 1) or not (D = d0).
    tol : float
        Genericity tolerance (default :data:`GENERIC_TOL`): with unit lifted inputs u_j, a
        set S of D - 1 of them whose volume sine |det| (the norm of their cofactor vector) is
        below ``tol``, or an input outside S with |u_j . r| < ``tol`` for the unit null vector
        r of S, makes the data non-generic.
    max_candidates : int
        Refuse when C(n, D - 1) 2^(D - 1) exceeds it (default :data:`MAX_CANDIDATES`).

    Returns
    -------
    numpy.ndarray
        uint8 array (C, n), the distinct realisable 0/1 rows (row[j] = 1: input j active) in
        lexicographic order.  For generic data C is Cover's count 2 sum_{k<D} binom(n-1, k)
        (2^n when n <= D).

    Raises
    ------
    ValueError
        Non-generic data (a zero input without bias, a repeated input, D of the lifted inputs
        linearly dependent, e.g. three collinear points in the plane with a bias), or an
        enumeration over ``max_candidates``.

    Notes
    -----
    The realisable rows are the regions of the central arrangement of the n hyperplanes
    {w : w . xt_j = 0} in R^D (xt_j the lifted inputs): row[j] = 1{w . xt_j > 0}.  For
    n >= D in general position every region is a pointed cone (the xt_j span R^D), so its
    closure contains an extreme ray, the intersection of D - 1 of the hyperplanes.  For every
    set S of D - 1 inputs, r is the null vector of their (D - 1) x D matrix (its cofactor
    vector); on both rays +-r the other inputs get sign(xt_j . r) (nonzero by genericity),
    and the inputs of S get all 2^(D - 1) sign choices, each realised by w = +-r + e with e
    small, as the rows of S are independent (solve xt_S e = any signs).  Every region thus
    appears among the 2^D C(n, D - 1) candidates; the distinct ones are collected (as
    bit-packed words, deduplicated by sorting).  n < D: the xt_j are independent and all 2^n
    rows are realisable.  D = 1 (no bias, d0 = 1): the two rows 1{x_j > 0} and their
    complement.
    """
    from .relu import _check_X, _lift  # (relu imports this module)

    X = _check_X(X)
    tol = float(tol)
    Xt = _lift(X, bias)
    n, D = Xt.shape
    U = _unit_rows(Xt)
    if D == 1:
        return _one_dimensional_rows(U)
    if n < D:
        return _independent_rows(U, tol)
    m = D - 1
    _check_candidates(n, D, max_candidates)
    k = -(-n // 64)
    word = np.arange(n) // 64
    bitv = np.left_shift(np.uint64(1), (63 - np.arange(n) % 64).astype(np.uint64))
    full = _pack_rows(np.ones((1, n), dtype=np.uint8))[0]
    choice = ((np.arange(2 ** m)[:, None] >> np.arange(m)) & 1).astype(bool)  # (2^m, m)
    minors = [np.delete(np.arange(D), c) for c in range(D)]
    chunk = max(1, 2 ** 21 // (2 ** (m + 1) * k + n))
    acc = np.empty((0, k), dtype=np.uint64)
    pending, npend = [], 0
    for S in _combinations(n, m, chunk):
        cos, inS = _ray_cosines(U, S, minors, tol)
        cands = _candidate_words(cos, inS, S, choice, word, bitv, full)
        u = _unique_rows(cands.reshape(-1, k))
        pending.append(u)
        npend += u.shape[0]
        if npend > 2 * acc.shape[0] + 4_000_000:
            acc = _unique_rows(np.concatenate([acc] + pending))
            pending, npend = [], 0
    acc = _unique_rows(np.concatenate([acc] + pending))
    return _unpack_rows(acc, n)
