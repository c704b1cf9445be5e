"""Tests of simulate.localentropy: kernels against slow NumPy twins, exact formulas, errors."""
from __future__ import annotations

import dataclasses
import itertools
import math
import os

import numba
import numpy as np
import pytest
from scipy.special import betainc
from scipy.stats import hypergeom

import simulate.localentropy as le
from simulate._localkernels import (_distance_counts_kernel, _flip_violations_kernel,
                                    _perceptron_kernel, _sphere_violations_kernel)
from simulate.binary import enumerate_solutions, solution_overlaps
import simulate.localenergy as len_
from simulate.hinge import SolverResult, find_solution
from simulate.localenergy import LocalEnergy, local_energy, local_energy_binary
from simulate.localentropy import LocalEntropyCounts, local_entropy_counts, solution_margins

SEED = int(os.environ.get("SIMULATE_TEST_SEED", "20240611"))


def gaussian(rng, P, N):
    return rng.standard_normal((P, N))


def pm1(rng, P, N):
    return rng.choice([-1.0, 1.0], size=(P, N))


# ------------------------------------------------------------------ slow independent twins


def all_weights(N: int) -> np.ndarray:
    """All 2^N vectors of {-1,+1}^N, built explicitly."""
    return np.array(list(itertools.product([1, -1], repeat=N)), dtype=np.int64)


def brute_solutions(xi: np.ndarray, kappa: float) -> np.ndarray:
    """Rows w of {-1,+1}^N with min_mu Delta^mu(w) >= kappa (±1 patterns: integer fields, a
    stability equal to kappa up to its rounding counts as satisfied, as documented)."""
    P, N = xi.shape
    W = all_weights(N)
    if np.all(np.abs(xi) == 1):
        h = W @ xi.astype(np.int64).T
        t = kappa * math.sqrt(N)
        sat = np.all(h >= t - 1e-9 * max(1.0, abs(t)), axis=1)
    else:
        sat = np.all((W.astype(float) @ xi.T) / math.sqrt(N) >= kappa, axis=1)
    return W[sat]


def twin_distance_counts(refs: np.ndarray, sols: np.ndarray, N: int) -> np.ndarray:
    """counts[r, k] = number of rows of ``sols`` differing from refs[r] in exactly k places."""
    out = np.zeros((len(refs), N + 1), np.int64)
    for r, w in enumerate(refs):
        d = np.count_nonzero(sols != w[None, :], axis=1)
        out[r] = np.bincount(d, minlength=N + 1)
    return out


def twin_sphere_violations(X, w_hat, G, p, kappa):
    """Build every w explicitly, then count Delta^mu(w) < kappa."""
    N = X.shape[1]
    a = G @ w_hat / N
    V = G - a[:, None] * w_hat[None, :]
    U = math.sqrt(N) * V / np.linalg.norm(V, axis=1)[:, None]
    W = p * w_hat[None, :] + math.sqrt(max(0.0, 1 - p * p)) * U
    return np.count_nonzero(W @ X.T / math.sqrt(N) < kappa, axis=1)


def twin_flip_violations(X, w, keys, n_flip, thr):
    """Flip the n_flip coordinates with the smallest keys, recompute fields from scratch."""
    out = []
    for row in keys:
        v = w.copy()
        v[np.argsort(row)[:n_flip]] *= -1
        out.append(np.count_nonzero(X @ v < thr))
    return np.array(out)


def twin_perceptron(X, w, perms, kappa_stop, kappa_target, lr):
    """Same epochs as _perceptron_kernel in plain NumPy: (epochs, converged, margin, w)."""
    P, N = X.shape
    w = w.copy()
    for ep, order in enumerate(perms):
        m = np.min(X @ w) / math.sqrt(N)
        if m >= kappa_stop:
            return ep, True, m, w
        for mu in order:
            if X[mu] @ w / math.sqrt(N) < kappa_target:
                w = w + lr / math.sqrt(N) * X[mu]
                w = w * math.sqrt(N) / np.linalg.norm(w)
    m = np.min(X @ w) / math.sqrt(N)
    return len(perms), m >= kappa_stop, m, w


def stats(viol, P):
    frac = np.asarray(viol) / P
    return frac.mean(), frac.std(ddof=1) / math.sqrt(frac.size)


# ------------------------------------------------------------------ solution_margins


def test_solution_margins_integer_and_float():
    rng = np.random.default_rng([SEED, 1])
    P, N = 9, 11
    xi = pm1(rng, P, N)
    S = np.where(rng.random((20, N)) < 0.5, 1, -1).astype(np.int8)
    m = solution_margins(xi, S)
    h = S.astype(np.int64) @ xi.astype(np.int64).T
    np.testing.assert_array_equal(m * math.sqrt(N), h.min(axis=1))  # exact integers
    xg = gaussian(rng, P, N)
    Wf = rng.standard_normal((5, N))
    np.testing.assert_allclose(solution_margins(xg, Wf), (Wf @ xg.T).min(axis=1) / math.sqrt(N),
                               rtol=1e-14)
    assert np.all(solution_margins(np.empty((0, N)), S) == np.inf)
    assert solution_margins(xi, S[:0]).shape == (0,)


@pytest.mark.parametrize("xi,S,match", [
    (np.ones((3, 4)), np.ones((2, 5)), "columns"),
    (np.ones(4), np.ones((2, 4)), "shape"),
    (np.ones((3, 4)), np.ones(4), "shape"),
    (np.array([[1.0, np.nan], [1.0, 1.0]]), np.ones((1, 2)), "non-finite"),
    (np.ones((3, 4)), np.array([[1.0, np.inf, 1.0, 1.0]]), "non-finite"),
])
def test_solution_margins_errors(xi, S, match):
    with pytest.raises(ValueError, match=match):
        solution_margins(xi, S)


# ------------------------------------------------------------------ distance-count kernel


def test_distance_kernel_matches_python_popcount():
    rng = np.random.default_rng([SEED, 2])
    refs = rng.integers(0, 2**63, size=7, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    sols = rng.integers(0, 2**63, size=300, dtype=np.uint64) * np.uint64(2)
    sols[:3] = [0, np.uint64(2**64 - 1), refs[0]]  # extremes and the top bit
    counts = _distance_counts_kernel(refs, sols, np.int64(64))
    want = np.zeros((7, 65), np.int64)
    for r, c in enumerate(refs):
        for s in sols:
            want[r, bin(int(c) ^ int(s)).count("1")] += 1
    np.testing.assert_array_equal(counts, want)


# ------------------------------------------------------------------ local_entropy_counts


def check_against_brute(xi, kappa, kappa_ref, n_ref, seed):
    P, N = xi.shape
    res = local_entropy_counts(xi, kappa, kappa_ref, n_ref=n_ref,
                               rng=np.random.default_rng(seed))
    sols = brute_solutions(xi, kappa)
    cands = brute_solutions(xi, kappa_ref)
    assert (res.N, res.P, res.kappa, res.kappa_ref) == (N, P, kappa, kappa_ref)
    assert res.n_solutions == len(sols) and res.n_candidates == len(cands)
    n_refs = min(n_ref, len(cands))
    assert res.references.shape == (n_refs, N) and res.references.dtype == np.int8
    assert res.counts.shape == (n_refs, N + 1) and res.counts.dtype == np.int64
    cand_set = {tuple(c) for c in cands}
    assert all(tuple(int(v) for v in w) in cand_set for w in res.references)
    assert len({tuple(w) for w in res.references}) == n_refs  # without replacement
    np.testing.assert_array_equal(res.counts,
                                  twin_distance_counts(res.references.astype(np.int64), sols, N))
    np.testing.assert_array_equal(res.counts.sum(axis=1), res.n_solutions)
    if kappa_ref >= kappa:
        np.testing.assert_array_equal(res.counts[:, 0], 1)  # the reference itself
    return res


@pytest.mark.parametrize("kappa,kappa_ref", [(0.0, 0.0), (0.0, 0.5), (-0.3, 0.2), (0.4, -0.2)])
@pytest.mark.parametrize("make,N,P", [(gaussian, 12, 6), (pm1, 13, 5), (pm1, 14, 8),
                                      (gaussian, 6, 2)])
def test_counts_match_brute_force(make, N, P, kappa, kappa_ref):
    rng = np.random.default_rng([SEED, N, P, 3])
    xi = make(rng, P, N)
    check_against_brute(xi, kappa, kappa_ref, n_ref=4, seed=[SEED, 4])


def test_pm1_lattice_thresholds():
    """kappa*sqrt(N) on the integer lattice: ties count as satisfied, as in enumerate_solutions."""
    rng = np.random.default_rng([SEED, 5])
    N, P = 9, 4
    xi = pm1(rng, P, N)
    res = check_against_brute(xi, 1 / math.sqrt(N), 3 / math.sqrt(N), n_ref=50, seed=SEED)
    assert res.n_solutions == enumerate_solutions(xi, 1 / math.sqrt(N)).count
    assert res.n_candidates == enumerate_solutions(xi, 3 / math.sqrt(N)).count


def test_float_tie_falls_back_to_enumeration(monkeypatch):
    """Half-integer (float) patterns: exact field ties at kappa_hi*sqrt(N) go through a second
    enumeration and agree with enumerate_solutions at kappa_hi."""
    rng = np.random.default_rng([SEED, 6])
    N, P = 11, 4  # odd N: no zero fields
    xi = 0.5 * pm1(rng, P, N)
    xi[0, 0] = 0.25  # not integer-valued: float arithmetic
    calls = []
    real = le.enumerate_solutions
    monkeypatch.setattr(le, "enumerate_solutions",
                        lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    hmin = np.unique((real(xi, 0.0).solutions @ xi.T).min(axis=1))
    hmin = hmin[hmin > 0]
    kappa_hi = hmin[len(hmin) // 2] / math.sqrt(N)  # the margin of some solution, exactly
    res = local_entropy_counts(xi, 0.0, kappa_hi, n_ref=3, rng=np.random.default_rng(SEED))
    assert calls == [0.0, kappa_hi]
    assert res.n_candidates == real(xi, kappa_hi).count > 0
    assert res.n_solutions == real(xi, 0.0).count


def test_pair_histogram_agrees_with_solution_overlaps():
    """With every solution as a reference, sum_r counts[r] is the pair-distance histogram."""
    rng = np.random.default_rng([SEED, 7])
    N, P = 12, 5
    xi = gaussian(rng, P, N)
    res = local_entropy_counts(xi, 0.0, 0.0, n_ref=10**6, rng=rng)
    assert res.n_refs == res.n_candidates == res.n_solutions
    hist = solution_overlaps(res.references)
    total = res.counts.sum(axis=0)
    want = 2 * hist.counts[::-1]  # overlap index j = N - k
    want[0] += res.n_solutions
    np.testing.assert_array_equal(total, want)
    all_sols = enumerate_solutions(xi).solutions
    assert sorted(map(tuple, res.references)) == sorted(map(tuple, all_sols))


def test_gauge_symmetry():
    """xi_i -> s_i xi_i, w_i -> s_i w_i leaves the distance profiles unchanged."""
    rng = np.random.default_rng([SEED, 8])
    N, P = 11, 5
    xi = gaussian(rng, P, N)
    s = np.where(rng.random(N) < 0.5, -1.0, 1.0)
    a = local_entropy_counts(xi, 0.0, 0.3, n_ref=10**6, rng=rng)
    b = local_entropy_counts(xi * s, 0.0, 0.3, n_ref=10**6, rng=rng)
    key = lambda res: sorted(zip(map(tuple, res.references * s.astype(np.int8)),  # noqa: E731
                                 map(tuple, res.counts)))
    assert sorted(zip(map(tuple, a.references), map(tuple, a.counts))) == key(b)


def test_reference_draw_is_documented_choice():
    rng = np.random.default_rng([SEED, 9])
    N, P = 10, 4
    xi = gaussian(rng, P, N)
    res = local_entropy_counts(xi, -0.2, 0.1, n_ref=3, rng=np.random.default_rng(42))
    cands = enumerate_solutions(xi, 0.1).solutions  # sorted by bit code
    idx = np.random.default_rng(42).choice(len(cands), size=3, replace=False)
    np.testing.assert_array_equal(res.references, cands[idx])


def test_methods_and_no_candidate():
    rng = np.random.default_rng([SEED, 10])
    N, P = 10, 6
    xi = gaussian(rng, P, N)
    res = local_entropy_counts(xi, 0.0, 0.0, n_ref=3, rng=rng)
    np.testing.assert_allclose(res.distances, np.arange(N + 1) / N)
    np.testing.assert_allclose(res.overlaps, 1 - 2 * np.arange(N + 1) / N)
    values, valid = res.log_counts()
    np.testing.assert_array_equal(valid, res.counts > 0)
    assert np.all(np.isnan(values[~valid]))
    np.testing.assert_allclose(values[valid], np.log(res.counts[valid]))
    cum = res.cumulative()
    np.testing.assert_array_equal(cum, np.cumsum(res.counts, axis=1))
    np.testing.assert_array_equal(cum[:, -1], res.n_solutions)
    assert res.alpha == P / N

    none = local_entropy_counts(xi, 0.0, 50.0, n_ref=3, rng=rng)
    assert none.n_candidates == 0 and none.n_refs == 0
    assert none.counts.shape == (0, N + 1) and none.references.shape == (0, N)
    assert none.n_solutions == res.n_solutions
    assert none.log_counts()[0].shape == (0, N + 1)


def test_reproducible_and_frozen():
    rng = np.random.default_rng([SEED, 11])
    xi = pm1(rng, 6, 12)
    a = local_entropy_counts(xi, 0.0, 0.0, n_ref=5, rng=np.random.default_rng(7))
    b = local_entropy_counts(xi, 0.0, 0.0, n_ref=5, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.references, b.references)
    np.testing.assert_array_equal(a.counts, b.counts)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.n_solutions = 0
    with pytest.raises(ValueError):
        a.counts[0, 0] = 5


@pytest.mark.parametrize("kwargs,match", [
    (dict(xi=np.array([[1.0, np.nan]])), "non-finite"),
    (dict(xi=np.ones(3)), "shape"),
    (dict(xi=np.ones((2, 41))), "N <= 40"),
    (dict(kappa=np.nan), "kappa"),
    (dict(kappa_ref=np.inf), "kappa_ref"),
    (dict(n_ref=0), "n_ref"),
    (dict(n_ref=1.5), "n_ref"),
    (dict(rng=0), "rng"),
    (dict(max_solutions=-1), "max_solutions"),
    (dict(max_solutions=1), "max_solutions"),
])
def test_local_entropy_errors(kwargs, match):
    args = dict(xi=np.ones((2, 6)), kappa=0.0, kappa_ref=0.0, n_ref=2,
                rng=np.random.default_rng(0), max_solutions=1000)
    args.update(kwargs)
    xi, kappa, kappa_ref = args.pop("xi"), args.pop("kappa"), args.pop("kappa_ref")
    with pytest.raises(ValueError, match=match):
        local_entropy_counts(xi, kappa, kappa_ref, **args)


# ------------------------------------------------------------------ local_energy (spherical)


def test_sphere_kernel_matches_twin():
    rng = np.random.default_rng([SEED, 12])
    P, N = 30, 25
    X = gaussian(rng, P, N)
    w = rng.standard_normal(N)
    w_hat = w * math.sqrt(N) / np.linalg.norm(w)
    G = rng.standard_normal((40, N))
    for p in (-1.0, -0.4, 0.0, 0.5, 0.99, 1.0):
        for kappa in (-0.5, 0.0, 0.7):
            np.testing.assert_array_equal(_sphere_violations_kernel(X, w_hat, G, p, kappa),
                                          twin_sphere_violations(X, w_hat, G, p, kappa))


def test_local_energy_matches_twin_with_same_draws(monkeypatch):
    rng = np.random.default_rng([SEED, 13])
    P, N, n = 40, 30, 50
    xi = gaussian(rng, P, N)
    w = rng.standard_normal(N)
    ps = np.array([0.0, 0.3, 0.8, 1.0, -1.0])
    res = local_energy(xi, w, ps, 0.2, n_samples=n, rng=np.random.default_rng(3))
    draws = np.random.default_rng(3)
    w_hat = w * math.sqrt(N) / np.linalg.norm(w)
    for j, p in enumerate(ps):
        e, err = stats(twin_sphere_violations(xi, w_hat, draws.standard_normal((n, N)), p, 0.2), P)
        assert res.e[j] == pytest.approx(e, rel=1e-14, abs=0)
        assert res.e_err[j] == pytest.approx(err, rel=1e-12, abs=1e-15)
    assert res.e[3] == res.e_ref and res.e_err[3] == 0.0 and res.e_err[4] == 0.0
    assert res.e_ref == np.count_nonzero(xi @ w_hat / math.sqrt(N) < 0.2) / P
    assert res.e[4] == np.count_nonzero(-xi @ w_hat / math.sqrt(N) < 0.2) / P
    # row chunks draw the same stream
    monkeypatch.setattr(len_, "_CHUNK_ELEMENTS", 7 * N)
    chunked = local_energy(xi, w, ps, 0.2, n_samples=n, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(chunked.e, res.e)
    # scale of w_ref is irrelevant; reproducible; frozen
    again = local_energy(xi, 3.5 * w, ps, 0.2, n_samples=n, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(again.e, res.e)
    assert isinstance(res, LocalEnergy) and res.n_samples == n and res.kappa == 0.2
    np.testing.assert_allclose(res.distances, (1 - ps) / 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.kappa = 1.0


def exact_sphere_energy(xi, w, p, kappa):
    """E[fraction violated] at finite N: xi.u/sqrt(N) = |xi_perp| t, (1+t)/2 ~ Beta(a, a)."""
    P, N = xi.shape
    w_hat = w * math.sqrt(N) / np.linalg.norm(w)
    u = xi @ w_hat / math.sqrt(N)
    perp = np.sqrt(np.sum(xi**2, axis=1) - u**2)
    x = np.clip((kappa - p * u) / (math.sqrt(1 - p * p) * perp), -1.0, 1.0)
    a = (N - 2) / 2
    return float(np.mean(betainc(a, a, (1 + x) / 2)))


@pytest.mark.parametrize("kappa", [0.0, -0.7, 0.5])
def test_local_energy_exact_formula(kappa):
    rng = np.random.default_rng([SEED, 14])
    P, N = 150, 60
    xi = gaussian(rng, P, N)
    w = find_solution(xi, kappa, rng=rng).w if kappa <= 0 else rng.standard_normal(N)
    ps = np.array([0.2, 0.6, 0.9, 0.99])
    res = local_energy(xi, w, ps, kappa, n_samples=400, rng=rng)
    for j, p in enumerate(ps):
        exact = exact_sphere_energy(xi, w, p, kappa)
        assert abs(res.e[j] - exact) < 4 * res.e_err[j], (p, res.e[j], exact, res.e_err[j])


def test_local_energy_independent_of_threads():
    rng = np.random.default_rng([SEED, 15])
    xi = gaussian(rng, 50, 40)
    w = rng.standard_normal(40)
    old = numba.get_num_threads()
    try:
        out = []
        for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(threads)
            out.append(local_energy(xi, w, [0.5], 0.0, n_samples=30,
                                    rng=np.random.default_rng(1)).e)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(out[0], out[-1])


@pytest.mark.parametrize("kwargs,match", [
    (dict(overlaps=[0.5, 1.2]), r"overlaps\[1\] = 1.2"),
    (dict(overlaps=[np.nan]), r"overlaps\[0\]"),
    (dict(overlaps=[[0.5]]), "1-D"),
    (dict(overlaps=[]), "1-D"),
    (dict(w_ref=np.ones(7)), "w_ref"),
    (dict(w_ref=np.zeros(6)), "w_ref"),
    (dict(xi=np.full((3, 6), np.nan)), "non-finite"),
    (dict(xi=np.ones((3, 1)), w_ref=np.ones(1)), "N >= 2"),
    (dict(xi=np.ones((0, 6))), "P >= 1"),
    (dict(n_samples=1), "n_samples"),
    (dict(kappa=np.nan), "kappa"),
    (dict(rng=np.random.RandomState(0)), "rng"),
])
def test_local_energy_errors(kwargs, match):
    args = dict(xi=np.ones((3, 6)), w_ref=np.ones(6), overlaps=[0.5], kappa=0.0, n_samples=4,
                rng=np.random.default_rng(0))
    args.update(kwargs)
    pos = [args.pop(k) for k in ("xi", "w_ref", "overlaps", "kappa")]
    with pytest.raises(ValueError, match=match):
        local_energy(*pos, **args)


# ------------------------------------------------------------------ local_energy_binary


@pytest.mark.parametrize("make", [gaussian, pm1])
def test_flip_kernel_and_binary_energy_match_twin(make):
    rng = np.random.default_rng([SEED, 16])
    P, N, n = 35, 20, 30
    xi = make(rng, P, N)
    w = np.where(rng.random(N) < 0.5, -1.0, 1.0)
    kappa = 2 / math.sqrt(N)  # on the lattice for ±1 patterns
    ds = np.array([0.0, 0.05, 0.26, 0.5, 1.0])
    res = local_energy_binary(xi, w, ds, kappa, n_samples=n, rng=np.random.default_rng(5))
    draws = np.random.default_rng(5)
    thr = 2.0 if make is pm1 else kappa * math.sqrt(N)
    n_flip = np.rint(ds * N).astype(int)
    np.testing.assert_array_equal(res.overlaps, 1 - 2 * n_flip / N)
    for j, k in enumerate(n_flip):
        keys = draws.random((n, N))
        viol = twin_flip_violations(xi, w, keys, k, thr)
        C = np.ascontiguousarray((xi * w).T)
        np.testing.assert_array_equal(_flip_violations_kernel(C, xi @ w, keys, np.int64(k), thr),
                                      viol)
        e, err = stats(viol, P)
        assert res.e[j] == pytest.approx(e, rel=1e-14, abs=0)
        assert res.e_err[j] == pytest.approx(err, rel=1e-12, abs=1e-15)
    assert res.e[0] == res.e_ref == np.count_nonzero(xi @ w < thr) / P
    assert res.e[-1] == np.count_nonzero(-xi @ w < thr) / P and res.e_err[-1] == 0.0


def test_binary_energy_ties_as_in_enumeration():
    """A solution found by enumerate_solutions at a lattice kappa has e_ref = 0."""
    rng = np.random.default_rng([SEED, 17])
    N, P = 12, 4
    kappa = 2 / math.sqrt(N)
    for _ in range(50):  # an instance with a solution whose smallest field is exactly 2
        xi = pm1(rng, P, N)
        sols = enumerate_solutions(xi, kappa).solutions
        tied = sols[np.min(sols.astype(int) @ xi.T, axis=1) == 2]
        if len(tied):
            break
    res = local_energy_binary(xi, tied[0], [0.0], kappa, n_samples=2, rng=rng)
    assert res.e_ref == 0.0 and res.e[0] == 0.0


def test_binary_energy_exact_hypergeometric():
    """±1 patterns: the number of flipped +1 products w_i xi_i is hypergeometric."""
    rng = np.random.default_rng([SEED, 18])
    P, N = 120, 101
    xi = pm1(rng, P, N)
    w = np.where(rng.random(N) < 0.5, -1.0, 1.0)
    kappa = 0.3
    ds = np.array([0.02, 0.1, 0.3])
    res = local_energy_binary(xi, w, ds, kappa, n_samples=400, rng=rng)
    c = xi * w
    h_ref = c.sum(axis=1)
    n_plus = np.count_nonzero(c > 0, axis=1)
    m = math.ceil(kappa * math.sqrt(N))
    for j, d in enumerate(ds):
        k = int(np.rint(d * N))
        # h = h_ref - 2(2J - k) < m  <=>  J > (h_ref - m + 2k)/4
        jmin = np.floor((h_ref - m + 2 * k) / 4).astype(int)
        exact = np.mean(hypergeom(N, n_plus, k).sf(jmin))
        assert abs(res.e[j] - exact) < 4 * res.e_err[j], (d, res.e[j], exact, res.e_err[j])


@pytest.mark.parametrize("kwargs,match", [
    (dict(distances=[0.5, -0.1]), r"distances\[1\] = -0.1"),
    (dict(distances=[1.5]), r"distances\[0\]"),
    (dict(w_ref=np.array([1.0, 0.5, 1, 1, 1, 1])), r"\+1 and -1"),
    (dict(w_ref=np.ones(5)), "w_ref"),
    (dict(xi=np.array([[np.nan] * 6])), "non-finite"),
    (dict(n_samples=0), "n_samples"),
])
def test_local_energy_binary_errors(kwargs, match):
    args = dict(xi=np.ones((3, 6)), w_ref=np.ones(6), distances=[0.5], kappa=0.0, n_samples=4,
                rng=np.random.default_rng(0))
    args.update(kwargs)
    pos = [args.pop(k) for k in ("xi", "w_ref", "distances", "kappa")]
    with pytest.raises(ValueError, match=match):
        local_energy_binary(*pos, **args)


# ------------------------------------------------------------------ find_solution


def test_perceptron_kernel_matches_twin():
    rng = np.random.default_rng([SEED, 19])
    P, N = 60, 40
    X = gaussian(rng, P, N)
    w0 = rng.standard_normal(N)
    w0 *= math.sqrt(N) / np.linalg.norm(w0)
    perms = np.array([rng.permutation(P) for _ in range(6)], dtype=np.int64)
    for kappa in (-0.3, 0.0, 0.3):
        w = w0.copy()
        ep, conv, m = _perceptron_kernel(X, w, perms, kappa + 1e-9, kappa + 0.05, 0.1)
        ep2, conv2, m2, w2 = twin_perceptron(X, w0, perms, kappa + 1e-9, kappa + 0.05, 0.1)
        assert (ep, conv) == (ep2, conv2)
        np.testing.assert_allclose(w, w2, rtol=0, atol=1e-10)
        assert m == pytest.approx(m2, abs=1e-12)


@pytest.mark.parametrize("alpha,kappa", [(1.0, 0.0), (2.0, -0.5), (0.5, 0.5)])
def test_find_solution_finds_a_solution(alpha, kappa):
    rng = np.random.default_rng([SEED, 20])
    N = 200
    xi = gaussian(rng, int(alpha * N), N)
    res = find_solution(xi, kappa, rng=rng)
    assert isinstance(res, SolverResult) and res.converged and res.epochs >= 1
    assert np.min(xi @ res.w) / math.sqrt(N) >= kappa  # checked from xi directly
    assert res.margin == pytest.approx(np.min(xi @ res.w) / math.sqrt(N), abs=1e-12)
    assert res.w @ res.w == pytest.approx(N, rel=1e-12)
    assert solution_margins(xi, res.w[None, :])[0] >= kappa


def test_find_solution_impossible_reports_not_converged():
    rng = np.random.default_rng([SEED, 21])
    N = 100
    xi = gaussian(rng, 4 * N, N)
    res = find_solution(xi, 1.0, rng=rng, max_epochs=50)
    assert not res.converged and res.epochs == 50 and res.margin < 1.0
    assert res.w @ res.w == pytest.approx(N, rel=1e-12)


def test_find_solution_start_reproducible():
    rng = np.random.default_rng([SEED, 22])
    N = 50
    xi = gaussian(rng, 40, N)
    a = find_solution(xi, -0.2, rng=np.random.default_rng(9))
    b = find_solution(xi, -0.2, rng=np.random.default_rng(9))
    np.testing.assert_array_equal(a.w, b.w)
    assert a.epochs == b.epochs
    # a solution as starting point: zero epochs, w unchanged up to normalisation
    c = find_solution(xi, -0.2, rng=rng, w0=2 * a.w)
    assert c.converged and c.epochs == 0
    np.testing.assert_allclose(c.w, a.w, rtol=1e-14)
    with pytest.raises(ValueError):
        a.w[0] = 1.0


@pytest.mark.parametrize("kwargs,match", [
    (dict(lr=0.0), "lr"),
    (dict(lr=np.nan), "lr"),
    (dict(max_epochs=0), "max_epochs"),
    (dict(w0=np.ones(5)), "w0"),
    (dict(w0=np.zeros(4)), "w0"),
    (dict(kappa=np.inf), "kappa"),
    (dict(xi=np.ones((0, 4))), "P >= 1"),
    (dict(xi=np.array([[1.0, np.inf, 0, 0]])), "non-finite"),
    (dict(rng=None), "rng"),
])
def test_find_solution_errors(kwargs, match):
    args = dict(xi=np.ones((2, 4)), kappa=0.0, rng=np.random.default_rng(0))
    args.update(kwargs)
    xi, kappa = args.pop("xi"), args.pop("kappa")
    with pytest.raises(ValueError, match=match):
        find_solution(xi, kappa, **args)


def test_public_names():
    import simulate
    import simulate.hinge as hinge
    modules = {le: ("LocalEntropyCounts", "solution_margins", "local_entropy_counts"),
               len_: ("LocalEnergy", "local_energy", "local_energy_binary"),
               hinge: ("SolverResult", "find_solution")}
    for mod, names in modules.items():
        for name in names:
            assert name in simulate.__all__ and getattr(simulate, name) is getattr(mod, name)
    assert LocalEntropyCounts is simulate.LocalEntropyCounts
