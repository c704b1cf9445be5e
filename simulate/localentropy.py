"""Local entropy and local energy around reference configurations, and a plain solver.

* :func:`local_entropy_counts` (binary, exact): solutions of margin kappa counted by Hamming
  distance from references drawn among the solutions of margin kappa_ref.
* :func:`local_energy` (spherical), :func:`local_energy_binary`: mean fraction of violated
  constraints of random configurations at fixed overlap with a reference.
* :func:`find_solution`: perceptron-style subgradient solver on the sphere (the algorithmic
  counterpart: references found by an algorithm). :func:`solution_margins`: min_mu Delta^mu.

Conventions: ``xi`` has shape (P, N); Delta^mu(w) = w . xi^mu / sqrt(N); a solution of margin
kappa has Delta^mu >= kappa for all mu; Hamming distance d = (differing coordinates)/N, overlap
p = 1 - 2d. Random numbers are drawn from ``rng`` in NumPy and passed to the Numba kernels
(:mod:`simulate._localkernels`): a seed reproduces the results bit for bit.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np

from simulate._localkernels import (_distance_counts_kernel, _flip_violations_kernel,
                                   _perceptron_kernel, _sphere_violations_kernel)
from simulate.binary import MAX_N, _integer_threshold, enumerate_solutions

__all__ = [
    "LocalEntropyCounts",
    "LocalEnergy",
    "SolverResult",
    "solution_margins",
    "local_entropy_counts",
    "local_energy",
    "local_energy_binary",
    "find_solution",
]

#: find_solution aims every update at kappa + SAFETY_MARGIN (stability units) and stops as soon
#: as every stability is >= kappa + STOP_GUARD.
SAFETY_MARGIN = 0.05
#: Stop only when min Delta >= kappa + STOP_GUARD: far above the rounding of a stability (~1e-14
#: for |xi^mu| ~ sqrt(N)), so the returned w stays a solution when its stabilities are
#: recomputed in any summation order.
STOP_GUARD = 1e-9
#: Rows of Gaussian vectors drawn per call of the local-energy kernel (memory: rows * N * 8 B).
_CHUNK_ELEMENTS = 1 << 21
#: find_solution: epochs in the first block of presentation orders (doubling up to a cap).
_FIRST_EPOCH_BLOCK = 4
_MAX_PERM_ELEMENTS = 1 << 20


# --------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class LocalEnergy:
    """Fraction of violated constraints of random configurations at fixed overlap with w_ref.

    Attributes
    ----------
    overlaps : ndarray of float64, shape (n_overlaps,)
        Overlaps p = w . w_ref_hat / N of the sampled configurations (for the binary version,
        the realised overlaps 1 - 2 round(d N)/N).
    kappa : float
        Margin: constraint mu is violated iff Delta^mu(w) < kappa.
    n_samples : int
        Random configurations per overlap.
    e : ndarray of float64, shape (n_overlaps,)
        Mean over the samples of the fraction of violated constraints (energy per P).
    e_err : ndarray of float64, shape (n_overlaps,)
        Standard error of ``e`` (sample standard deviation / sqrt(n_samples)).
    e_ref : float
        Fraction of the constraints violated by the reference itself (normalised to |w|^2 = N).
    """

    overlaps: np.ndarray
    kappa: float
    n_samples: int
    e: np.ndarray
    e_err: np.ndarray
    e_ref: float

    @property
    def distances(self) -> np.ndarray:
        """d = (1 - p)/2 = |w - w_ref|^2/(4N) (the Hamming distance for binary weights)."""
        return (1.0 - self.overlaps) / 2.0


@dataclass(frozen=True)
class SolverResult:
    """Outcome of :func:`find_solution`.

    Attributes
    ----------
    w : ndarray of float64, shape (N,)
        The last iterate, |w|^2 = N (up to rounding).
    margin : float
        min_mu Delta^mu(w).
    epochs : int
        Full passes over the patterns performed (0 if the starting point was a solution).
    converged : bool
        True iff ``margin >= kappa + STOP_GUARD`` (1e-9): w is a strict solution.
    """

    w: np.ndarray
    margin: float
    epochs: int
    converged: bool


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------


def _check_patterns(xi, *, max_n=None) -> np.ndarray:
    arr = np.asarray(xi)
    if arr.ndim != 2:
        raise ValueError(f"xi must have shape (P, N), got an array with shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"xi must be a real array, got dtype {arr.dtype}")
    P, N = arr.shape
    if N < 1:
        raise ValueError(f"xi must have dimension N >= 1, got N = {N}")
    if max_n is not None and N > max_n:
        raise ValueError(f"xi has N = {N} columns; exact enumeration supports N <= {max_n}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"xi has a non-finite entry at xi[{bad[0]}, {bad[1]}] = {arr[tuple(bad)]}")
    return arr


def _check_real(value, name) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _check_count(value, name, minimum=1) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )


def _check_weights(w, N, name, *, binary=False) -> np.ndarray:
    arr = np.asarray(w)
    if arr.shape != (N,):
        raise ValueError(f"{name} must have shape (N,) = ({N},) to match xi, got {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must be a real array, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has a non-finite entry at index {np.argmin(np.isfinite(arr))}")
    if binary and not np.all((arr == 1.0) | (arr == -1.0)):
        raise ValueError(f"{name} must contain only +1 and -1 entries")
    if not np.any(arr):
        raise ValueError(f"{name} is the zero vector: it has no direction")
    return arr


def _check_grid(values, name, lo, hi) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must be real, got dtype {arr.dtype}")
    arr = np.asarray(arr, dtype=np.float64)
    bad = ~(np.isfinite(arr) & (arr >= lo) & (arr <= hi))
    if np.any(bad):
        j = int(np.argmax(bad))
        raise ValueError(f"{name}[{j}] = {arr[j]} is outside [{lo}, {hi}]")
    return arr


# --------------------------------------------------------------------------------------------
# Margins
# --------------------------------------------------------------------------------------------


def _integer_valued(a: np.ndarray) -> bool:
    return bool(np.all(a == np.rint(a)))


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


# --------------------------------------------------------------------------------------------
# Local energy
# --------------------------------------------------------------------------------------------


def _summarise(viol: np.ndarray, P: int):
    """Mean and standard error of viol/P, from exact integer sums (0 exactly if constant)."""
    n = int(viol.size)
    s1 = int(viol.sum())
    s2 = int(np.dot(viol, viol))
    var = (n * s2 - s1 * s1) / (n * (n - 1))  # sample variance of viol, ddof=1
    return s1 / (n * P), math.sqrt(var / n) / P


def _check_energy_inputs(xi, kappa, n_samples, rng):
    X = _check_patterns(xi)
    P, N = X.shape
    if P < 1:
        raise ValueError("xi must hold P >= 1 patterns (the energy is a fraction of P)")
    kappa = _check_real(kappa, "kappa")
    n_samples = _check_count(n_samples, "n_samples", minimum=2)
    _check_rng(rng)
    return X, kappa, n_samples


def local_energy(xi, w_ref, overlaps, kappa, *, n_samples, rng) -> LocalEnergy:
    r"""Mean fraction of violated constraints at fixed overlap with a reference (spherical).

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows); P >= 1, N >= 2.
    w_ref : array_like, shape (N,)
        Reference weights (any non-zero norm: normalised to |w|^2 = N).
    overlaps : array_like of float, shape (n_overlaps,)
        Overlaps p in [-1, 1].
    kappa : float
        Margin: constraint mu is violated iff Delta^mu(w) < kappa.
    n_samples : int
        Random configurations per overlap (>= 2, for the standard error).
    rng : numpy.random.Generator
        Source of the Gaussian vectors (keyword only).

    Returns
    -------
    LocalEnergy
        ``e[j]`` (energy per P at overlap ``overlaps[j]``), ``e_err[j]`` and ``e_ref``.

    Raises
    ------
    ValueError
        On bad ``xi``, N < 2, ``w_ref`` of the wrong shape / zero / non-finite, an overlap
        outside [-1, 1] or non-finite (named by index), ``n_samples < 2``, a bad ``rng``.

    Notes
    -----
    With :math:`\hat w = \sqrt N\, w_{ref}/|w_{ref}|`, each sample is
    :math:`w = p\,\hat w + \sqrt{1-p^2}\,u`, where :math:`u=\sqrt N\,v/|v|`,
    :math:`v = g - (g\cdot\hat w/N)\,\hat w`, :math:`g\sim\mathcal N(0,I_N)`: u is uniform on
    the sphere of radius :math:`\sqrt N` orthogonal to :math:`\hat w`, so :math:`|w|^2=N` and
    :math:`w\cdot\hat w/N=p` exactly. The energy per P is

    .. math:: e(p) = \frac1P\,\mathbb E_u \sum_\mu \theta\big(\kappa-\Delta^\mu(w)\big),
              \qquad \Delta^\mu(w) = p\,\Delta^\mu(\hat w) + \sqrt{1-p^2}\,\xi^\mu\cdot u/\sqrt N,

    and ``e_err`` is the standard error over the configurations (the constraints of one
    configuration are correlated). For each overlap in order, ``rng.standard_normal((n_samples,
    N))`` is drawn (in row chunks: the same stream), also at p = ±1 where it is not used.
    Exactly, :math:`\xi^\mu\cdot u/\sqrt N = |\xi^\mu_\perp|\,t` with
    :math:`|\xi^\mu_\perp|^2=|\xi^\mu|^2-\Delta^\mu(\hat w)^2` and :math:`(1+t)/2` Beta((N-2)/2,
    (N-2)/2)-distributed; at large N this gives :math:`e(p)\approx\frac1P\sum_\mu
    H\big((p\Delta^\mu(\hat w)-\kappa)/\sqrt{1-p^2}\big)`. Flat (wide) minima have an e(p)
    that rises slowly as p decreases from 1 [1]_.

    References
    ----------
    .. [1] C. Baldassi, F. Pittorino and R. Zecchina, "Shaping the learning landscape in
       neural networks around wide flat minima", PNAS 117, 161 (2020).
    """
    X, kappa, n_samples = _check_energy_inputs(xi, kappa, n_samples, rng)
    P, N = X.shape
    if N < 2:
        raise ValueError("xi must have N >= 2 (the sphere orthogonal to w_ref is empty at N = 1)")
    w = _check_weights(w_ref, N, "w_ref")
    p_arr = _check_grid(overlaps, "overlaps", -1.0, 1.0)
    w_hat = w * (math.sqrt(N) / np.linalg.norm(w))
    chunk = max(1, _CHUNK_ELEMENTS // N)
    e = np.empty(p_arr.size)
    e_err = np.empty(p_arr.size)
    for j, p in enumerate(p_arr):
        viol = np.empty(n_samples, np.int64)
        for start in range(0, n_samples, chunk):
            stop = min(n_samples, start + chunk)
            G = rng.standard_normal((stop - start, N))
            viol[start:stop] = _sphere_violations_kernel(X, w_hat, G, float(p), kappa)
        e[j], e_err[j] = _summarise(viol, P)
    e_ref = _sphere_violations_kernel(X, w_hat, np.zeros((1, N)), 1.0, kappa)[0] / P
    for arr in (p_arr, e, e_err):
        arr.setflags(write=False)
    return LocalEnergy(overlaps=p_arr, kappa=kappa, n_samples=n_samples, e=e, e_err=e_err,
                       e_ref=float(e_ref))


def local_energy_binary(xi, w_ref, distances, kappa, *, n_samples, rng) -> LocalEnergy:
    r"""Mean fraction of violated constraints at fixed Hamming distance from a binary reference.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows); P >= 1.
    w_ref : array_like of ±1, shape (N,)
        Binary reference.
    distances : array_like of float, shape (n_distances,)
        Hamming distances d in [0, 1]; exactly n_flip = round(d N) coordinates are flipped
        (``numpy.rint``: halves go to the even integer).
    kappa : float
        Margin: constraint mu is violated iff Delta^mu(w) < kappa.
    n_samples : int
        Random configurations per distance (>= 2).
    rng : numpy.random.Generator
        Source of the random subsets (keyword only).

    Returns
    -------
    LocalEnergy
        With ``overlaps = 1 - 2 n_flip/N`` (the realised overlaps).

    Raises
    ------
    ValueError
        On bad ``xi``, ``w_ref`` not ±1 or of the wrong shape, a distance outside [0, 1] (named
        by index), ``n_samples < 2``, a bad ``rng``.

    Notes
    -----
    A sample flips the set F of n_flip coordinates with the smallest of N i.i.d. uniform keys
    (``rng.random((n_samples, N))`` per distance, in order): a uniform n_flip-subset. Its fields
    are :math:`h^\mu = w_{ref}\cdot\xi^\mu - 2\sum_{i\in F} w_{ref,i}\xi^\mu_i` and constraint mu
    is violated iff :math:`h^\mu < \kappa\sqrt N`; for integer patterns the threshold is the
    integer of :func:`simulate.binary.enumerate_solutions` (ceil of kappa sqrt(N), snapped),
    the fields are exact, and a stability equal to kappa counts as satisfied. The energy per P
    is :math:`e(d)=\frac1P\mathbb E_F\sum_\mu\theta(\kappa\sqrt N - h^\mu)`; for ±1 patterns the
    number of flipped +1 products :math:`w_{ref,i}\xi^\mu_i` is hypergeometric, which gives
    e(d) exactly. Wide flat minima have a slowly rising e(d) [1]_.

    References
    ----------
    .. [1] C. Baldassi, C. Borgs, J. T. Chayes, A. Ingrosso, C. Lucibello, L. Saglietti and
       R. Zecchina, "Unreasonable effectiveness of learning neural networks: from accessible
       states and robust ensembles to basic algorithmic schemes", PNAS 113, E7655 (2016).
    """
    X, kappa, n_samples = _check_energy_inputs(xi, kappa, n_samples, rng)
    P, N = X.shape
    w = _check_weights(w_ref, N, "w_ref", binary=True)
    d_arr = _check_grid(distances, "distances", 0.0, 1.0)
    n_flip = np.rint(d_arr * N).astype(np.int64)
    h_ref = X @ w
    amax = float(np.max(np.abs(X)))
    if _integer_valued(X) and amax * N < 2.0**52:
        thr = float(_integer_threshold(kappa, N, int(amax) * N))
        h_ref = np.rint(h_ref)
    else:
        thr = kappa * math.sqrt(N)
    C = np.ascontiguousarray((X * w).T)
    chunk = max(1, _CHUNK_ELEMENTS // N)
    e = np.empty(n_flip.size)
    e_err = np.empty(n_flip.size)
    for j, k in enumerate(n_flip):
        viol = np.empty(n_samples, np.int64)
        for start in range(0, n_samples, chunk):
            stop = min(n_samples, start + chunk)
            keys = rng.random((stop - start, N))
            viol[start:stop] = _flip_violations_kernel(C, h_ref, keys, np.int64(k), thr)
        e[j], e_err[j] = _summarise(viol, P)
    e_ref = float(np.count_nonzero(h_ref < thr) / P)
    overlaps = 1.0 - 2.0 * n_flip / N
    for arr in (overlaps, e, e_err):
        arr.setflags(write=False)
    return LocalEnergy(overlaps=overlaps, kappa=kappa, n_samples=n_samples, e=e, e_err=e_err,
                       e_ref=e_ref)


# --------------------------------------------------------------------------------------------
# Plain solver
# --------------------------------------------------------------------------------------------


def find_solution(xi, kappa, *, rng, lr=0.1, max_epochs=1000, w0=None) -> SolverResult:
    r"""Find a spherical solution of margin kappa with a perceptron-style subgradient descent.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows); P >= 1.
    kappa : float
        Margin (may be negative: the non-convex negative perceptron).
    rng : numpy.random.Generator
        Source of the starting point (if ``w0`` is None) and of the presentation orders.
    lr : float, default 0.1
        Step size, in units of stability: one update raises Delta^mu by lr |xi^mu|^2/N.
    max_epochs : int, default 1000
        Maximum number of passes over the patterns (>= 1).
    w0 : array_like, shape (N,), optional
        Starting point (normalised to |w|^2 = N); default: uniform on the sphere.

    Returns
    -------
    SolverResult
        ``w`` (|w|^2 = N), ``margin`` = min_mu Delta^mu(w), ``epochs``, ``converged``. When no
        solution is reached within ``max_epochs`` the last iterate is returned with
        ``converged=False`` (no exception).

    Raises
    ------
    ValueError
        On bad ``xi`` (P = 0 included), non-finite ``kappa``, ``lr <= 0``, ``max_epochs < 1``,
        a bad ``w0`` or ``rng``.

    Notes
    -----
    Stochastic subgradient descent on the hinge loss
    :math:`L(w)=\sum_\mu\max(0,\kappa_t-\Delta^\mu(w))` restricted to the sphere
    :math:`|w|^2=N`, with :math:`\kappa_t=\kappa+` ``SAFETY_MARGIN`` (0.05): in each epoch the
    patterns are visited in a random order (``rng.permuted`` rows, drawn in blocks of epochs),
    and whenever :math:`\Delta^\mu<\kappa_t`,

    .. math:: w \leftarrow \sqrt N\,\frac{w+\eta\,\xi^\mu/\sqrt N}{|w+\eta\,\xi^\mu/\sqrt N|}.

    For kappa >= 0 this is Rosenblatt's perceptron with margin on the sphere [1]_; for kappa < 0
    the constraints are non-convex but the same updates find solutions well below the capacity
    [2]_. Aiming at :math:`\kappa_t>\kappa` keeps the iterate from hovering at the threshold;
    the run stops, before an epoch, as soon as :math:`\min_\mu\Delta^\mu\ge\kappa+10^{-9}`
    (``STOP_GUARD``, well above rounding), so a converged w is a strict solution however its
    stabilities are recomputed. Near the capacity of margin :math:`\kappa_t` convergence
    slows down and eventually fails (``converged=False``). Cost O(P N) per epoch, in Numba.

    References
    ----------
    .. [1] W. Krauth and M. Mezard, "Learning algorithms with optimal stability in neural
       networks", J. Phys. A 20, L745 (1987).
    .. [2] S. Franz and G. Parisi, "The simplest model of jamming", J. Phys. A 49, 145001
       (2016).
    """
    X = _check_patterns(xi)
    P, N = X.shape
    if P < 1:
        raise ValueError("xi must hold P >= 1 patterns")
    kappa = _check_real(kappa, "kappa")
    _check_rng(rng)
    lr = _check_real(lr, "lr")
    if lr <= 0.0:
        raise ValueError(f"lr must be > 0, got {lr}")
    max_epochs = _check_count(max_epochs, "max_epochs")
    if w0 is None:
        g = rng.standard_normal(N)
        w = g * (math.sqrt(N) / np.linalg.norm(g))
    else:
        w = _check_weights(w0, N, "w0")
        w = w * (math.sqrt(N) / np.linalg.norm(w))
    w = np.ascontiguousarray(w)
    kappa_stop = kappa + STOP_GUARD
    kappa_target = kappa + SAFETY_MARGIN
    base = np.arange(P, dtype=np.int64)
    cap = max(1, _MAX_PERM_ELEMENTS // P)
    block = min(_FIRST_EPOCH_BLOCK, cap)
    done = 0
    converged = False
    while done < max_epochs:
        n = min(block, max_epochs - done)
        perms = rng.permuted(np.broadcast_to(base, (n, P)), axis=1)
        ran, converged, margin = _perceptron_kernel(X, w, perms, kappa_stop, kappa_target, lr)
        done += ran
        if converged:
            break
        block = min(2 * block, cap)
    w.setflags(write=False)
    return SolverResult(w=w, margin=float(margin), epochs=int(done), converged=bool(converged))
