"""Tests of simulate.paths: kernels against slow NumPy twins that build every point explicitly,
endpoints, geodesic identities, binary paths, reproducibility, errors."""
from __future__ import annotations

import dataclasses
import math
import os

import numpy as np
import pytest

from simulate.binary import enumerate_solutions
from simulate.hinge import find_solution
from simulate.paths import (PathEnergy, _geodesic_weights, barycenter_energy, geodesic_energy,
                            hamming_path_energy, simplex_energy, straight_energy)

SEED = int(os.environ.get("SIMULATE_TEST_SEED", "20240611"))


# ------------------------------------------------------------------ slow independent twins


def energy(xi, w, kappa):
    """Fraction of mu with Delta^mu < kappa at the point sqrt(N) w/|w| (built explicitly)."""
    N = xi.shape[1]
    w = w * (math.sqrt(N) / np.linalg.norm(w))
    return np.count_nonzero(xi @ w / math.sqrt(N) < kappa) / xi.shape[0]


def twin_simplex(xi, W, gamma, kappa):
    return np.array([energy(xi, g @ W, kappa) for g in np.atleast_2d(gamma)])


def twin_geodesic(xi, w1, w2, t, kappa):
    u1, u2 = w1 / np.linalg.norm(w1), w2 / np.linalg.norm(w2)
    theta = math.acos(np.clip(u1 @ u2, -1.0, 1.0))
    return np.array([energy(xi, (math.sin((1 - s) * theta) * u1 + math.sin(s * theta) * u2)
                            / math.sin(theta), kappa) for s in t])


def twin_hamming(xi, w1, w2, t, kappa, orders):
    """Switch the first round(t D) coordinates of each order explicitly; fields from scratch.
    ±1 patterns: integer fields, h >= kappa sqrt(N) up to a relative 1e-9 is satisfied."""
    P, N = xi.shape
    D = orders.shape[1]
    thr = kappa * math.sqrt(N)
    integer = np.all(xi == np.rint(xi))
    out = np.empty((len(orders), len(t)))
    for o, order in enumerate(orders):
        for j, s in enumerate(t):
            v = w1.copy()
            sw = order[: int(round(s * D))]
            v[sw] = w2[sw]
            assert np.all(np.abs(v) == 1)
            assert np.count_nonzero(v != w1) == len(sw)
            h = xi @ v
            bad = h < thr - 1e-9 * max(1.0, abs(thr)) if integer else h / math.sqrt(N) < kappa
            out[o, j] = np.count_nonzero(bad) / P
    return out


def solutions(xi, kappa, n, rng):
    out = []
    for _ in range(n):
        res = find_solution(xi, kappa, rng=rng)
        assert res.converged
        out.append(res.w)
    return np.stack(out)


# ------------------------------------------------------------------ simplex


@pytest.mark.parametrize("kappa", [-0.5, 0.0, 0.3])
def test_simplex_matches_explicit_points(kappa):
    rng = np.random.default_rng([SEED, 1])
    P, N, y = 40, 25, 4
    xi = rng.standard_normal((P, N))
    W = rng.standard_normal((y, N)) * rng.uniform(0.5, 2.0, (y, 1))  # any norms
    gamma = rng.random((300, y))
    gamma[rng.random((300, y)) < 0.3] = 0.0
    gamma[gamma.sum(axis=1) == 0, 0] = 1.0
    e = simplex_energy(xi, W, gamma, kappa)
    assert e.dtype == np.float64 and e.shape == (300,)
    np.testing.assert_array_equal(e, twin_simplex(xi, W, gamma, kappa))
    assert len(np.unique(e)) > 3
    np.testing.assert_array_equal(simplex_energy(xi, W, gamma[0], kappa), e[:1])
    np.testing.assert_array_equal(simplex_energy(xi, W, 7.0 * gamma, kappa), e)  # scale-free


def test_simplex_vertices_are_exact():
    rng = np.random.default_rng([SEED, 2])
    P, N, kappa = 60, 30, -0.4
    xi = rng.standard_normal((P, N))
    S = solutions(xi, kappa, 3, rng)
    np.testing.assert_array_equal(simplex_energy(xi, S, 2.5 * np.eye(3), kappa), 0.0)
    # binary vertices, ±1 patterns, kappa = 0, even N: fields h = 0 occur and are satisfied
    xb = rng.choice([-1.0, 1.0], (P, 12))
    B = rng.choice([-1.0, 1.0], (5, 12))
    h = B @ xb.T
    assert np.any(h == 0)
    np.testing.assert_array_equal(simplex_energy(xb, B, np.eye(5), 0.0),
                                  np.count_nonzero(h < 0, axis=1) / P)


def test_barycenter():
    rng = np.random.default_rng([SEED, 3])
    P, N, kappa = 50, 30, -0.3
    xi = rng.standard_normal((P, N))
    w = rng.standard_normal(N)
    for y in (1, 2, 5):
        assert barycenter_energy(xi, np.tile(w, (y, 1)), kappa) == energy(xi, w, kappa)
    W = rng.standard_normal((6, N))
    b = barycenter_energy(xi, W, kappa)
    assert isinstance(b, float)
    assert b == simplex_energy(xi, W, np.ones(6), kappa)[0] == twin_simplex(xi, W, np.ones(6),
                                                                              kappa)[0]


# ------------------------------------------------------------------ geodesic and straight


def test_geodesic_matches_explicit_slerp_and_endpoints():
    rng = np.random.default_rng([SEED, 4])
    P, N, kappa = 80, 40, -0.3
    xi = rng.standard_normal((P, N))
    w1, w2 = solutions(xi, kappa, 2, rng)
    t = np.linspace(0.0, 1.0, 101)
    e = geodesic_energy(xi, w1, w2, t, kappa)
    np.testing.assert_array_equal(e, twin_geodesic(xi, w1, w2, t, kappa))
    assert e[0] == 0.0 and e[-1] == 0.0
    a, b = 3.0 * rng.standard_normal(N), rng.standard_normal(N)  # not solutions, any norm
    ea = geodesic_energy(xi, a, b, [0.0, 1.0, 0.37], kappa)
    assert ea[0] == energy(xi, a, kappa) and ea[1] == energy(xi, b, kappa)
    np.testing.assert_array_equal(geodesic_energy(xi, a, 2 * a, [0.0, 0.5, 1.0], kappa),
                                  energy(xi, a, kappa))  # theta = 0: a single point


def test_slerp_points_are_on_the_sphere_at_angle_t_theta():
    rng = np.random.default_rng([SEED, 5])
    N = 50
    w1, w2 = 2.0 * rng.standard_normal(N), rng.standard_normal(N)
    t = np.linspace(0.0, 1.0, 21)
    V, gamma, theta = _geodesic_weights(w1, w2, t)
    u1, u2 = w1 / np.linalg.norm(w1), w2 / np.linalg.norm(w2)
    assert theta == pytest.approx(math.acos(u1 @ u2), rel=1e-13)
    pts = gamma @ V / math.sin(theta)  # no projection needed: slerp stays on the sphere
    np.testing.assert_allclose(np.sum(pts * pts, axis=1), N, rtol=1e-12)
    np.testing.assert_allclose(pts @ V[0] / N, np.cos(t * theta), rtol=0, atol=1e-12)
    np.testing.assert_allclose(pts @ V[1] / N, np.cos((1 - t) * theta), rtol=0, atol=1e-12)
    B = rng.choice([-1.0, 1.0], (2, N))
    V, _, _ = _geodesic_weights(B[0], B[1], t)
    np.testing.assert_array_equal(V, B)  # binary endpoints are kept exactly


def test_straight_traces_the_geodesic():
    rng = np.random.default_rng([SEED, 6])
    P, N, kappa = 80, 40, 0.0
    xi = rng.standard_normal((P, N))
    w1, w2 = rng.standard_normal((2, N))
    w1 *= math.sqrt(N) / np.linalg.norm(w1)
    w2 *= math.sqrt(N) / np.linalg.norm(w2)
    t = np.linspace(0.0, 1.0, 201)
    s = straight_energy(xi, w1, w2, t, kappa)
    np.testing.assert_array_equal(s, twin_simplex(xi, np.stack([w1, w2]),
                                                  np.stack([1 - t, t], axis=1), kappa))
    theta = math.acos(w1 @ w2 / N)
    phi = np.arctan2(t * math.sin(theta), 1 - t + t * math.cos(theta))
    g = geodesic_energy(xi, w1, w2, np.clip(phi / theta, 0.0, 1.0), kappa)
    np.testing.assert_array_equal(s, g)
    assert len(np.unique(s)) > 3
    assert s[0] == energy(xi, w1, kappa) and s[-1] == energy(xi, w2, kappa)


# ------------------------------------------------------------------ Hamming paths


@pytest.mark.parametrize("patterns", ["gaussian", "pm1"])
def test_hamming_path_matches_explicit_binary_points(patterns):
    rng = np.random.default_rng([SEED, 7])
    P, N, kappa = 30, 40, (-0.3 if patterns == "gaussian" else 0.0)
    xi = (rng.standard_normal((P, N)) if patterns == "gaussian"
          else rng.choice([-1.0, 1.0], (P, N)))
    w1, w2 = rng.choice([-1.0, 1.0], (2, N))
    t = np.array([0.0, 1.0, 0.5, 0.25, 0.1, 0.9, 0.33, 0.75, 0.0125])
    res = hamming_path_energy(xi, w1, w2, t, kappa, n_orders=6, rng=np.random.default_rng(11))
    assert isinstance(res, PathEnergy) and res.n_orders == 6
    D = int(np.count_nonzero(w1 != w2))
    assert res.distance == D
    np.testing.assert_array_equal(res.n_switched, np.rint(t * D).astype(np.int64))
    diff = np.flatnonzero(w1 != w2)
    orders = np.random.default_rng(11).permuted(np.broadcast_to(diff, (6, D)), axis=1)
    twin = twin_hamming(xi, w1, w2, t, kappa, orders)
    np.testing.assert_allclose(res.energy, twin.mean(axis=0), rtol=0, atol=1e-15)
    np.testing.assert_allclose(res.stderr, twin.std(axis=0, ddof=1) / math.sqrt(6), rtol=0,
                               atol=1e-15)
    assert res.energy[0] == energy(xi, w1, kappa) or patterns == "pm1"
    assert res.stderr[0] == 0.0 and res.stderr[1] == 0.0
    np.testing.assert_array_equal(res.t, t)


def test_hamming_path_between_enumerated_solutions():
    """±1 patterns, kappa = 0, even N: the endpoints have zero fields (ties) and are solutions
    of enumerate_solutions; the path reproduces their zero energy exactly at t = 0, 1."""
    rng = np.random.default_rng([SEED, 8])
    P, N = 8, 14
    xi = rng.choice([-1.0, 1.0], (P, N))
    sols = enumerate_solutions(xi, 0.0).solutions.astype(np.float64)
    assert len(sols) >= 2
    w1, w2 = sols[0], sols[-1]
    t = np.linspace(0.0, 1.0, 15)
    res = hamming_path_energy(xi, w1, w2, t, 0.0, n_orders=20, rng=rng)
    assert res.energy[0] == 0.0 and res.energy[-1] == 0.0
    same = hamming_path_energy(xi, w1, w1, t, 0.0, n_orders=3, rng=rng)
    assert same.distance == 0 and np.all(same.energy == 0.0) and np.all(same.n_switched == 0)


def test_reproducible_and_frozen():
    rng = np.random.default_rng([SEED, 9])
    xi = rng.standard_normal((20, 30))
    w1, w2 = rng.choice([-1.0, 1.0], (2, 30))
    t = np.linspace(0, 1, 9)
    r1, r2 = (hamming_path_energy(xi, w1, w2, t, 0.0, n_orders=10,
                                  rng=np.random.default_rng(3)) for _ in range(2))
    for f in ("energy", "stderr", "n_switched"):
        np.testing.assert_array_equal(getattr(r1, f), getattr(r2, f))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r1.n_orders = 3
    assert not r1.energy.flags.writeable


# ------------------------------------------------------------------ errors


def test_errors():
    rng = np.random.default_rng([SEED, 10])
    xi = rng.standard_normal((5, 4))
    W = rng.standard_normal((3, 4))
    w1, w2 = np.ones(4), np.array([1.0, -1.0, 1.0, -1.0])
    cases = [
        (simplex_energy, (np.ones(4), W, np.ones(3), 0.0), "shape"),
        (simplex_energy, (np.ones((0, 4)), W, np.ones(3), 0.0), "P >= 1"),
        (simplex_energy, (xi, W, np.ones(3), math.inf), "kappa"),
        (simplex_energy, (xi, W[:, :3], np.ones(3), 0.0), "W must have shape"),
        (simplex_energy, (xi, np.stack([W[0], 0 * W[0]]), np.ones(2), 0.0), r"W\[1\]"),
        (simplex_energy, (xi, W, np.ones(2), 0.0), "gamma must have shape"),
        (simplex_energy, (xi, W, [[1.0, -0.1, 0.0]], 0.0), r"gamma\[0, 1\]"),
        (simplex_energy, (xi, W, [[1.0, 1.0, 1.0], [0.0, np.nan, 1.0]], 0.0), r"gamma\[1, 1\]"),
        (simplex_energy, (xi, W, [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]], 0.0), r"gamma\[1\]"),
        (simplex_energy, (xi, np.stack([W[0], -W[0]]), [[1.0, 0.0], [1.0, 1.0]], 0.0),
         "point 1"),
        (barycenter_energy, (xi, W[:, :2], 0.0), "W must have shape"),
        (geodesic_energy, (xi, w1, w2, [0.5, 1.5], 0.0), r"t\[1\]"),
        (geodesic_energy, (xi, w1, -w1, [0.5], 0.0), "antipodal"),
        (geodesic_energy, (xi, w1, np.ones(3), [0.5], 0.0), "w2"),
        (straight_energy, (xi, w1, -w1, [0.0, 0.5], 0.0), "point 1"),
        (straight_energy, (xi, w1, w2, [-0.1], 0.0), r"t\[0\]"),
    ]
    for func, args, match in cases:
        with pytest.raises(ValueError, match=match):
            func(*args)
    ok = dict(n_orders=3, rng=rng)
    with pytest.raises(ValueError, match="w2"):
        hamming_path_energy(xi, w1, 0.5 * w2, [0.5], 0.0, **ok)
    with pytest.raises(ValueError, match="n_orders"):
        hamming_path_energy(xi, w1, w2, [0.5], 0.0, n_orders=1, rng=rng)
    with pytest.raises(ValueError, match="Generator"):
        hamming_path_energy(xi, w1, w2, [0.5], 0.0, n_orders=3, rng=1)
    with pytest.raises(ValueError, match=r"t\[0\]"):
        hamming_path_energy(xi, w1, w2, [np.nan], 0.0, **ok)


def test_public_names():
    import simulate
    import simulate.paths as mod
    for name in ("simplex_energy", "geodesic_energy", "straight_energy", "barycenter_energy",
                 "hamming_path_energy", "PathEnergy"):
        assert name in simulate.__all__ and getattr(simulate, name) is getattr(mod, name)
