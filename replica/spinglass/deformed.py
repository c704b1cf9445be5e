"""Kac-Rice counts of a spherical spin glass deformed by a deterministic low-rank term.

Model (the "GOE plus low-rank" structure of general activations, seed 004):

    H(s) = H_xi(s) + N h(m),   m = s.v/N,   h(m) = sum_r d_r m^r,

on the sphere |s|^2 = N, with H_xi the isotropic Gaussian field of covariance N xi(s.s'/N)
(:mod:`replica.spinglass.kacrice`) and v a fixed direction, |v|^2 = N.  ``deformation`` is
the dict {r: d_r} (r >= 1).  ReLU in the Choromanska et al. mapping is h = 0 (the pure
H-spin glass of Auffinger, Ben Arous and Cerny); a piecewise-linear activation with nonzero
intercepts adds deterministic terms of lower degree in the weights, functions of their
overlap with the direction singled out by the network's symmetry (our derivation: the body of
Baskerville et al. could not be read here, so their normalisation is not reproduced; the
model is stated in full and everything below is exact for it).

**Kac-Rice at finite N.**  At s with overlap m the deterministic part has Riemannian gradient
h'(m) P v (|P v|^2 = N (1 - m^2)) and Riemannian Hessian h''(m) (Pv)(Pv)^T/N - m h'(m) P.  The
Gaussian gradient is independent of the Gaussian Hessian, energy and radial derivative, so

    E Crit_{N,k}(B) = |S^{N-1}| (2 pi xi')^{-(N-1)/2} s_N^{N-1}
        int dm rho_N(m) exp(-N h'(m)^2 (1 - m^2)/(2 xi'))
        E_{(u, r)}[ 1{u + h(m) in B} D_k(t(m, r); theta(m)) ],

rho_N(m) ~ (1 - m^2)^{(N-3)/2} the law of the overlap of a uniform point,
s_N = sqrt(2 xi''/N), t = (r + m h'(m))/s_N, theta = h''(m)(1 - m^2)/s_N and

    D_k(t; theta) = E_W[ |det(W + theta e e^T - t)| 1{exactly k eigenvalues below t} ],

W a GOE(N-1) matrix (density ~ exp(-tr W^2/2)) plus a deterministic rank-one term.  D_k is
computed by conditional Monte Carlo over W (common to every m node), the averages over r
(Gauss-Legendre, as in :func:`replica.kacrice.expected_count`) and over m (Gauss-Jacobi with
the weight (1 - m^2)^{(N-3)/2}) by quadrature; the error is the Monte Carlo standard error plus
the change when both quadratures are halved.  With h = 0 this is the undeformed count; for
xi = {2: c} and h = {2: d} the model is a quadratic form, 2 critical points of each index.

**Large N.**  With x = (r + m h'(m))/sqrt(2 xi'') and theta~ = h''(m)(1 - m^2)/sqrt(2 xi''),

    Sigma(u', m, r) = 1/2 + 1/2 ln(2 xi''/xi') + 1/2 ln(1 - m^2) - h'(m)^2 (1 - m^2)/(2 xi')
                      + Omega(x) - R(u' - h(m), r),

and Theta(u) = sup over u' <= u, m, r.  A rank-one term does not move the log-determinant, so
at m = 0 with h(0) = h'(0) = 0 the exponent is the undeformed one: the leading complexity of a
weak deformation is that of ABC, and the deformation acts on the sharp (O(1)) asymptotics
through theta(0).  For the minima (k = 0) the Hessian spectrum must lie above x: the bulk edge
-sqrt 2 and, for theta~ < -1/sqrt 2 (the BBP threshold), the outlier theta~ + 1/(2 theta~).
Where the supremum presses against the outlier, moving it costs a large-deviation rate that is
not implemented: :func:`complexity` raises instead of returning a lower bound.

References
----------
N. P. Baskerville, J. P. Keating, F. Mezzadri and J. Najnudel, "The loss surfaces of neural
networks with general activation functions", J. Stat. Mech. (2021) 064001, arXiv:2004.03959.
A. Choromanska et al., "The loss surfaces of multilayer networks", AISTATS (2015).
G. Ben Arous, S. Mei, A. Montanari and M. Nica, "The landscape of the spiked tensor model",
Comm. Pure Appl. Math. 72, 2282 (2019).
J. Baik, G. Ben Arous and S. Peche, Ann. Probab. 33, 1643 (2005) (the outlier threshold).
"""
from __future__ import annotations

import math
import numbers

import numba
import numpy as np
from scipy import optimize, special

from ..engine.compiled import check_finite
from ..engine.errors import ModelError, ReplicaError
from .covariance import Covariance, covariance

__all__ = ["Deformation", "deformation", "expected_count", "complexity", "sigma"]

_SQRT2 = math.sqrt(2.0)


class Deformation:
    """h(m) = sum_r d_r m^r with its first two derivatives (r >= 1)."""

    def __init__(self, terms):
        self.terms = tuple(terms)

    def __call__(self, m, d=0):
        m = np.asarray(m, dtype=float)
        out = np.zeros_like(m)
        for r, c in self.terms:
            if d > r:
                continue
            out = out + c * math.perm(r, d) * m ** (r - d)
        return out

    def as_dict(self):
        return {r: c for r, c in self.terms}

    def __bool__(self):
        return bool(self.terms)


def deformation(h) -> Deformation:
    """Validate ``h`` ({r: d_r}, integer r >= 1, finite real d_r; None or {} is no deformation).

    Raises
    ------
    ModelError
        Naming the offending degree or coefficient.
    """
    if isinstance(h, Deformation):
        return h
    if h is None:
        return Deformation(())
    if not isinstance(h, dict):
        raise ModelError(f"deformation must be a dict {{r: d_r}} for h(m) = sum_r d_r m^r, "
                         f"got {h!r}")
    terms = []
    for r, c in h.items():
        if isinstance(r, bool) or not isinstance(r, numbers.Real) or not float(r).is_integer() \
                or r < 1:
            raise ModelError(f"deformation: the degree {r!r} must be an integer >= 1")
        if isinstance(c, bool) or not isinstance(c, numbers.Real) or not math.isfinite(c):
            raise ModelError(f"deformation[{r}] = {c!r} must be a finite real number")
        if c != 0:
            terms.append((int(r), float(c)))
    return Deformation(sorted(terms))


# ---------------------------------------------------------------------------------------------
# finite N

@numba.njit(cache=True, nogil=True)
def _accumulate(lam, t, w, out):
    """out[s, k] += sum_{j, i} w[j, i] |prod(lam[s, j] - t[j, i])| for the index k of t[j, i].

    lam: (S, J, n) sorted eigenvalues; t, w: (J, I) nodes and weights; out: (S, n + 1)."""
    S, J, n = lam.shape
    I = t.shape[1]
    for s in range(S):
        for j in range(J):
            for i in range(I):
                wt = w[j, i]
                if wt == 0.0:
                    continue
                tt = t[j, i]
                k = 0
                d = 1.0
                for a in range(n):
                    x = lam[s, j, a] - tt
                    if x < 0.0:
                        k += 1
                        d *= -x
                    else:
                        d *= x
                out[s, k] += wt * d


def _m_nodes(N, n):
    """Gauss-Jacobi nodes/weights for int_{-1}^{1} f(m) rho_N(m) dm."""
    a = (N - 3) / 2.0
    x, w = special.roots_jacobi(n, a, a)
    # normalise: int rho_N = 1
    return x, w / w.sum()


def _nodes(N, cv, h, lo, hi, n_m, n_r):
    """t and weight arrays (n_m, 2 n_r) and theta per m node (everything but D_k)."""
    from .kacrice import _outer_nodes

    ms, wm = _m_nodes(N, n_m)
    sN = math.sqrt(2.0 * cv.ddxi1 / N)
    hv, dh, d2h = h(ms), h(ms, 1), h(ms, 2)
    theta = d2h * (1.0 - ms ** 2) / sN
    T = np.zeros((n_m, 2 * n_r))
    W = np.zeros((n_m, 2 * n_r))
    for j in range(n_m):
        pen = math.exp(-N * dh[j] ** 2 * (1.0 - ms[j] ** 2) / (2.0 * cv.dxi1))
        rs, ws = _outer_nodes(N, cv, lo - hv[j], hi - hv[j], n_r)
        T[j, :rs.size] = (rs + ms[j] * dh[j]) / sN
        W[j, :rs.size] = ws * wm[j] * pen
    return T, W, theta


def _spectra(Wm, theta):
    """Sorted eigenvalues of W + theta_j e1 e1^T for every sample and m node: (S, J, n)."""
    S, n, _ = Wm.shape
    A = np.broadcast_to(Wm[:, None], (S, theta.size, n, n)).copy()
    A[:, :, 0, 0] += theta[None, :]
    return np.linalg.eigvalsh(A)


def _mc(N, cv, h, lo, hi, samples, rng, n_m, n_r, block=1000):
    from .kacrice import _prefactor

    n = N - 1
    T1, W1, th1 = _nodes(N, cv, h, lo, hi, n_m, n_r)
    T2, W2, th2 = _nodes(N, cv, h, lo, hi, max(n_m // 2, 4), max(n_r // 2, 8))
    v1 = np.zeros((samples, N))
    v2 = np.zeros((samples, N))
    done = 0
    while done < samples:
        b = min(block, samples - done)
        g = rng.standard_normal((b, n, n))
        Wm = (g + np.swapaxes(g, 1, 2)) / 2.0
        _accumulate(_spectra(Wm, th1), T1, W1, v1[done:done + b])
        _accumulate(_spectra(Wm, th2), T2, W2, v2[done:done + b])
        done += b
    scale = math.exp(_prefactor(N, cv))
    mean = v1.mean(axis=0) * scale
    se = v1.std(axis=0, ddof=1) / math.sqrt(samples) * scale
    quad = np.abs(v1.mean(axis=0) - v2.mean(axis=0)) * scale
    return mean, se + quad


def expected_count(N, xi, h, *, window=None, samples=20000, rng=0, m_nodes=48, r_nodes=64):
    """E[Crit_N] of the deformed model H_xi + N h(s.v/N), by index, in an energy window.

    Parameters
    ----------
    N : int
        Number of spins (>= 2).
    xi : dict
        {p: c_p} of the Gaussian part.
    h : dict
        {r: d_r}, h(m) = sum_r d_r m^r.
    window : (float, float), optional
        Energies per spin counted (default all).
    samples : int
        GOE(N-1) matrices of the conditional Monte Carlo.
    rng : int or numpy.random.Generator
    m_nodes, r_nodes : int
        Quadrature nodes in the overlap m and (per piece) in the radial derivative r.

    Returns
    -------
    replica.kacrice.KacRiceCount
        ``method = "monte_carlo"``; ``error`` = standard error + quadrature change (halved
        rules, same samples).

    Notes
    -----
    See the module notes.  Everything is exact but the average over W (and the quadratures,
    whose error is included).
    """
    from .kacrice import KacRiceCount, _window

    if isinstance(N, bool) or not isinstance(N, numbers.Real) or not float(N).is_integer() \
            or N < 2:
        raise ModelError(f"N must be an integer >= 2, got {N!r}")
    N = int(N)
    cv = covariance(xi)
    hh = deformation(h)
    lo, hi = _window(window)
    for name, val, least in (("samples", samples, 2), ("m_nodes", m_nodes, 4),
                             ("r_nodes", r_nodes, 8)):
        if isinstance(val, bool) or not isinstance(val, numbers.Real) \
                or not float(val).is_integer() or val < least:
            raise ModelError(f"{name} must be an integer >= {least}, got {val!r}")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    by_index, err = _mc(N, cv, hh, lo, hi, int(samples), gen, int(m_nodes), int(r_nodes))
    out = KacRiceCount(N=N, xi=cv.as_dict(), window=(lo, hi), by_index=by_index,
                       total=float(np.sum(by_index)), error=err, method="monte_carlo")
    return out


# ---------------------------------------------------------------------------------------------
# large N

def _omega_v(x):
    x = np.asarray(x, dtype=float)
    a = np.abs(x)
    s = np.sqrt(np.maximum(a * a - 2.0, 0.0))
    out = x * x / 2.0 - 0.5 - 0.5 * math.log(2.0)
    far = np.log(np.maximum(a + s, _SQRT2) / _SQRT2)
    return out - np.where(a > _SQRT2, a * s / 2.0 - far, 0.0)


class _Deformed:
    def __init__(self, cv: Covariance, h: Deformation):
        from .kacrice import _Rates

        self.rt = _Rates(cv)
        self.h = h

    def sigma(self, u_g, m, r):
        """The exponent at (u_G, m, r), u_G = u' - h(m) the Gaussian part of the energy."""
        rt, h = self.rt, self.h
        m = np.asarray(m, dtype=float)
        one = 1.0 - m * m
        x = (r + m * h(m, 1)) / rt.xscale
        if rt.pure:
            rate = u_g * u_g / (2.0 * rt.x1)
        else:
            rate = 0.5 * (rt.vr * u_g * u_g - 2 * rt.d1 * u_g * r + rt.x1 * r * r) / rt.det
        with np.errstate(divide="ignore"):
            lg = 0.5 * np.log(one)
        return rt.c0 + lg - h(m, 1) ** 2 * one / (2.0 * rt.d1) + _omega_v(x) - rate

    def xmax(self, m, k):
        """Largest x allowed by the bulk edge: -sqrt 2 for the minima, inf for the total (the
        outlier is checked at the supremum, :func:`_theta`)."""
        return np.full(np.shape(m), np.inf if k is None else -_SQRT2)

    def outlier(self, m):
        """Position of the spiked-GOE outlier below the bulk (nan if none)."""
        th = float(self.h(np.array(m), 2)) * (1.0 - m * m) / self.rt.xscale
        return th + 1.0 / (2.0 * th) if th < -1.0 / _SQRT2 else math.nan

    def rtop(self, u, m, k):
        """Upper end of the r search at overlap m (vectorised): x <= xmax, i.e.
        r <= xmax sqrt(2 xi'') - m h'(m), and for a pure model r <= (xi'/xi)(u - h(m)) (its
        energy is fixed by r); the search runs 40 standard deviations of r below it."""
        rt = self.rt
        m = np.asarray(m, dtype=float)
        xm = self.xmax(m, k)
        top = np.where(np.isfinite(xm), xm * rt.xscale - m * self.h(m, 1),
                       20.0 * math.sqrt(rt.vr))
        if rt.pure:
            top = np.minimum(top, (u - self.h(m)) * rt.d1 / rt.x1)
        return top

    def best(self, u, m, r):
        """Sigma at (m, r) with the best u' <= u (vectorised)."""
        rt, h = self.rt, self.h
        hm = h(m)
        if rt.pure:
            ug = r * rt.x1 / rt.d1
            ok = ug + hm <= u
            return np.where(ok, self.sigma(ug, m, r), -np.inf)
        ug = np.minimum(rt.d1 / rt.vr * r, u - hm)
        return self.sigma(ug, m, r)


def _grid_sup(model, u, k, n_m=401, n_t=401):
    scale = math.sqrt(model.rt.vr)
    ms = np.linspace(-1.0, 1.0, n_m + 2)[1:-1]
    tau = np.linspace(0.0, 1.0, n_t)
    R = model.rtop(u, ms, k)[:, None] - 40.0 * scale * tau[None, :]
    M = np.broadcast_to(ms[:, None], R.shape)
    return ms, R, model.best(u, M, R)


def _refine(model, u, k, m0, tau0):
    scale = math.sqrt(model.rt.vr)

    def f(z):
        m, tau = z
        if not -1.0 < m < 1.0 or tau < 0.0:
            return math.inf
        r = float(model.rtop(u, m, k)) - 40.0 * scale * tau
        v = float(model.best(u, np.array(m), np.array(r)))
        return -v if math.isfinite(v) else math.inf

    res = optimize.minimize(f, np.array([m0, tau0]), method="Nelder-Mead",
                            options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 4000})
    m, tau = float(res.x[0]), float(res.x[1])
    return -float(res.fun), m, float(model.rtop(u, m, k)) - 40.0 * scale * tau


def _theta(cv, h, u, k):
    model = _Deformed(cv, h)
    ms, R, vals = _grid_sup(model, u, k)
    if not np.any(np.isfinite(vals)):
        return -math.inf, math.nan, math.nan
    j, i = np.unravel_index(int(np.argmax(vals)), vals.shape)
    if i == vals.shape[1] - 1:
        raise ReplicaError("the deformed Kac-Rice exponent has no maximum in the search window")
    best, m, r = _refine(model, u, k, ms[j], i / (vals.shape[1] - 1))
    if float(vals[j, i]) > best:
        best, m, r = float(vals[j, i]), float(ms[j]), float(R[j, i])
    if k == 0:
        x = (r + m * float(h(np.array(m), 1))) / model.rt.xscale
        out = model.outlier(m)
        if out < x:
            raise ReplicaError(
                f"the minima complexity at u = {u:g} is attained (m = {m:.4g}, x = {x:.4g}) "
                f"where the rank-one term is below the BBP threshold and its outlier "
                f"(x = {out:.4g}) lies below x: moving it costs the outlier's large-deviation "
                "rate, which is not implemented (the constrained value would only be a lower "
                "bound)")
    return best, m, r


def complexity(xi, u, h, k=None) -> float:
    """Annealed complexity of the deformed model: lim (1/N) ln E Crit_N(H/N <= u) (or minima).

    Parameters
    ----------
    xi : dict
    u : float
    h : dict
        {r: d_r}; the deformation N h(s.v/N) (extensive).
    k : None or 0
        None: all critical points; 0: minima.  Other indices are not implemented with a
        deformation (a negative rank-one term changes the large deviations of the smallest
        eigenvalues).

    Returns
    -------
    float

    Raises
    ------
    ReplicaError
        Where the minima count needs the outlier's large deviations (module notes).
    """
    cv = covariance(xi)
    u = check_finite("u", u)
    hh = deformation(h)
    if k is not None:
        if isinstance(k, bool) or not isinstance(k, numbers.Real) or not float(k).is_integer() \
                or k < 0:
            raise ValueError(f"the index k must be an integer >= 0, got {k!r}")
        if int(k) != 0 and hh:
            raise ModelError(f"index k = {k} with a deformation is not implemented (only "
                             "k = None, all critical points, and k = 0, minima)")
        k = int(k)
    if not hh:
        from .kacrice import complexity as _plain
        return _plain(cv, u, k)
    return _theta(cv, hh, u, k)[0]


def sigma(xi, h, u, m, k=None) -> float:
    """The exponent at fixed overlap m: sup over u' <= u and r of Sigma (module notes)."""
    cv = covariance(xi)
    hh = deformation(h)
    u = check_finite("u", u)
    m = check_finite("m", m)
    if not -1.0 < m < 1.0:
        raise ModelError(f"the overlap m must lie in (-1, 1), got {m!r}")
    if k is not None and (isinstance(k, bool) or k != 0):
        raise ModelError(f"k must be None (all critical points) or 0 (minima), got {k!r}")
    model = _Deformed(cv, hh)
    rt = model.rt
    rs = float(model.rtop(u, m, k)) - 40.0 * math.sqrt(rt.vr) * np.linspace(0.0, 1.0, 4001)
    vals = model.best(u, np.full(rs.shape, m), rs)
    i = int(np.argmax(vals))
    if not np.isfinite(vals[i]):
        return -math.inf
    lo, up = rs[min(i + 1, rs.size - 1)], rs[max(i - 1, 0)]
    res = optimize.minimize_scalar(lambda r: -float(model.best(u, np.array(m), np.array(r))),
                                   bounds=(lo, up), method="bounded",
                                   options={"xatol": 1e-13})
    best, r = (-float(res.fun), float(res.x)) if -float(res.fun) >= float(vals[i]) \
        else (float(vals[i]), float(rs[i]))
    if k == 0:
        x = (r + m * float(hh(np.array(m), 1))) / rt.xscale
        if model.outlier(m) < x:
            raise ReplicaError(f"at m = {m:g} the spiked-GOE outlier ({model.outlier(m):.4g}) "
                               f"lies below x = {x:.4g}: the minima count needs its "
                               "large-deviation rate (not implemented)")
    return best
