"""Counting theory of activation regions of two-layer ReLU networks (exact combinatorics).

Network and notation as in :mod:`simulate.relu`: F(W, b; x) = v^T relu(W x + b), n inputs in
R^{d0}, width d1; a region is an activation pattern A in {0,1}^(d1 x n); its Jacobian is the
Khatri-Rao product of A and the (lifted) data.

* :func:`nonempty_regions` — Cover's count.  One neuron realises C(n, d) = 2 sum_{k<d}
  binom(n-1, k) patterns on n points in general position (d = d0 + 1 with a bias: the lifted
  points (x, 1); d = d0 without); neurons are independent, so C(n, d)^d1 regions are
  non-empty.
* :func:`full_rank_probability_1d` — exact probability that the Jacobian has rank n when
  d0 = 1, with a bias, and the region is uniform among the non-empty ones (each neuron's row
  uniform among its 2n realisable steps), as an exact fraction.  See its Notes for the
  characterisation it counts.
* :func:`full_rank_upper_bound` — a rigorous upper bound for uniform patterns: rank n needs
  every input active for some neuron.
* :func:`typical_log_volume` — the statistical-physics link: without a bias, the Gaussian
  measure of a region is the product over neurons of the measures of their cells
  {w : s_j w.x_j > 0}, each the Gardner volume of a zero-margin spherical perceptron with
  labels s = 2 A_i - 1; for random labels its typical log per input dimension is the engine's
  RS entropy at load n/d0.

References
----------
K. Karhadkar, M. Murray, H. Tseran and G. Montufar, arXiv:2305.19510 (TMLR 2024).
T. M. Cover, IEEE Trans. Electron. Comput. 14, 326 (1965).
"""
from __future__ import annotations

import math
import numbers
from fractions import Fraction

__all__ = ["cover_count", "nonempty_regions", "full_rank_probability_1d",
           "full_rank_upper_bound", "typical_log_volume"]


def _int(name, v, lo):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not float(v).is_integer() \
            or v < lo:
        raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    return int(v)


def cover_count(n, d) -> int:
    """C(n, d) = 2 sum_{k=0}^{d-1} binom(n-1, k): dichotomies of n points in general position
    in R^d by hyperplanes through the origin (Cover 1965)."""
    n = _int("n", n, 1)
    d = _int("d", d, 1)
    return 2 * sum(math.comb(n - 1, k) for k in range(d))


def nonempty_regions(n, d0, d1, *, bias=True) -> int:
    """Exact number of non-empty activation regions on n generic inputs: C(n, d0 + bias)^d1."""
    n = _int("n", n, 1)
    d0 = _int("d0", d0, 1)
    d1 = _int("d1", d1, 1)
    return cover_count(n, d0 + (1 if bias else 0)) ** d1


def _stirling2_row(d):
    """S(d, t) for t = 0..d (Stirling numbers of the second kind), exact."""
    row = [1] + [0] * d
    for _ in range(d):
        new = [0] * (d + 1)
        for t in range(1, d + 1):
            new[t] = t * row[t] + row[t - 1]
        row = new
    return row


def _full_rank_set_counts(n):
    """N[t]: the number of sets T of distinct realisable patterns with |T| = t whose Jacobian
    has rank n (see full_rank_probability_1d), by a transfer matrix over the inputs."""
    # state: (s, last, trans, forced) -> polynomial in the set size (list of ints)
    # s: 0 if position k is pinned, 1 if unpinned (at most one unpinned in a row)
    # last: type of the last pinned position: 0 = origin O, 1 = end point E, 2 = both
    # trans: number (capped at 2) of unit gaps between an O and an E pinned position
    # forced: E = O already forced (a position pinned to both)
    def add(d, key, poly, shift):
        cur = d.setdefault(key, [0] * (2 * n + 3))
        for i, c in enumerate(poly):
            if c:
                cur[i + shift] += c

    states = {(0, 0, 0, False): [1] + [0] * (2 * n + 2)}
    for _k in range(1, n):
        new = {}
        for (s, last, trans, forced), poly in states.items():
            if s == 0:  # leave position k unpinned
                add(new, (1, last, trans, forced), poly, 0)
            gap = s + 1
            for typ, size in ((0, 1), (1, 1), (2, 2)):  # prefix (O), suffix (E), both
                t2 = trans + (1 if gap == 1 and {last, typ} == {0, 1} else 0)
                add(new, (0, typ, min(t2, 2), forced or typ == 2), poly, size)
        states = new
    free = [0] * (2 * n + 3)      # gaps valid, E not forced, fewer than 2 transitions
    good = [0] * (2 * n + 3)      # gaps valid and full rank without the all-ones pattern
    for (s, last, trans, forced), poly in states.items():
        # position n is pinned to E
        t2 = trans + (1 if s == 0 and last == 0 else 0)
        target = good if (forced or t2 >= 2) else free
        for i, c in enumerate(poly):
            target[i] += c
    # the all-ones pattern forces E = O (full rank whenever the gaps are valid); the all-zeros
    # pattern changes nothing
    counts = [0] * (2 * n + 3)
    for i in range(2 * n + 1):
        with_ones = good[i] + free[i]
        for z in (0, 1):
            counts[i + z] += good[i]               # without all-ones
            counts[i + z + 1] += with_ones         # with all-ones
    return counts


def full_rank_probability_1d(n, d1, *, exact=False):
    """P(rank J = n) for d0 = 1 with a bias, the region uniform among the non-empty ones.

    Parameters
    ----------
    n : int
        Number of (distinct) inputs.
    d1 : int
        Width.
    exact : bool
        Return a :class:`fractions.Fraction` instead of a float.

    Notes
    -----
    On sorted inputs x_1 < ... < x_n a neuron realises 2n rows: all ones, all zeros, and the
    suffixes 1{j > k} and prefixes 1{j <= k}, k = 1..n-1, each with probability 1/(2n).
    A vector y is orthogonal to the Jacobian's column space iff the path
    (Y_k, Z_k) = (sum_{j<=k} y_j, sum_{j<=k} x_j y_j) passes through the origin O at k = 0 and
    at every prefix breakpoint, and through its end point E = (Y_n, Z_n) at every suffix
    breakpoint and at k = n (all ones forces E = O).  Hence rank n iff (i) consecutive pinned
    indices are at most 2 apart (a gap of 3 leaves a free direction), and (ii) E = 0 is forced:
    by the all-ones row, by a breakpoint used as prefix and suffix, or by two unit gaps between
    an O- and an E-pinned index (each fixes E on the line E_Z = x E_Y of its input).  The
    probability is sum_t N_t t! S(d1, t) / (2n)^d1 over the sets of t distinct rows, N_t the
    number of full-rank sets (transfer matrix), t! S(d1, t) the ways d1 draws cover them.
    """
    n = _int("n", n, 1)
    d1 = _int("d1", d1, 1)
    if n == 1:  # a single input: rank 1 iff some neuron is active on it
        p = 1 - Fraction(1, 2) ** d1
        return p if exact else float(p)
    counts = _full_rank_set_counts(n)
    st = _stirling2_row(d1)
    num = sum(c * math.factorial(t) * st[t] for t, c in enumerate(counts) if c and t <= d1)
    p = Fraction(num, (2 * n) ** d1)
    return p if exact else float(p)


def full_rank_upper_bound(n, d0, d1, *, bias=True) -> float:
    """Rigorous upper bound on P(rank J = n) for uniform patterns (each A[i, j] a fair bit).

    Rank n needs n <= d1 (d0 + bias) (the number of parameters) and no zero column of A (an
    input inactive for every neuron gives a zero row of J): P <= (1 - 2^-d1)^n, and 0 when
    n > d1 (d0 + bias).
    """
    n = _int("n", n, 1)
    d0 = _int("d0", d0, 1)
    d1 = _int("d1", d1, 1)
    if n > d1 * (d0 + (1 if bias else 0)):
        return 0.0
    return (1.0 - 2.0 ** (-d1)) ** n


def typical_log_volume(alpha) -> float:
    """lim (1/d0) E ln P_w(s_j w.x_j > 0 for all j), w ~ N(0, I_d0), x_j ~ N(0, I_d0) and
    random labels s_j, at n = alpha d0: the RS entropy of the zero-margin spherical perceptron
    (Gardner 1988), from the engine (``replica.solve``); exact (the problem is convex) for
    0 < alpha < 2.  A region of d1 neurons (no bias, rows of A as labels) has d1 times it.

    Raises
    ------
    ValueError
        alpha outside (0, 2) (at alpha >= 2 a random labelling is typically not realisable).
    """
    from .engine.solvers import solve
    from .perceptron.models import perceptron

    try:
        a = float(alpha)
    except (TypeError, ValueError):
        raise ValueError(f"alpha must be a real number, got {alpha!r}") from None
    if not 0.0 < a < 2.0:
        raise ValueError(f"alpha = n/d0 must lie in (0, 2), got {alpha!r}")
    return solve(perceptron(weights="spherical", kappa=0.0), a).phi
