"""Independent reference (no engine code) for the README's open question on local-entropy
transitions: the large-deviation (y -> infinity) RS local entropy of the binary perceptron,
derived and transcribed for that question on 2026-11-29; used only by a slow test.

Large-deviation (y -> infinity) RS local entropy of the binary perceptron.

Phi/y = max_{w~} S(w~, d) in the RS ansatz of the y-replicated system (reference w~, y
replicas at overlap p = 1 - 2d).  y -> inf scaling:
  1 - q~ = chi_t/y, p - t = chi_p/y, q1 - q0 = chi1/y          (overlaps)
  qhat~ = y^2 K, that = y T, phat = y T + P, q0hat = Q, q1hat = Q + delta/y   (conjugates)

Phi/y = G_S + alpha G_E,
 G_S = -K chi_t/2 - T chi_p - P p - Q chi1/2 - Q (1 - q1)/2 - delta q1/2
       + E_{(k,h)~N(0,[[K,T],[T,Q]])} max_{w~=+-1} [k w~ + phi_delta(h + P w~)],
 phi_delta(x) = max_eta [ln 2cosh(x + eta) - eta^2/(2 delta)],
 G_E = E_{(c~,c)~N(0,[[1,p],[p,q1]])} max_{g~,g; c~+g~>=kr} [ln H((kappa-c-g)/sqrt(1-q1))
                                               - (g~,g) C^-1 (g~,g)^T / 2],
 C = [[chi_t, chi_p],[chi_p, chi1]].

variant "free": reference unconstrained (no c~ + g~ >= kr): then K = T = 0 at the saddle and
 G_S = -P p - Q chi1/2 - Q(1-q1)/2 - delta q1/2 + E_z phi_delta(sqrt(Q)|z| + P),
 G_E = E_z max_g [ln H((kappa - sqrt(q1) z - g)/sqrt(1-q1)) - g^2/(2 chi1)].
"""
import numpy as np
from scipy.special import log_ndtr, ndtr
from scipy.optimize import root

# ---------------------------------------------------------------- quadrature
_xl, _wl = np.polynomial.legendre.leggauss(600)


def gl(a, b):
    x = 0.5 * (b - a) * _xl + 0.5 * (b + a)
    return x, 0.5 * (b - a) * _wl


ZH, WH = gl(0.0, 11.0)            # half line for |z|
WH = WH * 2 * np.exp(-ZH**2 / 2) / np.sqrt(2 * np.pi)
ZF, WF = gl(-11.0, 11.0)          # full line
WF = WF * np.exp(-ZF**2 / 2) / np.sqrt(2 * np.pi)


def lncosh2(x):
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2 * ax))


def gh(u):
    """G(u)/H(u), inverse Mills ratio."""
    return np.exp(-u**2 / 2 - 0.5 * np.log(2 * np.pi) - log_ndtr(-u))


# ---------------------------------------------------------------- inner maxima
def phi(x, delta, it=200):
    """phi_delta(x), x >= 0 : eta in [0, delta] root of delta tanh(x+eta) = eta."""
    x = np.asarray(x, float)
    lo = np.zeros_like(x)
    hi = np.full_like(x, delta)
    for _ in range(it):
        mid = 0.5 * (lo + hi)
        f = delta * np.tanh(x + mid) - mid
        lo = np.where(f > 0, mid, lo)
        hi = np.where(f > 0, hi, mid)
        if np.max(hi - lo) < 1e-15 * max(delta, 1):
            break
    eta = 0.5 * (lo + hi)
    # polish with Newton
    for _ in range(3):
        f = delta * np.tanh(x + eta) - eta
        fp = delta / np.cosh(x + eta)**2 - 1
        eta = eta - f / fp
    return lncosh2(x + eta) - eta**2 / (2 * delta), eta


def psi(c, q1, chi1, kappa=0.0, it=200):
    """max_g lnH((kappa-c-g)/s) - g^2/(2 chi1)."""
    s = np.sqrt(1 - q1)
    u0 = (kappa - c) / s
    lo = np.zeros_like(c)
    hi = chi1 * gh(u0) / s + 1e-300
    for _ in range(it):
        mid = 0.5 * (lo + hi)
        f = gh((kappa - c - mid) / s) / s - mid / chi1
        lo = np.where(f > 0, mid, lo)
        hi = np.where(f > 0, hi, mid)
        if np.max(hi - lo) < 1e-15:
            break
    g = 0.5 * (lo + hi)
    for _ in range(3):
        u = (kappa - c - g) / s
        G = gh(u)
        f = G / s - g / chi1
        fp = -G * (G - u) / s**2 - 1 / chi1
        g = g - f / fp
    u = (kappa - c - g) / s
    return log_ndtr(-u) - g**2 / (2 * chi1), g


# ---------------------------------------------------------------- free reference
def phi_free(x, p, alpha, kappa=0.0):
    """x = (P, Q, delta, chi1, q1) -> Phi/y (variant 'free')."""
    P, Q, delta, chi1, q1 = x
    xx = np.sqrt(Q) * ZH + P
    ph, _ = phi(xx, delta)
    GS = -P * p - Q * chi1 / 2 - Q * (1 - q1) / 2 - delta * q1 / 2 + WH @ ph
    ps, _ = psi(np.sqrt(q1) * ZF, q1, chi1, kappa)
    GE = WF @ ps
    return GS + alpha * GE


def grad_free(x, p, alpha, kappa=0.0):
    """Analytic gradient (envelope theorem)."""
    P, Q, delta, chi1, q1 = x
    z = ZH
    xx = np.sqrt(Q) * z + P
    ph, eta = phi(xx, delta)
    m = np.tanh(xx + eta)
    dP = -p + WH @ m
    dQ = -chi1 / 2 - (1 - q1) / 2 + WH @ (m * z) / (2 * np.sqrt(Q))
    dd = -q1 / 2 + WH @ (eta**2) / (2 * delta**2)
    s = np.sqrt(1 - q1)
    c = np.sqrt(q1) * ZF
    ps, g = psi(c, q1, chi1, kappa)
    u = (kappa - c - g) / s
    G = gh(u)                                   # d lnH(u)/du = -G
    dchi = -Q / 2 + alpha * WF @ (g**2) / (2 * chi1**2)
    # d/dq1 at fixed g: lnH(u), u = (kappa - sqrt(q1) z - g)/sqrt(1-q1)
    du = -ZF / (2 * np.sqrt(q1)) / s + u / (2 * (1 - q1))
    dq1 = Q / 2 - delta / 2 + alpha * WF @ (-G * du)
    return np.array([dP, dQ, dd, dchi, dq1])


def solve_free(p, alpha, x0, kappa=0.0, tol=1e-11):
    sol = root(lambda v: grad_free(np.exp(v), p, alpha, kappa) * np.exp(v), np.log(x0),
               method="hybr", options=dict(xtol=1e-13))
    x = np.exp(sol.x)
    r = np.max(np.abs(grad_free(x, p, alpha, kappa)))
    return x, phi_free(x, p, alpha, kappa), r, sol.success and r < 1e-8


def h2(d):
    return -d * np.log(d) - (1 - d) * np.log(1 - d)


def _to(x):
    P, Q, delta, chi1, q1 = x
    return np.array([P, np.log(Q), np.log(delta), np.log(chi1), np.log(q1 / (1 - q1))])


def _from(v):
    return np.array([v[0], np.exp(v[1]), np.exp(v[2]), np.exp(v[3]), 1 / (1 + np.exp(-v[4]))])


def _jac_from(v):
    x = _from(v)
    return np.array([1, x[1], x[2], x[3], x[4] * (1 - x[4])])


def solve_free2(p, alpha, x0, kappa=0.0):
    f = lambda v: grad_free(_from(v), p, alpha, kappa) * _jac_from(v)
    sol = root(f, _to(x0), method="hybr", options=dict(xtol=1e-13))
    x = _from(sol.x)
    r = np.max(np.abs(grad_free(x, p, alpha, kappa)))
    return x, phi_free(x, p, alpha, kappa), r, r < 1e-8


def fixed_point_free(p, alpha, x0, kappa=0.0, damp=0.5, maxit=5000, tol=1e-12, verbose=False):
    """Damped iteration of the saddle-point equations (variant 'free')."""
    from scipy.optimize import brentq
    P, Q, delta, chi1, q1 = x0
    z = ZH
    for it in range(maxit):
        # entropic side: P from p = E m, then q1, chi1
        def em(Pv):
            m = np.tanh(np.sqrt(Q) * z + Pv + phi(np.sqrt(Q) * z + Pv, delta)[1])
            return WH @ m - p
        P = brentq(em, -1.0, 30.0, xtol=1e-14)
        xx = np.sqrt(Q) * z + P
        _, eta = phi(xx, delta)
        m = np.tanh(xx + eta)
        q1n = WH @ m**2
        chi1n = WH @ (m * z) / np.sqrt(Q) - (1 - q1n)
        # energetic side
        s = np.sqrt(1 - q1n)
        c = np.sqrt(q1n) * ZF
        _, g = psi(c, q1n, chi1n, kappa)
        u = (kappa - c - g) / s
        G = gh(u)
        Qn = alpha * WF @ g**2 / chi1n**2
        du = -ZF / (2 * np.sqrt(q1n)) / s + u / (2 * (1 - q1n))
        deltan = Qn + 2 * alpha * WF @ (-G * du)
        new = np.array([Q, delta, chi1, q1])
        upd = np.array([Qn, deltan, chi1n, q1n])
        # damp in log space for the positive ones
        lnew = (1 - damp) * np.log(upd) + damp * np.log(new)
        err = np.max(np.abs(np.log(upd) - np.log(new)))
        Q, delta, chi1, q1 = np.exp(lnew)
        if verbose and it % 50 == 0:
            print(it, P, Q, delta, chi1, q1, err)
        if err < tol:
            break
    x = np.array([P, Q, delta, chi1, q1])
    return x, phi_free(x, p, alpha, kappa), np.max(np.abs(grad_free(x, p, alpha, kappa))), it


def fp_map_free(x, p, alpha, kappa=0.0):
    """One undamped sweep of the saddle-point equations: (Q, delta, chi1, q1) -> new; also P."""
    from scipy.optimize import brentq
    Q, delta, chi1, q1 = x
    z = ZH
    def em(Pv):
        m = np.tanh(np.sqrt(Q) * z + Pv + phi(np.sqrt(Q) * z + Pv, delta)[1])
        return WH @ m - p
    P = brentq(em, -10.0, 40.0, xtol=1e-14)
    xx = np.sqrt(Q) * z + P
    _, eta = phi(xx, delta)
    m = np.tanh(xx + eta)
    q1n = WH @ m**2
    chi1n = WH @ (m * z) / np.sqrt(Q) - (1 - q1n)
    s = np.sqrt(1 - q1n)
    c = np.sqrt(q1n) * ZF
    _, g = psi(c, q1n, chi1n, kappa)
    u = (kappa - c - g) / s
    G = gh(u)
    Qn = alpha * WF @ g**2 / chi1n**2
    du = -ZF / (2 * np.sqrt(q1n)) / s + u / (2 * (1 - q1n))
    deltan = Qn + 2 * alpha * WF @ (-G * du)
    return P, np.array([Qn, deltan, chi1n, q1n])


def solve_free_fast(p, alpha, x0, kappa=0.0):
    """Newton-type (hybr) solution of log map(x) = log x, x = (Q, delta, chi1, q1)."""
    y0 = np.log(np.asarray(x0[1:], float))
    def res(y):
        try:
            _, new = fp_map_free(np.exp(y), p, alpha, kappa)
            if np.any(new <= 0) or new[3] >= 1:
                return np.full(4, 1e3)
            return np.log(new) - y
        except ValueError:
            return np.full(4, 1e3)
    sol = root(res, y0, method="hybr", options=dict(xtol=1e-12))
    xx = np.exp(sol.x)
    P, _ = fp_map_free(xx, p, alpha, kappa)
    x = np.array([P, *xx])
    r = np.max(np.abs(grad_free(x, p, alpha, kappa)))
    return x, phi_free(x, p, alpha, kappa), r
