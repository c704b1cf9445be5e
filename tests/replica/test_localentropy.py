"""Franz-Parisi local entropy, local energy and the truncated Gaussian average they rest on.

Checks, three ways where possible:
* closed forms and independent evaluations: the truncated rule's moments against mpmath, the
  alpha -> 0 limit of S(p) (volume of the shell plus alpha times an independent SciPy
  quadrature), the three-dimensional transcription of the replica computation against the
  two-dimensional form the engine solves, the local energy against SciPy/Monte Carlo;
* exact identities of the construction: S at the typical overlap equals the RS entropy, dS/dp
  vanishes there and S is maximal;
* published behaviour: negative local entropy at small distance around typical binary solutions
  (Huang & Kabashima 2014), higher local entropy around higher-margin references (Baldassi et
  al. 2021).
Finite-N checks are in ``validate/experiments/localentropy.py``.
"""
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import integrate, special, stats

import replica
from replica import models
from replica.codegen import compile_kernel, evaluate_mpmath
from replica.localentropy.franzparisi import fp_energetic_3d, fp_free_entropy
from replica.freeentropy import FreeEntropy
from replica.gauss import GaussAvg, TruncAvg
from replica.engine.compiled import CompiledFreeEntropy
from replica.quadrature import (BASE_WIDTH, ZMAX, hermite_rule, legendre_reference,
                                trunc_rule)
from replica.special import logH
from replica.symbols import alpha, kappa, q, x, z0

GL = legendre_reference()
GH_RULE = hermite_rule(64)


def _h2(d):
    return -d * np.log(d) - (1 - d) * np.log(1 - d)


# ------------------------------------------------------------------------------------------
# the truncated Gaussian average


@pytest.mark.parametrize("A", [-20.0, -3.0, 0.0, 0.7, 4.0, 40.0, 300.0])
def test_trunc_rule_moments_against_mpmath(A):
    nodes, w = trunc_rule(A, np.empty(0), np.empty(0), GL[0], GL[1], ZMAX, BASE_WIDTH)
    with mpmath.workdps(40):
        mills = mpmath.npdf(A) / mpmath.ncdf(-A)  # E[x | x >= A]
        m2 = 1 + A * mills                          # E[x^2 | x >= A]
    assert abs(w.sum() - 1) < 1e-12
    if A > -5:
        assert abs(np.dot(w, nodes) / float(mills) - 1) < 1e-12
    assert abs(np.dot(w, nodes**2) / float(m2) - 1) < 1e-12


def test_trunc_avg_and_its_moving_boundary_derivative_against_mpmath():
    a, b = sp.symbols("a b", real=True)
    e = TruncAvg(logH(a - b * x), x, kappa)
    outs = [e, sp.diff(e, kappa), sp.diff(e, a)]
    mod = compile_kernel(outs, (a, b), (kappa,))
    for kv in (-1.0, 0.5, 6.0):
        got = mod.kernel(np.array([0.3, 0.8]), np.array([kv]), GL[0], GL[1], GH_RULE[0],
                         GH_RULE[1], np.empty(3))
        vals = {a: 0.3, b: 0.8, kappa: kv}
        ref = float(evaluate_mpmath(e, vals, dps=20))
        h = mpmath.mpf("1e-7")
        with mpmath.workdps(30):
            dk = (evaluate_mpmath(e, {a: 0.3, b: 0.8, kappa: kv + h}, dps=30)
                  - evaluate_mpmath(e, {a: 0.3, b: 0.8, kappa: kv - h}, dps=30)) / (2 * h)
        assert got[0] == pytest.approx(ref, rel=1e-12)
        assert got[1] == pytest.approx(float(dk), rel=1e-9, abs=1e-12)
        assert got[2] == pytest.approx(float(evaluate_mpmath(outs[2], vals, dps=20)), rel=1e-12)


def test_nested_trunc_avg_derivatives_match_finite_differences():
    a, b = sp.symbols("a b", real=True)
    A = (kappa - sp.sqrt(q) * z0) / sp.sqrt(1 - q)
    e = GaussAvg(TruncAvg(logH(a - b * x - z0), x, A), z0)
    outs = [e, sp.diff(e, q), sp.diff(e, kappa)]
    mod = compile_kernel(outs, (q, a, b), (kappa,))

    def f(qv, kv):
        return mod.kernel(np.array([qv, 0.3, 0.8]), np.array([kv]), GL[0], GL[1],
                          GH_RULE[0], GH_RULE[1], np.empty(3))

    h = 1e-5
    base = f(0.6, 0.4)
    assert base[1] == pytest.approx((f(0.6 + h, 0.4)[0] - f(0.6 - h, 0.4)[0]) / (2 * h),
                                    rel=1e-8)
    assert base[2] == pytest.approx((f(0.6, 0.4 + h)[0] - f(0.6, 0.4 - h)[0]) / (2 * h),
                                    rel=1e-8)


def test_trunc_avg_rejects_a_bound_depending_on_its_own_variable():
    with pytest.raises(ValueError, match="own variable"):
        TruncAvg(x**2, x, x + 1)


# ------------------------------------------------------------------------------------------
# the Franz-Parisi local entropy


@pytest.mark.parametrize("weights", ["spherical", "binary"])
def test_typical_overlap_gives_the_rs_entropy(weights):
    """Same margin: p* = q_ref, the saddle point there is q = t = q_ref and S = phi_RS."""
    m = models.perceptron(weights=weights, kappa=0.0)
    rs = replica.solve(m, 0.5)
    q_ref = rs.order_params["q"]
    le = replica.local_entropy(m, alpha=0.5, kappa_ref=0.0, overlaps=[q_ref, 0.6])
    assert le.p_typical == pytest.approx(q_ref, abs=1e-9)
    assert le.phi[0] == pytest.approx(rs.phi, abs=1e-12)
    assert le.order_params["q"][0] == pytest.approx(q_ref, abs=1e-8)
    assert le.order_params["t"][0] == pytest.approx(q_ref, abs=1e-8)
    assert abs(le.dphi_dp[0]) < 1e-8
    assert le.phi[1] < le.phi[0]
    if weights == "binary":
        for nm in ("qhat", "that", "phat"):
            assert le.order_params[nm][0] == pytest.approx(rs.order_params["qhat"], rel=1e-7)


@pytest.mark.parametrize("weights,alpha_", [("spherical", 0.5),
                                             pytest.param("binary", 0.3,
                                                          marks=pytest.mark.slow)])
def test_close_to_the_typical_overlap_of_a_typical_reference(weights, alpha_):
    """kappa_ref = kappa: at p* the Gaussian gaps of the Franz-Parisi averages vanish and grow
    like (p - p*)^2, the worst-conditioned region of the continuation (a typical reference is
    what Huang & Kabashima study).  Every point at p* +- 2.5e-3 and +- 3e-2 is reached (this
    failed depending on the last bits of the kernels before the gap ladder), and S has a
    smooth maximum phi_RS at p*: S(p* + d) - S* is negative and symmetric to O(d) (ratio of
    the two sides within 1 % at d = 2.5e-3 and 5 % at 3e-2), and the compiled dS/dp obeys
    dS/dp (p* + d) d = 2 (S(p* + d) - S*) to the same order (envelope theorem against the
    values)."""
    m = models.perceptron(weights=weights, kappa=0.0)
    rs = replica.solve(m, alpha_)
    p_star = rs.order_params["q"]
    d = np.array([2.5e-3, 3e-2])
    ps = np.concatenate([p_star - d, p_star + d])
    le = replica.local_entropy(m, alpha=alpha_, kappa_ref=0.0, overlaps=ps, throw=False)
    assert all(st in ("converged", "inaccurate") for st in le.status), le.status
    assert np.all(np.isfinite(le.phi))
    ds = le.phi - rs.phi
    lo, hi = ds[:2], ds[2:]
    assert np.all(lo < 0) and np.all(hi < 0)
    assert abs(lo[0] / hi[0] - 1) < 0.01 and abs(lo[1] / hi[1] - 1) < 0.05, (lo, hi)
    slope = le.dphi_dp * (ps - p_star)
    assert np.allclose(slope[[0, 2]], 2 * ds[[0, 2]], rtol=0.02), (slope, ds)
    assert np.allclose(slope[[1, 3]], 2 * ds[[1, 3]], rtol=0.1), (slope, ds)


def test_a_requested_point_at_p_star_up_to_rounding_does_not_derail_the_continuation():
    """Notebook 03's grid ends at d* = (1 - p*)/2, which maps back to p* + 1 ulp: the linear
    predictor then divided by 1e-16 and, on this session's kernels, every point beyond failed
    (binary, alpha = 0.5, kappa_ref = 0; 70 s, three continuation_failed).  The predictor
    needs two distinct points, and the gap ladder starts from the guess actually used."""
    m = models.perceptron(weights="binary", kappa=0.0)
    p_star = replica.local_entropy(m, alpha=0.5, kappa_ref=0.0, overlaps=[0.5]).p_typical
    ds = np.geomspace(1e-2, (1 - p_star) / 2, 4)
    le = replica.local_entropy(m, alpha=0.5, kappa_ref=0.0, distances=ds, throw=False)
    assert le.status == ("converged",) * 4, le.status
    assert np.all(np.diff(le.phi[::-1]) < 0)  # S decreases from p* towards the reference
    assert le.phi[-1] == pytest.approx(le.phi_typical, abs=1e-10)


def test_other_margin_reference_maximum_is_the_rs_entropy_of_the_neighbours():
    """kappa_ref != kappa: S is maximal (dS/dp = 0) at p*, where it equals phi_RS(kappa)."""
    m = models.perceptron(weights="spherical", kappa=0.0)
    le0 = replica.local_entropy(m, alpha=0.5, kappa_ref=0.4, overlaps=[0.5])
    ps = le0.p_typical + np.array([-0.05, 0.0, 0.05])
    le = replica.local_entropy(m, alpha=0.5, kappa_ref=0.4, overlaps=ps)
    rs = replica.solve(m, 0.5)
    assert le.phi[1] == pytest.approx(rs.phi, abs=1e-12)
    assert abs(le.dphi_dp[1]) < 1e-9
    assert le.phi[0] < le.phi[1] and le.phi[2] < le.phi[1]
    assert le.order_params["t"][1] == pytest.approx(le.p_typical, abs=1e-9)
    # the reference and its neighbours are different systems: p* differs from both overlaps
    assert le.p_typical != pytest.approx(rs.order_params["q"], abs=1e-3)


@pytest.mark.parametrize("weights", ["spherical", "binary"])
def test_small_alpha_limit_against_independent_quadrature(weights):
    """S(p) = S_0(p) + alpha E[ln P(neighbour satisfies | reference)] + O(alpha^2).

    S_0 is the log-volume of the shell at overlap p: ln(1-p^2)/2 on the sphere, the binary
    entropy H2(d) for binary weights; the O(alpha) term is computed here with SciPy from the
    reference's truncated stability distribution, independently of the engine.
    """
    m = models.perceptron(weights=weights, kappa=0.0)
    ds = np.array([0.05, 0.2, 0.45])
    p = 1 - 2 * ds
    s0 = _h2(ds) if weights == "binary" else 0.5 * np.log(1 - p**2)
    # Richardson: c(alpha) = (S - S0)/alpha = c0 + c1 alpha + O(alpha^2); the binary solver is
    # slow at very small alpha (qhat_ref -> 0), so both use alpha and 2 alpha
    a = 1e-4 if weights == "spherical" else 1e-2
    c1, c2 = ((replica.local_entropy(m, alpha=aa, kappa_ref=0.5, distances=ds).phi - s0) / aa
              for aa in (a, 2 * a))
    slope = 2 * c1 - c2
    for k, pv in enumerate(p):
        def f(u, pv=pv):
            return (stats.norm.logsf(-pv * u / math.sqrt(1 - pv * pv)) * stats.norm.pdf(u)
                    / stats.norm.sf(0.5))
        coeff = integrate.quad(f, 0.5, np.inf, epsabs=1e-13)[0]
        assert slope[k] == pytest.approx(coeff, rel=1e-3, abs=1e-5)


@pytest.mark.parametrize("weights", ["spherical", "binary"])
def test_two_dimensional_reduction_equals_the_three_dimensional_transcription(weights):
    """The engine integrates out the reference's truncated variable analytically (a tilted
    average over one Gaussian); the direct three-dimensional transcription gives the same phi
    and gradient at the solved saddle point."""
    m = models.perceptron(weights=weights, kappa=0.0)
    le = replica.local_entropy(m, alpha=0.6, kappa_ref=0.2, overlaps=[0.8])
    fe2 = fp_free_entropy(m.prior, m.channel)
    fe3 = FreeEntropy("fp3d", fe2.order_params, fe2.controls,
                      (fe2.parts[0], alpha * fp_energetic_3d(m.channel)),
                      differentiated=(alpha,), domains=fe2.domains)
    c3 = CompiledFreeEntropy(fe3)
    th = np.array([le.order_params[nm][0] for nm in c3.names])
    ref = le.reference.order_params
    ctrl = [0.6, 0.8, ref["q"]] + ([ref["qhat"]] if weights == "binary" else []) + [0.2, 0.0]
    ev3 = c3(th, np.array(ctrl))
    assert ev3.phi == pytest.approx(le.phi[0], abs=1e-11)
    assert np.max(np.abs(ev3.gradient)) < 1e-8


def test_negative_local_entropy_near_typical_binary_solutions():
    """Typical binary solutions are isolated: S(d) < 0 at small d (Huang & Kabashima, Phys.
    Rev. E 90, 052813 (2014)), while S > 0 farther away and S -> 0 as d -> 0."""
    m = models.perceptron(weights="binary", kappa=0.0)
    le = replica.local_entropy(m, alpha=0.5, kappa_ref=0.0, distances=[0.02, 0.005, 0.002])
    assert le.phi[0] > 0
    assert le.phi[1] < 0 and le.phi[2] < 0
    # the values: the Franz-Parisi S written out from Huang & Kabashima's formulas and
    # integrated in three dimensions by QUADPACK (scipy_refs.franz_parisi_binary), at the
    # engine's saddle point (S is stationary there: the slow test below checks the gradient).
    # Measured 2026-11-29: S(0.002) = -0.00816120624698715 (engine -0.008161206246985669),
    # S(0.005) = -0.003837796712011 (engine -0.003837796712015): <= 4e-15 apart; tolerance
    # 1e-10, the accuracy of the engine's rules and of the QUADPACK calls (epsrel 1e-11).
    from .scipy_refs import franz_parisi_binary
    r = le.reference.order_params
    for i in (1, 2):
        o = {k: float(v[i]) for k, v in le.order_params.items()}
        ref = franz_parisi_binary(float(le.p[i]), o["q"], o["t"], o["qhat"], o["that"],
                                  o["phat"], r["q"], r["qhat"], 0.5, 0.0, 0.0)
        assert abs(le.phi[i] - ref) < 1e-10, (le.d[i], le.phi[i], ref)


@pytest.mark.slow
def test_binary_local_entropy_saddle_point_is_stationary_for_the_independent_formula():
    """d = 0.002: the engine's (q, t, qhat, that, phat) is a stationary point of the
    independently written S (scipy_refs.franz_parisi_binary): Richardson-extrapolated central
    differences (steps 2e-6, 1e-6; the third derivative in q is ~ -3e5, so the plain central
    difference at h = 1e-5 is -4.7e-6) vanish to < 1e-7 (quadrature noise 1e-14/h ~ 1e-8).
    About 1.5 minutes."""
    from .scipy_refs import franz_parisi_binary
    m = models.perceptron(weights="binary", kappa=0.0)
    le = replica.local_entropy(m, alpha=0.5, kappa_ref=0.0, distances=[0.002])
    r = le.reference.order_params
    x = {k: float(v[0]) for k, v in le.order_params.items()}

    def S(d):
        return franz_parisi_binary(float(le.p[0]), d["q"], d["t"], d["qhat"], d["that"],
                                   d["phat"], r["q"], r["qhat"], 0.5, 0.0, 0.0)

    def central(nm, h):
        up, dn = dict(x), dict(x)
        up[nm] += h
        dn[nm] -= h
        return (S(up) - S(dn)) / (2 * h)
    for nm in ("q", "t", "qhat", "that", "phat"):
        d1, d2 = central(nm, 2e-6), central(nm, 1e-6)
        assert abs((4 * d2 - d1) / 3) < 1e-7, (nm, d1, d2)


def test_higher_margin_references_have_higher_local_entropy():
    """Baldassi et al., PRL 127, 278301 (2021), Fig. 1: at short distance the local entropy
    grows with the reference's margin, and around high-margin references it approaches the
    unconstrained count H2(d) (no constraint is close to its threshold)."""
    m = models.perceptron(weights="binary", kappa=0.0)
    ds = np.array([0.1, 0.05, 0.01, 0.005])
    s = {k: replica.local_entropy(m, alpha=0.5, kappa_ref=k, distances=ds).phi
         for k in (0.0, 0.15, 0.3)}
    assert np.all(s[0.3] > s[0.15]) and np.all(s[0.15] > s[0.0])
    deficit = 1 - s[0.3] / _h2(ds)  # relative distance to the unconstrained count
    assert np.all(deficit > 0) and np.all(np.diff(deficit) < 0) and deficit[-1] < 0.05


def test_spherical_shell_volume_dominates_close_to_the_reference():
    """Around a reference with a larger margin, S(p) - ln(1-p^2)/2 -> 0 as p -> 1."""
    m = models.perceptron(weights="spherical", kappa=0.0)
    ps = np.array([0.9, 0.97, 0.99])
    le = replica.local_entropy(m, alpha=0.5, kappa_ref=0.5, overlaps=ps)
    gap = 0.5 * np.log(1 - ps**2) - le.phi
    assert np.all(gap > 0)
    assert gap[2] < gap[1] < gap[0]
    assert gap[2] < 2e-3


# The RS Franz-Parisi free entropy of binary weights, written here from the formula (module
# notes of replica.localentropy.franzparisi) with NumPy/SciPy quadrature, independently of the
# engine.  Order parameters (q, t, qhat, that, phat); the reference's RS (q_ref, qhat_ref).
_ZN, _ZW = special.roots_hermitenorm(161)
_ZW = _ZW / _ZW.sum()


def _log2cosh(x):
    x = np.abs(x)
    return x + np.log1p(np.exp(-2 * x))


def _rs_binary_entropy(theta, alpha, kappa):
    """phi_RS = -qhat (1-q)/2 + E_z ln 2cosh(sqrt(qhat) z)
    + alpha E_z ln H((kappa - sqrt(q) z)/sqrt(1-q))."""
    q, qh = theta
    return (-qh * (1 - q) / 2 + _ZW @ _log2cosh(math.sqrt(qh) * _ZN)
            + alpha * (_ZW @ special.log_ndtr(-(kappa - math.sqrt(q) * _ZN) / math.sqrt(1 - q))))


def _fp_binary(theta, p, alpha, q_ref, qh_ref, kappa_ref):
    """S = G_S + alpha G_E for kappa = 0 neighbours.

    G_S = -phat p + that t - qhat (1-q)/2
          + E_z0 (1 + tanh(sqrt(qhat_ref) z0)) E_y ln 2cosh((that/sqrt(qhat_ref)) z0
                                                 + sqrt(qhat - that^2/qhat_ref) y + phat - that),
    G_E = E_z0 E_x[E_y ln H(-omega/sqrt(1-q)) | x >= A],
    A = (kappa_ref - sqrt(q_ref) z0)/sqrt(1-q_ref),  omega = a z0 + b x + c y,
    a = t/sqrt(q_ref),  b = (p-t)/sqrt(1-q_ref),  c^2 = q - a^2 - b^2.
    With u = (b x + c y)/sigma, sigma^2 = b^2 + c^2, x given u is N(b u/sigma, c^2/sigma^2), so
    E_x[E_y f | x >= A] = int du phi(u) H((A sigma - b u)/c) f(a z0 + sigma u) / H(A); the u
    integral is a trapezoid sum on a uniform grid fine enough for the step of width c/b.
    """
    q, t, qh, th, ph = theta
    s = math.sqrt(qh_ref)
    field = (th / s) * _ZN[:, None] + math.sqrt(qh - th**2 / qh_ref) * _ZN[None, :] + ph - th
    g_s = (-ph * p + th * t - qh * (1 - q) / 2
           + _ZW @ ((1 + np.tanh(s * _ZN)) * (_log2cosh(field) @ _ZW)))
    a, b = t / math.sqrt(q_ref), (p - t) / math.sqrt(1 - q_ref)
    c = math.sqrt(q - a * a - b * b)
    sig = math.sqrt(b * b + c * c)
    A = (kappa_ref - math.sqrt(q_ref) * _ZN) / math.sqrt(1 - q_ref)
    h = min(0.01, c / abs(b) / 3)
    u = np.arange(-14.0, 14.0 + h / 2, h)[None, :]
    log_w = (stats.norm.logpdf(u) + special.log_ndtr((b * u - A[:, None] * sig) / c)
             - special.log_ndtr(-A)[:, None])
    ln_z = special.log_ndtr((a * _ZN[:, None] + sig * u) / math.sqrt(1 - q))
    g_e = _ZW @ (np.exp(log_w) * ln_z).sum(axis=1) * h
    return g_s + alpha * g_e


def _central_gradient(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])


def test_local_entropy_transitions_of_max_margin_references_against_independent_quadrature():
    """The two local-entropy transitions of the largest-margin binary references (kappa = 0
    neighbours, RS Franz-Parisi), each bracketed at +-0.002 by independent evidence.

    ``local_entropy_transition(m, kappa_ref="max", ...)`` gives
    * criterion="monotonicity" (first alpha with dS/dd < 0 somewhere in (0, d*)):
      alpha_LE = 0.7293, bracket (0.72891, 0.72969);
    * criterion="isolation" (first alpha with S(d) < 0 somewhere in (0, d*)):
      alpha_iso = 0.7477, bracket (0.74766, 0.74775)
    (slow tests below).  Here S and dS/dd = -2 dS/dp at alpha = alpha_LE -+ 0.002 (dS/dd > 0
    on the scale d ~ 0.005 where the dip forms, then < 0) and at alpha = alpha_iso -+ 0.002
    (S > 0 at the bottom of the dip, d ~ 0.011, bracketed by a sign change of dS/dd, then
    S < 0) are recomputed with an independent quadrature of the formula (``_fp_binary``): at the
    engine's saddle point the independent S and dS/dp agree and its gradient in all five order
    parameters vanishes; the references' saddle point is checked against the RS entropy, which
    vanishes at kappa_max.

    Open disagreement: the literature places the "local entropy" transition of the binary
    perceptron at alpha in (0.77, 0.78): M. Stojnic, arXiv:2506.19276 (fully lifted random
    duality theory, a large-deviation construction over rare dense clusters, not the RS
    Franz-Parisi potential around kappa_max references computed here), who reports that it
    closely matches replica results.  The replica value of Baldassi, Lauditi, Malatesta,
    Perugini and Zecchina (PRL 127, 278301 (2021)) could not be read here, so which
    construction gives 0.77 is not settled; neither criterion of this construction reaches it.
    """
    m = models.perceptron(weights="binary", kappa=0.0)
    # (alpha, distances, expected sign of dS/dd at each, expected sign of S at each)
    cases = [(0.7273, [0.0045, 0.0055], [+1, +1], [+1, +1]),   # alpha_LE - 0.002
             (0.7313, [0.0045], [-1], [+1]),                   # alpha_LE + 0.002
             (0.7458, [0.0093, 0.0112, 0.0136], [-1, +1, +1], [+1, +1, +1]),  # alpha_iso - 0.002
             (0.7498, [0.0112], [-1], [-1])]                   # alpha_iso + 0.002
    names = ("q", "t", "qhat", "that", "phat")
    found = {}
    for alpha_, ds, sign_slope, sign_s in cases:
        k = replica.kappa_max("binary", alpha_) - 1e-6
        le = replica.local_entropy(m, alpha=alpha_, kappa_ref=k, distances=ds)
        ref = le.reference.order_params
        th_ref = [ref["q"], ref["qhat"]]
        # the references: RS saddle point at the margin where the RS entropy vanishes
        assert abs(_rs_binary_entropy(th_ref, alpha_, k)) < 2e-6
        assert np.max(np.abs(_central_gradient(
            lambda x: _rs_binary_entropy(x, alpha_, k), th_ref))) < 1e-8
        for i, d in enumerate(ds):
            theta = np.array([le.order_params[nm][i] for nm in names])
            pv = 1 - 2 * d

            def s_of(x, pv=pv):
                return _fp_binary(x, pv, alpha_, ref["q"], ref["qhat"], k)
            s_ind = s_of(theta)
            ds_dp = (_fp_binary(theta, pv + 1e-6, alpha_, ref["q"], ref["qhat"], k)
                     - _fp_binary(theta, pv - 1e-6, alpha_, ref["q"], ref["qhat"], k)) / 2e-6
            assert np.max(np.abs(_central_gradient(s_of, theta))) < 1e-7, (alpha_, d)
            assert s_ind == pytest.approx(le.phi[i], abs=1e-8)
            assert -2 * ds_dp == pytest.approx(le.dphi_dd[i], rel=1e-5, abs=1e-7)
            # the signs, from the independent values (with a margin over their accuracy)
            assert np.sign(-2 * ds_dp) == sign_slope[i] and abs(ds_dp) > 1e-3, (alpha_, d)
            assert np.sign(s_ind) == sign_s[i] and abs(s_ind) > 1e-4, (alpha_, d)
            found[alpha_, d] = (s_ind, -2 * ds_dp)
    # at alpha_iso - 0.002 the dip's bottom lies in (0.0093, 0.0136) (dS/dd changes sign), and
    # S there is at least S(0.0112) - max|dS/dd| * 0.0043 > 0 (with dS/dd monotonic between
    # the points, as it is through them)
    (s1, g1), (s2, g2), (s3, g3) = (found[0.7458, d] for d in (0.0093, 0.0112, 0.0136))
    assert g1 < g2 < g3
    assert s2 - max(abs(g1), abs(g3)) * (0.0136 - 0.0093) > 0


@pytest.mark.slow
@pytest.mark.parametrize("criterion, bracket, value", [("monotonicity", (0.70, 0.75), 0.7293),
                                                       ("isolation", (0.74, 0.755), 0.7477)])
def test_local_entropy_transition_of_max_margin_binary_references(criterion, bracket, value):
    """The full bisections behind the values the quick test above brackets independently
    (measured with xtol 1e-3 and 1e-4: alpha_LE in (0.72891, 0.72969), alpha_iso in
    (0.74766, 0.74775)).  About 2-4 minutes each."""
    m = models.perceptron(weights="binary", kappa=0.0)
    tr = replica.local_entropy_transition(m, kappa_ref="max", bracket=bracket,
                                          criterion=criterion, xtol=2e-3)
    lo, hi = tr.bracket
    assert hi - lo <= 2e-3 and lo < tr.value < hi
    assert lo - 1e-3 < value < hi + 1e-3
    # the criterion lies below the Krauth-Mezard capacity (frozen 1RSB, 0.8331)
    assert tr.value < replica.capacity(m, ansatz="1rsb").alpha_c


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "RS Franz-Parisi around kappa_max references gives alpha_LE = 0.7293 (monotonicity) and "
    "alpha_iso = 0.7477 (S < 0 somewhere); the interval (0.77, 0.78) is M. Stojnic's fully "
    "lifted RDT estimate (arXiv:2506.19276), a different (large-deviation) construction. The "
    "replica value of Baldassi et al., PRL 127, 278301 (2021) could not be read here."))
def test_local_entropy_transition_matches_the_published_value():
    m = models.perceptron(weights="binary", kappa=0.0)
    tr = replica.local_entropy_transition(m, kappa_ref="max", bracket=(0.70, 0.80), xtol=5e-3)
    assert 0.765 <= tr.value <= 0.785


@pytest.mark.slow
def test_large_deviation_local_entropy_brackets_the_published_interval():
    """The large-deviation (y -> inf, RS, free reference) local entropy of Baldassi et al.
    2015-2016, transcribed independently (tests/replica/large_deviation_ref.py): its first
    non-monotonicity in d lies between alpha = 0.7540 and 0.7566 (computed 2026-11-29: 0.7553,
    dip at d ~ 0.0207; min_d dS/dd = +3.1e-5 at 0.7553 and -3.0e-3 at 0.7555, equal with 600
    and 1200 quadrature nodes), below the interval (0.77, 0.78).  A regression of that study,
    not a check of the engine: it records where this construction puts the transition."""
    from scipy.optimize import minimize_scalar

    from . import large_deviation_ref as ld

    def min_slope(alpha):
        x = np.array([1.09528474e+00, 3.04974269e-06, 2.41880938e-03, 3.65280135e+02,
                      6.40000144e-01])  # the solution at alpha = 0.1, d = 0.1
        for a in np.linspace(0.1, alpha, 25)[1:]:
            x, _, _ = ld.solve_free_fast(0.8, a, x)
        best = (np.inf, None, None)
        for d in np.geomspace(0.1, 0.012, 30):  # continuation in d (one branch)
            x, _, _ = ld.solve_free_fast(1 - 2 * d, alpha, x)
            if 2 * x[0] < best[0]:
                best = (2 * x[0], d, x.copy())
        r = minimize_scalar(lambda d: 2 * ld.solve_free_fast(1 - 2 * d, alpha, best[2])[0][0],
                            bounds=(0.85 * best[1], 1.15 * best[1]), method="bounded",
                            options={"xatol": 1e-6})
        return r.fun  # dS/dd = 2P

    assert min_slope(0.7540) > 0 > min_slope(0.7566)


# ------------------------------------------------------------------------------------------
# the local energy


def test_local_energy_against_independent_quadrature():
    m = models.perceptron(weights="spherical", kappa=0.0)
    ps = np.array([0.0, 0.5, 0.9, 0.99])
    le = replica.local_energy(m, alpha=1.0, kappa_ref=0.3, overlaps=ps)
    q_ref = le.q_ref
    for k, pv in [(1, 0.5), (3, 0.99)]:
        def inner(z, pv=pv):
            A = (0.3 - math.sqrt(q_ref) * z) / math.sqrt(1 - q_ref)

            def g(xv):
                u = math.sqrt(q_ref) * z + math.sqrt(1 - q_ref) * xv
                return stats.norm.cdf(-pv * u / math.sqrt(1 - pv * pv)) * stats.norm.pdf(xv)
            return integrate.quad(g, A, np.inf, epsabs=1e-12)[0] / stats.norm.sf(A)
        ref = integrate.quad(lambda z: inner(z) * stats.norm.pdf(z), -9, 9, epsabs=1e-11,
                             limit=100)[0]
        assert le.e[k] == pytest.approx(ref, rel=1e-8, abs=1e-11)
    assert le.e[0] == pytest.approx(0.5, abs=1e-13)  # a random point violates half
    assert np.all(np.diff(le.e) < 0)


def test_local_energy_around_the_max_margin_solution():
    """Gardner's stability distribution at capacity: Delta_ref = max(z, kappa_max)."""
    m = models.perceptron(weights="spherical", kappa=0.0)
    le = replica.local_energy(m, alpha=1.0, kappa_ref="max", overlaps=[0.6, 0.9])
    k = le.kappa_ref
    assert replica.capacity(models.perceptron(weights="spherical", kappa=k)).alpha_c == \
        pytest.approx(1.0, abs=1e-10)
    for pv, e in zip([0.6, 0.9], le.e):
        def f(z, pv=pv):
            return stats.norm.cdf(-pv * max(z, k) / math.sqrt(1 - pv * pv)) * stats.norm.pdf(z)
        ref = integrate.quad(f, -12, 12, points=[k], epsabs=1e-13, limit=200)[0]
        assert e == pytest.approx(ref, rel=1e-9)
    # the maximal-margin solution is flatter than typical solutions
    typ = replica.local_energy(m, alpha=1.0, kappa_ref=0.0, overlaps=[0.6, 0.9])
    assert np.all(le.e < typ.e)


# ------------------------------------------------------------------------------------------
# bad input


def test_bad_input_names_the_culprit():
    m = models.perceptron(weights="binary", kappa=0.0)
    with pytest.raises(ValueError, match="exactly one"):
        replica.local_entropy(m, alpha=0.5, kappa_ref=0.0, overlaps=[0.5], distances=[0.1])
    with pytest.raises(ValueError, match="exactly one"):
        replica.local_entropy(m, alpha=0.5, kappa_ref=0.0)
    with pytest.raises(ValueError, match="overlaps must lie in"):
        replica.local_entropy(m, alpha=0.5, kappa_ref=0.0, overlaps=[0.5, 1.0])
    with pytest.raises(ValueError, match="distances contains non-finite"):
        replica.local_entropy(m, alpha=0.5, kappa_ref=0.0, distances=[np.nan])
    with pytest.raises(ValueError, match="kappa_ref must be finite"):
        replica.local_entropy(m, alpha=0.5, kappa_ref=np.inf, overlaps=[0.5])
    with pytest.raises(ValueError, match="alpha must be > 0"):
        replica.local_entropy(m, alpha=-1, kappa_ref=0.0, overlaps=[0.5])
    with pytest.raises(ValueError, match="model must be"):
        replica.local_entropy("binary", alpha=0.5, kappa_ref=0.0, overlaps=[0.5])
    with pytest.raises(ValueError, match="spherical weights only"):
        replica.local_energy(m, alpha=0.5, kappa_ref="max", overlaps=[0.5])
    with pytest.raises(ValueError, match="a number or 'max'"):
        replica.local_energy(m, alpha=0.5, kappa_ref="largest", overlaps=[0.5])
    with pytest.raises(ValueError, match="bracket"):
        replica.local_entropy_transition(m, kappa_ref=0.0, bracket=(0.8, 0.7))
    with pytest.raises(ValueError, match="criterion must be one of"):
        replica.local_entropy_transition(m, kappa_ref="max", bracket=(0.7, 0.8),
                                         criterion="negative")


@pytest.mark.parametrize("kappa,alpha0", [(-0.3, 1.3), (0.0, 0.83),
                                          pytest.param(0.5, 0.5, marks=pytest.mark.slow)])
def test_binary_kappa_max_inverts_an_independent_zero_entropy_load(kappa, alpha0):
    """kappa_max("binary", alpha) is the margin where the RS entropy vanishes: at the load
    alpha_0(kappa) where the Gardner-Derrida entropy is zero, computed by SciPy alone
    (scipy_refs.binary_zero_entropy: hybr on the RS equations, Newton in alpha with the
    envelope derivative), kappa_max returns kappa.  (kappa = 0: alpha_0 = 0.8331, the
    Krauth-Mezard capacity, recalled.)"""
    from .scipy_refs import binary_zero_entropy
    a0 = binary_zero_entropy(kappa, alpha0, steps=6)
    assert replica.kappa_max("binary", a0) == pytest.approx(kappa, abs=1e-8)
    if kappa == 0.0:
        assert a0 == pytest.approx(0.833, abs=5e-4)
