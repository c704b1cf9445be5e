"""Exact enumeration of the perceptron with weights in a finite alphabet (e.g. ternary).

Every weight vector ``w`` in ``values^N`` is visited once in a reflected K-ary Gray code: one
step moves one coordinate to a neighbouring letter, so the ``P`` stabilities are updated in
O(P). Kernels are compiled with Numba (``simulate._jit.jit``) and parallelised with
``numba.prange`` over a fixed number of chunks of blocks; every block recomputes its fields from
scratch. Solutions are histogrammed in int64 by their *composition* (the number of coordinates
taking each letter), and the weighted count is assembled from that histogram at the end, so the
result is exact integer counting followed by one log-sum-exp, independent of the number of
threads. Symmetric alphabets (with symmetric weights) use w -> -w to visit half of the space.

Public function: :func:`enumerate_alphabet`.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numba
import numpy as np

from simulate._inputs import _check_patterns
from simulate._jit import jit
from simulate.binary import _check_kappa, _integer_threshold

__all__ = ["AlphabetEnumeration", "enumerate_alphabet", "MAX_CONFIGURATIONS", "MAX_VALUES",
           "MAX_COMPOSITIONS"]

#: Largest number of configurations |values|^N accepted (3^22 = 3.1e10: ternary up to N = 22,
#: binary up to N = 34, four letters up to N = 17; minutes to hours on a laptop at the top).
MAX_CONFIGURATIONS = 3**22
#: Largest alphabet accepted.
MAX_VALUES = 1 << 16
#: Largest number of compositions C(N+K-1, K-1) (entries of the int64 solution histogram).
MAX_COMPOSITIONS = 1 << 24
#: Target number of Gray-code steps per block (the largest K^b not above it; at least K).
_BLOCK_CONFIGS = 1 << 15
#: Most chunks (units of parallel work, each with its own int64 composition histogram).
_MAX_CHUNKS = 256
#: Bound on n_chunks * n_compositions (int64 entries of the per-chunk histograms).
_HIST_ENTRIES = 1 << 24
#: Up to this many configurations the enumeration runs on one Numba thread (as in
#: :mod:`simulate.binary`: below ~2^24 configurations the parallel launch costs more).
SERIAL_MAX_CONFIGURATIONS = 1 << 24
_UNIT_ROUNDOFF = 2.0**-53
#: Use the symmetry w -> -w when the alphabet and its weights are symmetric (tests switch it off).
_USE_SYMMETRY = True


@dataclass(frozen=True)
class AlphabetEnumeration:
    r"""Exact census of ``values^N`` for one instance of the finite-alphabet perceptron.

    Attributes
    ----------
    N, P : int
        Number of weights and of patterns (alpha = P/N).
    kappa : float
        Margin: constraint mu is satisfied iff ``Delta^mu = w.xi^mu/sqrt(N) >= kappa``.
    values, weights : tuple of float
        The alphabet and the positive single-site weights c(v), in the order given.
    count : int
        Number of solutions (unweighted).
    log_count : float
        :math:`\ln\sum_{w\ \mathrm{solution}}\prod_i c(w_i)`; ``-inf`` when ``count == 0``.
    log_total : float
        :math:`N\ln\sum_k c_k`, the value of ``log_count`` without patterns (alpha = 0).
    compositions : ndarray of int64, shape (n_compositions, K)
        Every composition ``(n_1, ..., n_K)`` (``n_k`` coordinates equal to ``values[k]``,
        summing to N), in lexicographic order.
    composition_counts : ndarray of int64, shape (n_compositions,)
        Number of solutions with each composition (exact).
    arithmetic : str
        ``"integer"`` (integer values and patterns: exact) or ``"float"`` (float64).
    threshold : float
        Threshold on the unnormalised field ``h = w.xi``: ``h >= threshold`` is satisfied.
    drift_bound : float
        First-order bound on the floating-point error of any stability during the enumeration
        (units of Delta); 0.0 for integer arithmetic.
    """

    N: int
    P: int
    kappa: float
    values: tuple
    weights: tuple
    count: int
    log_count: float
    log_total: float
    compositions: np.ndarray
    composition_counts: np.ndarray
    arithmetic: str
    threshold: float
    drift_bound: float

    @property
    def alpha(self) -> float:
        """P/N."""
        return self.P / self.N

    @property
    def n_configurations(self) -> int:
        """|values|^N."""
        return len(self.values) ** self.N

    @property
    def mean_norm(self) -> float:
        r"""Weighted mean of the self-overlap :math:`Q = |w|^2/N` over the solutions.

        :math:`\sum_{w} \prod_i c(w_i)\, Q(w) / \sum_w \prod_i c(w_i)` over solutions w.

        Raises
        ------
        ValueError
            If there is no solution (``count == 0``).
        """
        if self.count == 0:
            raise ValueError("mean_norm is undefined: the instance has no solution (count = 0)")
        lw, sel = self._log_weights()
        norms = (self.compositions[sel] @ np.square(np.asarray(self.values))) / self.N
        rel = np.exp(lw - lw.max())
        return float(np.dot(rel, norms) / rel.sum())

    def _log_weights(self):
        sel = np.flatnonzero(self.composition_counts)
        lw = (np.log(self.composition_counts[sel].astype(np.float64))
              + self.compositions[sel] @ np.log(np.asarray(self.weights)))
        return lw, sel


# --------------------------------------------------------------------------------------------
# Numba kernels
# --------------------------------------------------------------------------------------------


@jit
def _rank(n, perm, cum):
    """Lexicographic rank of the composition ``n[perm]`` (length K) from the table ``cum``."""
    K = n.shape[0]
    r = 0
    rem = 0
    for k in range(K):
        rem += n[k]
    for j in range(K - 1):
        r += cum[j, rem, n[perm[j]]]
        rem -= n[perm[j]]
    return r


@jit
def _walk_block(X, vals, D, thr, negthr, zero, neg, cum, n_low, steps, blk, sym, hist):
    """Reflected K-ary Gray walk over the low ``n_low`` digits, top digits fixed by ``blk``.

    ``X`` is (N, P), ``vals`` the K letters; ``D[i, k, 0]`` (``D[i, k, 1]``) is the change of the
    fields when weight i moves from letter k to letter k+1 (k-1). ``steps`` = K^n_low
    configurations w are visited; solutions go into ``hist`` by composition. With ``sym``, -w
    (letters ``neg[k]``; fields -h, satisfied iff h <= negthr) is counted too.
    """
    N = X.shape[0]
    P = X.shape[1]
    K = vals.shape[0]
    ident = np.arange(K)
    a = np.zeros(N, np.int64)      # letter index of each weight
    down = np.zeros(N, np.int64)   # 1 while the digit moves down
    odo = np.zeros(N, np.int64)    # plain base-K counter of the steps: its carry gives the digit
    n = np.zeros(K, np.int64)      # composition
    rest = blk
    for i in range(n_low, N):
        a[i] = rest % K
        rest //= K
    h = np.zeros(P, X.dtype)
    for i in range(N):
        n[a[i]] += 1
        v = vals[a[i]]
        for mu in range(P):
            h[mu] += v * X[i, mu]
    bad = 0
    badneg = 0
    for t in range(steps):
        if t > 0:
            i = 0
            while odo[i] == K - 1:
                odo[i] = 0
                i += 1
            odo[i] += 1
            old = a[i]
            b = down[i]
            new = old + 1 - 2 * b
            bad = 0
            badneg = 0
            for mu in range(P):
                v = h[mu] + D[i, old, b, mu]
                h[mu] = v
                bad += v < thr
                badneg += v > negthr
            a[i] = new
            n[old] -= 1
            n[new] += 1
            if new == 0 or new == K - 1:
                down[i] = 1 - b
        else:
            for mu in range(P):
                bad += h[mu] < thr
                badneg += h[mu] > negthr
        if zero >= 0 and n[zero] == N:
            # w = 0 (never in a symmetric block): its fields are exactly 0; drop the drift
            bad = 0
            for mu in range(P):
                h[mu] = 0
                bad += h[mu] < thr
        if bad == 0:
            hist[_rank(n, ident, cum)] += 1
        if sym and badneg == 0:
            hist[_rank(n, neg, cum)] += 1


@jit(parallel=True)
def _enumerate_kernel(X, vals, D, thr, negthr, zero, neg, cum, n_low, steps, n_blocks,
                      n_chunks, n_comp, use_sym):
    """Per-chunk int64 composition histograms of the solutions (chunk c: blocks c, c+n_chunks,
    ...). With ``use_sym`` (alphabet and weights symmetric under w -> -w) a block whose top
    digits are not all the letter 0 is walked only if its index is below that of its mirror
    block, and counts w and -w; the all-zero top block is walked alone."""
    N = X.shape[0]
    K = vals.shape[0]
    hist = np.zeros((n_chunks, n_comp), np.int64)
    for c in numba.prange(n_chunks):
        for blk in range(c, n_blocks, n_chunks):
            sym = False
            if use_sym:
                rest = blk
                mirror = 0
                scale = 1
                for _ in range(n_low, N):
                    mirror += neg[rest % K] * scale
                    rest //= K
                    scale *= K
                if mirror < blk:
                    continue
                sym = mirror != blk
            _walk_block(X, vals, D, thr, negthr, zero, neg, cum, n_low, steps, np.int64(blk),
                        sym, hist[c])
    return hist


@jit
def _all_compositions(N, K, n_comp):
    """All compositions of N into K parts, in the lexicographic order of :func:`_rank`."""
    out = np.zeros((n_comp, K), np.int64)
    c = np.zeros(K, np.int64)
    c[K - 1] = N
    out[0] = c
    for r in range(1, n_comp):
        j = K - 2
        s = N - c[K - 1]
        while s == N:
            s -= c[j]
            c[j] = 0
            j -= 1
        c[j] += 1
        c[K - 1] = N - s - 1
        out[r] = c
    return out


# --------------------------------------------------------------------------------------------
# Python entry point
# --------------------------------------------------------------------------------------------


def _rank_table(N: int, K: int) -> np.ndarray:
    """``cum[j, r, a] = sum_{t<a} C(r - t + K-2-j, K-2-j)``: compositions of the remainder r
    into the K-1-j later parts whose part j is smaller than a."""
    cum = np.zeros((max(K - 1, 1), N + 1, N + 2), np.int64)
    for j in range(K - 1):
        m = K - 2 - j
        for r in range(N + 1):
            acc = 0
            for a in range(r + 1):
                cum[j, r, a] = acc
                acc += math.comb(r - a + m, m)
            cum[j, r, r + 1] = acc
    return cum


@contextlib.contextmanager
def _threads_for(n_conf: int):
    if n_conf > SERIAL_MAX_CONFIGURATIONS:
        yield
        return
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(old)


def _real_sequence(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except Exception as exc:  # noqa: BLE001 (ragged input etc.)
        raise ValueError(f"{name} must be a 1-D sequence of real numbers: {exc}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of real numbers; got ndim={arr.ndim}")
    if arr.dtype.kind not in "iuf" or arr.dtype == np.bool_:
        raise ValueError(f"{name} must contain real numbers; got dtype {arr.dtype} ({x!r})")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {tuple(arr.tolist())}")
    return arr


def _check_alphabet(values, weights) -> tuple[np.ndarray, np.ndarray]:
    """Validated letters and single-site weights (all 1 when ``weights`` is None), as float64."""
    vals = _real_sequence(values, "values")
    K = vals.size
    if K < 2:
        raise ValueError(f"values must have at least 2 letters; got {tuple(vals.tolist())}")
    if K > MAX_VALUES:
        raise ValueError(f"values has {K} letters; at most MAX_VALUES = {MAX_VALUES}")
    if np.unique(vals).size != K:
        raise ValueError(f"values must be distinct; got {tuple(vals.tolist())}")
    if weights is None:
        c = np.ones(K)
    else:
        c = _real_sequence(weights, "weights")
        if c.size != K:
            raise ValueError(f"weights must have one entry per value ({K}); got {c.size}")
        if not np.all(c > 0):
            raise ValueError(f"weights must be positive; got {tuple(c.tolist())}")
    return vals, c


def _block_layout(N: int, K: int) -> tuple[int, int, int, int, int]:
    """Gray-walked low digits, steps per block, blocks, compositions and chunks at (N, K)."""
    n_low = 1
    while n_low < N and K ** (n_low + 1) <= _BLOCK_CONFIGS:
        n_low += 1
    steps = K**n_low
    n_blocks = K ** (N - n_low)
    n_comp = math.comb(N + K - 1, K - 1)
    if n_comp > MAX_COMPOSITIONS:
        raise ValueError(f"values has {K} letters: at N={N} there are {n_comp} compositions, "
                         f"more than MAX_COMPOSITIONS = {MAX_COMPOSITIONS} (histogram memory)")
    n_chunks = max(1, min(n_blocks, _MAX_CHUNKS, _HIST_ENTRIES // n_comp))
    return n_low, steps, n_blocks, n_comp, n_chunks


def _field_arithmetic(X: np.ndarray, vals: np.ndarray, kappa: float, steps: int):
    """Exact int64 or float64 fields: (integer, XT, letters, thr, threshold, drift_bound)."""
    P, N = X.shape
    XT = np.ascontiguousarray(X.T)  # (N, P)
    vmax = float(np.max(np.abs(vals)))
    xmax = float(np.max(np.abs(X))) if X.size else 0.0
    integer = (bool(np.all(vals == np.rint(vals))) and bool(np.all(XT == np.rint(XT)))
               and vmax * xmax * N < 2.0**52)
    if integer:
        XT = XT.astype(np.int64)
        vk = vals.astype(np.int64)
        m = _integer_threshold(kappa, N, int(vmax * xmax) * N)
        thr = np.int64(m)
        threshold, drift_bound = float(m), 0.0
    else:
        vk = vals
        thr = kappa * math.sqrt(N)
        threshold = thr
        rowsum = float(np.abs(X).sum(axis=1).max()) if P else 0.0
        drift_bound = 5.0 * (steps + N) * _UNIT_ROUNDOFF * vmax * rowsum / math.sqrt(N)
    return integer, XT, vk, thr, threshold, drift_bound


def _move_table(XT: np.ndarray, vk: np.ndarray) -> np.ndarray:
    """``D[i, k, 0]`` (``D[i, k, 1]``): field change when w_i moves letter k -> k+1 (k-1)."""
    N, P = XT.shape
    K = vk.shape[0]
    S = np.diff(vk)[None, :, None] * XT[:, None, :]  # (N, K-1, P): letter k -> k+1
    D = np.zeros((N, K, 2, P), XT.dtype)
    D[:, :-1, 0, :] = S
    D[:, 1:, 1, :] = -S
    return D


def _negation_index(vals: np.ndarray) -> np.ndarray:
    """Letter index of -v for each letter v (for the w -> -w symmetry), -1 if not a letter."""
    return np.array([int(np.flatnonzero(vals == -v)[0]) if np.any(vals == -v) else -1
                     for v in vals], np.int64)


def _weighted_log_count(counts: np.ndarray, comps: np.ndarray, c: np.ndarray) -> float:
    """log-sum-exp over compositions of ln(count) + sum_k n_k ln c_k; -inf without solutions."""
    sel = np.flatnonzero(counts)
    if sel.size:
        lw = np.log(counts[sel].astype(np.float64)) + comps[sel] @ np.log(c)
        top = lw.max()
        return float(top + math.log(np.exp(lw - top).sum()))
    return -math.inf


def enumerate_alphabet(xi, values=(-1, 0, 1), weights=None, kappa: float = 0.0
                       ) -> AlphabetEnumeration:
    r"""Count exactly the solutions of a perceptron with weights in a finite alphabet.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows), any finite reals (Gaussian: :func:`simulate.gaussian_patterns`).
        Requires ``len(values)**N <= MAX_CONFIGURATIONS`` (3^22).
    values : sequence of float, default (-1, 0, 1)
        The K >= 2 distinct, finite letters of the alphabet (any order).
    weights : sequence of float, optional
        Positive finite single-site weights c(v), one per letter; default all 1 (counting).
    kappa : float, default 0.0
        Margin (may be negative). Must be finite.

    Returns
    -------
    AlphabetEnumeration
        ``count``, ``log_count``, ``mean_norm``, ``log_total``, the composition histogram, ...

    Raises
    ------
    ValueError
        If ``xi`` is not 2-D, has NaN/inf entries, N < 1 or too many configurations; if
        ``values`` has fewer than 2 or repeated or non-finite entries (or more than
        MAX_VALUES, or more than MAX_COMPOSITIONS compositions at this N); if ``weights``
        has the wrong length or an entry that is not positive and finite; if ``kappa`` is not
        a finite real.

    Notes
    -----
    With :math:`\Delta^\mu(w) = w\cdot\xi^\mu/\sqrt N` (not normalised by :math:`|w|`: the norm
    is free) the enumeration computes

    .. math:: Z = \sum_{w\in\mathcal A^N}\prod_i c(w_i)\prod_\mu
              \theta(\Delta^\mu(w) - \kappa),\qquad \theta(0) = 1,

    ``log_count`` :math:`=\ln Z`, ``count`` the same sum with :math:`c\equiv1`, and ``mean_norm``
    the c-weighted mean of :math:`Q(w)=|w|^2/N` over solutions.

    Exactness. Solutions are histogrammed in int64 by composition
    :math:`n=(n_1..n_K)`, :math:`\sum_k n_k = N` (there are :math:`\binom{N+K-1}{K-1}`), so
    ``count`` is an exact integer and
    :math:`\ln Z = \operatorname{logsumexp}_n[\ln \#_n + \sum_k n_k\ln c_k]`, one log-sum-exp
    in float64 (relative error ~1e-15), and
    :math:`Q = \sum_n e^{(\cdot)}\sum_k n_k v_k^2/N\,/\,Z`. Nothing depends on the number of
    threads: chunks sum integers.

    Algorithm. The K letters are the digits 0..K-1 in the order given. The low b digits
    (:math:`K^b \le 2^{15}`) are walked in the reflected K-ary Gray code (digit i moves at
    step t when :math:`K^i` is the largest power of K dividing t, one letter up or down, and
    reverses at the ends), the top N - b digits are fixed per block; each block computes its
    unnormalised fields :math:`h^\mu = w\cdot\xi^\mu` from scratch, then a move
    :math:`v_k\to v_{k\pm1}` of :math:`w_i` adds :math:`\pm(v_{k+1}-v_k)\xi_i^\mu`: O(P) per
    configuration. Blocks are dealt to a fixed number of chunks run with ``prange``. When the
    alphabet and the weights are symmetric under :math:`v\to-v` (ternary, binary, ...), only
    one block of each mirror pair {t, -t} of top digits is walked and -w is counted from the
    same fields (:math:`\Delta(-w)=-\Delta(w)`, satisfied iff :math:`h^\mu\le-\kappa\sqrt N`,
    an exact negation), which halves the work; the all-zero top block is walked alone.

    Ties and rounding. The comparison is :math:`h^\mu \ge \kappa\sqrt N`.

    * Integer letters and integer patterns (e.g. ternary with ±1 patterns): exact int64
      fields; the threshold is :math:`\lceil\kappa\sqrt N\rceil`, snapped to the nearest
      integer within a relative 1e-9 (as in :func:`simulate.binary.enumerate_solutions`), so
      a stability equal to kappa counts as satisfied.
    * Otherwise float64 fields updated incrementally. The configuration w = 0 (if 0 is a
      letter) is recognised by its composition and given the exact fields 0, so at
      :math:`\kappa\le0` it is a solution and at :math:`\kappa>0` it is not. Other exact ties
      have probability zero for continuous patterns; the rounding error of a field is bounded
      (to first order) by :math:`5(K^b+N)\,u\max_\mu \max_k|v_k|\sum_i|\xi^\mu_i|` with
      :math:`u=2^{-53}`, reported in units of Delta as ``drift_bound`` (~1e-11 for Gaussian
      patterns here); a configuration within it of kappa may be misclassified.

    First moment (Gaussian patterns, exact at every N): every :math:`w\neq0` has independent
    :math:`\Delta^\mu\sim\mathcal N(0, Q(w))`, so
    :math:`\mathbb E Z = \sum_w \prod_i c(w_i)\,H(\kappa/\sqrt{Q(w)})^P`, with the w = 0 term
    :math:`c(0)^N\,\theta(-\kappa)`; at kappa = 0,
    :math:`\mathbb E Z = 2^{-P}[(\sum_k c_k)^N - c(0)^N] + c(0)^N`.

    References
    ----------
    .. [1] E. Gardner and B. Derrida, "Optimal storage properties of neural network models",
       J. Phys. A 21, 271 (1988).
    .. [2] D. E. Knuth, The Art of Computer Programming 4A, Sec. 7.2.1.1 (reflected
       mixed-radix Gray codes).
    """
    X = _check_patterns(xi)
    vals, c = _check_alphabet(values, weights)
    K = vals.size
    kappa = _check_kappa(kappa)
    P, N = X.shape
    n_conf = K**N
    if n_conf > MAX_CONFIGURATIONS:
        raise ValueError(f"xi has N={N} columns: {K}^{N} = {n_conf} configurations exceed "
                         f"MAX_CONFIGURATIONS = 3^22 = {MAX_CONFIGURATIONS}")

    n_low, steps, n_blocks, n_comp, n_chunks = _block_layout(N, K)
    cum = _rank_table(N, K)
    integer, XT, vk, thr, threshold, drift_bound = _field_arithmetic(X, vals, kappa, steps)
    D = _move_table(XT, vk)
    zero = np.flatnonzero(vals == 0.0)
    zero = np.int64(zero[0]) if zero.size else np.int64(-1)
    neg = _negation_index(vals)
    use_sym = bool(_USE_SYMMETRY and np.all(neg >= 0) and np.array_equal(c[neg], c)
                   and N > n_low)
    negthr = -thr
    with _threads_for(n_conf):
        hist = _enumerate_kernel(XT, vk, D, thr, negthr, zero, neg, cum, np.int64(n_low),
                                 np.int64(steps), np.int64(n_blocks), np.int64(n_chunks),
                                 np.int64(n_comp), use_sym)
    counts = hist.sum(axis=0)
    comps = _all_compositions(np.int64(N), np.int64(K), np.int64(n_comp))
    count = int(counts.sum())
    log_count = _weighted_log_count(counts, comps, c)
    counts.setflags(write=False)
    comps.setflags(write=False)
    return AlphabetEnumeration(
        N=N, P=P, kappa=kappa, values=tuple(float(v) for v in vals),
        weights=tuple(float(x) for x in c), count=count, log_count=log_count,
        log_total=N * math.log(float(c.sum())), compositions=comps, composition_counts=counts,
        arithmetic="integer" if integer else "float", threshold=threshold,
        drift_bound=drift_bound)
