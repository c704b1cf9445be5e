"""Finite-N spherical spin glasses: couplings, Riemannian derivatives, descent, critical points,
Langevin dynamics (never imports formulas from ``replica``).

Model: H(s) = sum_p sqrt(c_p) N^{-(p-1)/2} sum_{i_1..i_p} J^{(p)}_{i_1..i_p} s_{i_1}...s_{i_p}
on the sphere |s|^2 = N, with J^{(p)} i.i.d. standard Gaussians, so that
E[H(s) H(s')] = N xi(s.s'/N), xi(q) = sum_p c_p q^p (``xi={3: 1.0}``: the normalisation of
Auffinger, Ben Arous and Cerny; ``{3: 0.5}``: Crisanti and Sommers).  The tensors are stored
symmetrised (same H), dense: N^p numbers per degree (p = 3: N <= ~300 in memory).

A **deformation** adds a deterministic function of the overlap with a fixed direction v
(|v|^2 = N): H(s) = H_xi(s) + N h(s.v/N), h(m) = sum_r d_r m^r (``deformation={2: 0.3}``).
Its Euclidean Hessian is the rank-one h''(m) v v^T/N, so the Riemannian Hessian at a critical
point is the Gaussian one plus a deterministic rank-one term: the "GOE plus low-rank" model of
general activations.  A degree r >= 2 term is the rank-one tensor d_r N^{1-r} v^{(x)r}; a
linear term d_1 s.v is written on the sphere as d_1 (s.v)(s.s)/N, a degree-3 tensor (the
Riemannian derivatives only see H on the sphere).

Energies are per spin, e = H/N.  ``gradient`` and ``hessian`` are Riemannian, of H itself (not
per spin): grad = P grad_E H, Hess = P (Hess_E H - (s.grad_E H / N) I) P with P the projector
on the tangent space at s (the radial direction is mapped to 0); the index of a critical point
is the number of negative eigenvalues of Hess on the tangent space (N - 1 of them).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from itertools import permutations

import numpy as np

from . import _pspin_packed as _packed
from ._jit import jit
from ._pspin_deform import _check_deformation, _deformation_tensors, _direction

__all__ = ["Couplings", "couplings", "energy", "gradient", "hessian", "tangent_eigenvalues",
           "DescentResult", "gradient_descent", "CriticalPoints", "critical_points",
           "LangevinResult", "langevin"]

#: Largest number of entries of one dense coupling tensor.
MAX_TENSOR_ENTRIES = 64_000_000
#: Largest number of entries of one packed 3-tensor (N = 1000: 1.7e8, 1.3 GB).
MAX_PACKED_ENTRIES = 200_000_000


@dataclass(frozen=True)
class Couplings:
    """Symmetrised coupling tensors of a spherical mixed p-spin model.

    Attributes
    ----------
    N : int
    xi : dict
        {p: c_p}.
    tensors : tuple of (int, numpy.ndarray)
        (p, T_p) with T_p = sqrt(c_p) N^{-(p-1)/2} sym(J^{(p)}), shape (N,)*p; with
        ``storage="packed"`` the degree-3 entry is the 1-d packed array of
        :mod:`simulate._pspin_packed`.
    deformation : dict or None
    direction : numpy.ndarray or None
    storage : str
        ``"dense"`` or ``"packed"``.
    """

    N: int
    xi: dict
    tensors: tuple
    deformation: dict = None
    direction: np.ndarray = None
    storage: str = "dense"


def _check_xi(xi):
    if not isinstance(xi, dict) or not xi:
        raise ValueError(f"xi must be a non-empty dict {{p: coefficient}}, got {xi!r}")
    out = {}
    for p, c in xi.items():
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not float(p).is_integer():
            raise ValueError(f"xi: the degree {p!r} is not an integer")
        if int(p) < 2:
            raise ValueError(f"xi: the degree p = {p} must be >= 2")
        if isinstance(c, bool) or not isinstance(c, numbers.Real) or not math.isfinite(c) \
                or c < 0:
            raise ValueError(f"xi[{p}] = {c!r} must be a finite real number >= 0")
        if c > 0:
            out[int(p)] = float(c)
    if not out:
        raise ValueError(f"xi = {xi!r} has no positive coefficient")
    return dict(sorted(out.items()))


def _check_N(N):
    if isinstance(N, bool) or not isinstance(N, numbers.Real) or not float(N).is_integer() \
            or N < 2:
        raise ValueError(f"N must be an integer >= 2, got {N!r}")
    return int(N)


def _rng(rng):
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _symmetrise(a):
    p = a.ndim
    out = np.zeros_like(a)
    perms = list(permutations(range(p)))
    for perm in perms:
        out += a.transpose(perm)
    return out / len(perms)


def couplings(N, xi, rng=0, *, deformation=None, direction=None,
              storage="dense") -> Couplings:
    """Draw the coupling tensors (seeded; one Gaussian tensor per degree, in increasing p).

    Parameters
    ----------
    N : int
    xi : dict
        {p: c_p}, p >= 2, c_p >= 0.
    rng : int or numpy.random.Generator
    deformation : dict, optional
        {r: d_r}, r >= 1: adds N h(s.v/N), h(m) = sum_r d_r m^r (module notes).  The Gaussian
        draws do not depend on it (same seed, same random part).
    direction : array, optional
        v (rescaled to |v|^2 = N); default the all-ones vector.
    storage : {"dense", "packed"}
        ``"packed"`` keeps the degree-3 tensor as its N(N+1)(N+2)/6 independent entries
        (:mod:`simulate._pspin_packed`; N up to ~1000), drawn directly with their law (a
        different random stream from the dense tensor of the same seed); degrees other than
        2 and 3 are not supported there.  ``critical_points`` needs dense storage.

    Raises
    ------
    ValueError
        Bad N, xi, deformation, direction or storage, or a tensor larger than
        MAX_TENSOR_ENTRIES (dense) or MAX_PACKED_ENTRIES (packed).
    """
    N = _check_N(N)
    xi = _check_xi(xi)
    defo = _check_deformation(deformation)
    v = _direction(direction, N)
    if storage not in ("dense", "packed"):
        raise ValueError(f"storage must be 'dense' or 'packed', got {storage!r}")
    degrees = set(xi) | {3 if r == 1 else r for r in defo}
    packed = storage == "packed"
    if packed and not degrees <= {2, 3}:
        raise ValueError(f"storage='packed' supports degrees 2 and 3 (deformation degrees 1-3), "
                         f"got {sorted(degrees)}")
    for p in degrees:
        if packed and p == 3:
            if _packed.size(N) > MAX_PACKED_ENTRIES:
                raise ValueError(f"a packed 3-tensor at N = {N} has {_packed.size(N):.3g} "
                                 f"entries (limit {MAX_PACKED_ENTRIES:.3g})")
        elif N ** p > MAX_TENSOR_ENTRIES:
            hint = "; storage='packed' holds degree 3 up to N ~ 1000" if p == 3 else ""
            raise ValueError(f"a dense degree-{p} tensor at N = {N} has {N ** p:.3g} entries "
                             f"(limit {MAX_TENSOR_ENTRIES:.3g}){hint}")
    gen = _rng(rng)
    tensors = {}
    for p, c in xi.items():
        if packed and p == 3:
            tensors[p] = _packed.gaussian(N, c, gen)
            continue
        g = gen.standard_normal((N,) * p)
        tensors[p] = math.sqrt(c) * N ** (-(p - 1) / 2.0) * _symmetrise(g)
    if packed:
        for r, d in defo.items():
            if r in (1, 3):
                if 3 not in tensors:
                    tensors[3] = np.zeros(_packed.size(N))
                _packed._add_rank_one(tensors[3], N, v, d, r == 1)
            else:
                t = _deformation_tensors({r: d}, v, N)[r]
                tensors[r] = tensors[r] + t if r in tensors else t
    else:
        for p, t in _deformation_tensors(defo, v, N).items():
            tensors[p] = tensors[p] + t if p in tensors else t
    return Couplings(N=N, xi=xi, tensors=tuple(sorted(tensors.items())),
                     deformation=defo, direction=v if defo else None, storage=storage)


def _check_s(J, s):
    s = np.asarray(s, dtype=float)
    if s.shape != (J.N,):
        raise ValueError(f"s must have shape ({J.N},), got {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError("s has non-finite entries")
    n2 = float(s @ s)
    if not abs(n2 - J.N) <= 1e-8 * J.N:
        raise ValueError(f"s must lie on the sphere |s|^2 = N = {J.N}, got |s|^2 = {n2:.6g}")
    return s


def _derivs(J, s, order):
    """H, Euclidean gradient and (order 2) Hessian at s."""
    N = J.N
    H = 0.0
    g = np.zeros(N)
    hess = np.zeros((N, N)) if order >= 2 else None
    for p, T in J.tensors:
        if T.ndim == 1:  # packed degree 3
            H += _packed.derivs(T, N, s, g, hess, order)
            continue
        v = T
        for _ in range(p - 2):
            v = v @ s  # contract the last index
        # v has shape (N, N): the (p-2)-fold contraction
        if order >= 2:
            hess += p * (p - 1) * v
        gv = v @ s
        g += p * gv
        H += float(gv @ s)
    return H, g, hess


def energy(J: Couplings, s) -> float:
    """H(s)/N."""
    s = _check_s(J, s)
    return _derivs(J, s, 0)[0] / J.N


def gradient(J: Couplings, s) -> np.ndarray:
    """Riemannian gradient of H at s (the tangent projection of the Euclidean one)."""
    s = _check_s(J, s)
    _, g, _ = _derivs(J, s, 1)
    return g - (g @ s) / J.N * s


def hessian(J: Couplings, s) -> np.ndarray:
    """Riemannian Hessian of H at s, P (Hess_E - (s.grad_E/N) I) P (N x N, radial -> 0)."""
    s = _check_s(J, s)
    _, g, h = _derivs(J, s, 2)
    P = np.eye(J.N) - np.outer(s, s) / J.N
    return P @ (h - (g @ s) / J.N * np.eye(J.N)) @ P


def _tangent_basis(s):
    """An orthonormal basis (N x (N-1)) of the tangent space at s (Householder)."""
    N = s.size
    e = s / np.linalg.norm(s)
    v = e.copy()
    v[0] += math.copysign(1.0, e[0] if e[0] != 0 else 1.0)
    v /= np.linalg.norm(v)
    Q = np.eye(N) - 2.0 * np.outer(v, v)  # Q e_0 = -+ e: columns 1.. span the tangent space
    return Q[:, 1:]


def tangent_eigenvalues(J: Couplings, s) -> np.ndarray:
    """The N - 1 eigenvalues of the Riemannian Hessian on the tangent space, ascending."""
    s = _check_s(J, s)
    _, g, h = _derivs(J, s, 2)
    B = _tangent_basis(s)
    return np.linalg.eigvalsh(B.T @ h @ B - (g @ s) / J.N * np.eye(J.N - 1))


def _retract(x, N):
    return x * math.sqrt(N) / np.linalg.norm(x)


# ---------------------------------------------------------------------------------------------
# descent

@dataclass(frozen=True)
class DescentResult:
    """End point of Riemannian gradient descent.

    Attributes
    ----------
    s : numpy.ndarray
    energy : float
        H/N at the end point.
    grad_norm : float
        |grad H| / sqrt(N) at the end point.
    hessian_eigenvalues : numpy.ndarray
        The N - 1 tangent eigenvalues of the Hessian of H there.
    index : int
        Number of negative ones.
    steps : int
    converged : bool
        grad_norm <= tol.
    """

    s: np.ndarray
    energy: float
    grad_norm: float
    hessian_eigenvalues: np.ndarray
    index: int
    steps: int
    converged: bool


def gradient_descent(J: Couplings, s0, *, tol=1e-8, max_steps=100000, step=None) -> DescentResult:
    """Riemannian gradient descent with an Armijo backtracking step and retraction.

    Parameters
    ----------
    J : Couplings
    s0 : array_like
        Start on the sphere |s|^2 = N.
    tol : float
        Stop when |grad H|/sqrt(N) <= tol.
    max_steps : int
    step : float, optional
        Initial step (default 1/(2 xi''(1)), the inverse curvature scale); it grows by 1.5
        after an accepted step and halves until the Armijo condition holds.
    """
    s = _check_s(J, s0).copy()
    N = J.N
    dd = sum(c * p * (p - 1) for p, c in J.xi.items())
    eta = 1.0 / (2.0 * dd) if step is None else float(step)
    H, g, _ = _derivs(J, s, 1)
    g = g - (g @ s) / N * s
    it = 0
    gn = np.linalg.norm(g) / math.sqrt(N)
    while gn > tol and it < max_steps:
        it += 1
        gg = float(g @ g)
        while True:
            s_new = _retract(s - eta * g, N)
            H_new, g_new, _ = _derivs(J, s_new, 1)
            if H_new <= H - 1e-4 * eta * gg:
                break
            # below rounding of H the decrease cannot be seen: accept a smaller gradient
            gt = g_new - (g_new @ s_new) / N * s_new
            if abs(H_new - H) <= 1e-12 * (1.0 + abs(H)) and float(gt @ gt) < gg:
                break
            if eta < 1e-14:
                break
            eta *= 0.5
        s, H = s_new, H_new
        g = g_new - (g_new @ s) / N * s
        gn = np.linalg.norm(g) / math.sqrt(N)
        eta *= 1.5
    ev = tangent_eigenvalues(J, s)
    return DescentResult(s=s, energy=H / N, grad_norm=float(gn), hessian_eigenvalues=ev,
                         index=int(np.sum(ev < 0)), steps=it, converged=bool(gn <= tol))


# ---------------------------------------------------------------------------------------------
# critical points by Newton from many starts

@dataclass(frozen=True)
class CriticalPoints:
    """Distinct critical points found by Riemannian Newton from random starts.

    Attributes
    ----------
    points : numpy.ndarray
        (n, N), on the sphere.
    energies : numpy.ndarray
        H/N of each.
    indices : numpy.ndarray
        Hessian index of each.
    counts_by_index : numpy.ndarray
        (N,): number of distinct points of index k = 0..N-1.
    n_starts, n_converged : int
    hits : numpy.ndarray
        How many starts converged to each point (a point hit once suggests others are missed).
    """

    points: np.ndarray
    energies: np.ndarray
    indices: np.ndarray
    counts_by_index: np.ndarray
    n_starts: int
    n_converged: int
    hits: np.ndarray


def _flat(J):
    """The tensors as one flat buffer, their offsets and degrees (for the compiled kernels)."""
    if J.storage != "dense":
        raise ValueError("critical_points needs storage='dense' couplings (Newton from many "
                         "starts is for small N)")
    flat = np.concatenate([T.ravel() for _, T in J.tensors])
    degs = np.array([p for p, _ in J.tensors], dtype=np.int64)
    offs = np.zeros(len(J.tensors), dtype=np.int64)
    for j in range(1, len(J.tensors)):
        offs[j] = offs[j - 1] + J.N ** int(degs[j - 1])
    return np.ascontiguousarray(flat), offs, degs


@jit
def _flat_derivs(flat, offs, degs, N, s, g, h, buf1, buf2):
    """H(s); the Euclidean gradient in g and Hessian in h (compiled twin of _derivs).
    buf1, buf2: scratch of at least N^(p-1) entries for the largest degree p."""
    H = 0.0
    g[:] = 0.0
    h[:, :] = 0.0
    for j in range(degs.size):
        p = degs[j]
        size = N ** p
        src = flat[offs[j]:offs[j] + size]
        for t in range(p - 2):  # contract the last index with s, p - 2 times
            size //= N
            dst = buf1 if t % 2 == 0 else buf2
            for i in range(size):
                acc = 0.0
                for a in range(N):
                    acc += src[i * N + a] * s[a]
                dst[i] = acc
            src = dst
        # src[:N * N] is the (p-2)-fold contraction M
        c = p * (p - 1)
        for a in range(N):
            gv = 0.0
            for b in range(N):
                m = src[a * N + b]
                gv += m * s[b]
                h[a, b] += c * m
            g[a] += p * gv
            H += gv * s[a]
    return H


@jit
def _scratch(degs, N):
    """Two buffers of N^(p-1) entries, p the largest degree (for _flat_derivs)."""
    pmax = 2
    for j in range(degs.size):
        pmax = max(pmax, degs[j])
    return np.empty(N ** (pmax - 1)), np.empty(N ** (pmax - 1))


@jit
def _bordered_step(h, r, s, gt, A, x, N):
    """The tangent Newton step d: (Hess - r I) d + lam s = -gt, s.d = 0, by Gaussian elimination
    with partial pivoting of the bordered (N+1) x (N+1) system in A (scratch) and x (the
    solution).  Returns False when a pivot is below 1e-14 of the largest entry (singular)."""
    n = N + 1
    for a in range(N):
        for b in range(N):
            A[a, b] = h[a, b]
        A[a, a] -= r
        A[a, N] = s[a]
        A[N, a] = s[a]
        x[a] = -gt[a]
    A[N, N] = 0.0
    x[N] = 0.0
    scale = 0.0
    for a in range(n):
        for b in range(n):
            scale = max(scale, abs(A[a, b]))
    for k in range(n):
        piv = k
        for i in range(k + 1, n):
            if abs(A[i, k]) > abs(A[piv, k]):
                piv = i
        if not abs(A[piv, k]) > 1e-14 * scale:
            return False
        if piv != k:
            for c in range(n):
                A[k, c], A[piv, c] = A[piv, c], A[k, c]
            x[k], x[piv] = x[piv], x[k]
        for i in range(k + 1, n):
            f = A[i, k] / A[k, k]
            if f != 0.0:
                for c in range(k, n):
                    A[i, c] -= f * A[k, c]
                x[i] -= f * x[k]
    for k in range(n - 1, -1, -1):
        acc = x[k]
        for c in range(k + 1, n):
            acc -= A[k, c] * x[c]
        x[k] = acc / A[k, k]
    return True


@jit
def _newton_starts(flat, offs, degs, N, starts, tol, max_iter):
    """Riemannian Newton from each start (rows of ``starts``), a quarter-turn trust region.
    Returns the end points and whether each converged (|grad H|/sqrt(N) <= tol).

    The Newton step solves the bordered system [[Hess - r I, s], [s^T, 0]] (d, lam) = (-gt, 0),
    r = s.grad/N: the tangent step d with P (Hess - r I) d = -gt, P the tangent projector."""
    n = starts.shape[0]
    out = np.empty((n, N))
    ok = np.zeros(n, dtype=np.bool_)
    g = np.empty(N)
    gt = np.empty(N)
    h = np.empty((N, N))
    A = np.empty((N + 1, N + 1))
    x = np.empty(N + 1)
    buf1, buf2 = _scratch(degs, N)
    s = np.empty(N)
    sqn = np.sqrt(N)
    for k in range(n):
        for a in range(N):
            s[a] = starts[k, a]
        for _ in range(max_iter):
            _flat_derivs(flat, offs, degs, N, s, g, h, buf1, buf2)
            r = 0.0
            for a in range(N):
                r += g[a] * s[a]
            r /= N
            nt = 0.0
            for a in range(N):
                gt[a] = g[a] - r * s[a]
                nt += gt[a] * gt[a]
            if np.sqrt(nt) / sqn <= tol:
                ok[k] = True
                break
            if not _bordered_step(h, r, s, gt, A, x, N):
                break
            nrm = 0.0
            for a in range(N):
                nrm += x[a] * x[a]
            nrm = np.sqrt(nrm)
            f = 0.5 * sqn / nrm if nrm > 0.5 * sqn else 1.0
            ns = 0.0
            for a in range(N):
                s[a] += f * x[a]
                ns += s[a] * s[a]
            c = sqn / np.sqrt(ns)
            for a in range(N):
                s[a] *= c
        for a in range(N):
            out[k, a] = s[a]
    return out, ok


@jit
def _dedup(ends, ok, thr):
    """The distinct converged end points in order of first occurrence (a point within thr of
    an earlier distinct point is that point) and how often each was reached."""
    n, N = ends.shape
    pts = np.empty((n, N))
    hits = np.zeros(n, dtype=np.int64)
    m = 0
    thr2 = thr * thr
    for k in range(n):
        if not ok[k]:
            continue
        found = -1
        for i in range(m):
            d2 = 0.0
            for a in range(N):
                d = pts[i, a] - ends[k, a]
                d2 += d * d
            if d2 <= thr2:
                found = i
                break
        if found >= 0:
            hits[found] += 1
        else:
            for a in range(N):
                pts[m, a] = ends[k, a]
            hits[m] = 1
            m += 1
    return pts[:m].copy(), hits[:m].copy()


@jit
def _tangent_hessians(flat, offs, degs, N, P):
    """Energies H/N at the rows of P and the Riemannian Hessians on the tangent space in the
    Householder basis of :func:`_tangent_basis` ((N-1) x (N-1) each)."""
    n = P.shape[0]
    en = np.empty(n)
    red = np.empty((n, N - 1, N - 1))
    g = np.empty(N)
    h = np.empty((N, N))
    buf1, buf2 = _scratch(degs, N)
    v = np.empty(N)
    hv = np.empty(N)
    for k in range(n):
        s = P[k]
        H = _flat_derivs(flat, offs, degs, N, s, g, h, buf1, buf2)
        en[k] = H / N
        r = 0.0
        ns = 0.0
        for a in range(N):
            r += g[a] * s[a]
            ns += s[a] * s[a]
        r /= N
        nrm = np.sqrt(ns)
        for a in range(N):
            v[a] = s[a] / nrm
        v[0] += 1.0 if v[0] >= 0 else -1.0
        nv = 0.0
        for a in range(N):
            nv += v[a] * v[a]
        nv = np.sqrt(nv)
        for a in range(N):
            v[a] /= nv
        # Q h Q with Q = I - 2 v v^T: h - 2 v (h v)^T - 2 (h v) v^T + 4 (v.h v) v v^T
        vhv = 0.0
        for a in range(N):
            acc = 0.0
            for b in range(N):
                acc += h[a, b] * v[b]
            hv[a] = acc
            vhv += v[a] * acc
        for a in range(1, N):
            for b in range(1, N):
                red[k, a - 1, b - 1] = (h[a, b] - 2.0 * v[a] * hv[b] - 2.0 * hv[a] * v[b]
                                        + 4.0 * vhv * v[a] * v[b])
            red[k, a - 1, a - 1] -= r
    return en, red


def critical_points(J: Couplings, *, n_starts=2000, rng=0, tol=1e-11, max_iter=60,
                    dedup=1e-6) -> CriticalPoints:
    """Riemannian Newton (with a trust region of a quarter-turn) from ``n_starts`` uniform
    random starts; converged points (|grad H|/sqrt(N) <= tol) closer than dedup sqrt(N) are
    one point.

    Newton converges to critical points of every index; the count is a lower bound on the
    instance's number of critical points (``hits`` tells how often each was found).

    Notes
    -----
    The Newton step d at s solves the bordered system
    [[Hess_E - r I, s], [s^T, 0]] (d, lam) = (-grad_T, 0), r = s . grad_E / N, i.e. the
    tangent step with P (Hess_E - r I) d = -grad_T (P the tangent projector); it is cut to a
    length of sqrt(N)/2 and followed by the retraction onto the sphere.  The whole search,
    the deduplication (first occurrence kept) and the tangent Hessians of the distinct points
    run in compiled code; the indices are counted from one stacked ``eigvalsh``.
    """
    N = J.N
    if isinstance(n_starts, bool) or not float(n_starts).is_integer() or n_starts < 1:
        raise ValueError(f"n_starts must be an integer >= 1, got {n_starts!r}")
    gen = _rng(rng)
    starts = np.empty((int(n_starts), N))
    for i in range(int(n_starts)):
        starts[i] = _retract(gen.standard_normal(N), N)
    flat, offs, degs = _flat(J)
    ends, ok = _newton_starts(flat, offs, degs, N, starts, float(tol), int(max_iter))
    conv = int(ok.sum())
    P, hits = _dedup(ends, ok, float(dedup) * math.sqrt(N))
    if P.shape[0]:
        en, red = _tangent_hessians(flat, offs, degs, N, P)
        idx = np.sum(np.linalg.eigvalsh(red) < 0, axis=1).astype(int)
    else:
        en, idx = np.zeros(0), np.zeros(0, dtype=int)
    counts = np.bincount(idx, minlength=N)[:N] if idx.size else np.zeros(N, dtype=int)
    return CriticalPoints(points=P, energies=en, indices=idx, counts_by_index=counts,
                          n_starts=int(n_starts), n_converged=conv, hits=np.array(hits))


# ---------------------------------------------------------------------------------------------
# Langevin dynamics

@dataclass(frozen=True)
class LangevinResult:
    """A Langevin trajectory: energies per spin every ``record_every`` steps and the end point."""

    energies: np.ndarray
    s: np.ndarray
    beta: float
    dt: float


def langevin(J: Couplings, beta, n_steps, *, dt=None, rng=0, s0=None,
             record_every=1) -> LangevinResult:
    """Overdamped Langevin dynamics ds = -grad H dt + sqrt(2/beta) dB on the sphere
    (Euler-Maruyama in the tangent space, then retraction), stationary law ~ exp(-beta H).

    Parameters
    ----------
    beta : float
        Inverse temperature (> 0).
    n_steps : int
    dt : float, optional
        Default 0.01 / xi''(1).
    s0 : array_like, optional
        Start (default: uniform on the sphere, i.e. infinite temperature).
    """
    beta = float(beta)
    if not (math.isfinite(beta) and beta > 0):
        raise ValueError(f"beta must be finite and > 0, got {beta!r}")
    if isinstance(n_steps, bool) or not float(n_steps).is_integer() or n_steps < 1:
        raise ValueError(f"n_steps must be an integer >= 1, got {n_steps!r}")
    N = J.N
    gen = _rng(rng)
    dd = sum(c * p * (p - 1) for p, c in J.xi.items())
    dt = 0.01 / dd if dt is None else float(dt)
    s = _retract(gen.standard_normal(N), N) if s0 is None else _check_s(J, s0).copy()
    out = []
    amp = math.sqrt(2.0 * dt / beta)
    for it in range(int(n_steps)):
        H, g, _ = _derivs(J, s, 1)
        noise = gen.standard_normal(N)
        move = -dt * g + amp * noise
        move -= (move @ s) / N * s
        s = _retract(s + move, N)
        if it % record_every == 0:
            out.append(H / N)
    return LangevinResult(energies=np.array(out), s=s, beta=beta, dt=dt)
