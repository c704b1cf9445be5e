"""The Parisi recursion of one cavity field on a grid: k-RSB free entropies and their gradients.

A k-RSB ladder is an increasing sequence of overlaps 0 <= q_0 < q_1 < ... < q_k < q_{k+1} = 1
with Parisi parameters 0 = m_0 < m_1 < ... < m_k < m_{k+1} = 1 (x(q) = m_l on
[q_{l-1}, q_l)).  With a variance function A(q) (A = beta^2 xi' for a spin glass), the field
h is built level by level, h_l = h_{l-1} + sqrt(v_l) z_l with v_0 = A(q_0) (from the
external field h_0) and v_l = A(q_l) - A(q_{l-1}), and the site's log-partition is averaged
back from the top:

    F_k(h)     = T(h; v_top)                             (terminal, v_top = A(1) - A(q_k))
    F_{l-1}(h) = (1/m_l) ln E_z exp(m_l F_l(h + sqrt(v_l) z))      (l = k, ..., 1)
    F_root     = E_z F_0(h_0 + sqrt(v_0) z).

The terminal T already contains the last average, at x = 1, in closed form (Ising spins:
ln 2 cosh h + v_top / 2).  Everything this module computes is a functional of the ladder:
F_root, dF_root/dh_0, and the averages that make up the gradient,

    dF_root/dA(q_l) = (m_l - m_{l+1}) / 2 * <F_l'(h)^2>_l           (l = 0, ..., k)
    dF_root/dm_l   = (<F_l>_l - <F_{l-1}>_{l-1}) / m_l              (l = 1, ..., k)

where <.>_l is the tilted measure of the field at level l (the measure of the backward pass:
the weights of level l are K(h' - h) exp(m_l (F_l(h') - F_{l-1}(h)))).

Numerics.  The field lives on one uniform grid centred on h_0 (h_0 is a node).  Each level is a
Toeplitz kernel K_l applied to exp(m_l F_l):

* sigma_l = sqrt(v_l) >= ``TRAPEZOID_SIGMAS`` grid steps: the trapezoid rule on the grid,
  K(d) = dh phi_sigma(d dh), spectrally accurate for integrands analytic in a strip (the error
  is ~exp(-2 pi^2 sigma^2 / dh^2) + exp(-2 pi w / dh), w the half-width of the strip: pi/2 for
  ln cosh), truncated where the tilted Gaussian's mass ends (``cut`` sigmas beyond its shift
  m_l sigma_l^2 s_max, s_max a bound on |F'|);
* smaller sigma_l (a level close to the previous one, q_0 -> 0): Gauss-Hermite nodes with a
  ``stencil``-point Lagrange interpolant of exp(m_l F_l) between the grid nodes.

No value outside the grid is ever needed: the terminal is evaluated on a grid wide enough for
every level's reach.  The error estimate of a result is its difference from the same recursion
at the check resolution (finer grid, more Gauss-Hermite nodes, longer stencils and cuts).

References
----------
G. Parisi, "A sequence of approximated solutions to the S-K model for spin glasses",
J. Phys. A 13, L115 (1980).
M. Talagrand, "The Parisi formula", Ann. Math. 163, 221 (2006) (the functional in this form).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numba
import numpy as np

from .errors import ModelError, NonFiniteError

__all__ = ["Resolution", "RESOLUTION", "CHECK_RESOLUTION", "Recursion", "recursion",
           "check_ladder"]

#: A level with sigma at least this many grid steps uses the trapezoid rule on the grid.
TRAPEZOID_SIGMAS = 3.0
#: Grid steps per sigma of a closed last level (its output has a smoothed kink).
CLOSED_TOP_SIGMAS = 6.0


@dataclass(frozen=True)
class Resolution:
    """The discretisation of the recursion.

    Attributes
    ----------
    dh : float
        Grid step of the field.
    cut : float
        Gaussian half-width (in sigmas, beyond the tilt's shift) summed by the trapezoid rule.
    n_gh : int
        Gauss-Hermite nodes of a level narrower than ``TRAPEZOID_SIGMAS`` grid steps.
    stencil : int
        Points of the Lagrange interpolant between grid nodes (even).
    """

    dh: float = 0.2
    cut: float = 11.0
    n_gh: int = 24
    stencil: int = 14


#: The resolution of a solve and the finer one of its error estimate.
RESOLUTION = Resolution()
CHECK_RESOLUTION = Resolution(dh=0.15, cut=13.0, n_gh=32, stencil=16)


def check_ladder(q, m):
    """``q`` (k + 1 overlaps) and ``m`` (k Parisi parameters) as float arrays, validated.

    Raises
    ------
    ModelError
        Lengths that do not match, q outside [0, 1) or not increasing, m outside (0, 1) or not
        increasing, non-finite values.
    """
    q = np.atleast_1d(np.asarray(q, dtype=float))
    m = np.atleast_1d(np.asarray(m, dtype=float)) if np.size(m) else np.zeros(0)
    if q.ndim != 1 or m.ndim != 1 or len(q) != len(m) + 1:
        raise ModelError(f"a k-RSB ladder has k + 1 overlaps q and k parameters m; got "
                         f"{len(q)} q and {len(m)} m")
    if not (np.all(np.isfinite(q)) and np.all(np.isfinite(m))):
        raise ModelError(f"non-finite ladder: q = {q.tolist()}, m = {m.tolist()}")
    if q[0] < 0 or q[-1] >= 1 or np.any(np.diff(q) < 0):
        raise ModelError(f"the overlaps must satisfy 0 <= q_0 <= ... <= q_k < 1; got "
                         f"{q.tolist()}")
    if len(m) and (m[0] <= 0 or m[-1] >= 1 or np.any(np.diff(m) < 0)):
        raise ModelError(f"the Parisi parameters must satisfy 0 < m_1 <= ... <= m_k < 1; got "
                         f"{m.tolist()}")
    return q, m


@functools.lru_cache(maxsize=8)
def _gauss_hermite(n):
    z, w = np.polynomial.hermite_e.hermegauss(n)
    return z, w / math.sqrt(2.0 * math.pi)


@functools.lru_cache(maxsize=8)
def _lagrange_denominators(n):
    # prod_{i != j} (j - i) on the nodes 0..n-1: (-1)^(n-1-j) j! (n-1-j)!
    return np.array([(-1.0) ** (n - 1 - j) * math.factorial(j) * math.factorial(n - 1 - j)
                     for j in range(n)])


def _lagrange(t, nodes):
    """Weights of the Lagrange interpolant at t on consecutive integer nodes."""
    n = len(nodes)
    diff = t - np.asarray(nodes, dtype=float)
    hit = np.flatnonzero(diff == 0.0)
    if len(hit):
        w = np.zeros(n)
        w[hit[0]] = 1.0
        return w
    # prod_{i != j} (t - x_i) / (x_j - x_i) = prod(t - x) / ((t - x_j) denominator_j)
    return np.prod(diff) / (diff * _lagrange_denominators(n))


#: No level's kernel spans more grid nodes than this either side (a ladder that would need
#: more, e.g. a Parisi parameter mu -> infinity tried by a line search, is refused).
MAX_REACH_NODES = 200_000


def level_kernel(sigma, m, s_max, res: Resolution, max_shift=math.inf):
    """The Toeplitz weights K(d), d = -J..J, of one level (see the module's Notes).

    ``max_shift`` bounds the tilt's shift m sigma^2 |F'| in units of h (a terminal bounded
    above whose maximum is reached within that distance of where the measure has mass).

    Returns
    -------
    K : numpy.ndarray
        2 J + 1 weights.
    J : int

    Raises
    ------
    ModelError
        The kernel would span more than ``MAX_REACH_NODES`` nodes.
    """
    dh = res.dh
    if sigma == 0.0:
        return np.ones(1), 0
    if sigma >= TRAPEZOID_SIGMAS * dh:
        reach = res.cut * sigma + min(m * sigma * sigma * s_max, max_shift)
        J = int(math.ceil(reach / dh))
        if J > MAX_REACH_NODES:
            raise ModelError(f"Parisi recursion: a level (sigma = {sigma:.3g}, m = {m:.3g}) "
                             f"would need {J} grid nodes either side")
        d = np.arange(-J, J + 1) * dh
        K = dh * np.exp(-0.5 * (d / sigma) ** 2) / (sigma * math.sqrt(2.0 * math.pi))
        return K, J
    z, w = _gauss_hermite(res.n_gh)
    t = sigma * z / dh
    half = res.stencil // 2
    J = int(math.floor(np.max(np.abs(t)))) + half + 1
    K = np.zeros(2 * J + 1)
    for tk, wk in zip(t, w):
        base = int(math.floor(tk)) - half + 1
        nodes = np.arange(base, base + res.stencil)
        K[nodes + J] += wk * _lagrange(tk, nodes)
    return K, J


#: The grid step is refined down to this fraction of the resolution's dh, so that the levels
#: above the root (sigma_l, l >= 1) use the trapezoid rule; narrower levels use Gauss-Hermite
#: with interpolation.
MIN_DH_FRACTION = 0.125


def _adapted(res: Resolution, sigmas) -> Resolution:
    """``res`` with dh reduced so that the levels above the root are at least
    ``TRAPEZOID_SIGMAS`` grid steps wide (down to ``MIN_DH_FRACTION`` of dh).  The adapted
    step keeps the ratio of ``res.dh`` to ``RESOLUTION.dh``, so that the check resolution
    refines an adapted grid as it refines the plain one (else both would land on the same
    step and the error estimate would not see the grid)."""
    pos = sigmas[sigmas > 0.0]
    if not len(pos):
        return res
    scale = res.dh / RESOLUTION.dh
    dh = min(res.dh, max(float(np.min(pos)) / TRAPEZOID_SIGMAS * scale,
                         MIN_DH_FRACTION * res.dh))
    if dh == res.dh:
        return res
    return Resolution(dh=dh, cut=res.cut, n_gh=res.n_gh, stencil=res.stencil)


#: Terms of a level's sum below exp(-NEGLIGIBLE_LOG) of its largest are not exponentiated.
NEGLIGIBLE_LOG = 46.0


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _down(F, dF, K, J, m, Fo, dFo):
    # one level down: Fo[i] = (1/m) ln sum_d K[d] exp(m F[i + J + d]) / sum K (m > 0), or the
    # plain average (m = 0); dFo the same tilted average of dF
    nt = Fo.shape[0]
    nk = K.shape[0]
    ks = 0.0
    logK = np.empty(nk)
    for d in range(nk):
        ks += K[d]
        logK[d] = math.log(K[d]) if K[d] > 0.0 else -np.inf
    for i in range(nt):
        if m == 0.0:
            s = 0.0
            sd = 0.0
            for d in range(nk):
                s += K[d] * F[i + d]
                sd += K[d] * dF[i + d]
            Fo[i] = s / ks
            dFo[i] = sd / ks
            continue
        # ref: F where the integrand K e^{m F} is largest, so that no term overflows and the
        # sum cannot underflow; (1/m) ln sum K e^{m F} / sum K = ref + log1p(t / ks) / m,
        # t = sum K expm1(m (F - ref)): no logarithm near 1 rounded and then amplified by 1/m
        # at small m (where t is near -ks, the plain logarithm of s)
        best = -np.inf
        ref = 0.0
        lk = 0.0
        for d in range(nk):
            g = m * F[i + d] + logK[d]
            if g > best:
                best = g
                ref = F[i + d]
                lk = logK[d]
        floor = lk - NEGLIGIBLE_LOG
        s = 0.0
        sd = 0.0
        t = 0.0
        for d in range(nk):
            x = m * (F[i + d] - ref)
            y = x + logK[d]
            if y < floor and x < -0.5:
                # below 1e-20 of the largest term, and no small-m expansion: no exp (its
                # share of t, K expm1(x) = e - K, is -K to 1e-20 of the sum)
                t -= K[d]
                continue
            e = math.exp(y)
            s += e
            sd += e * dF[i + d]
            t += K[d] * math.expm1(x) if abs(x) < 0.5 else e - K[d]
        if not s > 0.0:
            Fo[i] = np.nan
            dFo[i] = np.nan
            continue
        if abs(t) < 0.5 * ks:
            Fo[i] = ref + math.log1p(t / ks) / m
        else:
            Fo[i] = ref + math.log(s / ks) / m
        dFo[i] = sd / s


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _up(lam, Fo, F, K, J, m, out):
    # the measure one level up: out[i + d] += lam[i] K[d] exp(m (F[i + d] - Fo[i])) / sum K
    # (each term at most lam[i]: the exponent is taken with log K)
    nt = Fo.shape[0]
    nk = K.shape[0]
    for j in range(out.shape[0]):
        out[j] = 0.0
    ks = 0.0
    logK = np.empty(nk)
    for d in range(nk):
        ks += K[d]
        logK[d] = math.log(K[d]) if K[d] > 0.0 else -np.inf
    for i in range(nt):
        li = lam[i] / ks
        if li == 0.0:
            continue
        for d in range(nk):
            if m == 0.0:
                out[i + d] += li * K[d]
            else:
                y = m * (F[i + d] - Fo[i]) + logK[d]
                if y > -NEGLIGIBLE_LOG:   # a weight below 1e-20 of lam[i]: no exp
                    out[i + d] += li * math.exp(y)


@dataclass(frozen=True)
class Recursion:
    """The recursion's functionals at one ladder.

    Attributes
    ----------
    F_root : float
        E F_0(h_0 + sqrt(v_0) z).
    dF_root : float
        d F_root / d h_0 = <F_0'>_0 (the magnetisation of Ising spins).
    sq : numpy.ndarray
        <F_l'^2>_l for l = 0..k.
    df : numpy.ndarray
        <F_l>_l - <F_{l-1}>_{l-1} for l = 1..k.
    measures : tuple
        Per level l = 0..k, (h grid, weights of the tilted measure, F_l, F_l').
    """

    F_root: float
    dF_root: float
    sq: np.ndarray
    df: np.ndarray
    measures: tuple = ()


def recursion(terminal, h0, a, a_top, m, res: Resolution = RESOLUTION,
              keep_measures=False, closed_top=False) -> Recursion:
    """Run the recursion for variances ``a`` = (A(q_0), ..., A(q_k)), ``a_top`` = A(1).

    Parameters
    ----------
    terminal : object
        ``terminal.values(h, v_top) -> (F, F')`` on an array of fields, and
        ``terminal.s_max`` (a bound on |F'|), or ``terminal.slope_bound(v_top)``; optionally
        ``terminal.width(v_top)``, the half-width of the strip where F is analytic (the grid
        step is refined to a third of it, as for a level's sigma).
    h0 : float
        The external field (in the units of h).
    a : array_like
        Non-decreasing variances, k + 1 of them.
    a_top : float
        A(1) >= a[-1].
    m : array_like
        k Parisi parameters in (0, 1), non-decreasing.
    res : Resolution
    keep_measures : bool
        Keep each level's grid, measure and functions (for the overlap distribution).
    closed_top : bool
        The last level (from q_{k-1} to q_k, parameter m_k; the root's plain average when
        k = 0) is done in closed form by ``terminal.level(h, v, m) -> (F, F', G)``, G the
        tilted average of the terminal (zero temperature: the terminal |y| has a kink that
        no grid rule integrates to spectral accuracy).  Its q_k is fixed (``sq[k]`` is 1).

    Raises
    ------
    NonFiniteError
        A NaN in a level (names it).
    """
    a = np.asarray(a, dtype=float)
    m = np.asarray(m, dtype=float)
    k = len(m)
    v = np.diff(np.concatenate(([0.0], a)))
    v_top = a_top - a[-1]
    if np.any(v < -1e-15) or v_top < -1e-15:
        raise ModelError(f"the variances must be non-decreasing: A(q) = {a.tolist()}, "
                         f"A(1) = {a_top}")
    sig = np.sqrt(np.maximum(v, 0.0))
    mm = np.concatenate(([0.0], m))          # m_0 = 0 for the root's plain average
    if closed_top:
        return _closed_top(terminal, h0, v, mm, sig, res, keep_measures)
    # a terminal whose scale depends on the top variance (a channel ln Z_out(h, v_top)):
    # its slope bound and the half-width of its strip of analyticity, resolved by the grid
    s_max = (terminal.slope_bound(max(v_top, 0.0)) if hasattr(terminal, "slope_bound")
             else terminal.s_max)
    top = ([terminal.width(max(v_top, 0.0))] if hasattr(terminal, "width") else [])
    res = _adapted(res, np.concatenate((sig, top)))
    shift = getattr(terminal, "max_shift", math.inf)
    kernels = [level_kernel(sig[l], mm[l], s_max, res, shift) for l in range(k + 1)]
    Js = [J for _, J in kernels]
    reach = sum(Js)
    h = h0 + res.dh * np.arange(-reach, reach + 1)
    F, dF = terminal.values(h, max(v_top, 0.0))
    F = np.ascontiguousarray(F, dtype=float)
    dF = np.ascontiguousarray(dF, dtype=float)
    return _run(F, dF, h, kernels, k, mm, sig, keep_measures)


def _run(F, dF, h, kernels, k, mm, sig, keep_measures, G=None):
    """The passes down and up through levels k..0 from F_k, F_k' on the grid ``h``; with
    ``G`` (closed top), F is F_{k-1} and level k is closed: <F_k>_k = <G>_{k-1}."""
    levels = [(F, dF)]                      # F_k, ..., F_0, F_root
    for l in range(k, -1, -1):
        K, J = kernels[l]
        n_out = len(F) - 2 * J
        Fo = np.empty(n_out)
        dFo = np.empty(n_out)
        _down(F, dF, K, J, mm[l], Fo, dFo)
        if not np.all(np.isfinite(Fo)):
            raise NonFiniteError(f"Parisi recursion: non-finite values at level {l} "
                                 f"(sigma = {sig[l]:.3g}, m = {mm[l]:.3g})", "F", l)
        F, dF = Fo, dFo
        levels.append((F, dF))
    levels.reverse()                        # F_root, F_0, ..., F_k
    F_root, dF_root = float(levels[0][0][0]), float(levels[0][1][0])
    lam = np.ones(1)
    n = k + 1 + (G is not None)
    sq = np.empty(n)
    avgF = np.empty(n)
    measures = []
    for l in range(k + 1):
        K, J = kernels[l]
        Fo = levels[l][0]
        Fl, dFl = levels[l + 1]
        nxt = np.empty(len(Fl))
        _up(lam, Fo, Fl, K, J, mm[l], nxt)
        lam = nxt
        sq[l] = float(np.dot(lam, dFl * dFl))
        avgF[l] = float(np.dot(lam, Fl))
        if keep_measures:
            off = (len(h) - len(Fl)) // 2
            measures.append((h[off:len(h) - off], lam.copy(), Fl.copy(), dFl.copy()))
    if G is not None:
        sq[k + 1] = 1.0
        avgF[k + 1] = float(np.dot(lam, G))
    return Recursion(F_root=F_root, dF_root=dF_root, sq=sq, df=np.diff(avgF),
                     measures=tuple(measures))


def _closed_top(terminal, h0, v, mm, sig, res, keep_measures):
    """:func:`recursion` with the last level in closed form (``terminal.level``)."""
    k = len(mm) - 1
    if k == 0:
        F, dF, _ = terminal.level(np.array([h0]), float(v[0]), 0.0)
        return Recursion(F_root=float(F[0]), dF_root=float(dF[0]), sq=np.ones(1),
                         df=np.zeros(0))
    # F_{k-1} is analytic in a strip of half-width ~ sigma_k only (the smoothed kink): the
    # grid resolves it with CLOSED_TOP_SIGMAS steps
    res = _adapted(res, np.concatenate((sig[:k], [sig[k] * TRAPEZOID_SIGMAS
                                                  / CLOSED_TOP_SIGMAS])))
    shift = getattr(terminal, "max_shift", math.inf)
    kernels = [level_kernel(sig[l], mm[l], terminal.s_max, res, shift) for l in range(k)]
    reach = sum(J for _, J in kernels)
    h = h0 + res.dh * np.arange(-reach, reach + 1)
    F, dF, G = (np.ascontiguousarray(x, dtype=float)
                for x in terminal.level(h, float(v[k]), float(mm[k])))
    return _run(F, dF, h, kernels, k - 1, mm[:k], sig, keep_measures, G)
