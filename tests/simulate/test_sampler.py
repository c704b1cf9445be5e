"""Tests of simulate.sampler: exact feasible arcs against a dense grid, exact invariance of the
uniform measure in low dimension (Archimedes, rejection sampling), solutions, reproducibility,
errors, and a mixing check."""
from __future__ import annotations

import dataclasses
import math
import os

import numpy as np
import pytest
from scipy.stats import kstest

from simulate.sampler import (SamplerResult, _draw_on_arcs, _feasible_arcs, _gelman_rubin,
                              _integrated_time, hit_and_run)

SEED = int(os.environ.get("SIMULATE_TEST_SEED", "20240611"))
TWO_PI = 2.0 * math.pi


# ------------------------------------------------------------------ slow independent twins


def grid_feasible(a, b, kappa, theta):
    """Mask of the angles where every constraint a cos + b sin >= kappa holds (dense)."""
    vals = np.cos(theta)[:, None] * a[None, :] + np.sin(theta)[:, None] * b[None, :]
    return np.all(vals >= kappa, axis=1)


def circular_runs(mask):
    """Number of maximal runs of True on the circle, and the shortest run of either value."""
    if mask.all():
        return 1, mask.size
    if not mask.any():
        return 0, mask.size
    k = int(np.argmin(mask))  # rotate so the sequence starts on a False
    m = np.roll(mask, -k)
    edges = np.flatnonzero(np.diff(m.astype(np.int8)) != 0) + 1
    bounds = np.concatenate([[0], edges, [m.size]])
    lengths = np.diff(bounds)
    return int(np.count_nonzero(np.diff(m.astype(np.int8)) == 1)), int(lengths.min())


def sphere_rejection(xi, kappa, n, rng):
    """Uniform points of the sphere |w|^2 = N, kept when every Delta >= kappa."""
    P, N = xi.shape
    g = rng.standard_normal((n, N))
    w = g * (math.sqrt(N) / np.linalg.norm(g, axis=1))[:, None]
    return w[np.all(w @ xi.T / math.sqrt(N) >= kappa, axis=1)]


def arc_cases(rng, n_cases):
    """Random (a, b, kappa): with theta = 0 feasible or not, convex and non-convex margins,
    including many cases with several feasible arcs."""
    for j in range(n_cases):
        P = int(rng.integers(1, 9))
        if j % 4 == 3:  # small forbidden arcs spread around the circle: many feasible arcs
            P = int(rng.integers(3, 9))
            phi = TWO_PI * (np.arange(P) + 0.5 + 0.2 * rng.uniform(-1, 1, P)) / P
            R = rng.uniform(1.01, 1.1, P)
            yield R * np.cos(phi), R * np.sin(phi), -1.0
            continue
        kappa = float(rng.choice([-1.5, -0.5, 0.0, 0.4]))
        scale = float(rng.choice([1.0, 3.0]))
        a = scale * rng.standard_normal(P)
        b = scale * rng.standard_normal(P)
        if j % 3:
            a = np.where(a < kappa, kappa + 0.1 * rng.random(P), a)  # theta = 0 feasible
        yield a, b, kappa


# ------------------------------------------------------------------ feasible arcs


def test_feasible_arcs_match_dense_grid():
    rng = np.random.default_rng([SEED, 1])
    M = 200_000
    theta = (np.arange(M) + 0.5) * (TWO_PI / M)
    step = TWO_PI / M
    multi = []
    for a, b, kappa in arc_cases(rng, 300):
        P = a.size
        lo = np.empty(2 * P + 1)
        hi = np.empty(2 * P + 1)
        m, n_arcs, length = _feasible_arcs(a, b, kappa, lo, hi)
        mask = grid_feasible(a, b, kappa, theta)
        lo, hi = lo[:m], hi[:m]
        assert np.all(np.diff(lo) > 0) and np.all(hi > lo) and np.all(lo[1:] >= hi[:-1])
        inside = np.zeros(M, bool)
        near = np.zeros(M, bool)
        for x, y in zip(lo, hi):
            inside |= (theta >= x) & (theta <= y)
            near |= (np.abs(theta - x) < 2 * step) | (np.abs(theta - y) < 2 * step)
        np.testing.assert_array_equal(inside[~near], mask[~near])
        assert abs(length - np.sum(hi - lo)) < 1e-12
        assert abs(length - mask.mean() * TWO_PI) <= (2 * m + 2) * step
        runs, shortest = circular_runs(mask)
        if shortest > 10:
            assert n_arcs == runs, (a, b, kappa)
        multi.append(n_arcs)
        if np.all(a > kappa):
            assert m >= 1 and lo[0] == 0.0 and hi[-1] == TWO_PI  # theta = 0 is feasible
    multi = np.array(multi)  # the cases include several disjoint arcs
    assert np.count_nonzero(multi >= 2) >= 40 and np.count_nonzero(multi >= 4) >= 5


def test_feasible_arcs_limits():
    lo, hi = np.empty(5), np.empty(5)
    # no binding constraint: the whole circle, one arc
    assert _feasible_arcs(np.array([0.1, 0.2]), np.array([0.1, 0.0]), -1.0, lo, hi) == (
        1, 1, TWO_PI)
    # R < kappa: nowhere feasible
    assert _feasible_arcs(np.array([0.1]), np.array([0.1]), 0.5, lo, hi)[2] == 0.0
    # one constraint a cos + b sin >= kappa with R = 1: allowed arc of length 2 arccos(kappa)
    m, arcs, length = _feasible_arcs(np.array([0.6]), np.array([0.8]), 0.3, lo, hi)
    assert arcs == 1 and m == 2
    assert length == pytest.approx(2 * math.acos(0.3), rel=1e-14)


def test_draw_on_arcs_is_the_arc_length_map():
    lo = np.array([0.0, 1.0, 4.0])
    hi = np.array([0.5, 2.0, TWO_PI])
    length = float(np.sum(hi - lo))
    u = np.linspace(0.0, 1.0, 1001)[:-1]
    th = np.array([_draw_on_arcs(lo, hi, 3, length, x) for x in u])
    assert np.all(np.diff(th) > 0)
    covered = np.clip(th[:, None] - lo[None, :], 0.0, (hi - lo)[None, :]).sum(axis=1)
    np.testing.assert_allclose(covered, u * length, rtol=0, atol=1e-12)


# ------------------------------------------------------------------ exact invariance, N = 3


@pytest.mark.parametrize("block", [1, 2])
@pytest.mark.parametrize("t0", [-0.4, 0.3])
def test_archimedes_one_pattern_is_uniform(t0, block):
    """N = 3, P = 1: the projection c = w.xi/(|w||xi|) = Delta/|xi| of a uniform point of the
    sphere is uniform on [-1, 1] (Archimedes), hence uniform on [kappa/|xi|, 1] under the
    constraint. Thinned by the measured tau (~1 sweep), 4 chains x 20000 sweeps; measured
    KS p-values at the default seed: 0.43 (t0 = -0.4), 0.39 (t0 = 0.3). block = 2: directions
    drawn two at a time (a sweep of 3 moves is a block of 2 and one of 1)."""
    rng = np.random.default_rng(5)
    xi = rng.standard_normal((1, 3))
    norm = float(np.linalg.norm(xi))
    kappa = t0 * norm
    w0 = xi[0] * (math.sqrt(3) / norm)
    res = hit_and_run(xi, kappa, n_chains=4, n_sweeps=20_000, rng=rng, w0=w0,
                      directions_per_block=block)
    assert np.all(np.isfinite(res.tau_int)) and np.all(res.tau_int < 3)
    step = int(math.ceil(np.max(res.tau_int)))
    c = (res.trace_margin / norm)[:, ::step].ravel()
    assert c.min() >= t0 - 1e-12 and c.max() <= 1 + 1e-12
    assert kstest(c, "uniform", args=(t0, 1 - t0)).pvalue > 0.01


@pytest.mark.parametrize("block", [1, 3])
@pytest.mark.parametrize("kappa,angle", [(-0.6, 90.0), (0.25, 40.0)])
def test_two_patterns_match_rejection_sampling(kappa, angle, block):
    """N = 3, P = 2 (|xi^mu| = 1.5, at the given angle, randomly rotated): final states of many
    short chains against uniform rejection samples. kappa < 0 removes two caps of angular
    radius 66 deg (non-convex: great circles with two feasible arcs occur); kappa > 0 keeps
    the intersection of two caps of radius 80 deg (convex). Moments of w, w w^T and the margin
    agree within 4.5 combined standard errors."""
    rng = np.random.default_rng([SEED, 3])
    Q = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    c = math.radians(angle)
    xi = 1.5 * np.array([[1.0, 0.0, 0.0], [math.cos(c), math.sin(c), 0.0]]) @ Q.T
    ref = sphere_rejection(xi, kappa, 600_000, rng)
    res = hit_and_run(xi, kappa, n_chains=3000, n_sweeps=30, rng=rng, w0=ref[0],
                      record_every=30, directions_per_block=block)
    if kappa < 0:
        assert res.mean_arcs > 1.01  # the multi-arc moves are exercised
    else:
        assert res.mean_arcs == 1.0

    def features(w):
        quad = np.stack([w[:, i] * w[:, j] for i in range(3) for j in range(i, 3)], axis=1)
        margin = np.min(w @ xi.T / math.sqrt(3), axis=1)[:, None]
        return np.concatenate([w, quad, margin], axis=1)

    fs, fr = features(np.asarray(res.w)), features(ref)
    diff = fs.mean(axis=0) - fr.mean(axis=0)
    se = np.sqrt(fs.var(axis=0) / len(fs) + fr.var(axis=0) / len(fr))
    assert np.all(np.abs(diff) < 4.5 * se), diff / se
    np.testing.assert_allclose(res.trace_margin[:, -1], fs[:, -1], rtol=0, atol=1e-14)


# ------------------------------------------------------------------ states, records, errors


def test_recorded_states_are_solutions_on_the_sphere():
    rng = np.random.default_rng([SEED, 4])
    P, N, kappa = 30, 20, -0.3
    xi = rng.standard_normal((P, N))
    res = hit_and_run(xi, kappa, n_chains=3, n_sweeps=12, rng=rng, record_every=2)
    assert isinstance(res, SamplerResult)
    assert res.trace_q.shape == res.trace_margin.shape == (3, 6)
    assert res.trace_pair_q.shape == (6,) and res.tau_int.shape == (3,)
    assert np.all(res.trace_margin >= kappa - 1e-12)
    w = np.asarray(res.w)
    np.testing.assert_allclose(np.sum(w * w, axis=1), N, rtol=0, atol=1e-10)
    delta = w @ xi.T / math.sqrt(N)
    assert np.all(delta >= kappa - 1e-12)
    np.testing.assert_allclose(res.trace_margin[:, -1], delta.min(axis=1), rtol=0, atol=1e-12)
    G = w @ w.T / N
    np.testing.assert_allclose(res.trace_pair_q[-1], G[np.triu_indices(3, 1)].mean(),
                               rtol=0, atol=1e-12)
    assert np.all(np.abs(res.trace_q) <= 1 + 1e-12) and res.mean_arcs >= 1.0
    assert res.n_sweeps == 12 and res.record_every == 2 and res.kappa == kappa
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.kappa = 0.0
    one = hit_and_run(xi, kappa, n_chains=1, n_sweeps=3, rng=rng)
    assert one.trace_pair_q.shape == (0,) and math.isnan(one.r_hat)


@pytest.mark.parametrize("block", [None, 4])
def test_reproducible_bit_for_bit(block):
    xi = np.random.default_rng([SEED, 5]).standard_normal((25, 15))
    runs = [hit_and_run(xi, -0.4, n_chains=2, n_sweeps=6, rng=np.random.default_rng(s),
                        directions_per_block=block) for s in (7, 7, 8)]
    for field in ("w", "trace_q", "trace_pair_q", "trace_margin", "tau_int"):
        np.testing.assert_array_equal(getattr(runs[0], field), getattr(runs[1], field))
    assert runs[0].mean_arcs == runs[1].mean_arcs
    assert not np.array_equal(runs[0].w, runs[2].w)


def test_errors():
    rng = np.random.default_rng([SEED, 6])
    xi = rng.standard_normal((4, 6))
    ok = dict(n_chains=2, n_sweeps=3, rng=rng)
    cases = [
        ((np.ones(6), -0.5), ok, "shape"),
        ((np.ones((0, 6)), -0.5), ok, "P >= 1"),
        ((np.ones((3, 1)), -0.5), ok, "N >= 2"),
        ((xi, math.nan), ok, "kappa"),
        ((xi, -0.5), {**ok, "n_chains": 0}, "n_chains"),
        ((xi, -0.5), {**ok, "n_sweeps": 1.5}, "n_sweeps"),
        ((xi, -0.5), {**ok, "record_every": 4}, "record_every"),
        ((xi, -0.5), {**ok, "rng": 3}, "Generator"),
        ((xi, -0.5), {**ok, "w0": np.ones((3, 6))}, "w0"),
        ((xi, -0.5), {**ok, "w0": np.zeros(6)}, "zero"),
        ((xi, -0.5), {**ok, "directions_per_block": 0}, "directions_per_block"),
    ]
    for args, kw, match in cases:
        with pytest.raises(ValueError, match=match):
            hit_and_run(*args, **kw)
    good = hit_and_run(xi, -0.5, n_chains=1, n_sweeps=1, rng=rng).w[0]
    W0 = np.stack([good, -xi[2]])  # Delta^2(-xi^2) = -|xi^2| < -0.5
    mu = int(np.argmin(W0[1] @ xi.T))
    with pytest.raises(ValueError, match=rf"w0\[1\] is not a solution: Delta\^{mu} = "):
        hit_and_run(xi, -0.5, **{**ok, "w0": W0})
    unsat = rng.standard_normal((40, 4))
    with pytest.raises(RuntimeError, match="chain 0"):
        hit_and_run(unsat, 1.5, n_chains=1, n_sweeps=1, rng=rng)


# ------------------------------------------------------------------ diagnostics


def test_integrated_time_of_ar1():
    """AR(1) x_t = rho x_{t-1} + noise has tau = (1 + rho)/(1 - rho) = 9 at rho = 0.8."""
    rng = np.random.default_rng([SEED, 7])
    rho, n = 0.8, 200_000
    e = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = e[0] / math.sqrt(1 - rho**2)
    for t in range(1, n):
        x[t] = rho * x[t - 1] + e[t]
    assert _integrated_time(x) == pytest.approx(9.0, rel=0.08)
    assert _integrated_time(e) == pytest.approx(1.0, abs=0.05)
    assert math.isnan(_integrated_time(np.ones(10))) and math.isnan(_integrated_time([1.0]))


def test_gelman_rubin_formula():
    rng = np.random.default_rng([SEED, 8])
    x = rng.standard_normal((4, 50))
    m, n = x.shape
    W = np.mean([np.var(c, ddof=1) for c in x])
    B = n * np.var(x.mean(axis=1), ddof=1)
    assert _gelman_rubin(x) == pytest.approx(math.sqrt(((n - 1) / n * W + B / n) / W),
                                             rel=1e-13)
    assert _gelman_rubin(x + 3 * np.arange(4)[:, None]) > 2
    assert math.isnan(_gelman_rubin(x[:1])) and math.isnan(_gelman_rubin(np.ones((3, 5))))


def test_mixing_negative_perceptron():
    """N = 100, alpha = 1, kappa = -0.5, 4 chains x 200 sweeps (~1 s). Measured at the
    default seed: tau_int = 6.2, 10.2, 5.7, 6.3 sweeps, r_hat = 0.998, mean_arcs = 1.0003;
    over seeds 0-7 tau_int ranged over 2.5-12.7 sweeps and r_hat over 0.998-1.015."""
    rng = np.random.default_rng([SEED, 9])
    xi = rng.standard_normal((100, 100))
    res = hit_and_run(xi, -0.5, n_chains=4, n_sweeps=200, rng=rng)
    assert np.all(np.isfinite(res.tau_int)) and np.all(res.tau_int < 25)
    assert res.r_hat < 1.1
    assert np.all(res.trace_margin >= -0.5 - 1e-12)


def test_public_names():
    import simulate
    import simulate.sampler as mod
    for name in ("hit_and_run", "SamplerResult"):
        assert name in simulate.__all__ and getattr(simulate, name) is getattr(mod, name)
