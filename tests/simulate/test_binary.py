"""Tests of simulate.binary: exact enumeration against a brute-force NumPy twin, physics checks."""
from __future__ import annotations

import dataclasses
import itertools
import math
import os

import numba
import numpy as np
import pytest
from scipy.special import erfc

import simulate.binary as binary
from simulate.binary import enumerate_solutions, solution_overlaps

SEED = int(os.environ.get("SIMULATE_TEST_SEED", "20240611"))


# ------------------------------------------------------------------ slow independent twin


def all_weights(N: int) -> np.ndarray:
    """All 2^N vectors of {-1,+1}^N, built explicitly."""
    return np.array(list(itertools.product([1, -1], repeat=N)), dtype=np.int64)


def twin(xi: np.ndarray, kappa: float):
    """Brute force: (count, energy histogram, set of solutions) from the full 2^N x P field matrix.

    For ±1 patterns the fields are exact integers and a stability equal to kappa up to the
    rounding of kappa (relative 1e-9) counts as satisfied, as documented; for real patterns the
    plain float comparison Delta >= kappa is used.
    """
    P, N = xi.shape
    W = all_weights(N)
    if np.all(np.abs(xi) == 1):
        h = W @ xi.astype(np.int64).T
        t = kappa * math.sqrt(N)
        sat = h >= t - 1e-9 * max(1.0, abs(t))
    else:
        delta = (W.astype(float) @ xi.T) / math.sqrt(N)
        sat = delta >= kappa
    E = P - sat.sum(axis=1)
    hist = np.bincount(E, minlength=P + 1)
    sols = {tuple(int(v) for v in w) for w, e in zip(W, E) if e == 0}
    return int(hist[0]), hist, sols


def gaussian(rng, P, N):
    return rng.standard_normal((P, N))


def pm1(rng, P, N):
    return rng.choice([-1.0, 1.0], size=(P, N))


def assert_matches_twin(xi, kappa):
    res = enumerate_solutions(xi, kappa)
    count, hist, sols = twin(xi, kappa)
    P, N = xi.shape
    assert res.N == N and res.P == P and res.kappa == kappa
    assert isinstance(res.count, int) and res.count == count
    assert res.energy_histogram.dtype == np.int64
    np.testing.assert_array_equal(res.energy_histogram, hist)
    assert int(res.energy_histogram.sum()) == 2**N
    assert res.count == int(res.energy_histogram[0])
    assert res.solutions_stored
    assert res.solutions.dtype == np.int8 and res.solutions.shape == (count, N)
    assert {tuple(int(v) for v in w) for w in res.solutions} == sols
    return res


# ------------------------------------------------------------------ agreement with the twin


@pytest.mark.parametrize("kappa", [-1.0, -0.3, 0.0, 0.4, 1.2])
@pytest.mark.parametrize("N,P", [(1, 1), (2, 3), (7, 4), (12, 7), (14, 9)])
def test_gaussian_matches_twin(N, P, kappa):
    rng = np.random.default_rng([SEED, N, P])
    res = assert_matches_twin(gaussian(rng, P, N), kappa)
    assert res.arithmetic == "float" and res.drift_bound < 1e-10


@pytest.mark.parametrize("kappa", [-0.8, -0.25, 0.0, 0.3, 0.9])
@pytest.mark.parametrize("N,P", [(1, 2), (5, 3), (9, 6), (13, 8), (14, 10)])
def test_pm1_matches_twin(N, P, kappa):
    rng = np.random.default_rng([SEED, N, P, 1])
    res = assert_matches_twin(pm1(rng, P, N), kappa)
    assert res.arithmetic == "integer" and res.drift_bound == 0.0


@pytest.mark.parametrize("N,P,h0", [(16, 6, 0), (16, 6, 2), (16, 6, -2), (12, 8, 0), (12, 8, 2),
                                    (12, 8, -4), (10, 6, 2)])
def test_pm1_ties_count_as_satisfied(N, P, h0):
    """kappa exactly on the lattice: Delta == kappa occurs and is satisfied (Delta >= kappa)."""
    rng = np.random.default_rng([SEED, N, P, h0 + 100])
    xi = pm1(rng, P, N)
    kappa = h0 / np.sqrt(N)  # exact for N = 16; rounded for N = 12, 10
    W = all_weights(N)
    h = W @ xi.astype(np.int64).T
    assert np.any(h == h0), "instance has no exact tie; the test would be vacuous"
    res = assert_matches_twin(xi, kappa)
    assert res.threshold == h0
    # Same count as the unambiguous threshold just below the tie, different from just above it.
    below = enumerate_solutions(xi, (h0 - 0.5) / np.sqrt(N))
    above = enumerate_solutions(xi, (h0 + 0.5) / np.sqrt(N))
    np.testing.assert_array_equal(res.energy_histogram, below.energy_histogram)
    assert not np.array_equal(res.energy_histogram, above.energy_histogram)


def test_gaussian_kappa_zero_mirror_identity():
    """For kappa = 0 and no zero stability, E(-w) = P - E(w): the histogram is mirrored."""
    rng = np.random.default_rng([SEED, 7])
    for _ in range(5):
        xi = gaussian(rng, 9, 13)
        hist = enumerate_solutions(xi, 0.0).energy_histogram
        np.testing.assert_array_equal(hist, hist[::-1])


def test_all_weights_solution_at_very_negative_kappa():
    rng = np.random.default_rng([SEED, 8])
    xi = gaussian(rng, 5, 9)
    res = enumerate_solutions(xi, -1e6)
    assert res.count == 2**9 and res.energy_histogram[0] == 2**9
    res = enumerate_solutions(pm1(rng, 5, 9), 1e12)
    assert res.count == 0 and res.energy_histogram[-1] == 2**9 and res.solutions.shape == (0, 9)


def test_no_patterns():
    res = enumerate_solutions(np.zeros((0, 6)), 0.3)
    assert res.count == 64 and res.energy_histogram.tolist() == [64]


def test_many_blocks_and_buffer_overflow(monkeypatch):
    """Small blocks and a tiny per-block buffer exercise the parallel split and the second pass."""
    rng = np.random.default_rng([SEED, 9])
    xi = gaussian(rng, 4, 12)
    ref = enumerate_solutions(xi, -0.2)
    monkeypatch.setattr(binary, "_BLOCK_BITS", 3)
    monkeypatch.setattr(binary, "_BUFFER_TOTAL", 8)
    res = enumerate_solutions(xi, -0.2)
    assert res.count > 100
    np.testing.assert_array_equal(res.energy_histogram, ref.energy_histogram)
    np.testing.assert_array_equal(res.solutions, ref.solutions)
    xs = pm1(rng, 7, 13)
    assert_matches_twin(xs, 0.0)


def test_max_solutions_cap():
    rng = np.random.default_rng([SEED, 10])
    xi = gaussian(rng, 3, 10)
    full = enumerate_solutions(xi, 0.0)
    assert full.count > 5
    capped = enumerate_solutions(xi, 0.0, max_solutions=full.count - 1)
    assert capped.solutions is None and not capped.solutions_stored
    assert capped.count == full.count
    np.testing.assert_array_equal(capped.energy_histogram, full.energy_histogram)
    exact = enumerate_solutions(xi, 0.0, max_solutions=full.count)
    np.testing.assert_array_equal(exact.solutions, full.solutions)
    none = enumerate_solutions(xi, 0.0, max_solutions=0)
    assert none.solutions is None and none.count == full.count


# ------------------------------------------------------------------ determinism


def test_independent_of_number_of_threads(monkeypatch):
    rng = np.random.default_rng([SEED, 11])
    monkeypatch.setattr(binary, "_BLOCK_BITS", 6)  # several blocks at this N
    cases = [(gaussian(rng, 10, 16), 0.2), (pm1(rng, 9, 16), 0.0)]
    old = numba.get_num_threads()
    try:
        out = {}
        for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(threads)
            out[threads] = [enumerate_solutions(xi, k) for xi, k in cases]
    finally:
        numba.set_num_threads(old)
    runs = list(out.values())
    for a, b in zip(runs[0], runs[-1]):
        assert a.count == b.count
        np.testing.assert_array_equal(a.energy_histogram, b.energy_histogram)
        np.testing.assert_array_equal(a.solutions, b.solutions)


def test_reproducible_and_frozen():
    rng = np.random.default_rng([SEED, 12])
    xi = gaussian(rng, 7, 12)
    a = enumerate_solutions(xi, 0.1)
    b = enumerate_solutions(xi.copy(), 0.1)
    assert a.count == b.count
    np.testing.assert_array_equal(a.energy_histogram, b.energy_histogram)
    np.testing.assert_array_equal(a.solutions, b.solutions)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.count = 3
    with pytest.raises(ValueError):
        a.energy_histogram[0] = 1
    assert a.alpha == 7 / 12 and a.n_configurations == 4096


# ------------------------------------------------------------------ overlaps


def overlap_twin(S):
    S = np.asarray(S, dtype=np.int64)
    M, N = S.shape
    counts = np.zeros(N + 1, np.int64)
    for a, b in itertools.combinations(range(M), 2):
        counts[(int(S[a] @ S[b]) + N) // 2] += 1
    return counts


def test_solution_overlaps_matches_twin():
    rng = np.random.default_rng([SEED, 13])
    res = enumerate_solutions(gaussian(rng, 5, 12), -0.1)
    assert res.count > 20
    ov = solution_overlaps(res.solutions)
    np.testing.assert_array_equal(ov.counts, overlap_twin(res.solutions))
    assert ov.n_pairs == res.count * (res.count - 1) // 2 == int(ov.counts.sum())
    np.testing.assert_allclose(ov.q, (2 * np.arange(13) - 12) / 12)
    S = res.solutions.astype(float)
    G = S @ S.T / 12
    iu = np.triu_indices(res.count, 1)
    assert ov.mean == pytest.approx(G[iu].mean(), rel=1e-12)


def test_solution_overlaps_small_cases():
    ov = solution_overlaps(np.array([[1, 1, -1]]))
    assert ov.n_pairs == 0 and ov.counts.tolist() == [0, 0, 0, 0]
    with pytest.raises(ValueError, match="no pairs"):
        ov.mean
    ov = solution_overlaps([[1, -1], [-1, 1], [1, -1]])
    assert ov.counts.tolist() == [2, 0, 1]


@pytest.mark.parametrize("bad,match", [
    (np.ones(4), "2-D"),
    (np.ones((2, 0)), "N=0"),
    (np.array([[1, 0, 1]]), r"\+1 and -1"),
])
def test_solution_overlaps_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        solution_overlaps(bad)


# ------------------------------------------------------------------ error paths


@pytest.mark.parametrize("xi,match", [
    (np.ones(5), "2-D"),
    (np.ones((2, 3, 4)), "2-D"),
    (np.ones((3, 0)), "N=0"),
    (np.ones((2, binary.MAX_N + 1)), "N=41"),
    (np.array([[1.0, np.nan]]), "NaN"),
    (np.array([[1.0, np.inf]]), "NaN or inf"),
    ([["a", "b"]], "xi must be a real"),
])
def test_bad_patterns(xi, match):
    with pytest.raises(ValueError, match=match):
        enumerate_solutions(xi, 0.0)


@pytest.mark.parametrize("kappa", [np.nan, np.inf, -np.inf, "0.1", None, True, 1j])
def test_bad_kappa(kappa):
    with pytest.raises(ValueError, match="kappa"):
        enumerate_solutions(np.ones((2, 3)), kappa)


@pytest.mark.parametrize("max_solutions", [-1, 2.5, None])
def test_bad_max_solutions(max_solutions):
    with pytest.raises(ValueError, match="max_solutions"):
        enumerate_solutions(np.ones((2, 3)), 0.0, max_solutions=max_solutions)


# ------------------------------------------------------------------ physics: first moment


def H(x):
    return 0.5 * erfc(x / math.sqrt(2.0))


@pytest.mark.parametrize("N,P,kappa", [(10, 5, 0.0), (11, 4, 0.5), (9, 6, -0.4)])
def test_annealed_first_moment(N, P, kappa):
    """E[count] = 2^N H(kappa)^P and E[hist_E] = 2^N C(P,E) H^(P-E) (1-H)^E, exactly at finite N.

    Gaussian patterns make each Delta^mu(w) an independent N(0,1) for every fixed w. The mean
    over instances is compared within 4 estimated standard errors (fixed seed; override with
    SIMULATE_TEST_SEED).
    """
    rng = np.random.default_rng([SEED, N, P, 14])
    n_inst = 400
    hists = np.array([enumerate_solutions(gaussian(rng, P, N), kappa, max_solutions=0)
                      .energy_histogram for _ in range(n_inst)], dtype=float)
    h = H(kappa)
    E = np.arange(P + 1)
    expected = 2.0**N * np.array([math.comb(P, e) for e in E]) * h ** (P - E) * (1 - h) ** E
    mean = hists.mean(axis=0)
    sem = hists.std(axis=0, ddof=1) / math.sqrt(n_inst)
    assert np.all(sem > 0)
    assert abs(mean[0] - 2.0**N * h**P) < 4 * sem[0]
    assert np.all(np.abs(mean - expected) < 4 * sem), (mean, expected, sem)


@pytest.mark.slow
def test_annealed_first_moment_larger_N():
    N, P, kappa = 18, 9, 0.0
    rng = np.random.default_rng([SEED, 15])
    counts = np.array([enumerate_solutions(gaussian(rng, P, N), kappa, max_solutions=0).count
                       for _ in range(400)], dtype=float)
    sem = counts.std(ddof=1) / math.sqrt(counts.size)
    assert abs(counts.mean() - 2.0**N * H(kappa) ** P) < 4 * sem


@pytest.mark.slow
@pytest.mark.parametrize("kappa", [-0.5, 0.1, 0.3])
def test_pm1_large_N_against_float_path(kappa):
    """N = 22: exact integer path agrees with the float path on the same ±1 patterns
    (no tie at these kappa since kappa*sqrt(22) is far from the even lattice)."""
    rng = np.random.default_rng([SEED, 16])
    xi = pm1(rng, 13, 22)
    a = enumerate_solutions(xi, kappa)
    b = enumerate_solutions(xi * (1 + 2**-40), kappa)  # not integer: float arithmetic
    assert a.arithmetic == "integer" and b.arithmetic == "float"
    np.testing.assert_array_equal(a.energy_histogram, b.energy_histogram)
