"""Independent SciPy references for the perceptron tests (nothing here imports ``replica``).

Every function is written from the formula quoted in its docstring, with SciPy adaptive
quadrature (``quad``, QUADPACK) and SciPy root finders; the engine's own quadrature rules,
compiled kernels and solvers are not used.  Notation: Dz the standard Gaussian measure,
H(u) = P(z > u), R(u) = G(u)/H(u) the inverse Mills ratio, and for a margin kappa and overlap q

    u(z) = (kappa - sqrt(q) z) / sqrt(1 - q).

Derivations (spherical weights, RS; Gardner, J. Phys. A 21, 257 (1988)):

    phi(q) = ln(1-q)/2 + q/(2(1-q)) + alpha E_z ln H(u),
    d phi/dq = q/(2(1-q)^2) - alpha/(2(1-q)) E_z R(u)^2,

the second term by the heat-equation identity d/dq E_z f(sqrt(q) z + sqrt(1-q) y) at fixed
total variance (Stein's lemma twice); the saddle point is Gardner's q/(1-q) = alpha E R(u)^2.

Replicon (de Almeida-Thouless) eigenvalue, prior x channel:

    lambda_R = 1 - alpha R_prior E_z[(d^2/d omega^2 ln H((kappa - omega)/sqrt(1-q)))^2].

With s = sqrt(1-q): d/d omega ln H(u) = R(u)/s and, since R'(u) = R(u)(R(u) - u),
d^2/d omega^2 ln H(u) = -R(u)(R(u) - u)/s^2.  Hence

    sphere: R_prior = (1-q)^2,  lambda_R = 1 - alpha E_z[(R(u)(R(u) - u))^2];
    binary: R_prior = E_z[(1 - tanh^2(sqrt(qhat) z))^2],
            lambda_R = 1 - alpha R_prior E_z[(R(u)(R(u) - u))^2]/(1-q)^2.

The formula is checked in the tests at two known points: the binary perceptron at kappa = 0
(Gardner & Derrida, J. Phys. A 21, 271 (1988): alpha_AT = 1.015) and the spherical one at
kappa = 0, q -> 1 (lambda_R -> 1 - alpha P(z < 0) = 0 at alpha_c = 2: marginal).

1RSB jamming limit (spherical, q1 -> 1 with m = mu (1 - q1); Franz & Parisi, J. Phys. A 49,
145001 (2016); Franz, Parisi, Sevelev, Urbani & Zamponi, SciPost Phys. 2, 019 (2017)):

    F(q0, mu) = ln(1 + mu (1-q0))/(2 mu) + q0/(2 (1 + mu (1-q0)))
                + (alpha/mu) E_z0 ln E_z1 exp(-mu relu(kappa - sqrt(q0) z0 - sqrt(1-q0) z1)^2/2).

The inner Gaussian average is closed form: with c = kappa - sqrt(q0) z0, s = sqrt(1-q0),
A = 1 + mu s^2, completing the square on z1 < c/s,

    E_z1 exp(-mu relu(c - s z1)^2/2) = H(c/s) + exp(-mu c^2/(2A)) Phi(c/(s sqrt(A))) / sqrt(A).

F = E(q0, mu) + alpha B(q0, mu) is linear in alpha, so F = 0 at a stationary point in (q0, mu)
means alpha_c = -E/B with grad(E/B) = 0: the 1RSB capacity is the stationary value of
-E/B over (q0, mu), found here by Powell's hybrid method on a Richardson-extrapolated
central-difference gradient (the stationary value is insensitive to the position error).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import optimize
from scipy.integrate import quad
from scipy.special import log_ndtr
from scipy.stats import norm

ZCUT = 12.0  # Gaussian weight beyond |z| = 12 is < 1e-32


def mills(u):
    """R(u) = G(u)/H(u) in log space (no overflow or underflow for |u| < 1e150)."""
    return math.exp(norm.logpdf(u) - log_ndtr(-u))


def gauss_avg(f, points=(), epsrel=1e-12):
    """E_z f(z) by QUADPACK on [-12, 12], split at ``points``."""
    edges = [-ZCUT] + sorted(p for p in points if -ZCUT < p < ZCUT) + [ZCUT]
    return sum(quad(lambda z: norm.pdf(z) * f(z), a, b, epsabs=0, epsrel=epsrel, limit=200)[0]
               for a, b in zip(edges, edges[1:]))


def channel_averages(q, kappa, replicon=True):
    """(E_z R(u)^2, E_z [R(u)(R(u) - u)]^2) of the margin channel at overlap q (the second
    is None unless ``replicon``)."""
    s, r = math.sqrt(1 - q), math.sqrt(q)
    pts = [kappa / r + d * s / r for d in (-3.0, 0.0, 3.0)]

    def u(z):
        return (kappa - r * z) / s
    er2 = gauss_avg(lambda z: mills(u(z)) ** 2, pts)
    if not replicon:
        return er2, None
    ea = gauss_avg(lambda z: (mills(u(z)) * (mills(u(z)) - u(z))) ** 2, pts)
    return er2, ea


def spherical_dphi_dq(q, alpha, kappa):
    """d phi_RS/dq = q/(2(1-q)^2) - alpha/(2(1-q)) E_z R(u)^2 (module notes)."""
    return q / (2 * (1 - q) ** 2) - alpha / (2 * (1 - q)) * channel_averages(q, kappa, False)[0]


def spherical_rs_q(alpha, kappa, bracket):
    """Gardner's saddle point q/(1-q) = alpha E R(u)^2, by Brent's method in ``bracket``."""
    return optimize.brentq(lambda q: q / (1 - q) - alpha * channel_averages(q, kappa, False)[0],
                           *bracket, xtol=1e-15, rtol=1e-15)


def spherical_at_line(kappa, x0):
    """(alpha_AT, q_RS): the RS saddle-point equation and lambda_R = 0, solved together."""
    def eqs(x):
        a, q = x
        er2, ea = channel_averages(q, kappa)
        return [q / (1 - q) - a * er2, 1 - a * ea]
    sol = optimize.root(eqs, x0, method="hybr", options={"xtol": 1e-14})
    assert max(abs(r) for r in eqs(sol.x)) < 1e-12, sol
    return float(sol.x[0]), float(sol.x[1])


def binary_at_line(kappa, x0):
    """(alpha_AT, q, qhat) of the binary perceptron: q = E tanh^2(sqrt(qhat) z),
    qhat (1-q) = alpha E R(u)^2 and lambda_R = 0 (module notes)."""
    def eqs(x):
        a, q, qh = x
        er2, ea = channel_averages(q, kappa)
        r = math.sqrt(qh)
        rp = gauss_avg(lambda z: (1 - math.tanh(r * z) ** 2) ** 2, [0.0])
        return [q - gauss_avg(lambda z: math.tanh(r * z) ** 2, [0.0]),
                qh * (1 - q) - a * er2, 1 - a * rp * ea / (1 - q) ** 2]
    sol = optimize.root(eqs, x0, method="hybr", options={"xtol": 1e-13})
    assert max(abs(r) for r in eqs(sol.x)) < 1e-11, sol
    return tuple(float(v) for v in sol.x)


def binary_rs_entropy(alpha, kappa, x0=(0.6, 3.0)):
    """RS entropy of the binary (+-1) perceptron, Gardner & Derrida (1988):

    s = -qhat (1-q)/2 + E_z ln 2cosh(sqrt(qhat) z) + alpha E_z ln H(u),
    at q = E tanh^2(sqrt(qhat) z), qhat (1-q) = alpha E R(u)^2."""
    def eqs(x):
        q, qh = x
        r = math.sqrt(qh)
        return [q - gauss_avg(lambda z: math.tanh(r * z) ** 2, [0.0]),
                qh * (1 - q) - alpha * channel_averages(q, kappa, False)[0]]
    sol = optimize.root(eqs, x0, method="hybr", options={"xtol": 1e-14})
    q, qh = sol.x
    assert max(abs(r) for r in eqs(sol.x)) < 1e-12, sol
    r, s, sq = math.sqrt(qh), math.sqrt(1 - q), math.sqrt(q)
    lc = gauss_avg(lambda z: abs(r * z) + math.log1p(math.exp(-2 * abs(r * z))), [0.0])
    en = gauss_avg(lambda z: log_ndtr(-(kappa - sq * z) / s), [kappa / sq])
    return -qh * (1 - q) / 2 + lc + alpha * en, (float(q), float(qh))


def jamming_log_inner(c, s, mu):
    """ln E_z1 exp(-mu relu(c - s z1)^2/2), closed form (module notes)."""
    A = 1 + mu * s * s
    return float(np.logaddexp(log_ndtr(-c / s), -mu * c * c / (2 * A) - 0.5 * math.log(A)
                              + log_ndtr(c / (s * math.sqrt(A)))))


def jamming_parts(q0, mu, kappa):
    """(E, B) with F = E + alpha B (module notes), B by QUADPACK split at z0 = kappa/sqrt(q0)."""
    s, r = math.sqrt(1 - q0), math.sqrt(q0)
    ent = math.log(1 + mu * (1 - q0)) / (2 * mu) + q0 / (2 * (1 + mu * (1 - q0)))
    zc = kappa / r
    en = sum(quad(lambda z: norm.pdf(z) * jamming_log_inner(kappa - r * z, s, mu), a, b,
                  epsabs=0, epsrel=1e-13, limit=200)[0] for a, b in [(-40, zc), (zc, 40)])
    return ent, en / mu


def jamming_alpha(q0, mu, kappa):
    """-E/B: the alpha at which F(q0, mu) = 0."""
    e, b = jamming_parts(q0, mu, kappa)
    return -e / b


def jamming_capacity(kappa, x0):
    """(alpha_1RSB, q0, mu): the stationary value of -E/B over (q0, mu), from x0."""
    def alpha_of(x):
        return jamming_alpha(x[0], x[1], kappa)

    def grad(x):
        g = []
        for i, h in enumerate((1e-5, 1e-5 * x[1])):
            e = np.zeros(2)
            e[i] = h
            d1 = (alpha_of(x + e) - alpha_of(x - e)) / (2 * h)
            d2 = (alpha_of(x + e / 2) - alpha_of(x - e / 2)) / h
            g.append((4 * d2 - d1) / 3)
        return np.array(g)
    sol = optimize.root(grad, np.asarray(x0, float), method="hybr", options={"xtol": 1e-11})
    assert np.max(np.abs(grad(sol.x))) < 1e-8, sol
    return alpha_of(sol.x), float(sol.x[0]), float(sol.x[1])


def jamming_gap_constant():
    """C = lim_{kappa -> 0-} (alpha_RS - alpha_1RSB)/|kappa|^3 of the spherical negative
    perceptron, from the asymptotic expansion of the jamming coefficient F (derived for these
    tests, 2026-11-29; no engine code): in the double scaling 1 - q0 = a ~ kappa^2,
    mu = g/a with g fixed,

        F ~ (alpha_RS - alpha)/(4 (1+g)) - a phi0 |kappa| u(g) + 2 phi0 a^(3/2) r(g)/g,
        u(g) = ln(1+g)/g - 1/(1+g),
        r(g) = int dx [ln J(x; g) + theta(x) (g x^2/(2(1+g)) + ln(1+g)/2)],
        J(x; g) = H(x) + exp(-g x^2/(2(1+g))) Phi(x/sqrt(1+g))/sqrt(1+g),

    phi0 = 1/sqrt(2 pi).  dF/da = 0 and F = 0 give alpha_RS - alpha = (4 phi0/27) Psi(g)
    |kappa|^3, Psi = (1+g) g^2 u^3/r^2, and the 1RSB capacity (the minimum of -E/B over
    (q0, mu)) takes the largest gap: C = (4 phi0/27) max_g Psi.  Returns (C, g*)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import log_ndtr

    def ln_j(x, g):
        t2 = -g * x * x / (2 * (1 + g)) + log_ndtr(x / math.sqrt(1 + g)) - 0.5 * math.log1p(g)
        return np.logaddexp(log_ndtr(-x), t2)

    def r(g):
        f = lambda x: ln_j(x, g) + (x > 0) * (g * x * x / (2 * (1 + g))  # noqa: E731
                                              + 0.5 * math.log1p(g))
        return (quad(f, -40, 0, epsabs=1e-14, limit=400)[0]
                + quad(f, 0, 40 * math.sqrt(1 + g), epsabs=1e-14, limit=400)[0])

    def psi(g):
        u = math.log1p(g) / g - 1 / (1 + g)
        return (1 + g) * g * g * u ** 3 / r(g) ** 2

    res = minimize_scalar(lambda lg: -psi(math.exp(lg)), bracket=(0.0, 1.5), tol=1e-10)
    gs = math.exp(res.x)
    return 4 * psi(gs) / (27 * math.sqrt(2 * math.pi)), gs


def binary_zero_entropy(kappa, alpha0, x0=(0.6, 3.0), steps=3):
    """The alpha where the binary RS entropy vanishes, by Newton's method from alpha0 with
    ds/dalpha = E_z ln H(u) at the saddle point (envelope theorem)."""
    a, x = alpha0, x0
    for _ in range(steps):
        s, x = binary_rs_entropy(a, kappa, x)
        q = x[0]
        sq, sd = math.sqrt(q), math.sqrt(1 - q)
        ds = gauss_avg(lambda z: log_ndtr(-(kappa - sq * z) / sd), [kappa / sq])
        a -= s / ds
    return a


_YN, _YW = np.polynomial.hermite_e.hermegauss(120)
_YW = _YW / _YW.sum()


def _log2cosh(v):
    a = np.abs(v)
    return a + np.log1p(np.exp(-2 * a))


def franz_parisi_binary(p, q, t, qhat, that, phat, q_ref, qhat_ref, alpha, kappa_ref, kappa):
    """RS Franz-Parisi local entropy S(p) of the binary perceptron at given order parameters,
    from the formulas of Huang & Kabashima, Phys. Rev. E 90, 052813 (2014), in the notation of
    replica/localentropy/franzparisi.py (module notes there; nothing of its code is used):

        S = -phat p + that t - qhat (1-q)/2
            + E_z0 (1 + tanh(sqrt(qhat_ref) z0))
                   E_y ln 2cosh((that/sqrt(qhat_ref)) z0 + sqrt(qhat - that^2/qhat_ref) y
                                + phat - that)
            + alpha E_z0 E_x[ E_y ln H((kappa - omega)/sqrt(1-q)) | x >= A ],
        omega = (t/sqrt(q_ref)) z0 + ((p-t)/sqrt(1-q_ref)) x + sqrt(delta) y,
        delta = q - t^2/q_ref - (p-t)^2/(1-q_ref),  A = (kappa_ref - sqrt(q_ref) z0)/sqrt(1-q_ref).

    The three-dimensional average is done directly (the engine integrates x out analytically):
    z0 and x by QUADPACK (x split where omega crosses kappa), y by 120-point Gauss-Hermite
    (ln 2cosh and ln H are smooth in y at the widths used)."""
    sh = math.sqrt(qhat_ref)
    dh = math.sqrt(qhat - that ** 2 / qhat_ref)

    def ent(z0):
        return norm.pdf(z0) * (1 + math.tanh(sh * z0)) * float(
            np.dot(_YW, _log2cosh((that / sh) * z0 + dh * _YN + phat - that)))
    cuts = [c for c in (0.0, -(phat - that) * sh / that) if -ZCUT < c < ZCUT]
    edges = [-ZCUT] + sorted(cuts) + [ZCUT]
    gs = -phat * p + that * t - qhat * (1 - q) / 2 + sum(
        quad(ent, a, b, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
        for a, b in zip(edges, edges[1:]))
    a = t / math.sqrt(q_ref)
    b = (p - t) / math.sqrt(1 - q_ref)
    sd = math.sqrt(q - t * t / q_ref - (p - t) ** 2 / (1 - q_ref))
    s = math.sqrt(1 - q)

    def en_x(xv, z0):
        om = a * z0 + b * xv + sd * _YN
        return norm.pdf(xv) * float(np.dot(_YW, log_ndtr(-(kappa - om) / s)))

    def en_z(z0):
        A = (kappa_ref - math.sqrt(q_ref) * z0) / math.sqrt(1 - q_ref)
        xk = (kappa - a * z0) / b
        pts = sorted(xk + d * s / b for d in (-3.0, 0.0, 3.0))
        ed = [A] + [xx for xx in pts if A < xx < A + 40] + [A + 40]
        inner = sum(quad(en_x, lo, hi, args=(z0,), epsabs=0, epsrel=1e-11, limit=200)[0]
                    for lo, hi in zip(ed, ed[1:]))
        return norm.pdf(z0) * inner / norm.sf(A)
    zk = kappa_ref / math.sqrt(q_ref)
    ge = sum(quad(en_z, lo, hi, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
             for lo, hi in ((-ZCUT, zk), (zk, ZCUT)))
    return gs + alpha * ge
