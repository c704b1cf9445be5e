"""Every saddle point carries an a-posteriori quadrature error estimate (issue #12).

The kernel is evaluated again at the solution with higher-order rules on the same panels and
windows (``quadrature.CHECK_ORDER`` Gauss-Legendre nodes per panel, ``CHECK_GH_ORDER``
Gauss-Hermite nodes).  The differences estimate the error of phi and of its gradient; the
gradient's implies a shift of the saddle point.  A point whose estimates exceed the tolerance is
``inaccurate``, never ``converged``.

References are independent: SciPy adaptive quadrature split at the feature, and mpmath
quadrature graded geometrically at the steep point of ln H near q -> 1.
"""
import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy import integrate, optimize, stats

import replica
from replica import models
from replica.gauss import GaussAvg

x, z = sp.symbols("x z", real=True)
C, W = 0.3, 1e-3  # a smoothed |z - x - C| of width W


def _smoothed_abs_fe(hints, name):
    avg = GaussAvg(sp.sqrt(W**2 + (z - x - C)**2), z, hints)
    return replica.free_entropy(-x**2 / 2 + avg, {x: (-3, 3)}, name=name)


def _smoothed_abs_reference():
    """Root of d phi/dx = -x - E_z[(z - x - C)/sqrt(W^2 + (z - x - C)^2)], and phi there
    (SciPy adaptive quadrature split at z = x + C)."""
    def avg(f, xv):
        a = xv + C
        return sum(integrate.quad(lambda t: f(t, xv) * stats.norm.pdf(t), lo, hi,
                                  epsabs=1e-15, epsrel=1e-13, limit=400)[0]
                   for lo, hi in ((-np.inf, a), (a, np.inf)))

    def grad(xv):
        return -xv - avg(lambda t, v: (t - v - C) / math.hypot(W, t - v - C), xv)
    xr = optimize.brentq(grad, -1.0, 1.0, xtol=1e-15)
    return xr, -xr**2 / 2 + avg(lambda t, v: math.hypot(W, t - v - C), xr)


def test_an_undeclared_steep_feature_is_reported_inaccurate_with_its_error():
    """Without a hint the average is done by Gauss-Hermite, which cannot resolve a kink of
    width 1e-3: Newton solves the wrong equations to rounding.  The check rule sees it."""
    xr, phir = _smoothed_abs_reference()
    s = replica.solve(_smoothed_abs_fe((), "smoothed-abs, no hint"), {}, throw=False)
    assert s.status == replica.Status.INACCURATE and not s.success
    err = abs(s.order_params["x"] - xr)
    assert err > 1e-3  # the rule really is wrong here ...
    # ... and the estimate says so, to within a factor of a few
    assert err / 3 < s.errors["x"] < 3 * err
    assert s.gradient_error > 1e-4
    with pytest.raises(replica.SaddlePointConvergenceError, match="inaccurate"):
        replica.solve(_smoothed_abs_fe((), "smoothed-abs, no hint"), {})


def test_a_declared_steep_feature_is_converged_and_right():
    xr, phir = _smoothed_abs_reference()
    s = replica.solve(_smoothed_abs_fe(((x + C, W),), "smoothed-abs, hinted"), {})
    assert s.status == replica.Status.CONVERGED
    assert s.order_params["x"] == pytest.approx(xr, abs=1e-11)
    assert s.phi == pytest.approx(phir, abs=1e-12)
    assert s.phi_error < 1e-13 and s.gradient_error < 1e-13 and s.errors["x"] < 1e-13


def _ge_mpmath(q, kappa):
    """E_z ln H((kappa - sqrt(q) z)/sqrt(1-q)) with breakpoints graded geometrically at the
    steep point z0 = kappa/sqrt(q) (scale sqrt((1-q)/q)), at 30 digits."""
    sq, sd = mp.sqrt(q), mp.sqrt(1 - q)
    z0, w = kappa / sq, sd / sq
    pts = {z0 + s * w * 2**j for j in range(60) for s in (-1, 1) if abs(z0 + s * w * 2**j) < 12}
    pts = sorted(pts | {z0, mp.mpf(-12), mp.mpf(12)})
    return mp.quad(lambda t: mp.npdf(t) * mp.log(mp.ncdf(-(kappa - sq * t) / sd)),
                   [-mp.inf] + pts + [mp.inf])


@pytest.mark.parametrize("kappa", [0.0, -1.0])
def test_phi_error_near_the_capacity_is_honest(kappa):
    """Near alpha_c the terms q/(2(1-q)) and alpha E ln H (~1e7 at 1 - alpha/alpha_c = 1e-7)
    cancel to phi ~ -20: double precision leaves phi a relative error ~1e-10 there.  The
    estimate must cover the true error, and ``converged`` must mean phi is right to tol."""
    mod = models.perceptron(weights="spherical", kappa=kappa)
    ac = replica.capacity(mod).alpha_c
    with mp.workdps(30):
        for eps in (1e-7, 1e-6, 1e-5, 1e-3, 0.3):
            a = ac * (1 - eps)
            s = replica.solve(mod, a, throw=False)
            q = mp.mpf(s.order_params["q"])
            ref = mp.log(1 - q) / 2 + q / (2 * (1 - q)) + mp.mpf(a) * _ge_mpmath(q, kappa)
            err = abs(s.phi - float(ref))
            assert err <= 4 * s.phi_error + 1e-14 * (1 + abs(s.phi)), (eps, err, s.phi_error)
            if s.status == replica.Status.CONVERGED:
                assert err <= 1e-10 * (1 + abs(s.phi)), (eps, err)
            else:  # only where rounding really is above the tolerance
                assert s.status == replica.Status.INACCURATE and eps < 1e-5, (eps, s.status)
                assert s.phi_error > 1e-10 * (1 + abs(s.phi))


def test_a_looser_tolerance_accepts_what_double_precision_allows():
    mod = models.perceptron(weights="spherical", kappa=0.0)
    a = replica.capacity(mod).alpha_c * (1 - 1e-7)
    assert replica.solve(mod, a, throw=False).status == replica.Status.INACCURATE
    s = replica.solve(mod, a, tol=1e-8)
    assert s.status == replica.Status.CONVERGED and s.phi_error < 1e-8 * (1 + abs(s.phi))


def test_error_estimates_round_trip_and_are_small_on_smooth_problems(tmp_path):
    s = replica.solve(models.perceptron(weights="binary", kappa=0.0), alpha=0.5)
    assert s.status == replica.Status.CONVERGED
    assert s.phi_error < 1e-14 and s.gradient_error < 1e-14
    back = replica.SaddlePoint.load(s.save(tmp_path / "s.json"))
    assert back.phi_error == s.phi_error and back.gradient_error == s.gradient_error


def test_franz_parisi_near_the_typical_overlap_reports_its_gradient_error():
    """Near the typical overlap p* the Franz-Parisi averages degenerate (sigma, b, c -> 0) and
    the order-12 panels are off in the gradient by ~1e-12/(p - p*) (found by this check).  The
    estimate must match the true error (against 40 nodes per panel and 160 Gauss-Hermite
    nodes), the point is ``inaccurate`` where it exceeds tol, and q, t and S stay determined:
    the continuation goes on through those points."""
    from replica.engine import solvers
    from replica.engine.problem import SaddleProblem
    from replica.engine.quadrature import hermite_rule, legendre_reference
    from replica.localentropy.entropy import fp_compiled

    m = models.perceptron(weights="spherical", kappa=0.0)
    q_ref = replica.solve(m, 0.5).order_params["q"]
    ps = q_ref + np.array([0.0025, 0.01, 0.03])
    le = replica.local_entropy(m, alpha=0.5, kappa_ref=0.0, overlaps=ps)
    cfe = fp_compiled(m)
    gl, gh = legendre_reference(40), hermite_rule(160)
    for i, pv in enumerate(ps):
        th = np.array([le.order_params[nm][i] for nm in cfe.names])
        ctrl = np.array([0.5, pv, q_ref, 0.0, 0.0])
        pb = SaddleProblem(cfe, dict(zip(cfe.input_names, ctrl)), "fp")
        ev = cfe(th, ctrl)
        sp_ = solvers.make_point(pb, th, ev, 1, replica.Status.CONVERGED, 0.0, "test", 1e-10)
        ref = cfe.unpack(cfe.kernel(th, ctrl, *gl, *gh, np.empty(cfe.n_out)), th, ctrl)
        scale = 1 + np.abs(ev.part_gradients).sum(axis=0)
        true = float(np.max(np.abs(ref.gradient - ev.gradient) / scale))
        assert true / 3 <= sp_.gradient_error <= 3 * true + 1e-14, (pv, true, sp_)
        assert le.status[i] == ("inaccurate" if true > 1e-10 else "converged"), (pv, true)
        assert sp_.accurate("order_params", "phi")
        assert abs(ref.phi - le.phi[i]) < 1e-12
    assert le.status[0] == "inaccurate"  # p* + 0.0025: 4.6e-10 (scaled)


@pytest.mark.parametrize("weights,kappa,alpha", [("binary", 0.0, 1.0), ("spherical", -1.0, 9.0),
                                                 ("spherical", -1.0, 13.2)])
def test_replicon_error_estimate_covers_the_true_error(weights, kappa, alpha):
    """The replicon carries its own quadrature estimate; against the same averages on 40 nodes
    per panel and 160 Gauss-Hermite nodes the true error is within 4x of it."""
    from replica.engine.quadrature import hermite_rule, legendre_reference
    from replica.perceptron.builders import rs_replicon

    mod = models.perceptron(weights=weights, kappa=kappa)
    st = replica.stability(mod, alpha)
    sp_ = st.saddle_point
    gl, gh = legendre_reference(40), hermite_rule(160)
    rep = rs_replicon(mod.prior, mod.channel)
    out = rep.kernel(mod.free_entropy("rs")).kernel(
        np.array(list(sp_.order_params.values())), mod.controls(alpha), gl[0], gl[1], gh[0],
        gh[1], np.empty(3))
    ref = 1.0 - alpha * out[1] * out[2]  # from the parts, R_prior and R_channel
    assert abs(st.replicon - ref) <= 4 * st.replicon_error, (st.replicon, ref, st)
    assert st.replicon_error < 1e-9 and st.sign_certain


def test_local_energy_error_estimate_covers_the_true_error():
    from replica.engine.quadrature import hermite_rule, legendre_reference
    from replica.localentropy.localenergy import _le_compiled

    sph = models.perceptron(weights="spherical", kappa=0.0)
    le = replica.local_energy(sph, alpha=1.0, kappa_ref=0.3, overlaps=[0.5, 0.9, 0.99])
    mod, ctrl = _le_compiled(sph.channel, False)
    # every control of the kernel, by name (a missing one is read past the end of the array)
    assert [c.name for c in ctrl] == ["p", "q_ref", "kappa_ref", "kappa"]
    gl, gh = legendre_reference(40), hermite_rule(160)
    for i, pv in enumerate(le.p):
        ref = mod.kernel(np.empty(0), np.array([pv, le.q_ref, 0.3, 0.0]), gl[0], gl[1], gh[0],
                         gh[1], np.empty(2))[0]
        assert abs(le.e[i] - ref) <= 4 * le.e_error[i], (pv, le.e[i], ref, le.e_error[i])
    assert np.all(le.e_error < 1e-12)


def test_path_energy_error_estimate_covers_a_higher_order_evaluation():
    neg = models.perceptron(weights="spherical", kappa=-0.5)
    t = np.linspace(0, 1, 5)
    pe = replica.path_energy(neg, alpha=1.0, kappas=(-0.5, -0.5), t=t)
    ref = replica.path_energy(neg, alpha=1.0, kappas=(-0.5, -0.5), t=t, order=96)
    assert np.all(np.abs(pe.energy - ref.energy) <= 4 * pe.energy_error)
    assert np.all(pe.energy_error < 1e-12)


def test_newton_stalled_at_the_noise_floor_is_inaccurate_not_a_failure():
    """A Newton that stops (line search, max_iter) with a scaled residual within
    NOISE_FLOOR_FACTOR gradient error estimates, the estimate above tol, solved the equations
    as well as the quadrature determines them: ``inaccurate``.  A residual well above the
    estimate stays a failure, and so does every other status.  (tol = 1e-17 puts the spherical
    RS estimate, ~1e-16, above tol; the points are the saddle point shifted along q.)"""
    from replica.engine import solvers
    from replica.engine.results import Status

    m = models.perceptron(weights="spherical", kappa=0.5)
    sp0 = replica.solve(m, 0.5)
    pb = m.saddle_problem({"alpha": 0.5})
    q0 = sp0.order_params["q"]
    seen = set()
    for dq in (0.0, 1e-16, 3e-16, 1e-15, 1e-14, 1e-12):
        th = np.array([q0 + dq])
        ev = pb.cfe(th, pb.ctrl)
        for st in (Status.LINE_SEARCH, Status.MAX_ITER, Status.SINGULAR):
            p = solvers.make_point(pb, th, ev, 5, st, 0.0, "test", 1e-17)
            stalled = (st != Status.SINGULAR and p.gradient_error > 1e-17
                       and p.residual <= solvers.NOISE_FLOOR_FACTOR * p.gradient_error)
            assert p.status == (Status.INACCURATE if stalled else st), (dq, st, p.residual,
                                                                        p.gradient_error)
            seen.add(stalled)
    assert seen == {True, False}  # both sides of the rule were exercised


def test_a_kernel_called_with_short_arrays_is_refused_not_read_past_the_end():
    """The compiled kernels index without bounds checks; their Python entry checks the sizes
    (a missing control used to be read from whatever followed the array)."""
    from replica.engine.quadrature import hermite_rule, legendre_reference
    from replica.localentropy.localenergy import _le_compiled

    mod, ctrl = _le_compiled(models.perceptron(weights="spherical", kappa=0.0).channel, False)
    gl, gh = legendre_reference(12), hermite_rule(64)
    args = (gl[0], gl[1], gh[0], gh[1])
    with pytest.raises(ValueError, match="needs 4 entries in ctrl, got 3"):
        mod.kernel(np.empty(0), np.array([0.5, 0.8, 0.3]), *args, np.empty(2))
    with pytest.raises(ValueError, match="needs 2 entries in out, got 1"):
        mod.kernel(np.empty(0), np.array([0.5, 0.8, 0.3, 0.0]), *args, np.empty(1))
    assert np.all(np.isfinite(mod.kernel(np.empty(0), np.array([0.5, 0.8, 0.3, 0.0]), *args,
                                         np.empty(2))))
