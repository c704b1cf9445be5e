"""Kac-Rice counts of critical points of spherical spin glasses: asymptotic and exact finite N.

Model: H on the sphere |s|^2 = N, E[H(s) H(s')] = N xi(s.s'/N) (see
:mod:`replica.spinglass.covariance`); energies per spin u = H/N (minima are negative).

**The Kac-Rice formula at finite N.**  At a point s, with r = s.grad H / N (the radial
derivative per spin), the Riemannian gradient g (N - 1 tangent components), the tangent
Euclidean Hessian M and (u, r) are independent Gaussians: g ~ N(0, xi'(1) I); M = s_N W with
W a GOE(N-1) matrix of density ~ exp(-tr W^2/2) and s_N = sqrt(2 xi''(1)/N); (u, r) centred
with covariance C/N, C = [[xi, xi'], [xi', xi'' + xi']] at 1.  The Riemannian Hessian is
M - r I = s_N (W - t I), t = r/s_N.  Hence, for the critical points of index k with energy in
B,

    E Crit_{N,k}(B) = |S^{N-1}(sqrt N)| (2 pi xi')^{-(N-1)/2} s_N^{N-1}
                      E_{(u,r)}[ 1{u in B} D_k(t) ],
    D_k(t) = E_W[ |det(W - t)| 1{exactly k eigenvalues of W below t} ].

D_k is computed exactly (:func:`det_moments`): |det(W - t)| times the GOE(N-1) eigenvalue
density is the GOE(N) density with one eigenvalue at t, and the ordered integral over the
others is a Pfaffian of one-dimensional integrals (de Bruijn); marking the eigenvalues below t
with a variable z makes it a polynomial in z whose coefficient of z^k is D_k.  The outer
average over r is a Gauss-Legendre quadrature (error estimated by doubling the nodes).  For
larger N a conditional Monte Carlo over GOE spectra replaces D_k (documented in
:func:`expected_count`).

**Large N.**  With x = r / sqrt(2 xi''), (1/N) ln E Crit_{N,k}(u' <= u) tends to

    Theta_k(u) = sup_{u' <= u, r} [ 1/2 + 1/2 ln(2 xi''/xi') + Omega(x) - k J(x) - R(u', r) ],

Omega(x) = int ln|x - y| rho_sc(y) dy for the semicircle on [-sqrt 2, sqrt 2], J the rate of
the smallest GOE eigenvalue below -sqrt 2, R the Gaussian rate of (u', r); a finite index k
needs x <= -sqrt 2.  For pure models this is the formula of Auffinger, Ben Arous and Cerny;
for mixed ones that of Auffinger and Ben Arous.

References
----------
A. Auffinger, G. Ben Arous and J. Cerny, "Random matrices and complexity of spin glasses",
Comm. Pure Appl. Math. 66, 165 (2013).
A. Auffinger and G. Ben Arous, "Complexity of random smooth functions on the high-dimensional
sphere", Ann. Probab. 41, 4214 (2013).
N. G. de Bruijn, "On some multiple integrals involving determinants", J. Indian Math. Soc. 19,
133 (1955).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from ..engine.compiled import check_finite
from ..engine.errors import ModelError, ReplicaError
from ..engine.serialize import Serializable, register
from .covariance import Covariance, covariance

__all__ = ["E_inf", "E_k", "complexity", "expected_count", "det_moments", "KacRiceCount"]

_SQRT2 = math.sqrt(2.0)


# ---------------------------------------------------------------------------------------------
# large N

def _J(x):
    """Rate of the smallest GOE eigenvalue at x <= -sqrt 2 (0 above): int_x^{-sqrt2} sqrt(y^2-2)."""
    a = abs(x)
    if x >= -_SQRT2:
        return 0.0
    s = math.sqrt(a * a - 2.0)
    return a * s / 2.0 - math.log((a + s) / _SQRT2)


def _omega(x):
    """int ln|x - y| rho_sc(y) dy, rho_sc(y) = sqrt(2 - y^2)/pi on [-sqrt 2, sqrt 2]."""
    base = x * x / 2.0 - 0.5 - 0.5 * math.log(2.0)
    if abs(x) <= _SQRT2:
        return base
    a = abs(x)
    s = math.sqrt(a * a - 2.0)
    return base - (a * s / 2.0 - math.log((a + s) / _SQRT2))


def _check_k(k):
    if k is None:
        return None
    if isinstance(k, bool) or not float(k).is_integer() or k < 0:
        raise ValueError(f"the index k must be an integer >= 0, got {k!r}")
    return int(k)


class _Rates:
    """The exponent of the Kac-Rice count at (u', r) and its constrained supremum."""

    def __init__(self, cv: Covariance):
        self.cv = cv
        self.x1, self.d1, self.dd1 = cv.xi1, cv.dxi1, cv.ddxi1
        self.vr = self.dd1 + self.d1
        self.det = self.x1 * self.vr - self.d1 ** 2
        # relative: a pure model has det = 0 exactly; rounding leaves ~1e-16 of the scale
        self.pure = self.det <= 1e-12 * self.x1 * self.vr
        self.c0 = 0.5 + 0.5 * math.log(2.0 * self.dd1 / self.d1)
        self.xscale = math.sqrt(2.0 * self.dd1)

    def rate(self, u, r):
        if self.pure:
            return u * u / (2.0 * self.x1)
        return 0.5 * (self.vr * u * u - 2 * self.d1 * u * r + self.x1 * r * r) / self.det

    def value(self, u, r, k):
        x = r / self.xscale
        return self.c0 + _omega(x) - (k or 0) * _J(x) - self.rate(u, r)

    def r_of_u(self, u):  # pure models: r = (xi'/xi) u
        return self.d1 / self.x1 * u

    def theta(self, u, k):
        """sup over u' <= u (and r) of the exponent; index k needs x <= -sqrt 2."""
        rmax = -_SQRT2 * self.xscale if k is not None else math.inf
        if self.pure:
            umax = min(u, rmax / (self.d1 / self.x1))

            def f(v):
                return -self.value(v, self.r_of_u(v), k)
            return -_bounded_min(f, umax, math.sqrt(self.x1))

        def best_u(r):  # minimise the rate over u' <= u at fixed r
            ustar = self.d1 / self.vr * r
            return min(ustar, u)

        def f(r):
            return -self.value(best_u(r), r, k)
        return -_bounded_min(f, rmax, math.sqrt(self.vr))


def _bounded_min(f, hi, scale):
    """min of f on (-inf, hi] (f -> +inf as the argument -> -inf; its variable has the natural
    scale ``scale``, the standard deviation of u or r times sqrt(N)): a grid of 40 scales,
    then Brent."""
    top = hi if math.isfinite(hi) else 20.0 * scale
    grid = np.linspace(top - 40.0 * scale, top, 4001)
    vals = np.array([f(v) for v in grid])
    i = int(np.argmin(vals))
    if i == 0:
        raise ReplicaError("the Kac-Rice exponent has no maximum in the search window")
    lo, up = grid[i - 1], grid[min(i + 1, grid.size - 1)]
    res = optimize.minimize_scalar(f, bounds=(lo, up), method="bounded",
                                   options={"xatol": 1e-13, "maxiter": 500})
    return min(float(res.fun), float(vals[i]), f(top) if math.isfinite(hi) else math.inf)


def E_inf(xi) -> float:
    """Threshold energy magnitude E_inf: the energy -E_inf at which the most numerous critical
    points become marginal (the left edge of their Hessian spectrum reaches 0).

    Parameters
    ----------
    xi : dict
        {p: c_p}, xi(q) = sum_p c_p q^p.

    Returns
    -------
    float

    Notes
    -----
    Inside the bulk the exponent at fixed u is maximised by r* = xi' u/(xi - D/(2 xi''))
    (D = xi (xi'' + xi') - xi'^2 at 1); E_inf = 2 sqrt(xi'') (xi - D/(2 xi''))/xi', which is
    (xi'' - xi' + xi'^2)/(xi' sqrt(xi'')) for xi(1) = 1 and 2 sqrt((p-1)/p) for pure p.

    References
    ----------
    Auffinger, Ben Arous and Cerny (2013); Auffinger and Ben Arous (2013).
    """
    cv = covariance(xi)
    rt = _Rates(cv)
    return 2.0 * math.sqrt(rt.dd1) * (rt.x1 - rt.det / (2.0 * rt.dd1)) / rt.d1


def complexity(xi, u, k=None, *, deformation=None) -> float:
    """Annealed complexity Theta(u) = lim (1/N) ln E Crit_N(H/N <= u), or of index k.

    Parameters
    ----------
    xi : dict
        {p: c_p}.
    u : float
        Energy per spin (critical values <= N u are counted).
    k : int, optional
        The Hessian index (number of negative eigenvalues); None counts all critical points.
    deformation : dict, optional
        {r: d_r}: the model H_xi + N h(s.v/N), h(m) = sum_r d_r m^r (the "GOE plus low-rank"
        model of general activations, :mod:`replica.spinglass.deformed`; k = None or 0).

    Returns
    -------
    float

    Notes
    -----
    Pure p (Auffinger, Ben Arous and Cerny, Theorems 2.5, 2.8): for u <= -E_inf,
    Theta_k(u) = ln(p-1)/2 - (p-2) u^2/(4(p-1)) - (k+1) I_1(u), constant above; the total
    Theta(u) = ln(p-1)/2 - (p-2) u^2/(4(p-1)) - I_1(u) below -E_inf, without I_1 up to 0 and
    ln(p-1)/2 above.  General xi: the supremum in the module notes, evaluated numerically.
    """
    if deformation:
        from .deformed import complexity as _deformed
        return _deformed(xi, u, deformation, k)
    cv = covariance(xi)
    u = check_finite("u", u)
    k = _check_k(k)
    return _Rates(cv).theta(u, k)


def E_k(xi, k=0) -> float:
    """|u| where the index-k complexity vanishes: Theta_k(-E_k) = 0 (E_0: the ground state).

    Raises
    ------
    ReplicaError
        If Theta_k is negative already at -E_inf (no exponentially many index-k points).
    """
    cv = covariance(xi)
    k = _check_k(k)
    rt = _Rates(cv)
    einf = E_inf(cv)
    top = rt.theta(-einf, k)
    if top <= 0:
        raise ReplicaError(f"Theta_{k}(-E_inf) = {top:.3e} <= 0 for xi = {cv.as_dict()}: "
                           f"there is no band of index-{k} critical points")
    lo = -einf
    while rt.theta(lo, k) > 0:
        lo *= 1.5
    return -optimize.brentq(lambda v: rt.theta(v, k), lo, -einf, xtol=1e-14, rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# exact finite N: D_k(t) by de Bruijn's Pfaffian

def _pfaffian(a):
    """Pfaffian of a skew-symmetric (complex) matrix by Gaussian elimination with pivoting."""
    a = np.array(a, dtype=complex)
    n = a.shape[0]
    if n % 2:
        return 0.0
    pf = 1.0 + 0.0j
    for k in range(0, n - 1, 2):
        kp = k + 1 + int(np.argmax(np.abs(a[k, k + 1:])))
        if kp != k + 1:
            a[[k + 1, kp], :] = a[[kp, k + 1], :]
            a[:, [k + 1, kp]] = a[:, [kp, k + 1]]
            pf = -pf
        piv = a[k, k + 1]
        if piv == 0:
            return 0.0 + 0.0j
        pf *= piv
        if k + 2 < n:
            tau = a[k, k + 2:] / piv
            col = a[k + 2:, k + 1].copy()
            a[k + 2:, k + 2:] += np.outer(tau, col) - np.outer(col, tau)
    return pf


def _log_goe_norm(m):
    """ln Z_m, Z_m = int_{R^m} prod_{i<j} |x_i - x_j| exp(-sum x^2/2) dx (Mehta)."""
    return (m / 2.0 * math.log(2 * math.pi)
            + sum(math.lgamma(1 + j / 2.0) - math.lgamma(1.5) for j in range(1, m + 1)))


_GL_CACHE = {}


def _gl(n):
    if n not in _GL_CACHE:
        _GL_CACHE[n] = np.polynomial.legendre.leggauss(n)
    return _GL_CACHE[n]


def _hermite_functions(n_max, y):
    """h_n(y) = He_n(y) exp(-y^2/2) / sqrt(n!) for n = 0..n_max (stable recursion)."""
    y = np.asarray(y, dtype=float)
    out = np.empty((n_max + 1,) + y.shape)
    out[0] = np.exp(-y * y / 2)
    if n_max >= 1:
        out[1] = y * out[0]
    for n in range(1, n_max):
        # He_{n+1} = y He_n - n He_{n-1}, scaled by 1/sqrt((n+1)!)
        out[n + 1] = (y * out[n] - math.sqrt(n) * out[n - 1]) / math.sqrt(n + 1)
    return out


def _basis_values(m, t, y, lower):
    """f_i(y) = He_i(y) (y - t) e^{-y^2/2} / sqrt(i!) and F_i(y) = int_lower^y f_i, i < m.

    He_i(y) y = He_{i+1} + i He_{i-1}; int_a^y He_n e^{-x^2/2} = He_{n-1}(a) e^{-a^2/2}
    - He_{n-1}(y) e^{-y^2/2} (n >= 1), sqrt(2 pi) (Phi(y) - Phi(a)) for n = 0.
    """
    h = _hermite_functions(m, y)
    hl = None if math.isinf(lower) else _hermite_functions(m, np.array([lower]))[:, 0]
    phi_l = 0.0 if math.isinf(lower) else special.ndtr(lower)
    g0 = math.sqrt(2 * math.pi) * (special.ndtr(y) - phi_l)

    def G(n):  # int_lower^y He_n e^{-x^2/2} / sqrt(n!)
        if n == 0:
            return g0
        val = -h[n - 1]
        if hl is not None:
            val = val + hl[n - 1]
        return val / math.sqrt(n)

    f = np.empty((m,) + np.shape(y))
    F = np.empty((m,) + np.shape(y))
    for i in range(m):
        # He_i y = He_{i+1} + i He_{i-1}; in scaled units: sqrt(i+1) h_{i+1} + sqrt(i) h_{i-1}
        f[i] = math.sqrt(i + 1) * h[i + 1] - t * h[i]
        F[i] = math.sqrt(i + 1) * G(i + 1) - t * G(i)
        if i >= 1:
            f[i] += math.sqrt(i) * h[i - 1]
            F[i] += math.sqrt(i) * G(i - 1)
    return f, F


def det_moments(N, t, *, nodes=160, with_error=False):
    """D_k(t) = E[|det(W - t)| 1{k eigenvalues of W below t}], W ~ GOE(N-1), k = 0..N-1.

    W has the density exp(-tr W^2/2)/const (diagonal variance 1, off-diagonal 1/2).

    Parameters
    ----------
    N : int
        Dimension of the sphere's ambient space (W is (N-1) x (N-1)), N >= 2.
    t : float
    nodes : int
        Gauss-Legendre nodes of each one-dimensional integral (half-lines cut at 14 beyond t).

    with_error : bool
        Also return the rounding error of the coefficients (the difference with an
        extraction on the circle |z| = 1.25).

    Returns
    -------
    numpy.ndarray of shape (N,) (and its error estimate if ``with_error``)

    Notes
    -----
    With f_i(x) = He_i(x) (x - t) e^{-x^2/2} / sqrt(i!), the ordered integral of det[f_i(x_j)] over
    x_1 < ... < x_m (m = N - 1), each x weighted z below t, is Pf[A(z)] (de Bruijn; bordered by
    the single integrals for odd m).  D_k = (m!/Z_m) (-1)^k [z^k] Pf A(z).  The coefficients are
    read off at the (m+1)-th roots of unity.
    """
    m = int(N) - 1
    t = float(t)
    x, w = _gl(nodes)
    lo, hi = t - 14.0 - abs(t), t + 14.0 + abs(t)
    yb = 0.5 * (t - lo) * x + 0.5 * (t + lo)          # below t
    wb = 0.5 * (t - lo) * w
    ya = 0.5 * (hi - t) * x + 0.5 * (hi + t)          # above t
    wa = 0.5 * (hi - t) * w
    fb, Fb = _basis_values(m, t, yb, -math.inf)        # F from -inf
    fa, Fa = _basis_values(m, t, ya, t)                # F from t
    tot_b = _basis_values(m, t, np.array([t]), -math.inf)[1][:, 0]
    tot_a = _basis_values(m, t, np.array([hi]), t)[1][:, 0]
    A2 = (Fb * wb) @ fb.T
    A2 = A2 - A2.T                                     # both below, ordered
    A0 = (Fa * wa) @ fa.T
    A0 = A0 - A0.T                                     # both above, ordered
    A1 = np.outer(tot_b, tot_a) - np.outer(tot_a, tot_b)   # one below, one above
    n = m + (m % 2)

    def coefficients(radius):
        vals = []
        for z in radius * np.exp(2j * np.pi * np.arange(m + 1) / (m + 1)):
            a = np.zeros((n, n), dtype=complex)
            a[:m, :m] = A0 + z * A1 + z * z * A2
            if m % 2:
                border = z * tot_b + tot_a
                a[:m, m] = border
                a[m, :m] = -border
            vals.append(_pfaffian(a))
        # Pf(z) = sum_k c_k z^k: the DFT of the values at radius * (roots of unity)
        return (np.fft.fft(np.array(vals)) / (m + 1)).real / radius ** np.arange(m + 1)

    coef = coefficients(1.0)
    # the basis is He_i/sqrt(i!): Pf scales by prod 1/sqrt(i!)
    lognorm = (math.lgamma(m + 1) - _log_goe_norm(m)
               + 0.5 * sum(math.lgamma(i + 1) for i in range(m)))
    signs = (-1.0) ** np.arange(m + 1)
    if not with_error:
        return signs * coef * math.exp(lognorm)
    err = np.abs(coefficients(1.25) - coef) * math.exp(lognorm)
    return signs * coef * math.exp(lognorm), err


# ---------------------------------------------------------------------------------------------
# finite-N expectation

@register
@dataclass(frozen=True)
class KacRiceCount(Serializable):
    """E[Crit_N] of a spherical spin glass, by index, for energies in a window.

    Attributes
    ----------
    N : int
    xi : dict
    window : tuple
        (lo, hi) of u = H/N.
    by_index : numpy.ndarray
        E[Crit_{N,k}] for k = 0..N-1.
    total : float
    error : numpy.ndarray
        Estimated error of each entry (quadrature: difference with doubled nodes; Monte Carlo:
        standard error).
    method : str
        ``"exact"`` or ``"monte_carlo"``.
    """

    N: int
    xi: dict
    window: tuple
    by_index: np.ndarray
    total: float
    error: np.ndarray
    method: str


def _sphere_log_area(N):
    return math.log(2.0) + N / 2.0 * math.log(math.pi) + (N - 1) / 2.0 * math.log(N) \
        - math.lgamma(N / 2.0)


def _window(window):
    if window is None:
        return (-math.inf, math.inf)
    try:
        lo, hi = (float(v) for v in window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be a pair (lo, hi) of energies per spin, got "
                         f"{window!r}") from None
    if math.isnan(lo) or math.isnan(hi) or not lo < hi:
        raise ValueError(f"window must satisfy lo < hi, got {window!r}")
    return lo, hi


def _prefactor(N, cv):
    """ln of |S^{N-1}(sqrt N)| (2 pi xi')^{-(N-1)/2} s_N^{N-1}."""
    sN2 = 2.0 * cv.ddxi1 / N
    return (_sphere_log_area(N) - (N - 1) / 2.0 * math.log(2 * math.pi * cv.dxi1)
            + (N - 1) / 2.0 * math.log(sN2))


def _r_law(N, cv, lo, hi):
    """The outer average over r: marginal N(0, vr/N) and P(u in [lo, hi] | r)."""
    vr = cv.ddxi1 + cv.dxi1
    sd_r = math.sqrt(vr / N)
    beta = cv.dxi1 / vr
    var_u = max(cv.xi1 - cv.dxi1 ** 2 / vr, 0.0) / N
    return sd_r, beta, var_u


def _outer_nodes(N, cv, lo, hi, n):
    """Gauss-Legendre nodes in r with the Gaussian weight and P(u in window | r).

    Given r, u is Gaussian with mean beta r (beta = xi'/(xi'' + xi') > 0) and variance
    var_u.  A pure model has var_u = 0: u = beta r exactly (Euler: r = p u), so the window
    u in (lo, hi) is r in (lo/beta, hi/beta).  A mixed model's P(u in window | r) is a step
    of width sqrt(var_u)/beta at r = lo/beta and hi/beta: the rule is split there, 14 widths
    either side (and at r = 0), and cut where that probability is below exp(-98).
    """
    sd_r, beta, var_u = _r_law(N, cv, lo, hi)
    rlo, rhi = -14.0 * sd_r, 14.0 * sd_r
    pure = var_u <= 1e-14 * cv.xi1 / N
    spread = 0.0 if pure else 14.0 * math.sqrt(var_u) / beta
    rlo, rhi = max(rlo, lo / beta - spread), min(rhi, hi / beta + spread)
    if not rlo < rhi:
        return np.empty(0), np.empty(0)
    steps = [e / beta + d * spread for e in (lo, hi) if math.isfinite(e)
             for d in (-1.0, 0.0, 1.0)]
    cuts = [c for c in [0.0] + steps if rlo < c < rhi]
    edges = [rlo] + sorted(set(cuts)) + [rhi]
    x, w = _gl(n)
    rs, ws = [], []
    for a, b in zip(edges, edges[1:]):
        r = 0.5 * (b - a) * x + 0.5 * (a + b)
        wt = 0.5 * (b - a) * w * np.exp(-r * r / (2 * sd_r ** 2)) / (math.sqrt(2 * math.pi)
                                                                   * sd_r)
        if not pure:
            su = math.sqrt(var_u)
            wt = wt * (special.ndtr((hi - beta * r) / su) - special.ndtr((lo - beta * r) / su))
        rs.append(r)
        ws.append(wt)
    return np.concatenate(rs), np.concatenate(ws)


def _exact(N, cv, lo, hi, n):
    rs, ws = _outer_nodes(N, cv, lo, hi, n)
    sN = math.sqrt(2.0 * cv.ddxi1 / N)
    acc = np.zeros(N)
    err = np.zeros(N)
    for r, wt in zip(rs, ws):
        if wt == 0.0:
            continue
        d, e = det_moments(N, r / sN, with_error=True)
        acc += wt * d
        err += abs(wt) * e
    pre = math.exp(_prefactor(N, cv))
    return pre * acc, pre * err


def _monte_carlo(N, cv, lo, hi, samples, rng):
    """Conditional Monte Carlo: for each GOE(N-1) spectrum, the index is k exactly for t in
    (lambda_(k), lambda_(k+1)), so E over r of prod |lambda - t| on each of those intervals is
    a one-dimensional Gauss-Legendre integral (exact for the polynomial up to the Gaussian)."""
    m = N - 1
    sN = math.sqrt(2.0 * cv.ddxi1 / N)
    rs, ws = _outer_nodes(N, cv, lo, hi, 96)
    ts = rs / sN
    vals = np.zeros((samples, N))
    for i in range(samples):
        g = rng.standard_normal((m, m))
        wmat = (g + g.T) / 2.0  # off-diagonal variance 1/2, diagonal 1
        lam = np.linalg.eigvalsh(wmat)
        k_of_t = np.searchsorted(lam, ts)
        dets = np.prod(np.abs(lam[None, :] - ts[:, None]), axis=1)
        vals[i] = np.bincount(k_of_t, weights=ws * dets, minlength=N)
    scale = math.exp(_prefactor(N, cv))
    mean = vals.mean(axis=0) * scale
    err = vals.std(axis=0, ddof=1) / math.sqrt(samples) * scale
    return mean, err


#: Largest N for which ``method="auto"`` uses the exact formula.
EXACT_MAX_N = 16


def expected_count(N, xi, *, window=None, method="auto", samples=20000, rng=0,
                   nodes=96, deformation=None) -> KacRiceCount:
    """The exact finite-N Kac-Rice expectation E[Crit_N], by index and energy window.

    Parameters
    ----------
    N : int
        Number of spins (>= 2).
    xi : dict
        {p: c_p}.
    window : (float, float), optional
        Energies per spin u = H/N counted (default: all).
    method : {"auto", "exact", "monte_carlo"}
        ``"exact"``: D_k by de Bruijn's Pfaffian (:func:`det_moments`) and a Gauss-Legendre
        average over r, its error estimated by doubling the nodes (N <= 40).  ``"monte_carlo"``:
        ``samples`` GOE(N-1) spectra, the average over r done exactly for each (see
        :func:`_monte_carlo`), error = standard error.  ``"auto"``: exact for
        N <= EXACT_MAX_N.
    samples : int
    rng : int or numpy.random.Generator
    nodes : int
        Gauss-Legendre nodes of the r average (per piece).
    deformation : dict, optional
        {r: d_r}: count the critical points of H_xi + N h(s.v/N), h(m) = sum_r d_r m^r
        (:func:`replica.spinglass.deformed.expected_count`: conditional Monte Carlo over the
        GOE plus a rank-one term; ``method`` must be "auto" or "monte_carlo").

    Returns
    -------
    KacRiceCount

    Notes
    -----
    See the module notes.  For xi = {2: c} (a quadratic form on the sphere) the critical
    points are the 2N points +-sqrt(N) v_k on the eigenvectors, exactly 2 of each index.
    The exact coefficients D_k lose digits for large N (their range grows like N!): the
    returned error includes the rounding of their extraction (relative 1e-11 at N = 10, 1e-6
    at N = 20, O(1) for the smallest entries at N = 30); the total stays accurate.
    """
    if isinstance(N, bool) or not float(N).is_integer() or N < 2:
        raise ModelError(f"N must be an integer >= 2, got {N!r}")
    N = int(N)
    cv = covariance(xi)
    if deformation:
        if method not in ("auto", "monte_carlo"):
            raise ValueError(f"a deformed count is a Monte Carlo one: method must be 'auto' "
                             f"or 'monte_carlo', got {method!r}")
        from .deformed import expected_count as _deformed
        return _deformed(N, cv, deformation, window=window, samples=samples, rng=rng)
    lo, hi = _window(window)
    if method == "auto":
        method = "exact" if N <= EXACT_MAX_N else "monte_carlo"
    if method == "exact":
        if N > 40:
            raise ValueError(f"method='exact' is limited to N <= 40 (got N = {N}); use "
                             "'monte_carlo'")
        est, _ = _exact(N, cv, lo, hi, nodes)
        ref, rounding = _exact(N, cv, lo, hi, 2 * nodes)
        err = np.abs(ref - est) + rounding
        by_index = ref
    elif method == "monte_carlo":
        if isinstance(samples, bool) or not float(samples).is_integer() or samples < 2:
            raise ValueError(f"samples must be an integer >= 2, got {samples!r}")
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        by_index, err = _monte_carlo(N, cv, lo, hi, int(samples), gen)
    else:
        raise ValueError(f"method must be 'auto', 'exact' or 'monte_carlo', got {method!r}")
    return KacRiceCount(N=N, xi=cv.as_dict(), window=(lo, hi), by_index=by_index,
                        total=float(np.sum(by_index)), error=err, method=method)
