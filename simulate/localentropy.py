"""Local entropy around reference configurations of the binary perceptron (exact).

* :func:`local_entropy_counts`: solutions of margin kappa counted by Hamming distance from
  references drawn among the solutions of margin kappa_ref.
* :func:`solution_margins`: min_mu Delta^mu of given configurations.

Conventions: ``xi`` has shape (P, N); Delta^mu(w) = w . xi^mu / sqrt(N); a solution of margin
kappa has Delta^mu >= kappa for all mu; Hamming distance d = (differing coordinates)/N, overlap
p = 1 - 2d. References are drawn with ``rng``: a seed reproduces the results bit for bit.
The local energy is in :mod:`simulate.localenergy`, the plain solver in :mod:`simulate.hinge`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulate._inputs import (_check_count, _check_patterns, _check_real, _check_rng,
                              _integer_valued)
from simulate._localkernels import _distance_counts_kernel
from simulate.binary import MAX_N, _integer_threshold, enumerate_solutions

__all__ = ["LocalEntropyCounts", "solution_margins", "local_entropy_counts", "shell_entropy"]


@dataclass(frozen=True)
class LocalEntropyCounts:
    """Solutions of margin kappa counted by Hamming distance from sampled references.

    Attributes
    ----------
    N, P : int
        Number of weights and of patterns.
    kappa : float
        Margin of the counted solutions (Delta^mu >= kappa for all mu).
    kappa_ref : float
        Margin of the reference candidates.
    n_solutions : int
        Number of solutions of margin kappa (the total of every row of ``counts``).
    n_candidates : int
        Number of solutions of margin kappa_ref, among which the references were drawn.
    references : ndarray of int8, shape (n_refs, N)
        The reference configurations themselves (rows of ±1), in the order they were drawn;
        n_refs = min(n_ref, n_candidates).
    counts : ndarray of int64, shape (n_refs, N+1)
        ``counts[r, k]`` = number of solutions of margin kappa at Hamming distance k (k
        differing coordinates) from ``references[r]``. Shape (0, N+1) if there is no candidate.
    """

    N: int
    P: int
    kappa: float
    kappa_ref: float
    n_solutions: int
    n_candidates: int
    references: np.ndarray
    counts: np.ndarray

    @property
    def alpha(self) -> float:
        """P/N."""
        return self.P / self.N

    @property
    def n_refs(self) -> int:
        """Number of references (rows of ``counts``)."""
        return int(self.counts.shape[0])

    @property
    def distances(self) -> np.ndarray:
        """Hamming distances d_k = k/N, k = 0..N (the columns of ``counts``)."""
        return np.arange(self.N + 1) / self.N

    @property
    def overlaps(self) -> np.ndarray:
        """Overlaps p_k = 1 - 2 d_k with the reference (the columns of ``counts``)."""
        return 1.0 - 2.0 * self.distances

    def log_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Natural logarithm of ``counts`` with an explicit validity mask.

        Returns
        -------
        values : ndarray of float64, shape (n_refs, N+1)
            ln counts[r, k] where counts[r, k] > 0, NaN where it is 0 (never -inf: an average
            that forgets the mask turns into NaN instead of a finite wrong number).
        valid : ndarray of bool, shape (n_refs, N+1)
            ``counts > 0``.
        """
        valid = self.counts > 0
        values = np.full(self.counts.shape, np.nan)
        np.log(self.counts, out=values, where=valid)
        return values, valid

    def cumulative(self) -> np.ndarray:
        """Number of solutions of margin kappa within Hamming distance <= k of each reference.

        Returns
        -------
        ndarray of int64, shape (n_refs, N+1)
            ``cumsum(counts, axis=1)``; the last column equals ``n_solutions``.
        """
        return np.cumsum(self.counts, axis=1, dtype=np.int64)


def solution_margins(xi, solutions) -> np.ndarray:
    r"""Smallest stability of each row: min_mu Delta^mu(w).

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows); finite reals.
    solutions : array_like, shape (M, N)
        Weight vectors as rows (int8 ±1, or floats); used as given (not normalised).

    Returns
    -------
    ndarray of float64, shape (M,)
        ``min_mu w . xi^mu / sqrt(N)`` per row; +inf if P = 0.

    Raises
    ------
    ValueError
        If ``xi`` or ``solutions`` is not 2-D, has non-finite entries, or their N differ.

    Notes
    -----
    :math:`\kappa(w)=\min_\mu w\cdot\xi^\mu/\sqrt N`. When both ``xi`` and ``solutions`` are
    integer valued (e.g. ±1 patterns and binary weights) the fields :math:`h^\mu=w\cdot\xi^\mu`
    are computed exactly in int64 and only :math:`\min_\mu h^\mu` is divided by
    :math:`\sqrt N`, so ``solution_margins(xi, S) >= kappa`` agrees with the integer
    threshold of :func:`simulate.binary.enumerate_solutions` except within rounding of kappa.

    References
    ----------
    .. [1] E. Gardner, "The space of interactions in neural network models",
       J. Phys. A 21, 257 (1988).
    """
    X = _check_patterns(xi)
    P, N = X.shape
    S = np.asarray(solutions)
    if S.ndim != 2:
        raise ValueError(f"solutions must have shape (M, N), got an array with shape {S.shape}")
    if S.shape[1] != N:
        raise ValueError(f"solutions has {S.shape[1]} columns but xi has N = {N}")
    if not (np.issubdtype(S.dtype, np.floating) or np.issubdtype(S.dtype, np.integer)):
        raise ValueError(f"solutions must be a real array, got dtype {S.dtype}")
    if not np.all(np.isfinite(S)):
        raise ValueError("solutions has non-finite entries")
    if P == 0:
        return np.full(S.shape[0], np.inf)
    if S.shape[0] == 0:
        return np.empty(0)
    xmax = float(np.max(np.abs(X)))
    smax = float(np.max(np.abs(S)))
    if (_integer_valued(X) and _integer_valued(S) and xmax * smax * N < 2.0**62):
        h = S.astype(np.int64) @ X.astype(np.int64).T
        return h.min(axis=1) / math.sqrt(N)
    h = np.asarray(S, dtype=np.float64) @ X.T
    return h.min(axis=1) / math.sqrt(N)


# --------------------------------------------------------------------------------------------
# Local entropy (binary, exact)
# --------------------------------------------------------------------------------------------

def _pack(S: np.ndarray) -> np.ndarray:
    """Bit codes of ±1 rows: bit i set iff w_i = -1 (the convention of simulate.binary)."""
    N = S.shape[1]
    bits = (np.asarray(S) < 0).astype(np.uint64)
    return np.bitwise_or.reduce(bits << np.arange(N, dtype=np.uint64), axis=1)


def _split_by_margin(X, res, kappa_hi, max_solutions):
    """Boolean mask of the rows of ``res.solutions`` with margin >= kappa_hi (>= res.kappa).

    Reproduces the comparison of :func:`enumerate_solutions` exactly: integer arithmetic
    compares the exact integer fields with the same snapped integer threshold; float arithmetic
    compares recomputed fields with kappa_hi*sqrt(N), and if any row lies within the rounding
    window of that threshold, enumerate_solutions is run at kappa_hi to decide.
    """
    S = res.solutions
    P, N = X.shape
    if kappa_hi == res.kappa or S.shape[0] == 0 or P == 0:
        return np.ones(S.shape[0], bool)
    if res.arithmetic == "integer":
        bound = int(np.max(np.abs(X))) * N
        m = _integer_threshold(kappa_hi, N, bound)
        h = S.astype(np.int64) @ X.astype(np.int64).T
        return h.min(axis=1) >= m
    thr = kappa_hi * math.sqrt(N)
    h = S.astype(np.float64) @ X.T
    hmin = h.min(axis=1)
    # drift_bound bounds the error of the enumeration's incremental fields; a direct dot
    # product errs by at most N u sum|xi| <= that bound again.
    slack = 2.0 * res.drift_bound * math.sqrt(N)
    if np.any(np.abs(hmin - thr) <= slack):
        hi = enumerate_solutions(X, kappa_hi, max_solutions=max_solutions)
        return np.isin(_pack(S), _pack(hi.solutions))
    return hmin >= thr


def local_entropy_counts(xi, kappa, kappa_ref, *, n_ref, rng, max_solutions=1_000_000
                         ) -> LocalEntropyCounts:
    r"""Count the solutions of margin kappa by Hamming distance from random reference solutions.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows). Gaussian or ±1 entries; N <= simulate.binary.MAX_N (= 40).
    kappa : float
        Margin of the counted solutions.
    kappa_ref : float
        Margin of the references: they are drawn uniformly, without replacement, among the
        solutions of margin kappa_ref (kappa_ref > kappa: references deep inside the solution
        space; kappa_ref = kappa: typical solutions).
    n_ref : int
        Number of references wanted (>= 1); min(n_ref, n_candidates) are drawn.
    rng : numpy.random.Generator
        Source of the reference draw (keyword only).
    max_solutions : int, default 1_000_000
        Cap on the solutions of margin min(kappa, kappa_ref) held in memory.

    Returns
    -------
    LocalEntropyCounts
        ``counts[r, k]`` for the drawn references; if there is no candidate, no reference and
        ``counts`` of shape (0, N+1) (no exception: record the instance).

    Raises
    ------
    ValueError
        On bad ``xi`` (not 2-D, non-finite, N > 40), non-finite ``kappa`` / ``kappa_ref``,
        ``n_ref < 1``, a ``rng`` that is not a Generator, or when the instance has more than
        ``max_solutions`` solutions of margin min(kappa, kappa_ref).

    Notes
    -----
    With :math:`\mathcal S_\kappa=\{w\in\{\pm1\}^N:\Delta^\mu(w)\ge\kappa\ \forall\mu\}` and a
    reference :math:`\tilde w\in\mathcal S_{\kappa_{ref}}`,

    .. math:: \mathcal N(\tilde w, k) = \#\{w\in\mathcal S_\kappa : d_H(w,\tilde w)=k\},\qquad
              S(\tilde w, d) = \frac1N \ln \mathcal N(\tilde w, dN),

    the local entropy of Huang and Kabashima [1]_ (references typical: kappa_ref = kappa,
    solutions are isolated, :math:`\mathcal N=0` for small d > 0) and of Baldassi et al. [2]_
    (references of larger margin or found by algorithms sit in dense regions).

    The solution set :math:`\mathcal S_{\min(\kappa,\kappa_{ref})}` is enumerated exactly by
    :func:`simulate.binary.enumerate_solutions` and split by margin with the same threshold
    semantics (integer patterns: exact integer fields against the snapped threshold
    :math:`\lceil\kappa\sqrt N\rceil`; real patterns: float comparison, with a second exact
    enumeration if a field falls within the rounding window). Distances are counted in a Numba
    kernel on 64-bit codes (bit i set iff w_i = -1): :math:`d_H=\mathrm{popcount}(a\oplus b)`,
    O(n_refs |S_kappa|). If kappa_ref >= kappa, ``counts[:, 0] == 1`` (the reference itself).
    The draw is ``rng.choice(n_candidates, size, replace=False)`` on the candidates sorted by
    bit code.

    References
    ----------
    .. [1] H. Huang and Y. Kabashima, "Origin of the computational hardness for learning with
       binary synapses", Phys. Rev. E 90, 052813 (2014).
    .. [2] C. Baldassi, A. Ingrosso, C. Lucibello, L. Saglietti and R. Zecchina, "Subdominant
       dense clusters allow for simple learning and high computational performance in neural
       networks with discrete synapses", Phys. Rev. Lett. 115, 128101 (2015).
    """
    X = _check_patterns(xi, max_n=MAX_N)
    kappa = _check_real(kappa, "kappa")
    kappa_ref = _check_real(kappa_ref, "kappa_ref")
    n_ref = _check_count(n_ref, "n_ref")
    _check_rng(rng)
    max_solutions = _check_count(max_solutions, "max_solutions", minimum=0)
    P, N = X.shape

    kappa_lo, kappa_hi = min(kappa, kappa_ref), max(kappa, kappa_ref)
    res = enumerate_solutions(X, kappa_lo, max_solutions=max_solutions)
    if not res.solutions_stored:
        raise ValueError(
            f"the instance has {res.count} solutions at margin {kappa_lo} > max_solutions = "
            f"{max_solutions}; raise max_solutions")
    S = res.solutions
    hi = _split_by_margin(X, res, kappa_hi, max_solutions)
    sol_rows = S if kappa <= kappa_ref else S[hi]
    cand_rows = S[hi] if kappa <= kappa_ref else S
    n_candidates = int(cand_rows.shape[0])
    n_draw = min(n_ref, n_candidates)
    idx = rng.choice(n_candidates, size=n_draw, replace=False) if n_draw else np.empty(0, int)
    refs = np.ascontiguousarray(cand_rows[idx], dtype=np.int8)
    counts = _distance_counts_kernel(_pack(refs), _pack(sol_rows), np.int64(N))
    refs.setflags(write=False)
    counts.setflags(write=False)
    return LocalEntropyCounts(N=N, P=P, kappa=kappa, kappa_ref=kappa_ref,
                              n_solutions=int(sol_rows.shape[0]), n_candidates=n_candidates,
                              references=refs, counts=counts)


def _h2(d: float) -> float:
    return -d * math.log(d) - (1.0 - d) * math.log(1.0 - d)


def _ln_binom(N: int, k: int) -> float:
    return math.lgamma(N + 1) - math.lgamma(k + 1) - math.lgamma(N - k + 1)


def shell_entropy(counts, d: float):
    """Finite-N local entropy of each reference at distance d, from the shell counts.

    Parameters
    ----------
    counts : array_like of int, shape (n_refs, N+1)
        ``counts[r, k]``: solutions at Hamming distance k from reference r.
    d : float
        Distance per weight, ``0 < d < 1``.

    Returns
    -------
    S : ndarray, shape (n_refs,)
        ``H2(d) + (1/N) sum_j w_j ln(counts[r, k_j]/C(N, k_j))`` with the linear-interpolation
        weights ``w_j`` of ``d N`` between its neighbouring integers ``k_j`` (one shell when
        ``d N`` is an integer to 1e-9); NaN where a needed count is 0.
    S_raw : ndarray, shape (n_refs,)
        ``(1/N) sum_j w_j ln counts[r, k_j]`` (no shell normalisation); NaN likewise.
    shells : tuple of int
        The shells ``k_j`` used.
    """
    c = np.asarray(counts)
    if c.ndim != 2 or c.shape[1] < 2:
        raise ValueError(f"counts must have shape (n_refs, N+1), got {c.shape}")
    N = c.shape[1] - 1
    if not 0.0 < d < 1.0:
        raise ValueError(f"d must be in (0, 1), got d={d}")
    x = d * N
    k0 = int(math.floor(x + 1e-9))
    f = x - k0
    shells, weights = ((k0,), (1.0,)) if abs(f) <= 1e-9 else ((k0, k0 + 1), (1.0 - f, f))
    raw = np.zeros(c.shape[0])
    norm = 0.0
    for k, w in zip(shells, weights):
        ck = c[:, k].astype(float)
        with np.errstate(divide="ignore"):
            lk = np.where(ck > 0, np.log(np.where(ck > 0, ck, 1.0)), np.nan)
        raw += w * lk
        norm += w * _ln_binom(N, k)
    return _h2(d) + (raw - norm) / N, raw / N, shells
