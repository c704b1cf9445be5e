"""Independent high-precision (mpmath) reference computations for the replica engine.

This module is deliberately self-contained: it imports only ``mpmath`` and does not
use anything from the ``replica`` package, so it can serve as an independent check.

Contents
--------
* :func:`rs_discrete`   -- RS Gardner free entropy of the perceptron with a finite
  weighted alphabet (fixed-norm and free-norm cases).
* :func:`rs_gaussian`   -- same, with a standard Gaussian single-site prior.
* :func:`pspin_1rsb`    -- 1RSB (Crisanti-Sommers) solution of the spherical pure p-spin.
* :func:`pspin_static_temperature`, :func:`pspin_dynamical_temperature`.

RS derivation (conventions used for the returned conjugates)
-----------------------------------------------------------
Z = sum_w prod_i c(w_i) prod_mu theta(Delta^mu(w) - kappa),  Delta^mu = w.xi^mu/sqrt(N).
Enforcing Q_aa = Q and q_ab = q (a<b) with conjugates, the replicated single-site
weight is  exp( qhat * sum_{a<b} w_a w_b - (Qhat/2) * sum_a w_a^2 ), which after a
Hubbard-Stratonovich transform and n -> 0 gives

  phi = extr_{q,Q,qhat,Qhat} [ Qhat Q/2 + qhat q/2
          + int Dz ln sum_k c_k exp( sqrt(qhat) z v_k - (Qhat + qhat) v_k^2 / 2 )
          + alpha int Dz ln H( (kappa - sqrt(q) z) / sqrt(Q - q) ) ].

So the effective single-site "field" is sqrt(qhat) z and the effective quadratic
coefficient is A = Qhat + qhat.  (Other common conventions: Qhat' = Qhat + qhat,
or conjugates scaled by -1 or by 1/2; convert accordingly.)

Stationarity (G_E(q,Q) = int Dz ln H(u), u = (kappa - sqrt(q) z)/sqrt(Q-q),
R(u) = G(u)/H(u), G the standard normal density):

  dG_E/dq = -1/(2(Q-q)) int Dz R(u)^2          (heat-equation / Stein identity)
  dG_E/dQ = +1/(2(Q-q)) int Dz u R(u)
  qhat = -2 alpha dG_E/dq = alpha/(Q-q) int Dz R(u)^2        (>= 0)
  Qhat = -2 alpha dG_E/dQ = -alpha/(Q-q) int Dz u R(u)
  q = int Dz <v>_z^2,   Q = int Dz <v^2>_z,
  <f>_z = sum_k c_k f(v_k) e^{sqrt(qhat) z v_k - A v_k^2/2} / (same without f).

Fixed norm (all |v_k| equal, Q = v^2): Qhat drops out (it multiplies Q - v^2 = 0)
and is returned as None; only q, qhat are solved for.

alpha -> 0 limits (exact, from the equations above): qhat, Qhat -> 0,
phi -> ln sum_k c_k, q -> (sum_k c_k v_k / sum_k c_k)^2,
Q -> sum_k c_k v_k^2 / sum_k c_k.

Gaussian prior (w_i ~ N(0,1) single-site measure): the entropic integral is
closed form, -1/2 ln(1+A) + qhat/(2(1+A)); eliminating the conjugates gives
  phi = 1/2 + q/(2(Q-q)) + 1/2 ln(Q-q) - Q/2 + alpha G_E(q,Q),
with qhat = q/(Q-q)^2 and Qhat = 1/(Q-q) - 1 - qhat (same convention as above).

Numerics: the unknowns solved by mpmath.findroot are q (fixed norm) or (q, Q)
(free norm), through a logistic change of variables that keeps every iterate in
0 < q < Q (and min v^2 < Q < max v^2); the conjugates are computed from their
explicit stationarity equations and the residuals are q - int Dz <v>^2 and
Q - int Dz <v^2>.  Gaussian integrals use mpmath.quad on [-inf, -L, ..., L, inf]
(L: Gaussian weight < 10^-(dps+5)) split at the steep points: z = kappa/sqrt(q)
(+- 2 widths sqrt(Q-q)/sqrt(q)) for the energetic term, the crossing points of the
exponents of the alphabet terms (e.g. z = 0 for ln 2cosh) for the entropic one.
Default: Gauss-Legendre; extra_split=True uses tanh-sinh on a different, finer
split set (independent cross-check; agreement ~1e-31 at dps=30).
"""

import mpmath as mp

__all__ = [
    "rs_discrete",
    "rs_gaussian",
    "rs_discrete_phi",
    "pspin_1rsb",
    "pspin_phi_1rsb",
    "pspin_static_temperature",
    "pspin_dynamical_temperature",
]


# ---------------------------------------------------------------------------
# Gaussian helpers
# ---------------------------------------------------------------------------

def _gauss(z):
    return mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)


def _H(u):
    return mp.erfc(u / mp.sqrt(2)) / 2


def _lnH(u):
    return mp.log(_H(u))


def _R(u):
    """G(u)/H(u) (inverse Mills ratio); mpmath has no underflow, so this is
    accurate for large u at any dps."""
    return _gauss(u) / _H(u)


def _cut():
    """|z| beyond which the Gaussian weight is < 10^-(dps+5): used as a split
    point (the tails [+-L, +-inf] are still integrated, and cost little)."""
    return mp.sqrt(2 * mp.log(10) * (mp.mp.dps + 5)) + 1


def _dz(f, pts, extra=False):
    """int Dz f(z) over R with mpmath.quad, split at pts (those inside (-L, L)).

    Default scheme: Gauss-Legendre on [-inf, -L, pts..., L, inf].
    extra=True:    tanh-sinh on the (different) extra split set, used as an
                   independent cross-check of the quadrature.
    f may return an mpc: two real integrals are then done in one pass
    (real and imaginary parts), sharing the integrand evaluations."""
    L = _cut()
    inner = sorted(set(x for x in pts if -L < x < L))
    nodes = [mp.ninf, -L] + inner + [L, mp.inf]
    method = "tanh-sinh" if extra else "gauss-legendre"
    c = 1 / mp.sqrt(2 * mp.pi)
    return mp.quad(lambda z: c * mp.exp(-z * z / 2) * f(z), nodes, method=method)


def _energetic_points(q, Q, kappa, extra=False):
    """Split points for integrands depending on u = (kappa - sqrt(q) z)/sqrt(Q-q):
    the steep region is around z0 = kappa/sqrt(q), width sqrt(Q-q)/sqrt(q)."""
    pts = [mp.mpf(0)]
    sq = mp.sqrt(q)
    if sq > 0:
        z0 = kappa / sq
        w = mp.sqrt(Q - q) / sq
        for k in ([-4, -2, -1, 0, 1, 2, 4] if extra else [-2, 0, 2]):
            pts.append(z0 + k * w)
    pts += [-8, -4, 4, 8] if extra else [-5, 5]
    return pts


def _entropic_points(values, weights, qhat, A, extra=False):
    """Split points where two alphabet exponents cross (steep regions of ln Z_1,
    e.g. z = 0 for ln 2cosh(sqrt(qhat) z)), +- 3 widths in the extra scheme."""
    pts = [mp.mpf(0)]
    s = mp.sqrt(qhat)
    n = len(values)
    if s > 0:
        for i in range(n):
            for j in range(i + 1, n):
                dv = values[i] - values[j]
                if dv == 0:
                    continue
                z = (A * (values[i] ** 2 - values[j] ** 2) / 2
                     - mp.log(weights[i] / weights[j])) / (s * dv)
                pts.append(z)
                if extra:
                    w = 1 / (s * abs(dv))
                    pts += [z - 3 * w, z + 3 * w]
    pts += [-8, -4, 4, 8] if extra else [-5, 5]
    return pts


# ---------------------------------------------------------------------------
# Energetic and entropic pieces
# ---------------------------------------------------------------------------

def _GE(q, Q, kappa, extra=False):
    """G_E(q,Q) = int Dz ln H((kappa - sqrt(q) z)/sqrt(Q-q))."""
    if q == 0:
        return _lnH(kappa / mp.sqrt(Q))
    sq, sd = mp.sqrt(q), mp.sqrt(Q - q)
    return _dz(lambda z: _lnH((kappa - sq * z) / sd),
               _energetic_points(q, Q, kappa, extra), extra)


def _GE_derivs(q, Q, kappa, extra=False, need_Q=True):
    """(dG_E/dq, dG_E/dQ); dG_E/dQ is None when need_Q is False."""
    sq, sd = mp.sqrt(q), mp.sqrt(Q - q)
    if q == 0:
        u = kappa / sd
        I2, I1 = _R(u) ** 2, u * _R(u)
    else:
        pts = _energetic_points(q, Q, kappa, extra)
        if need_Q:
            def f(z):
                u = (kappa - sq * z) / sd
                r = _R(u)
                return mp.mpc(r * r, u * r)
            I = _dz(f, pts, extra)
            I2, I1 = I.real, I.imag
        else:
            I2 = _dz(lambda z: _R((kappa - sq * z) / sd) ** 2, pts, extra)
            I1 = None
    dQ = None if I1 is None else I1 / (2 * (Q - q))
    return -I2 / (2 * (Q - q)), dQ


def _site_terms(values, weights, qhat, A, z):
    """(ln Z_1(z), <v>_z, <v^2>_z) via log-sum-exp."""
    s = mp.sqrt(qhat)
    ex = [mp.log(c) + s * z * v - A * v * v / 2 for v, c in zip(values, weights)]
    m = max(ex)
    ps = [mp.exp(e - m) for e in ex]
    Z = mp.fsum(ps)
    m1 = mp.fsum(p * v for p, v in zip(ps, values)) / Z
    m2 = mp.fsum(p * v * v for p, v in zip(ps, values)) / Z
    return m + mp.log(Z), m1, m2


def _entropic(values, weights, qhat, A, extra=False):
    """int Dz ln Z_1(z)."""
    pts = _entropic_points(values, weights, qhat, A, extra)
    return _dz(lambda z: _site_terms(values, weights, qhat, A, z)[0], pts, extra)


def _entropic_moments(values, weights, qhat, A, extra=False, need_Q=True):
    """(int Dz <v>_z^2, int Dz <v^2>_z); the second is None if need_Q is False."""
    pts = _entropic_points(values, weights, qhat, A, extra)
    if need_Q:
        def f(z):
            _, m1, m2 = _site_terms(values, weights, qhat, A, z)
            return mp.mpc(m1 * m1, m2)
        I = _dz(f, pts, extra)
        return I.real, I.imag
    return _dz(lambda z: _site_terms(values, weights, qhat, A, z)[1] ** 2, pts, extra), None


def _alphabet(values, weights, log_weights=None):
    if log_weights is not None:
        weights = [mp.exp(mp.mpf(lw)) for lw in log_weights]
    if isinstance(values, dict):
        items = sorted(values.items())
        values = [k for k, _ in items]
        weights = [c for _, c in items]
    if weights is None:
        weights = [1] * len(values)
    values = [mp.mpf(v) for v in values]
    weights = [mp.mpf(c) for c in weights]
    if any(c <= 0 for c in weights):
        raise ValueError("weights must be positive")
    return values, weights


def _is_fixed_norm(values):
    sq = [v * v for v in values]
    return max(sq) - min(sq) == 0


def rs_discrete_phi(values, weights, alpha, kappa, q, Q, qhat, Qhat, extra=False,
                    log_weights=None):
    """RS free-entropy functional (not extremised), in the convention of the module
    docstring, at the current mpmath precision.  For a fixed-norm alphabet pass
    Q = v^2 (Qhat is then irrelevant; pass 0 or None)."""
    values, weights = _alphabet(values, weights, log_weights)
    alpha, kappa = mp.mpf(alpha), mp.mpf(kappa)
    q, Q, qhat = mp.mpf(q), mp.mpf(Q), mp.mpf(qhat)
    Qhat = mp.mpf(0) if Qhat is None else mp.mpf(Qhat)
    A = Qhat + qhat
    val = Qhat * Q / 2 + qhat * q / 2 + _entropic(values, weights, qhat, A, extra)
    if alpha != 0:
        val += alpha * _GE(q, Q, kappa, extra)
    return val


def _fixed_point_guess(values, weights, alpha, kappa, fixed, q, Q,
                       iters=60, damp=0.5, dps=12):
    """Damped fixed-point iteration of the RS equations at low precision, used
    only to produce a starting point for findroot when x0 is not given."""
    with mp.workdps(dps):
        q, Q = mp.mpf(q), mp.mpf(Q)
        for _ in range(iters):
            dq, dQ = _GE_derivs(q, Q, kappa, need_Q=not fixed)
            qhat = -2 * alpha * dq
            Qhat = 0 if fixed else -2 * alpha * dQ
            m1sq, m2 = _entropic_moments(values, weights, qhat, Qhat + qhat,
                                         need_Q=not fixed)
            qn = (1 - damp) * q + damp * m1sq
            Qn = Q if fixed else (1 - damp) * Q + damp * m2
            done = abs(qn - q) + abs(Qn - Q) < mp.mpf("1e-6")
            q, Q = qn, Qn
            if done:
                break
        return q, Q


def rs_discrete(values, weights, alpha, kappa, x0=None, dps=30, extra_split=False,
                tol=None, log_weights=None):
    """RS saddle point of the perceptron with a finite weighted alphabet.

    Parameters
    ----------
    values, weights : sequences of the alphabet values v_k and positive weights c_k
        (``values`` may also be a dict {v_k: c_k}, then ``weights`` is ignored;
        ``weights=None`` means unit weights).  Pass numbers exactly representable
        or strings: Python floats carry only 53 bits.
    log_weights : optional sequence of ln c_k (overrides ``weights``); evaluated at
        the working precision, e.g. Ising with field h: values=[-1, 1],
        weights=None, log_weights=[-h, h] (h as a string for full precision).
    alpha, kappa : load and margin.
    x0 : initial guess: q (or (q,)) for a fixed-norm alphabet (all |v_k| equal),
        (q, Q) for the free-norm case.  Default (None): a damped fixed-point
        iteration at low precision started from the alpha -> 0 limit (slower;
        pass x0 near the solution to be fast).
    dps : working precision (decimal digits).
    extra_split : use a finer set of quadrature split points (for cross-checks).

    Returns
    -------
    dict with mpf entries: phi, q, Q, qhat, Qhat (None in the fixed-norm case),
    fixed_norm (bool), residual (max |stationarity residual|).

    Conjugate convention: the single-site measure is
    c(w) exp(sqrt(qhat) z w - (Qhat + qhat) w^2 / 2) and
    phi = Qhat Q/2 + qhat q/2 + int Dz ln Z_1(z) + alpha int Dz ln H((kappa - sqrt(q) z)/sqrt(Q-q)),
    so qhat = alpha/(Q-q) int Dz R(u)^2 >= 0 and Qhat = -alpha/(Q-q) int Dz u R(u)
    (R = G/H).  For the fixed-norm case Qhat is not defined (None).
    """
    with mp.workdps(dps):
        values, weights = _alphabet(values, weights, log_weights)
        alpha, kappa = mp.mpf(alpha), mp.mpf(kappa)
        C = mp.fsum(weights)
        mean = mp.fsum(c * v for v, c in zip(values, weights)) / C
        mean2 = mp.fsum(c * v * v for v, c in zip(values, weights)) / C
        fixed = _is_fixed_norm(values)
        ex = extra_split

        if alpha == 0:
            return dict(phi=mp.log(C), q=mean ** 2, Q=mean2, qhat=mp.mpf(0),
                        Qhat=None if fixed else mp.mpf(0), fixed_norm=fixed,
                        residual=mp.mpf(0))

        if fixed:
            Q = mean2

            def conj(q):
                dq, _ = _GE_derivs(q, Q, kappa, ex, need_Q=False)
                return -2 * alpha * dq

            cache = {}

            def F(q):  # residual of q = int Dz <v>^2 (memoised: reused below)
                key = q
                if key not in cache:
                    qhat = conj(q)
                    m1sq, _ = _entropic_moments(values, weights, qhat, qhat, ex,
                                                need_Q=False)
                    cache[key] = (q - m1sq, qhat)
                return cache[key][0]

            if x0 is None:
                x0, _ = _fixed_point_guess(values, weights, alpha, kappa, True,
                                           mean ** 2 + mp.mpf("0.1") * (Q - mean ** 2), Q)
            if isinstance(x0, (list, tuple)):
                x0 = x0[0]
            # unknown t = logit(q/Q) keeps every iterate inside 0 < q < Q
            q_of = lambda t: Q / (1 + mp.exp(-t))
            t0 = mp.log(mp.mpf(x0) / (Q - mp.mpf(x0)))
            t = mp.findroot(lambda t: F(q_of(t)), (t0, t0 + mp.mpf("0.01")), tol=tol)
            q = q_of(t)
            res = abs(F(q))
            qhat = cache[q][1]
            phi = (qhat * q / 2 + _entropic(values, weights, qhat, qhat, ex)
                   + alpha * _GE(q, Q, kappa, ex))
            return dict(phi=phi, q=q, Q=Q, qhat=qhat, Qhat=None, fixed_norm=True,
                        residual=res)

        def conj2(q, Q):
            dq, dQ = _GE_derivs(q, Q, kappa, ex)
            return -2 * alpha * dq, -2 * alpha * dQ

        cache = {}

        def F2(q, Q):  # residuals of q = int Dz <v>^2, Q = int Dz <v^2> (memoised)
            key = (q, Q)
            if key not in cache:
                qhat, Qhat = conj2(q, Q)
                m1sq, m2 = _entropic_moments(values, weights, qhat, Qhat + qhat, ex)
                cache[key] = ([q - m1sq, Q - m2], (qhat, Qhat))
            return cache[key][0]

        if x0 is None:
            x0 = _fixed_point_guess(values, weights, alpha, kappa, False,
                                    mean ** 2 + mp.mpf("0.1") * (mean2 - mean ** 2), mean2)
        # unknowns (t1, t2): Q = Qmin + (Qmax - Qmin) sigmoid(t2), q = Q sigmoid(t1),
        # so every iterate satisfies 0 < q < Q and min v^2 < Q < max v^2.
        Qmin = min(v * v for v in values)
        Qmax = max(v * v for v in values)
        sig = lambda t: 1 / (1 + mp.exp(-t))
        logit = lambda x: mp.log(x / (1 - x))

        def qQ(t1, t2):
            Q = Qmin + (Qmax - Qmin) * sig(t2)
            return Q * sig(t1), Q

        q0, Q0 = mp.mpf(x0[0]), mp.mpf(x0[1])
        t0 = [logit(q0 / Q0), logit((Q0 - Qmin) / (Qmax - Qmin))]
        sol = mp.findroot(lambda t1, t2: F2(*qQ(t1, t2)), t0, tol=tol)
        q, Q = qQ(sol[0], sol[1])
        res = max(abs(r) for r in F2(q, Q))
        qhat, Qhat = cache[(q, Q)][1]
        phi = (Qhat * Q / 2 + qhat * q / 2
               + _entropic(values, weights, qhat, Qhat + qhat, ex)
               + alpha * _GE(q, Q, kappa, ex))
        return dict(phi=phi, q=q, Q=Q, qhat=qhat, Qhat=Qhat, fixed_norm=False,
                    residual=res)


def rs_gaussian(alpha, kappa, x0=None, dps=30, extra_split=False, tol=None):
    """RS saddle point with a standard Gaussian single-site prior w_i ~ N(0,1)
    (free norm; phi(alpha=0) = 0).

    phi = extr_{q,Q} [ 1/2 + q/(2(Q-q)) + 1/2 ln(Q-q) - Q/2 + alpha G_E(q,Q) ].
    Stationarity: q/(Q-q)^2 = -2 alpha dG_E/dq,
                  1 - 1/(Q-q) + q/(Q-q)^2 = 2 alpha dG_E/dQ.
    x0 = (q, Q).  Returns dict phi, q, Q, qhat, Qhat (same convention as
    rs_discrete: qhat = q/(Q-q)^2, Qhat = 1/(Q-q) - 1 - qhat), residual.
    """
    with mp.workdps(dps):
        alpha, kappa = mp.mpf(alpha), mp.mpf(kappa)
        ex = extra_split

        def F(q, Q):
            dq, dQ = _GE_derivs(q, Q, kappa, ex)
            d = Q - q
            return [q / d ** 2 + 2 * alpha * dq,
                    1 - 1 / d + q / d ** 2 - 2 * alpha * dQ]

        if x0 is None:
            x0 = (mp.mpf("0.3"), mp.mpf(1))
        # unknowns (t1, t2): Q = exp(t2), q = Q sigmoid(t1)  (keeps 0 < q < Q)
        qQ = lambda t1, t2: (mp.exp(t2) / (1 + mp.exp(-t1)), mp.exp(t2))
        q0, Q0 = mp.mpf(x0[0]), mp.mpf(x0[1])
        sol = mp.findroot(lambda t1, t2: F(*qQ(t1, t2)),
                          [mp.log(q0 / (Q0 - q0)), mp.log(Q0)], tol=tol)
        q, Q = qQ(sol[0], sol[1])
        d = Q - q
        phi = (mp.mpf(1) / 2 + q / (2 * d) + mp.log(d) / 2 - Q / 2
               + alpha * _GE(q, Q, kappa, ex))
        qhat = q / d ** 2
        Qhat = 1 / d - 1 - qhat
        res = max(abs(r) for r in F(q, Q))
        return dict(phi=phi, q=q, Q=Q, qhat=qhat, Qhat=Qhat, residual=res)


# ---------------------------------------------------------------------------
# Spherical pure p-spin, 1RSB (Crisanti-Sommers)
# ---------------------------------------------------------------------------

def pspin_phi_1rsb(p, beta, q, m):
    """phi(q,m;beta) = beta^2/2 (xi(1) - (1-m) xi(q)) + (m-1)/(2m) ln(1-q)
    + ln(1-(1-m) q)/(2m),  xi(q) = q^p/2 (up to an additive constant)."""
    xi = lambda x: x ** p / 2
    return (beta ** 2 / 2 * (xi(1) - (1 - m) * xi(q)) + (m - 1) / (2 * m) * mp.log(1 - q)
            + mp.log(1 - (1 - m) * q) / (2 * m))


def _pspin_eqs(p, beta, q, m):
    """Hand-derived stationarity equations (rescaled):
    dphi/dq = 0  <=>  beta^2 xi'(q) (1-q)(1-(1-m)q) - q = 0   (for m != 1, q != 0)
    dphi/dm = 0  <=>  beta^2 m^2 xi(q) + ln((1-q)/(1-(1-m)q)) + m q/(1-(1-m)q) = 0
    """
    xi = q ** p / 2
    dxi = p * q ** (p - 1) / 2
    D = 1 - (1 - m) * q
    e1 = beta ** 2 * dxi * (1 - q) * D - q
    e2 = beta ** 2 * m ** 2 * xi + mp.log((1 - q) / D) + m * q / D
    return e1, e2


def pspin_1rsb(p, beta, x0=(0.9, 0.5), dps=30, tol=None):
    """1RSB saddle (q, m) of the spherical pure p-spin at inverse temperature beta.

    Solves dphi/dq = 0, dphi/dm = 0 (hand-derived, see _pspin_eqs; checked against
    mpmath.diff) with mpmath.findroot (multidimensional Newton) from x0 = (q, m).
    The physical 1RSB solution (0 < q < 1, 0 < m < 1) exists for T < T_s; check
    the returned q, m if you start far from it.  Returns dict
    q, m, phi, and grad = (dphi/dq, dphi/dm) evaluated by mpmath.diff at the
    solution (should vanish to working precision).
    """
    with mp.workdps(dps):
        beta = mp.mpf(beta)

        def F(q, m):
            # the q-equation is divided by q to remove the paramagnetic root q = 0
            e1, e2 = _pspin_eqs(p, beta, q, m)
            return [e1 / q, e2]

        sol = mp.findroot(F, [mp.mpf(x0[0]), mp.mpf(x0[1])], tol=tol)
        q, m = sol[0], sol[1]
        phi = pspin_phi_1rsb(p, beta, q, m)
        f = lambda qq, mm: pspin_phi_1rsb(p, beta, qq, mm)
        grad = (mp.diff(f, (q, m), (1, 0)), mp.diff(f, (q, m), (0, 1)))
        return dict(q=q, m=m, phi=phi, grad=grad)


def pspin_static_temperature(p, x0=None, dps=30, tol=None):
    """Static (Kauzmann / 1RSB) temperature T_s: the 1RSB equations at m = 1,
        beta^2 xi'(q) (1-q) = 1,   beta^2 xi(q) + ln(1-q) + q = 0,
    solved for (q, beta).  Returns dict T_s, beta_s, q_s."""
    with mp.workdps(dps):
        def F(q, b):
            e1, e2 = _pspin_eqs(p, b, q, mp.mpf(1))
            return [e1 / q, e2]   # divide out the trivial root q = 0

        if x0 is None:
            x0 = (mp.mpf("0.6"), mp.mpf("1.7"))
        sol = mp.findroot(F, [mp.mpf(x0[0]), mp.mpf(x0[1])], tol=tol)
        q, b = sol[0], sol[1]
        return dict(T_s=1 / b, beta_s=b, q_s=q)


def pspin_dynamical_temperature(p, dps=30):
    """T_d = sqrt(p (p-2)^(p-2) / (2 (p-1)^(p-1))) (marginal m = 1 solution,
    beta^2 xi''(q)(1-q)^2 = 1 with xi = q^p/2); q_d = (p-2)/(p-1).  T_d > T_s."""
    with mp.workdps(dps):
        p = mp.mpf(p)
        return +mp.sqrt(p * (p - 2) ** (p - 2) / (2 * (p - 1) ** (p - 1)))


# ---------------------------------------------------------------------------
# Reference numbers
# ---------------------------------------------------------------------------
#
# All numbers below: dps=30 solutions, rounded to 16 significant digits (they
# agree with dps=20 to ~1e-20 and with dps=40 to ~1e-30; the default and the
# extra_split quadrature schemes agree to <= 5e-32).  Timings: one call on the
# development machine (2 CPUs, shared), dps=20 / dps=30.
#
# rs_discrete (conjugates in the convention of the module docstring)
# ------------------------------------------------------------------
# ternary {-1,0,1}, c=(1,1,1), alpha=0.3, kappa=0      x0=(0.13, 0.67)   ~1.1-1.7 s / 1.5-2.4 s
#   phi  0.8803490662595737   q 0.1261186442287060   Q 0.6666208728374177
#   qhat 0.4273398700136598   Qhat -0.08084884111352872
# ternary {-1,0,1}, c=(1,1,1), alpha=0.5, kappa=0.2    x0=(0.3, 0.7)     ~1.1-1.7 s / 2.2-3.3 s
#   phi  0.5714575221937953   q 0.3118824783646486   Q 0.6922166829822386
#   qhat 2.052941180009036    Qhat -1.180360410319495
# ternary {-1,0,1}, c=(1,2,1), alpha=0.3, kappa=0      x0=(0.1, 0.5)     ~1.1-1.9 s / 1.5-2.3 s
#   phi  1.168068248833825    q 0.09404128656489253  Q 0.4999426455075022
#   qhat 0.5683613373440474   Qhat -0.1069111264619554
# Ising {-1: e^-h, +1: e^h}, h=0.3, alpha=0.5, kappa=0 x0=0.36            ~0.6-1.0 s / 1.0-1.6 s
#   phi  0.3442342124219997   q 0.3644580707110352   Q 1   qhat 0.7546619520189708
# Ising {-1: e^-h, +1: e^h}, h=1.5, alpha=0.5, kappa=0 x0=0.7             ~0.9-1.3 s / 1.4-2.2 s
#   phi  0.8533169685856402   q 0.6978999781925794   Q 1   qhat 3.119560705074004
#   (x0 = 0.9 fails: the q-residual has no root there; the root is q ~ 0.698 < tanh(1.5)^2)
# binary {-1,1}, alpha=0.5, kappa=0                    x0=0.32            ~0.4-0.6 s / 0.8-1.2 s
#   phi  0.3143900668556251   q 0.3223853632235613   Q 1   qhat 0.6680349895351301
# binary {-1,1}, alpha=0.3, kappa=0                    x0=0.19            ~0.5-0.7 s / 0.5-0.9 s
#   phi  0.4748289266472359   q 0.1908379220842540   Q 1   qhat 0.2859786459681394
#
# rs_gaussian (w_i ~ N(0,1) prior, free norm)
# -------------------------------------------
# alpha=0.5, kappa=0     x0=(0.3, 1)                                    ~0.6-1.1 s / 1.0-1.8 s
#   phi -0.3776695751316841   q 0.3073931753797491   Q 1 (exactly, by scale invariance at kappa=0)
#   qhat 0.6407973220210011   Qhat -0.1969767235908751
# alpha=1.0, kappa=0.5   x0=(0.5, 1.5)                                  ~1.6-2.5 s / 4-7 s
#   phi -1.955966485232045    q 2.165990327341675    Q 2.520117581024936
#   qhat 17.27180833717629    Qhat -15.44796467759052
#
# Spherical pure p-spin, xi(q) = q^p/2
# ------------------------------------
# pspin_1rsb(3, 2.0, x0=(0.9, 0.5))                                     ~5 ms
#   q 0.7116659769869611   m 0.7361480776209235   phi 0.9865111472039721
# pspin_static_temperature(3)                                           ~2 ms
#   T_s 0.5860539724173638   beta_s 1.706327483585148   q_s 0.6450074513345844
#   (equivalently y = 1 - q_s solves 1/p = -y (1 - y + ln y)/(1 - y)^2)
# pspin_dynamical_temperature(3) = sqrt(3/8) = 0.6123724356957945 (q_d = 1/2); T_d > T_s.
#   (p=4: T_s 0.503039351587, q_s 0.804521834794, T_d 0.544331053952;
#    p=5: T_s 0.461479865344, q_s 0.871148794608, T_d 0.513489897661)

REFERENCE_VALUES = {
    # name: (call description, {quantity: 16-digit string})
    "ternary_a0.3_k0": ("rs_discrete([-1,0,1], None, '0.3', '0', x0=('0.13','0.67'))",
                        dict(phi="0.8803490662595737", q="0.1261186442287060",
                             Q="0.6666208728374177", qhat="0.4273398700136598",
                             Qhat="-0.08084884111352872")),
    "ternary_a0.5_k0.2": ("rs_discrete([-1,0,1], None, '0.5', '0.2', x0=('0.3','0.7'))",
                          dict(phi="0.5714575221937953", q="0.3118824783646486",
                               Q="0.6922166829822386", qhat="2.052941180009036",
                               Qhat="-1.180360410319495")),
    "ternary121_a0.3_k0": ("rs_discrete([-1,0,1], [1,2,1], '0.3', '0', x0=('0.1','0.5'))",
                           dict(phi="1.168068248833825", q="0.09404128656489253",
                                Q="0.4999426455075022", qhat="0.5683613373440474",
                                Qhat="-0.1069111264619554")),
    "ising_h0.3_a0.5_k0": ("rs_discrete([-1,1], None, '0.5', '0', x0='0.36', "
                           "log_weights=['-0.3','0.3'])",
                           dict(phi="0.3442342124219997", q="0.3644580707110352", Q="1",
                                qhat="0.7546619520189708")),
    "ising_h1.5_a0.5_k0": ("rs_discrete([-1,1], None, '0.5', '0', x0='0.7', "
                           "log_weights=['-1.5','1.5'])",
                           dict(phi="0.8533169685856402", q="0.6978999781925794", Q="1",
                                qhat="3.119560705074004")),
    "binary_a0.5_k0": ("rs_discrete([-1,1], None, '0.5', '0', x0='0.32')",
                       dict(phi="0.3143900668556251", q="0.3223853632235613", Q="1",
                            qhat="0.6680349895351301")),
    "binary_a0.3_k0": ("rs_discrete([-1,1], None, '0.3', '0', x0='0.19')",
                       dict(phi="0.4748289266472359", q="0.1908379220842540", Q="1",
                            qhat="0.2859786459681394")),
    "gaussian_a0.5_k0": ("rs_gaussian('0.5', '0', x0=('0.3','1'))",
                         dict(phi="-0.3776695751316841", q="0.3073931753797491", Q="1",
                              qhat="0.6407973220210011", Qhat="-0.1969767235908751")),
    "gaussian_a1_k0.5": ("rs_gaussian('1.0', '0.5', x0=('0.5','1.5'))",
                         dict(phi="-1.955966485232045", q="2.165990327341675",
                              Q="2.520117581024936", qhat="17.27180833717629",
                              Qhat="-15.44796467759052")),
    "pspin3_beta2": ("pspin_1rsb(3, 2, x0=(0.9, 0.5))",
                     dict(q="0.7116659769869611", m="0.7361480776209235",
                          phi="0.9865111472039721")),
    "pspin3_static": ("pspin_static_temperature(3)",
                      dict(T_s="0.5860539724173638", beta_s="1.706327483585148",
                           q_s="0.6450074513345844")),
    "pspin3_dynamical": ("pspin_dynamical_temperature(3)",
                         dict(T_d="0.6123724356957945")),
}
