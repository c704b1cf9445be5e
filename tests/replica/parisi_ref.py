"""An independent k-RSB Parisi functional for Ising spin glasses, in plain NumPy (issue #30).

No engine code: a uniform field grid, dense Gaussian weights and ``scipy.special.logsumexp``
level by level, written from the formula (Talagrand's form of the Parisi functional):

    F_k(h) = ln 2 cosh h + (A(1) - A(q_k)) / 2,   A(q) = beta^2 xi'(q),
    F_{l-1}(h) = (1/m_l) ln E exp(m_l F_l(h + sqrt(A(q_l) - A(q_{l-1})) z)),
    phi = E F_0(beta h + sqrt(A(q_0)) z) - 1/2 sum_{l=1}^{k+1} m_l (theta(q_l) - theta(q_{l-1})),
    theta(q) = beta^2 (q xi'(q) - xi(q)),  q_{k+1} = m_{k+1} = 1.

The Gaussian averages are trapezoid sums on a grid of step ``dh`` (much finer than the
engine's) over +-14 sigma; the grid is wide enough that its edges never reach the root.  Each
level of a k-step ladder needs sigma >= 4 dh (the trapezoid rule's resolution).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp


def _xi(terms, q, d=0):
    return sum(c * math.perm(p, d) * q ** (p - d) for p, c in terms.items() if d <= p)


def parisi_phi(xi, beta, h, q, m, dh=0.01):
    """phi of the ladder (q, m) for the covariance ``xi`` ({p: c_p}) at beta, field h."""
    q = list(q)
    m = list(m)
    A = lambda x: beta ** 2 * _xi(xi, x, 1)
    theta = lambda x: beta ** 2 * (x * _xi(xi, x, 1) - _xi(xi, x))
    a = [A(x) for x in q]
    sig = [math.sqrt(a[0])] + [math.sqrt(a[i] - a[i - 1]) for i in range(1, len(q))]
    L = 14.0 * sum(sig) + 20.0
    n = int(L / dh)
    hgrid = beta * h + dh * np.arange(-n, n + 1)
    F = np.logaddexp(hgrid, -hgrid) + 0.5 * (A(1.0) - a[-1])
    for lev in range(len(q) - 1, 0, -1):
        s, mm = sig[lev], m[lev - 1]
        assert s >= 4 * dh, "a level narrower than the reference's grid"
        w = int(math.ceil(14.0 * s / dh + mm * s * s / dh))
        d = dh * np.arange(-w, w + 1)
        logk = np.log(dh / (s * math.sqrt(2 * math.pi))) - 0.5 * (d / s) ** 2
        out = np.full_like(F, -np.inf)
        for i in range(w, len(F) - w):
            out[i] = logsumexp(logk + mm * F[i - w:i + w + 1]) / mm
        F = out
    c = n
    s = sig[0]
    if s < 4 * dh:   # a point mass at the root (q_0 = 0 at zero field)
        root = F[c] if s == 0 else None
        assert root is not None, "q_0 too small for the reference's grid"
    else:
        w = int(math.ceil(14.0 * s / dh))
        d = dh * np.arange(-w, w + 1)
        wts = dh * np.exp(-0.5 * (d / s) ** 2) / (s * math.sqrt(2 * math.pi))
        root = float(np.dot(wts, F[c - w:c + w + 1]))
    qq = q + [1.0]
    mm = m + [1.0]
    energy = 0.5 * sum(mm[i] * (theta(qq[i + 1]) - theta(qq[i])) for i in range(len(q)))
    return root - energy


def perceptron_phi(kappa, alpha, q, m, dh=0.01):
    """phi of the ladder (q, m) of the spherical perceptron with the margin channel, plain
    NumPy from the formula (no engine code):

        phi = 1/2 [ln(1 - q_k) + int_0^{q_k} dq / lambda(q)] + alpha E F_0(sqrt(q_0) z),
        F_k(h) = ln H((kappa - h) / sqrt(1 - q_k)),
        F_{l-1}(h) = (1/m_l) ln E exp(m_l F_l(h + sqrt(q_l - q_{l-1}) z)),

    lambda(q) = int_q^1 x(p) dp of the ladder's step function x, integrated piece by piece
    (1/(a - m p) on each step, in closed form)."""
    from scipy.special import log_ndtr
    q = [float(v) for v in q]
    m = [float(v) for v in m]
    k = len(m)
    # lambda at the top of each step, then the entropy piece by piece
    edges = [0.0] + q + [1.0]
    xs = [0.0] + m + [1.0]               # x on (edges[i], edges[i+1])
    lam_hi = 0.0                          # lambda at edges[i+1], from the top down
    S = 0.0
    for i in range(k + 1, -1, -1):
        lo, hi, x = edges[i], edges[i + 1], xs[i]
        lam_lo = lam_hi + x * (hi - lo)
        if i <= k:                        # int_lo^hi dp / lambda(p), lambda linear
            S += (hi - lo) / lam_lo if x == 0.0 else math.log(lam_lo / lam_hi) / x
        lam_hi = lam_lo
    S = 0.5 * (math.log(1.0 - q[-1]) + S)
    sig = [math.sqrt(q[0])] + [math.sqrt(q[i] - q[i - 1]) for i in range(1, k + 1)]
    L = 14.0 * sum(sig) + 20.0
    n = int(L / dh)
    hgrid = dh * np.arange(-n, n + 1)
    F = log_ndtr((hgrid - kappa) / math.sqrt(1.0 - q[-1]))
    for lev in range(k, 0, -1):
        s, mm = sig[lev], m[lev - 1]
        assert s >= 4 * dh, "a level narrower than the reference's grid"
        w = int(math.ceil(14.0 * s / dh + 4.0 * mm * s * s / dh))
        d = dh * np.arange(-w, w + 1)
        logk = -0.5 * (d / s) ** 2
        logk -= logsumexp(logk)           # normalised weights
        out = np.full_like(F, -np.inf)
        for i in range(w, len(F) - w):
            out[i] = logsumexp(logk + mm * F[i - w:i + w + 1]) / mm
        F = out
    s = sig[0]
    w = int(math.ceil(14.0 * s / dh))
    d = dh * np.arange(-w, w + 1)
    wts = np.exp(-0.5 * (d / s) ** 2)
    wts /= wts.sum()
    root = float(np.dot(wts, F[n - w:n + w + 1]))
    return S + alpha * root


def jamming_F(kappa, alpha, q, mu, dh=0.005):
    """The jamming coefficient of the spherical perceptron's k-step ladder (q_k = 1, mu the
    scaled Parisi parameters), plain NumPy/SciPy from the formula (no engine code):

        F = 1/2 [sum_l (1/mu_l) ln(L_l / L_{l+1}) + q_0 / L_1] + alpha E f_0(sqrt(q_0) z),
        L_{k+1} = 1, L_l = L_{l+1} + mu_l (q_l - q_{l-1}),
        f_k(h) = -(kappa - h)_+^2 / 2,  f_{l-1}(h) = (1/mu_l) ln E exp(mu_l f_l(h + s_l z)),

    the last level by adaptive quadrature (``scipy.integrate.quad_vec``) on the grid, the
    others by dense normalised trapezoid weights."""
    from scipy import integrate
    q = [float(v) for v in q]
    mu = [float(v) for v in mu]
    k = len(mu)
    assert len(q) == k + 1 and q[-1] == 1.0
    L = [1.0]
    for l in range(k, 0, -1):
        L.insert(0, L[0] + mu[l - 1] * (q[l] - q[l - 1]))
    S = 0.5 * (sum(math.log(L[l - 1] / L[l]) / mu[l - 1] for l in range(1, k + 1))
               + q[0] / L[0])
    sig = [math.sqrt(q[0])] + [math.sqrt(q[i] - q[i - 1]) for i in range(1, k + 1)]
    n = int((14.0 * sum(sig[:k]) + 20.0) / dh)
    h = dh * np.arange(-n, n + 1)
    if k == 0:
        F = None
    else:
        s, m = sig[k], mu[k - 1]

        def g(z):
            d = np.maximum(kappa - h - s * z, 0.0)
            return np.exp(-0.5 * z * z - 0.5 * m * d * d) / math.sqrt(2 * math.pi)
        val, _ = integrate.quad_vec(g, -14.0, 14.0, epsabs=1e-15, epsrel=1e-13, limit=2000)
        with np.errstate(divide="ignore"):      # far infeasible nodes: weight 0
            F = np.log(val) / m
    for lev in range(k - 1, 0, -1):
        s, m = sig[lev], mu[lev - 1]
        assert s >= 4 * dh, "a level narrower than the reference's grid"
        w = int(math.ceil(14.0 * s / dh + 12.0 / dh))
        d = dh * np.arange(-w, w + 1)
        logk = -0.5 * (d / s) ** 2
        logk -= logsumexp(logk)
        out = np.full_like(F, -np.inf)
        for i in range(w, len(F) - w):
            out[i] = logsumexp(logk + m * F[i - w:i + w + 1]) / m
        F = out
    s = sig[0]
    if k == 0:
        dd = np.maximum(kappa - s * h, 0.0)
        wts = np.exp(-0.5 * h * h)
        return S - alpha * 0.5 * float(np.dot(wts, dd * dd) / wts.sum())
    w = int(math.ceil(14.0 * s / dh))
    d = dh * np.arange(-w, w + 1)
    wts = np.exp(-0.5 * (d / s) ** 2)
    wts /= wts.sum()
    return S + alpha * float(np.dot(wts, F[n - w:n + w + 1]))
