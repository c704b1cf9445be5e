"""Branch-and-bound counting and listing of binary-perceptron solutions, and the capacity of
an instance built on it.

A pruned depth-first search fixes the weights one at a time (columns by decreasing norm),
keeps the partial fields, prunes a branch when some pattern can no longer reach its threshold
and counts a whole subtree at once when every pattern is already satisfied. Counts and
solution order are identical to :func:`simulate.binary.enumerate_solutions` (the same
threshold and tie conventions); the functions are re-exported by :mod:`simulate.binary`.
"""
from __future__ import annotations

import math

import numpy as np

from simulate._jit import jit
from simulate.binary import (_BLOCK_BITS, _check_kappa, _check_nonneg_int, _check_patterns,
                             _decode, _integer_threshold, _progress_callback, _UNIT_ROUNDOFF)

__all__ = ["count_solutions", "list_solutions", "instance_capacity", "BB_MAX_N"]

# --------------------------------------------------------------------------------------------
# Branch-and-bound counting (issue #16)
# --------------------------------------------------------------------------------------------

#: Largest N accepted by :func:`count_solutions` / :func:`list_solutions` (counts up to 2^62 fit
#: in int64; whether a given instance finishes depends on how well it prunes).
BB_MAX_N = 62
#: Search nodes per kernel call; between calls control returns to Python (Ctrl-C, progress).
_BB_NODES_PER_CALL = 1 << 21
_NO_LIMIT = np.int64(1) << 62
#: Initial length of the solution-code buffer of :func:`list_solutions` (doubled as needed).
_BB_INITIAL_CODES = 1 << 12


@jit
def _bb_search(Xo, A, B, order, H, val, st, codes, cap_max, stop_at, node_budget):
    """Resumable depth-first branch and bound over the weights in the order ``order``.

    ``Xo[k]`` is the column of the k-th fixed weight (shape (N, P)), ``H[k]`` the partial
    fields after fixing k weights, ``val[k]`` the value tried for the k-th weight (0: +1,
    1: -1). A node at depth d is *dead* if ``H[d, mu] < A[d, mu]`` for some mu (no completion
    reaches the threshold of pattern mu) and *full* if ``H[d, mu] >= B[d, mu]`` for all mu
    (every completion satisfies every pattern: 2^(N-d) solutions at once); otherwise both
    children are searched, +1 first. ``A[N] = B[N]`` is the threshold itself. ``st`` = [depth
    of the node to evaluate next (-1: finished), count, configurations covered, codes stored,
    stopped early (1: count >= stop_at, 2: ``codes`` too small), nodes visited]. Bit codes of
    solutions (bit i set iff w_i = -1) go into ``codes`` (at most ``cap_max`` of them); when
    ``codes`` is shorter than ``cap_max`` and full, the search returns before the node with
    ``st[4] = 2`` so that the caller can enlarge it and resume. Also returns after
    ``node_budget`` nodes (resumable) or once ``count >= stop_at``.
    The pattern loops have no early exit, so that they vectorise.
    """
    N = Xo.shape[0]
    P = Xo.shape[1]
    cap = codes.shape[0]
    d = st[0]
    count = st[1]
    covered = st[2]
    nst = st[3]
    nodes = 0
    while d >= 0 and nodes < node_budget:
        nodes += 1
        n_dead = 0
        n_open = 0
        for mu in range(P):
            h = H[d, mu]
            n_dead += 1 if h < A[d, mu] else 0
            n_open += 1 if h < B[d, mu] else 0
        if n_dead == 0 and n_open > 0:
            val[d] = 0
            for mu in range(P):
                H[d + 1, mu] = H[d, mu] + Xo[d, mu]
            d += 1
            continue
        rem = N - d
        if n_dead == 0 and cap < cap_max and nst + (np.int64(1) << rem) > cap:
            st[4] = 2
            break
        covered += np.int64(1) << rem
        if n_dead == 0:
            count += np.int64(1) << rem
            if nst < cap:
                base = np.int64(0)
                for k in range(d):
                    if val[k] == 1:
                        base |= np.int64(1) << order[k]
                for s in range(np.int64(1) << rem):
                    if nst >= cap:
                        break
                    c = base
                    for j in range(rem):
                        if (s >> j) & 1:
                            c |= np.int64(1) << order[d + j]
                    codes[nst] = c
                    nst += 1
        # backtrack to the next untried sibling
        while True:
            d -= 1
            if d < 0:
                break
            if val[d] == 0:
                val[d] = 1
                for mu in range(P):
                    H[d + 1, mu] = H[d, mu] - Xo[d, mu]
                d += 1
                break
        if count >= stop_at:
            st[4] = 1
            break
    st[0] = d
    st[1] = count
    st[2] = covered
    st[3] = nst
    st[5] += nodes
    return nodes


def _bb_run(xi, kappa, stop_at: int, cap: int, progress, label: str):
    """Common driver of :func:`count_solutions` and :func:`list_solutions`.

    Returns (count, codes, stopped, nodes): ``count`` exact unless ``stopped`` (then
    >= stop_at); ``nodes`` the number of search nodes visited.
    """
    X = _check_patterns(xi, max_n=BB_MAX_N, what="branch and bound")
    kappa = _check_kappa(kappa)
    report = _progress_callback(progress, label)
    P, N = X.shape
    amax = float(np.max(np.abs(X))) if X.size else 0.0
    integer = bool(np.all(X == np.rint(X))) and amax * N < 2**30
    # Column order: decreasing Euclidean norm (stable, so ±1 patterns keep the natural order).
    order = np.argsort(-np.sqrt((X * X).sum(axis=0)), kind="stable").astype(np.int64)
    Xo = np.ascontiguousarray(X[:, order].T)  # (N, P)
    if integer:
        Xo = Xo.astype(np.int64)
        thr = np.int64(_integer_threshold(kappa, N, int(amax) * N))
        eps = np.zeros(P, np.int64)
    else:
        thr = kappa * math.sqrt(N)
        # Margin covering the rounding of H, R, the sums H +- R and the drift of the Gray-code
        # enumeration (whose classification this search reproduces), so that a pruned or fully
        # accepted subtree is classified the same way by enumerate_solutions; only leaves within
        # rounding of the threshold can differ (probability zero for continuous patterns).
        rowsum = np.abs(X).sum(axis=1)
        eps = (2.0**_BLOCK_BITS + 4 * N + 8) * _UNIT_ROUNDOFF * (rowsum + abs(thr))
    R = np.zeros((N + 1, P), Xo.dtype)
    if P:
        R[:N] = np.cumsum(np.abs(Xo)[::-1], axis=0)[::-1]
    A = thr - eps - R  # dead below
    B = thr + eps + R  # open below (not every completion satisfies)
    A[N] = thr
    B[N] = thr
    H = np.zeros((N + 1, P), Xo.dtype)
    val = np.zeros(N, np.int8)
    st = np.zeros(6, np.int64)
    codes = np.empty(min(cap, _BB_INITIAL_CODES), np.int64)
    total = float(2.0**N)
    while True:
        _bb_search(Xo, A, B, order, H, val, st, codes, np.int64(cap), np.int64(stop_at),
                   np.int64(_BB_NODES_PER_CALL))
        if st[4] == 2:  # grow the solution buffer and resume
            need = int(st[3]) + (1 << (N - int(st[0])))
            new = np.empty(min(cap, max(2 * codes.shape[0], need)), np.int64)
            new[: int(st[3])] = codes[: int(st[3])]
            codes = new
            st[4] = 0
            continue
        if report is not None:
            report(float(st[2]) / total if st[0] >= 0 else 1.0)
        if st[0] < 0 or st[4]:
            break
    return int(st[1]), codes[: int(st[3])], bool(st[4]), int(st[5])


def count_solutions(xi, kappa: float = 0.0, *, limit: int | None = None,
                    progress=False) -> int:
    r"""Number of binary solutions of a perceptron instance, by branch and bound.

    Same result as ``enumerate_solutions(xi, kappa).count`` (every w in {-1,+1}^N counted
    once, w and -w separately; same threshold convention, see Notes), without visiting all 2^N
    configurations.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows), finite reals; N <= BB_MAX_N (= 62).
    kappa : float, default 0.0
        Margin (may be negative). Must be finite.
    limit : int, optional
        Stop as soon as at least ``limit`` solutions are found and return ``limit``
        (``limit=1``: a satisfiability test). Default: exact count.
    progress : bool or callable, default False
        True prints the covered fraction of {-1,+1}^N to stderr every 5 s (only for runs longer
        than 5 s); a callable is called with that fraction (in [0, 1]) about every 2^21 nodes.

    Returns
    -------
    int
        The number of w with :math:`w\cdot\xi^\mu/\sqrt N \ge \kappa` for all mu (at most
        ``limit`` when given).

    Raises
    ------
    ValueError
        If ``xi`` is not 2-D, has NaN/inf entries, N < 1 or N > BB_MAX_N; if ``kappa`` is not a
        finite real; if ``limit`` is not a non-negative integer; if ``progress`` is neither a
        bool nor callable.

    Notes
    -----
    Depth-first search fixing one weight at a time, columns in order of decreasing norm, +1
    before -1. With the partial fields :math:`h^\mu` of the fixed weights and
    :math:`r^\mu = \sum_{i\ \rm free}|\xi^\mu_i|`, a branch is cut when
    :math:`h^\mu + r^\mu < \kappa\sqrt N` for some mu (no completion satisfies pattern mu), and
    counted as :math:`2^{\#\rm free}` solutions at once when :math:`h^\mu - r^\mu \ge \kappa\sqrt N`
    for every mu. O(P) work per node; the cost depends on the instance (cheap at large alpha or
    kappa, at worst ~2^(N+1) nodes at very negative kappa... where the first test accepts the
    root at once).

    Thresholds are those of :func:`enumerate_solutions`: integer-valued patterns use exact
    int64 arithmetic with the same snapped integer threshold (``_integer_threshold``), so counts
    are identical, ties included. Real patterns use float64 partial fields summed in the search
    order; cuts are taken only with a margin covering rounding (and the enumeration's own
    drift), so a difference with ``enumerate_solutions`` needs a stability within ~1e-11 of
    kappa (probability zero for continuous patterns).

    Ctrl-C works: the kernel returns to Python every 2^21 nodes.
    """
    if limit is None:
        stop_at = int(_NO_LIMIT)
    else:
        stop_at = _check_nonneg_int(limit, "limit")
        if stop_at == 0:
            _bb_check_only(xi, kappa)
            return 0
    count, _, stopped, _ = _bb_run(xi, kappa, stop_at, 0, progress, "count_solutions")
    return min(count, stop_at) if stopped else count


def _bb_check_only(xi, kappa):
    _check_patterns(xi, max_n=BB_MAX_N, what="branch and bound")
    _check_kappa(kappa)


def list_solutions(xi, kappa: float = 0.0, *, max_solutions: int = 100_000,
                   progress=False) -> np.ndarray | None:
    """All binary solutions of an instance by branch and bound, or None if there are too many.

    Parameters
    ----------
    xi, kappa, progress
        As in :func:`count_solutions`.
    max_solutions : int, default 100_000
        Return the solutions only if there are at most this many; the search stops as soon as
        ``max_solutions + 1`` are found (so the None answer is cheap when there are many).

    Returns
    -------
    ndarray of int8, shape (count, N), read-only, or None
        Rows of ±1 sorted by their bit code (bit i set iff w_i = -1): identical to
        ``enumerate_solutions(xi, kappa, max_solutions=max_solutions).solutions`` (which is also
        None when the count exceeds ``max_solutions``); shape (0, N) for an UNSAT instance.

    Raises
    ------
    ValueError
        As :func:`count_solutions`; also if ``max_solutions`` is not a non-negative integer.
    """
    max_solutions = _check_nonneg_int(max_solutions, "max_solutions")
    count, codes, stopped, _ = _bb_run(xi, kappa, max_solutions + 1, max_solutions, progress,
                                       "list_solutions")
    if stopped:
        return None
    assert codes.shape[0] == count
    X_N = np.shape(xi)[1]
    out = _decode(np.sort(codes), X_N)
    out.setflags(write=False)
    return out


def _first_violation(S, xi, kappa: float) -> np.ndarray:
    """For each row w of S, the number of leading patterns of ``xi`` it satisfies.

    The stabilities are compared as in the search: for integer patterns exactly, with the
    threshold kappa sqrt(N) snapped onto the integers (:func:`_integer_threshold`: a field
    equal to a threshold that rounds to 0.9999999999999999 or 1.0000000000000002 is a tie
    and satisfies the constraint), else in floating point."""
    N = S.shape[1]
    amax = float(np.max(np.abs(xi))) if xi.size else 0.0
    if bool(np.all(xi == np.rint(xi))) and amax * N < 2**30:
        h = S.astype(np.int64) @ xi.astype(np.int64).T  # (M, P) exact integer fields
        bad = h < _integer_threshold(kappa, N, int(amax) * N)
    else:
        h = S.astype(np.float64) @ xi.T  # (M, P) unnormalised fields
        bad = h < kappa * math.sqrt(N)
    any_bad = bad.any(axis=1)
    first = np.where(any_bad, bad.argmax(axis=1), xi.shape[0])
    return first


def instance_capacity(xi, kappa: float = 0.0, *, max_solutions: int = 200_000,
                      start: int | None = None) -> int:
    """Largest P such that the first P rows of ``xi`` admit a binary solution (0 if none).

    Adding patterns only removes solutions, so ``P_c`` is well defined. The solutions of the
    first ``P0`` patterns are listed exactly by branch and bound (:func:`list_solutions`, the
    same solutions as ``enumerate_solutions``); ``P_c = P0 + max_w (number of further leading
    patterns w satisfies)`` over those solutions, the further stabilities computed directly
    (``h >= kappa sqrt(N)``). ``P0`` starts at ``max(1, N - 12)`` (expected count
    ``2^(N-P0) <= 4096``); if the first ``P0`` patterns are UNSAT, ``P0`` is bisected down, if
    they have more than ``max_solutions`` solutions it is raised (the search stops at
    ``max_solutions + 1`` solutions, so that answer is cheap).

    Raises
    ------
    ValueError
        If all rows of ``xi`` are SAT (``P_c`` not determined: draw more patterns).
    """
    xi = np.asarray(xi, dtype=np.float64)
    P_max, N = xi.shape
    lo, hi = 0, P_max + 1  # first lo patterns SAT (lo = 0 trivially); hi: UNSAT or unknown
    P0 = min(P_max, max(1, N - 12) if start is None else int(start))
    while True:
        sols = list_solutions(xi[:P0], kappa, max_solutions=max_solutions)
        if sols is not None and sols.shape[0] == 0:
            hi = P0
            if P0 - lo <= 1:
                return lo
            P0 = (lo + P0) // 2
            if P0 == 0:
                return 0
            continue
        if sols is None:  # more than max_solutions solutions
            lo = P0
            P0 = min((P0 + hi) // 2 if hi <= P_max else P0 + max(1, N // 4), P_max)
            if P0 == lo:
                raise ValueError(f"all {P_max} patterns SAT (N={N}): draw more patterns")
            continue
        first = _first_violation(sols, xi[P0:], kappa)
        P_c = P0 + int(first.max())
        if P_c >= P_max:
            raise ValueError(f"all {P_max} patterns SAT (N={N}): draw more patterns")
        return P_c
