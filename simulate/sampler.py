"""Uniform sampling of the solutions of the spherical (negative) perceptron by hit-and-run.

:func:`hit_and_run` runs geodesic hit-and-run chains on the set
{w : |w|^2 = N, Delta^mu(w) >= kappa for all mu}; each move draws the exact feasible set of a
random great circle (a union of arcs when kappa < 0) and a uniform point on it. Each chain
draws its random numbers inside Numba from its own ``numpy.random.Generator``, spawned from the
caller's ``rng`` (:func:`_chain_generators`), and every reduction is summed in a fixed order
(:mod:`simulate._fixedorder`, no BLAS), so a seed reproduces a run bit for bit on any machine,
with any number of threads, and chain c does not depend on how many chains run beside it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulate._inputs import (_check_count, _check_patterns, _check_real, _check_rng,
                              _check_weights)
from simulate._fixedorder import atan2, cos, dot, matmat_t, matvec_t, norm, sin
from simulate._jit import jit
from simulate.hinge import find_solution

__all__ = ["SamplerResult", "hit_and_run", "TAU_WINDOW_C", "BLOCK_FROM_N", "DEFAULT_BLOCK"]

_TWO_PI = 2.0 * math.pi
#: Sokal's window constant for the integrated autocorrelation time (emcee uses 5).
TAU_WINDOW_C = 5.0
#: Memory for the chain states kept at the records of a block (pair overlaps, n_chains >= 2).
_SNAPSHOT_BYTES = 1 << 24


def _chain_generators(rng, n_chains):
    """One independent ``numpy.random.Generator`` (PCG64) per chain, derived from ``rng``.

    Four 64-bit words drawn from ``rng`` seed a ``numpy.random.SeedSequence`` whose
    ``spawn(n_chains)`` children seed the chains: chain c's stream depends only on the state of
    ``rng`` and on c, not on the number of chains, on the order in which chains are run or on
    threads; and the result depends on ``rng`` only through its stream (restoring
    ``rng.bit_generator.state`` replays a run, whatever the seed sequence's spawn counter).
    """
    entropy = [int(x) for x in rng.integers(0, 2**64, size=4, dtype=np.uint64)]
    return [np.random.Generator(np.random.PCG64(s))
            for s in np.random.SeedSequence(entropy).spawn(n_chains)]


@dataclass(frozen=True)
class SamplerResult:
    """Outcome of :func:`hit_and_run`. Records are taken every ``record_every`` sweeps.

    Attributes
    ----------
    w : ndarray, shape (n_chains, N)
        Final states, |w|^2 = N.
    trace_q : ndarray, shape (n_chains, n_records)
        Overlap w(t).w(0)/N of each chain with its own starting point.
    trace_pair_q : ndarray, shape (n_records,)
        Mean over chain pairs a < b of w_a.w_b/N (empty if n_chains < 2).
    trace_margin : ndarray, shape (n_chains, n_records)
        min_mu Delta^mu(w) of each chain (>= kappa up to rounding).
    tau_int : ndarray, shape (n_chains,)
        Integrated autocorrelation time of ``trace_q`` over the second half of the records, in
        sweeps (nan where undefined: fewer than 2 records there, or a constant trace).
    r_hat : float
        Gelman-Rubin potential scale reduction of ``trace_margin`` over the second half of the
        records (nan if n_chains < 2 or undefined).
    mean_arcs : float
        Mean number of disjoint feasible arcs on the great circle of a move (1 for a convex
        feasible set; more measures the non-convexity seen by the sampler).
    n_sweeps : int
        Sweeps per chain (one sweep = N moves).
    record_every : int
        Sweeps between records.
    kappa : float
        Margin.
    """

    w: np.ndarray
    trace_q: np.ndarray
    trace_pair_q: np.ndarray
    trace_margin: np.ndarray
    tau_int: np.ndarray
    r_hat: float
    mean_arcs: float
    n_sweeps: int
    record_every: int
    kappa: float


# --------------------------------------------------------------------------------------------
# Numba kernels
# --------------------------------------------------------------------------------------------


@jit
def _feasible_arcs(a, b, kappa, lo, hi):
    """Feasible angles {theta in [0, 2 pi]: a_mu cos(theta) + b_mu sin(theta) >= kappa, all mu}.

    Writes the disjoint closed intervals, sorted, into ``lo``/``hi`` (length >= 2P + 1) and
    returns ``(n_intervals, n_arcs, length)``: the interval touching 0 and the one touching
    2 pi are one arc of the circle, counted once in ``n_arcs``; ``length`` is the total measure.
    """
    P = a.shape[0]
    s_buf = np.empty(2 * P)
    e_buf = np.empty(2 * P)
    n = 0
    k2 = kappa * kappa
    for mu in range(P):
        r2 = a[mu] * a[mu] + b[mu] * b[mu]
        if kappa <= 0.0 and r2 <= k2:
            continue  # R <= -kappa: satisfied on the whole circle
        if kappa > 0.0 and r2 < k2:
            return 0, 0, 0.0  # R < kappa: violated on the whole circle
        half = atan2(math.sqrt(r2 - k2), kappa)  # allowed: |theta - phi| <= half
        start = atan2(b[mu], a[mu]) + half
        if start < 0.0:
            start += _TWO_PI
        if start >= _TWO_PI:
            start -= _TWO_PI
        stop = start + (_TWO_PI - 2.0 * half)
        if stop > _TWO_PI:  # only when theta = 0 is infeasible by rounding
            s_buf[n] = start
            e_buf[n] = _TWO_PI
            n += 1
            start = 0.0
            stop -= _TWO_PI
        s_buf[n] = start
        e_buf[n] = stop
        n += 1
    if n == 0:
        lo[0] = 0.0
        hi[0] = _TWO_PI
        return 1, 1, _TWO_PI
    order = np.argsort(s_buf[:n], kind="mergesort")
    m = 0
    cur = 0.0
    length = 0.0
    for j in range(n):
        s = s_buf[order[j]]
        if s > cur:
            lo[m] = cur
            hi[m] = s
            length += s - cur
            m += 1
        cur = max(cur, e_buf[order[j]])
    if cur < _TWO_PI:
        lo[m] = cur
        hi[m] = _TWO_PI
        length += _TWO_PI - cur
        m += 1
    arcs = m
    if m >= 2 and lo[0] == 0.0 and hi[m - 1] == _TWO_PI:
        arcs -= 1
    return m, arcs, length


@jit
def _draw_on_arcs(lo, hi, m, length, u):
    """The point at arc length u * length along the intervals lo[:m], hi[:m]."""
    x = u * length
    for k in range(m):
        d = hi[k] - lo[k]
        if x < d:
            return lo[k] + x
        x -= d
    return hi[m - 1]


@jit
def _stabilities(XT, w, inv_root, out):
    """out[mu] = Delta^mu(w) = (xi^mu . w) inv_root, in the fixed order of ``matvec_t``."""
    matvec_t(XT, w, out)
    for mu in range(out.shape[0]):
        out[mu] *= inv_root


@jit
def _move_on_arcs(w, v, a, b, kappa, lo, hi, u):
    """One hit-and-run move along the great circle of w and the direction v (stabilities a
    and b): the feasible arcs, theta uniform on them from the uniform u, then w and a rotated
    in place. Returns the number of arcs; no move if rounding left no feasible angle."""
    m, arcs, length = _feasible_arcs(a, b, kappa, lo, hi)
    if length > 0.0:
        theta = _draw_on_arcs(lo, hi, m, length, u)
        ct = cos(theta)
        st = sin(theta)
        for i in range(w.shape[0]):
            w[i] = ct * w[i] + st * v[i]
        for mu in range(a.shape[0]):
            a[mu] = ct * a[mu] + st * b[mu]
    return arcs


@jit
def _end_of_sweep(XT, w, w0, a, sweep, record_every, trace_q, trace_margin, snaps):
    """Renormalise w to |w|^2 = N, recompute its stabilities from scratch, and record at the
    sweeps that are multiples of record_every."""
    N = w.shape[0]
    root = math.sqrt(N)
    scale = root / math.sqrt(dot(w, w))
    for i in range(N):
        w[i] *= scale
    _stabilities(XT, w, 1.0 / root, a)
    if sweep % record_every == 0:
        r = sweep // record_every - 1
        if r < trace_q.shape[0]:
            trace_q[r] = dot(w, w0) / N
            trace_margin[r] = np.min(a)
            if snaps.shape[0] > 0:
                snaps[r, :] = w


@jit
def _chain_kernel(XT, w, w0, kappa, n_sweeps, record_every, rng, trace_q, trace_margin,
                  snaps):
    """Run ONE chain for n_sweeps sweeps of N moves from w (in place), drawing every random
    number from ``rng``, the chain's own generator (per move N normals, then one uniform).
    The stabilities are computed from w at the start and recomputed after each sweep, when w
    is renormalised. At local sweep s with s % record_every == 0 and r = s // record_every - 1
    below len(trace_q): trace_q[r] = w.w0/N, trace_margin[r] = min Delta, and snaps[r] = w if
    snaps has rows. Every reduction is in the fixed order of ``simulate._fixedorder`` (no
    BLAS), so the run is the same bit for bit on every machine. Returns the total arcs."""
    N, P = XT.shape
    root = math.sqrt(N)
    inv_root = 1.0 / root
    v = np.empty(N)
    a = np.empty(P)
    b = np.empty(P)
    lo = np.empty(2 * P + 1)
    hi = np.empty(2 * P + 1)
    _stabilities(XT, w, inv_root, a)
    total_arcs = 0
    for sweep in range(1, n_sweeps + 1):
        for _ in range(N):
            for i in range(N):
                v[i] = rng.standard_normal()
            proj = dot(v, w) / dot(w, w)
            for i in range(N):
                v[i] -= proj * w[i]
            scale = root / math.sqrt(dot(v, v))
            for i in range(N):
                v[i] *= scale
            _stabilities(XT, v, inv_root, b)
            total_arcs += _move_on_arcs(w, v, a, b, kappa, lo, hi, rng.random())
        _end_of_sweep(XT, w, w0, a, sweep, record_every, trace_q, trace_margin, snaps)
    return total_arcs


@jit
def _chain_kernel_blocked(XT, w, w0, kappa, n_sweeps, record_every, rng, trace_q,
                          trace_margin, snaps, block):
    """:func:`_chain_kernel` with the directions drawn ``block`` at a time.

    A direction is v = s (g - (g.w / w.w) w) with g Gaussian, so its stabilities are
    b = s (Delta(g) - (g.w / w.w) a), a = Delta(w) the current ones: the Delta(g) of a block
    of raw Gaussians do not depend on the state and come from one pass over the patterns
    (:func:`simulate._fixedorder.matmat_t`) instead of one matrix-vector product per move.
    Per block: block x N normals, then one uniform per move; sums in the fixed order of
    :mod:`simulate._fixedorder`, so a seed reproduces a run bit for bit on any machine."""
    N, P = XT.shape
    root = math.sqrt(N)
    inv_root = 1.0 / root
    G = np.empty((block, N))
    DG = np.empty((block, P))
    v = np.empty(N)
    a = np.empty(P)
    b = np.empty(P)
    lo = np.empty(2 * P + 1)
    hi = np.empty(2 * P + 1)
    _stabilities(XT, w, inv_root, a)
    total_arcs = 0
    for sweep in range(1, n_sweeps + 1):
        done = 0
        while done < N:
            nk = min(block, N - done)
            for k in range(nk):
                for i in range(N):
                    G[k, i] = rng.standard_normal()
            matmat_t(XT, G, nk, DG)
            for k in range(nk):
                g = G[k]
                proj = dot(g, w) / dot(w, w)
                for i in range(N):
                    v[i] = g[i] - proj * w[i]
                scale = root / math.sqrt(dot(v, v))
                for i in range(N):
                    v[i] *= scale
                for mu in range(P):
                    b[mu] = scale * (DG[k, mu] * inv_root - proj * a[mu])
                total_arcs += _move_on_arcs(w, v, a, b, kappa, lo, hi, rng.random())
            done += nk
        _end_of_sweep(XT, w, w0, a, sweep, record_every, trace_q, trace_margin, snaps)
    return total_arcs


@jit
def _pair_overlaps(snaps, out):
    """out[r] = mean over chain pairs c < d of snaps[c, r].snaps[d, r]/N (fixed order)."""
    C, R, N = snaps.shape
    n_pairs = C * (C - 1) // 2
    for r in range(R):
        pair = 0.0
        for c in range(C):
            for d in range(c + 1, C):
                pair += dot(snaps[c, r], snaps[d, r]) / N
        out[r] = pair / n_pairs


# --------------------------------------------------------------------------------------------
# Diagnostics
# --------------------------------------------------------------------------------------------


@jit
def _sokal_window(y, var, c):
    """tau(M) = 2 sum_{t<=M} rho(t) - 1 accumulated for M = 0, 1, ... with
    rho(t) = y[:n-t].y[t:]/var (fixed-order dots), up to the first M >= c tau(M); tau(n-1) if
    there is none. O(n M) for the window M found."""
    n = y.shape[0]
    s = 0.0
    tau = 0.0
    for m in range(n):
        s += dot(y[:n - m], y[m:]) / var
        tau = 2.0 * s - 1.0
        if m >= c * tau:
            return tau
    return tau


def _integrated_time(x, c=TAU_WINDOW_C) -> float:
    r"""Integrated autocorrelation time of a 1-D series, in steps, with Sokal's window.

    :math:`\hat\tau(M)=1+2\sum_{t=1}^{M}\hat\rho(t)`, with the normalised autocorrelation
    :math:`\hat\rho(t)=\sum_s y_s y_{s+t}/\sum_s y_s^2` of the centred series (direct sums
    in a fixed order, only up to the window: the same bits on every machine, unlike an FFT or
    BLAS), and M the smallest window with :math:`M\ge c\,\hat\tau(M)` (Sokal; as in emcee).
    If no window qualifies (a series shorter than ~c tau), the estimate at the largest window
    is returned: then it is a lower bound. nan for < 2 points or a constant series.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = x.size
    if n < 2:
        return math.nan
    y = x - math.fsum(x) / n  # correctly rounded mean: no SIMD-dependent summation
    var = dot(y, y)
    if var <= 0.0:
        return math.nan
    return float(_sokal_window(y, var, float(c)))


def _gelman_rubin(traces) -> float:
    r"""Potential scale reduction :math:`\hat R=\sqrt{\hat V/W}` of m chains of n points.

    :math:`W` = mean within-chain variance (ddof 1), :math:`B/n` = variance of the chain means
    (ddof 1), :math:`\hat V=\frac{n-1}{n}W+B/n`; nan if m < 2, n < 2 or W = 0.
    """
    m, n = traces.shape
    if m < 2 or n < 2:
        return math.nan
    within = float(np.mean(np.var(traces, axis=1, ddof=1)))
    if within <= 0.0:
        return math.nan
    between_n = float(np.var(traces.mean(axis=1), ddof=1))
    return math.sqrt(((n - 1) / n * within + between_n) / within)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def _starting_points(X, kappa, n_chains, rng, w0):
    P, N = X.shape
    root = math.sqrt(N)
    if w0 is None:
        W = np.empty((n_chains, N))
        for c in range(n_chains):
            res = find_solution(X, kappa, rng=rng)
            if not res.converged:
                raise RuntimeError(
                    f"find_solution did not reach a solution for chain {c} (margin "
                    f"{res.margin:.6g} < kappa = {kappa} after {res.epochs} epochs): the "
                    f"instance may be UNSAT; pass solutions as w0")
            W[c] = res.w
        return W
    arr = np.asarray(w0)
    if arr.ndim == 1:
        arr = np.broadcast_to(arr, (n_chains,) + arr.shape)
    if arr.ndim != 2 or arr.shape[0] != n_chains:
        raise ValueError(f"w0 must have shape (N,) or (n_chains, N) = ({n_chains}, {N}), "
                         f"got {np.shape(w0)}")
    W = np.empty((n_chains, N))
    XT = np.ascontiguousarray(X.T)
    delta = np.empty(P)
    for c in range(n_chains):
        w = _check_weights(arr[c], N, f"w0[{c}]")
        W[c] = w * (root / norm(w))
        _stabilities(XT, W[c], 1.0 / root, delta)
        mu = int(np.argmin(delta))
        if delta[mu] < kappa:
            raise ValueError(f"w0[{c}] is not a solution: Delta^{mu} = {delta[mu]:.6g} < "
                             f"kappa = {kappa} (after normalisation to |w|^2 = N)")
    return W


#: From this N on, hit_and_run draws its directions in blocks by default (the patterns no
#: longer fit in cache and the matrix-vector product of each move is memory-bound).
BLOCK_FROM_N = 512
#: Directions per block when blocked.
DEFAULT_BLOCK = 16


def hit_and_run(xi, kappa, *, n_chains, n_sweeps, rng, w0=None, record_every=1,
                directions_per_block=None) -> SamplerResult:
    r"""Sample the uniform measure on the solutions of the spherical perceptron.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows); P >= 1, N >= 2.
    kappa : float
        Margin; kappa < 0 is the non-convex negative perceptron.
    n_chains : int
        Independent chains (>= 1).
    n_sweeps : int
        Sweeps per chain (>= 1); one sweep is N moves.
    rng : numpy.random.Generator
        Source of the starting points (when ``w0`` is None), then of four 64-bit words that
        seed one independent generator per chain (``SeedSequence(...).spawn(n_chains)``), from
        which every move of that chain draws.
    w0 : array_like, shape (N,) or (n_chains, N), optional
        Starting solutions (normalised to |w|^2 = N; each must satisfy every constraint).
        Default: one :func:`simulate.hinge.find_solution` run per chain.
    record_every : int, default 1
        Sweeps between records (1 <= record_every <= n_sweeps).
    directions_per_block : int, optional
        Draw the random directions this many at a time and compute their stabilities in one
        pass over the patterns (see Notes). 1: one matrix-vector product per move. Default:
        1 for N < ``BLOCK_FROM_N`` (512), ``DEFAULT_BLOCK`` (16) from there on. Both give the
        same Markov chain law; for a given seed they give different (each reproducible)
        samples.

    Returns
    -------
    SamplerResult
        Final states, traces (overlap with the start, mean pair overlap, margin) and
        diagnostics (``tau_int`` in sweeps, ``r_hat``, ``mean_arcs``).

    Raises
    ------
    ValueError
        On bad ``xi``, ``kappa``, counts, ``rng``, or a ``w0`` of the wrong shape or that is not
        a solution (the chain and the violated pattern are named).
    RuntimeError
        If ``find_solution`` fails to find a starting solution for a chain.

    Notes
    -----
    Geodesic hit-and-run [1]_ [2]_ on the sphere. At state w a direction v is drawn uniformly on
    the unit sphere of the tangent space (a Gaussian vector, w projected out, |v|^2 = N); on the
    great circle :math:`w(\theta)=w\cos\theta+v\sin\theta` constraint mu reads

    .. math:: a_\mu\cos\theta+b_\mu\sin\theta=R_\mu\cos(\theta-\phi_\mu)\ge\kappa,\qquad
              a_\mu=\Delta^\mu(w),\ b_\mu=\Delta^\mu(v),

    allowed on the arc :math:`|\theta-\phi_\mu|\le\arccos(\kappa/R_\mu)` (everywhere if
    :math:`R_\mu\le-\kappa`). The forbidden arcs are sorted by their start and merged; the
    feasible set is their complement, a union of disjoint arcs (several when kappa < 0 [3]_
    [4]_) of total length L that contains theta = 0. theta is drawn uniformly on it (exactly,
    no rejection), and :math:`w\leftarrow w(\theta)`,
    :math:`a\leftarrow a\cos\theta+b\sin\theta` (O(P N) per move). The great circle through w
    in a uniform direction has the same law seen from any of its points and theta is uniform
    on the feasible part of it, so the move is reversible with respect to the uniform measure
    on the solutions, which it therefore leaves invariant. After each sweep (N moves) w is
    renormalised and the stabilities are recomputed from scratch. If rounding ever leaves no
    feasible angle (L = 0) the move is rejected.

    Reproducibility: the chains are chaotic, so one ulp of difference in a stability becomes a
    different sample within a few sweeps. Dot products and matrix-vector products are therefore
    summed in an order fixed by the source (:mod:`simulate._fixedorder`) instead of by BLAS,
    whose kernels (chosen for the CPU at run time) round differently on different machines;
    and ``sin``, ``cos``, ``atan2`` are portable ports of fdlibm (same module), since the system
    libm differs between platforms and, in glibc, between CPUs with and without FMA.

    Blocked directions: v = s (g - (g.w/w.w) w) for a Gaussian g, so
    :math:`\Delta(v) = s(\Delta(g) - (g\cdot w/w\cdot w)\,a)`; the :math:`\Delta(g)` of a block
    of Gaussians do not depend on the state and take one pass over the patterns. At N >= 800
    most of a move is that memory-bound product, so a block of 16 directions costs a fraction
    of 16 products (``benchmarks/bench_sampler.py``).

    Diagnostics use the second half of the records (the first half is burn-in): ``tau_int``
    of ``trace_q`` per chain with Sokal's automatic window (smallest M with M >= 5 tau(M)),
    times ``record_every``; ``r_hat`` of ``trace_margin`` (Gelman-Rubin).

    References
    ----------
    .. [1] R. L. Smith, "Efficient Monte Carlo procedures for generating points uniformly
       distributed over bounded regions", Oper. Res. 32, 1296 (1984).
    .. [2] L. Lovasz, "Hit-and-run mixes fast", Math. Program. 86, 443 (1999).
    .. [3] B. L. Annesi, C. Lauditi, C. Lucibello, E. M. Malatesta, G. Perugini, F. Pittorino
       and L. Saglietti, "Star-shaped space of solutions of the spherical negative
       perceptron", Phys. Rev. Lett. 131, 227301 (2023), arXiv:2305.10623.
    .. [4] E. M. Malatesta, "High-dimensional manifold of solutions in neural networks:
       insights from statistical physics", lecture notes, arXiv:2309.09240.
    """
    X = _check_patterns(xi)
    P, N = X.shape
    if P < 1:
        raise ValueError("xi must hold P >= 1 patterns")
    if N < 2:
        raise ValueError(f"xi must have N >= 2 columns for moves on the sphere, got N = {N}")
    kappa = _check_real(kappa, "kappa")
    n_chains = _check_count(n_chains, "n_chains")
    n_sweeps = _check_count(n_sweeps, "n_sweeps")
    record_every = _check_count(record_every, "record_every")
    if record_every > n_sweeps:
        raise ValueError(f"record_every = {record_every} exceeds n_sweeps = {n_sweeps}: "
                         f"nothing would be recorded")
    _check_rng(rng)
    if directions_per_block is None:
        block_dirs = 1 if N < BLOCK_FROM_N else DEFAULT_BLOCK
    else:
        block_dirs = _check_count(directions_per_block, "directions_per_block")
    W = _starting_points(X, kappa, n_chains, rng, w0)
    W0 = W.copy()
    XT = np.ascontiguousarray(X.T)
    gens = _chain_generators(rng, n_chains)
    n_records = n_sweeps // record_every
    trace_q = np.empty((n_chains, n_records))
    trace_margin = np.empty((n_chains, n_records))
    trace_pair_q = np.empty(n_records if n_chains >= 2 else 0)
    # Chains run one after the other, each on its own generator, over blocks of records; with
    # several chains the states at the records of a block are kept for the pair overlaps.
    if n_chains >= 2:
        block = max(1, min(n_records, _SNAPSHOT_BYTES // (8 * N * n_chains)))
        snaps = np.empty((n_chains, block, N))
    else:
        block = max(n_records, 1)
        snaps = np.empty((1, 0, N))
    total_arcs = 0
    for r0 in range(0, max(n_records, 1), block):
        k = min(block, n_records - r0)
        # the last block also runs the sweeps after the last record
        sweeps = k * record_every if r0 + k < n_records else n_sweeps - r0 * record_every
        for c in range(n_chains):
            args = (XT, W[c], W0[c], kappa, np.int64(sweeps), np.int64(record_every), gens[c],
                    trace_q[c, r0:r0 + k], trace_margin[c, r0:r0 + k],
                    snaps[c if n_chains >= 2 else 0, :k])
            if block_dirs == 1:
                total_arcs += _chain_kernel(*args)
            else:
                total_arcs += _chain_kernel_blocked(*args, np.int64(block_dirs))
        if n_chains >= 2:
            _pair_overlaps(snaps[:, :k], trace_pair_q[r0:r0 + k])
    half = n_records // 2
    tau = np.array([_integrated_time(trace_q[c, half:]) for c in range(n_chains)])
    tau *= record_every
    r_hat = _gelman_rubin(trace_margin[:, half:])
    mean_arcs = total_arcs / (n_chains * n_sweeps * N)
    for arr in (W, trace_q, trace_pair_q, trace_margin, tau):
        arr.setflags(write=False)
    return SamplerResult(w=W, trace_q=trace_q, trace_pair_q=trace_pair_q,
                         trace_margin=trace_margin, tau_int=tau, r_hat=float(r_hat),
                         mean_arcs=float(mean_arcs), n_sweeps=n_sweeps,
                         record_every=record_every, kappa=kappa)
