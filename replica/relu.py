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
* :func:`full_rank_bounds` — rigorous lower and upper bounds on the full-rank probability
  for uniform patterns and generic data (:func:`full_rank_upper_bound` is its simplest upper
  bound).
* :func:`typical_log_volume` — the statistical-physics link: without a bias, the Gaussian
  measure of a region is the product over neurons of the measures of their cells
  {w : s_j w.x_j > 0}, each the Gardner volume of a zero-margin spherical perceptron with
  labels s = 2 A_i - 1; for random labels its typical log per input dimension is the engine's
  RS entropy at load n/d0.
* :func:`init_log_volume` — the same for the region where a Gaussian initialisation lies
  (drawn with probability its volume): a teacher-student version space, whose typical log
  per dimension is the RS entropy on the Nishimori line (a free entropy on the engine's raw
  path).

References
----------
K. Karhadkar, M. Murray, H. Tseran and G. Montufar, arXiv:2305.19510 (TMLR 2024).
T. M. Cover, IEEE Trans. Electron. Comput. 14, 326 (1965).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["cover_count", "nonempty_regions", "full_rank_probability_1d",
           "full_rank_upper_bound", "full_rank_bounds", "FullRankBounds", "typical_log_volume",
           "init_log_volume", "init_volume_free_entropy"]


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


@dataclass(frozen=True)
class FullRankBounds:
    """Result of :func:`full_rank_bounds` (probabilities as exact fractions and floats).

    Attributes
    ----------
    lower, upper : float
        Rigorous bounds on P(rank J = n) for uniform patterns and generic data.
    lower_exact, upper_exact : fractions.Fraction
        The same, exactly.
    groups : tuple of int
        Sizes of the groups of inputs in the lower bound's certificate (see Notes).
    n, d0, d1 : int
    bias : bool
    """

    lower: float
    upper: float
    lower_exact: Fraction
    upper_exact: Fraction
    groups: tuple[int, ...]
    n: int
    d0: int
    d1: int
    bias: bool


def _gf2_full_row_rank(m: int, d: int) -> Fraction:
    """P(an m x d matrix of fair bits has rank m over GF(2)) = prod_{i<m} (1 - 2^(i-d))."""
    if m > d:
        return Fraction(0)
    out = Fraction(1)
    for i in range(m):
        out *= 1 - Fraction(1, 2 ** (d - i))
    return out


def _poly_pow(p: list[int], e: int) -> list[int]:
    out = [1]
    base = p
    while e:
        if e & 1:
            out = _poly_mul(out, base)
        e >>= 1
        if e:
            base = _poly_mul(base, base)
    return out


def _poly_mul(a: list[int], b: list[int]) -> list[int]:
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        if x:
            for j, y in enumerate(b):
                out[i + j] += x * y
    return out


def full_rank_bounds(n, d0, d1, *, bias=True) -> FullRankBounds:
    """Rigorous bounds on the probability that a region's Jacobian has full rank n, for an
    activation pattern A of fair bits (uniform over all 2^(d1 n) patterns) and generic data.

    Parameters
    ----------
    n, d0, d1 : int
        Inputs, input dimension and width (all >= 1).
    bias : bool
        Whether the neurons have a bias (lifted inputs (x, 1), D = d0 + 1 coordinates).

    Returns
    -------
    FullRankBounds

    Raises
    ------
    ValueError
        A count that is not a positive integer.

    Notes
    -----
    Write D = d0 + bias. Row j of J is (A_1j x~_j, ..., A_d1j x~_j). "Generic data" means
    that the rank is the generic rank: the n x n minors of J are polynomials in the data, so J
    has rank n for almost every dataset as soon as it has at one.

    *Upper bound* (necessary conditions): a zero column of A (an input active for no neuron)
    is a zero row of J, and the rank of J is at most sum_i rank(block i) =
    sum_i min(|S_i|, D), with S_i the inputs neuron i is active on. Hence
    P <= P(no zero column and sum_i min(|S_i|, D) >= n), computed exactly by
    inclusion-exclusion over the zero columns: given k forced zero columns, the |S_i| are iid
    Binomial(n - k, 1/2) and the law of the sum is a polynomial power.

    *Lower bound* (a sufficient condition): split the inputs into D groups T_c. At the special
    dataset x_j = e_c for j in T_c (c = 1..d0; the group T_0 at x_j = 0 takes the bias column
    when there is a bias), column operations turn J into blocks diag(1_{T_c}) A^T, so rank J =
    sum_c rank_R(A^T[T_c, :]); if every group's rows of A^T are independent, J has rank n
    there, hence for generic data. The groups are disjoint sets of columns of A, so the events
    are independent, and rank over the reals is at least rank over GF(2), whose full-rank
    probability is prod_{i<m} (1 - 2^(i - d1)) for m rows. The bound is maximised over the
    group sizes (at most d1 each), which requires n <= D d1, the parameter count.

    References
    ----------
    K. Karhadkar, M. Murray, H. Tseran and G. Montufar, arXiv:2305.19510 (TMLR 2024), whose
    theorems bound the same probability via random 0/1 matrix results.
    """
    n = _int("n", n, 1)
    d0 = _int("d0", d0, 1)
    d1 = _int("d1", d1, 1)
    D = d0 + (1 if bias else 0)
    # lower bound: best group sizes (DP over the D groups, each of size <= d1)
    best = {0: (Fraction(1), ())}
    for _ in range(D):
        nxt = dict(best)
        for tot, (pr, sizes) in best.items():
            for m in range(1, min(d1, n - tot) + 1):
                cand = pr * _gf2_full_row_rank(m, d1)
                if tot + m not in nxt or cand > nxt[tot + m][0]:
                    nxt[tot + m] = (cand, sizes + (m,))
        best = nxt
    lower, groups = best.get(n, (Fraction(0), ()))
    # upper bound: inclusion-exclusion over the zero columns of A
    total = Fraction(0)
    for k in range(n + 1):
        m = n - k
        # law of Y = min(Binomial(m, 1/2), D), as integer weights over 2^m
        y = [math.comb(m, s) for s in range(min(m, D))] + \
            [sum(math.comb(m, s) for s in range(min(m, D), m + 1))]
        dist = _poly_pow(y, d1)  # weights of sum_i Y_i over 2^(m d1)
        tail = sum(dist[n:]) if len(dist) > n else 0
        term = Fraction(math.comb(n, k) * tail, 2 ** (m * d1 + k * d1))
        total += term if k % 2 == 0 else -term
    upper = min(total, Fraction(1))
    return FullRankBounds(lower=float(lower), upper=float(upper), lower_exact=lower,
                          upper_exact=upper, groups=tuple(sorted(groups, reverse=True)),
                          n=n, d0=d0, d1=d1, bias=bool(bias))


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


_INIT_FE = []


def init_volume_free_entropy():
    """The RS free entropy of the teacher-student version space on the Nishimori line (the raw
    free entropy behind :func:`init_log_volume`; order parameter q in (0, 1), control alpha).

    Notes
    -----
    phi(q) = ln(1 - q)/2 + q/2 + 2 alpha E_z[H(-c z) ln H(-c z)],  c = sqrt(q/(1 - q)),

    the quenched log-volume of {w : sign(w.x_j) = sign(w0.x_j), j <= n} for a Gaussian
    teacher w0 (Gardner 1989; Gyorgyi and Tishby 1990; Engel and Van den Broeck,
    *Statistical Mechanics of Learning*, ch. 2): the student's overlap with the teacher equals
    its overlap q with another student (Nishimori), and RS is exact.  The average has a hint
    at z = 0 on the scale 1/c (the step of H(-c z) as q -> 1).
    """
    if not _INIT_FE:
        import sympy as sp

        from .engine.freeentropy import free_entropy
        from .engine.gauss import GaussAvg
        from .engine.special import H, logH

        q, alpha, z = sp.Symbol("q"), sp.Symbol("alpha"), sp.Symbol("z")
        c = sp.sqrt(q / (1 - q))
        energetic = 2 * alpha * GaussAvg(H(-c * z) * logH(-c * z), z,
                                         [(sp.Integer(0), sp.sqrt((1 - q) / q))])
        entropic = sp.log(1 - q) / 2 + q / 2
        _INIT_FE.append(free_entropy(entropic + energetic, {q: (0.0, 1.0)}, [alpha],
                                     name="teacher-student version space (Nishimori)",
                                     parts=[entropic, energetic], start={q: 0.5}))
    return _INIT_FE[0]


def init_log_volume(alpha) -> float:
    """lim (1/d0) E ln Vol(region of w0), the Gaussian measure of the cell
    {w : sign(w.x_j) = sign(w0.x_j) for all j} of a neuron initialised at w0 ~ N(0, I_d0)
    (no bias), x_j ~ N(0, I_d0), n = alpha d0: the region a random initialisation lies in, drawn
    with probability its volume (``simulate.relu.sample_regions(measure="init")``).

    It is the teacher-student version-space entropy (:func:`init_volume_free_entropy`), solved
    by the engine; larger than :func:`typical_log_volume` (uniformly drawn labels) at every
    alpha, since the initialisation measure is size-biased: -0.3217 against -0.3777 at
    alpha = 0.5.  Defined for every alpha > 0 (the teacher's labels are always realisable).

    Raises
    ------
    ValueError
        alpha not a finite real number > 0.
    """
    from .engine.solvers import solve

    try:
        a = float(alpha)
    except (TypeError, ValueError):
        raise ValueError(f"alpha must be a real number, got {alpha!r}") from None
    if not (math.isfinite(a) and a > 0.0):
        raise ValueError(f"alpha = n/d0 must be a finite number > 0, got {alpha!r}")
    return solve(init_volume_free_entropy(), {"alpha": a}).phi
