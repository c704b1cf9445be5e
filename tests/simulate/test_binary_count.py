"""Tests of the branch-and-bound counter simulate.binary.count_solutions / list_solutions:
identical results to the Gray-code enumeration (ties included), edge cases, errors, and the
chunked (interruptible) enumeration."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

import simulate.binary as binary
import simulate.binary_search as bbsearch
from simulate.binary import (count_solutions, enumerate_solutions, instance_capacity,
                             list_solutions)

SEED = int(os.environ.get("SIMULATE_TEST_SEED", "20240611"))
KAPPAS = [-0.5, 0.0, 0.3, 1.0]


def gaussian(rng, P, N):
    return rng.standard_normal((P, N))


def pm1(rng, P, N):
    return rng.choice([-1.0, 1.0], size=(P, N))


def small_int(rng, P, N):
    return rng.integers(-3, 4, size=(P, N)).astype(float)


def check_same(xi, kappa, max_solutions=100_000):
    ref = enumerate_solutions(xi, kappa, max_solutions=max_solutions)
    c = count_solutions(xi, kappa)
    assert isinstance(c, int) and c == ref.count
    sols = list_solutions(xi, kappa, max_solutions=max_solutions)
    if ref.solutions is None:
        assert sols is None
    else:
        assert sols.dtype == np.int8 and not sols.flags.writeable
        np.testing.assert_array_equal(sols, ref.solutions)
    return ref


# ------------------------------------------------------------------ agreement with enumeration


@pytest.mark.parametrize("which", range(3))
def test_random_instances_match_enumeration(which):
    """Many random instances, N = 5..22, alpha in (0, 1.5], kappa in {-0.5, 0, 0.3, 1}."""
    make = [gaussian, pm1, small_int][which]
    rng = np.random.default_rng([SEED, 1, which])
    n_sat = n_unsat = 0
    for N in range(5, 23):
        reps = 6 if N <= 16 else 2
        for _ in range(reps):
            P = int(rng.integers(1, int(1.5 * N) + 1))
            kappa = KAPPAS[int(rng.integers(len(KAPPAS)))]
            ref = check_same(make(rng, P, N), kappa, max_solutions=int(rng.integers(0, 5000)))
            n_sat += ref.count > 0
            n_unsat += ref.count == 0
    assert n_sat > 10 and n_unsat > 10


@pytest.mark.parametrize("kappa", KAPPAS)
@pytest.mark.parametrize("N,P", [(12, 6), (16, 5), (19, 8), (22, 9)])
def test_gaussian_each_kappa(N, P, kappa):
    rng = np.random.default_rng([SEED, 2, N, P])
    check_same(gaussian(rng, P, N), kappa)


@pytest.mark.parametrize("N,P,h0", [(16, 6, 0), (16, 6, 2), (16, 6, -2), (12, 8, 0), (12, 8, 2),
                                    (12, 8, -4), (10, 6, 2), (20, 7, 0), (18, 5, 2)])
def test_pm1_ties_identical(N, P, h0):
    """kappa on the lattice (kappa sqrt(N) an integer up to rounding): ties are satisfied, as in
    enumerate_solutions, and the counts are identical."""
    rng = np.random.default_rng([SEED, 3, N, P, h0 + 100])
    xi = pm1(rng, P, N)
    kappa = h0 / np.sqrt(N)
    ref = check_same(xi, kappa)
    below = count_solutions(xi, (h0 - 0.5) / np.sqrt(N))
    above = count_solutions(xi, (h0 + 0.5) / np.sqrt(N))
    assert below == ref.count
    assert above <= ref.count


def test_integer_ties_on_nonunit_lattice():
    rng = np.random.default_rng([SEED, 4])
    for _ in range(20):
        N, P = 11, 4
        xi = small_int(rng, P, N)
        for h0 in (-3, 0, 1, 4):
            check_same(xi, h0 / math.sqrt(N))


# ------------------------------------------------------------------ edge cases


def test_single_pattern_closed_form():
    """P = 1, xi = (1,...,1), N odd: #{w: sum w >= m}, a binomial tail."""
    N = 15
    xi = np.ones((1, N))
    for m in (-15, -3, 1, 3, 15, 17):
        kappa = m / math.sqrt(N)
        expected = sum(math.comb(N, k) for k in range(N + 1) if 2 * k - N >= m)
        assert count_solutions(xi, kappa) == expected
        check_same(xi, kappa)


def test_unsat_all_sat_and_very_negative_kappa():
    rng = np.random.default_rng([SEED, 5])
    xi = gaussian(rng, 6, 12)
    assert count_solutions(xi, -1e6) == 2**12  # root accepted at once
    assert count_solutions(xi, 1e6) == 0
    sols = list_solutions(xi, 1e6)
    assert sols.shape == (0, 12)
    assert list_solutions(xi, -1e6, max_solutions=2**12).shape == (2**12, 12)
    assert list_solutions(xi, -1e6, max_solutions=2**12 - 1) is None
    # Contradictory patterns: xi and -xi at kappa > 0.
    x = gaussian(rng, 1, 14)
    assert count_solutions(np.vstack([x, -x]), 0.1) == 0
    # Large N: the counts are 2^N / 0 without search.
    big = gaussian(rng, 3, 60)
    assert count_solutions(big, -1e3) == 2**60
    assert count_solutions(big, 1e3) == 0


def test_no_patterns():
    assert count_solutions(np.zeros((0, 7)), 0.4) == 128
    assert list_solutions(np.zeros((0, 3)), 0.4).shape == (8, 3)
    np.testing.assert_array_equal(list_solutions(np.zeros((0, 3)), 0.0),
                                  enumerate_solutions(np.zeros((0, 3)), 0.0).solutions)


def test_zero_column_and_n1():
    xi = np.array([[1.0, 0.0, -2.0], [0.5, 0.0, 1.0]])
    check_same(xi, 0.1)
    check_same(np.array([[1.0], [2.0]]), 0.0)
    check_same(np.array([[1.0], [-2.0]]), 0.0)


def test_limit():
    rng = np.random.default_rng([SEED, 6])
    xi = gaussian(rng, 4, 14)
    full = count_solutions(xi, -0.2)
    assert full > 50
    assert count_solutions(xi, -0.2, limit=1) == 1
    assert count_solutions(xi, -0.2, limit=7) == 7
    assert count_solutions(xi, -0.2, limit=full) == full
    assert count_solutions(xi, -0.2, limit=full + 10) == full
    assert count_solutions(xi, -0.2, limit=0) == 0
    assert count_solutions(xi, 5.0, limit=1) == 0


def test_buffer_growth(monkeypatch):
    """The solution buffer starts small and is enlarged (resuming the search) as needed."""
    rng = np.random.default_rng([SEED, 7])
    xi = gaussian(rng, 2, 14)
    ref = enumerate_solutions(xi, -0.3)
    assert ref.count > 1000
    monkeypatch.setattr(bbsearch, "_BB_INITIAL_CODES", 3)
    monkeypatch.setattr(bbsearch, "_BB_NODES_PER_CALL", 17)  # many resumptions
    np.testing.assert_array_equal(list_solutions(xi, -0.3), ref.solutions)
    assert count_solutions(xi, -0.3) == ref.count
    assert list_solutions(xi, -0.3, max_solutions=ref.count - 1) is None


def test_progress_callback_and_interrupt(monkeypatch):
    rng = np.random.default_rng([SEED, 8])
    xi = gaussian(rng, 8, 18)
    monkeypatch.setattr(bbsearch, "_BB_NODES_PER_CALL", 64)
    seen = []
    c = count_solutions(xi, 0.0, progress=seen.append)
    assert c == enumerate_solutions(xi, 0.0).count
    assert len(seen) > 3 and seen[-1] == 1.0 and all(np.diff(seen) >= 0)

    def stop(fraction):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        count_solutions(xi, 0.0, progress=stop)
    # Chunked enumeration: same results with tiny chunks, progress reported per chunk.
    ref = enumerate_solutions(xi, 0.0)
    monkeypatch.setattr(binary, "_BLOCK_BITS", 5)
    monkeypatch.setattr(binary, "_CHUNK_BITS", 7)
    seen = []
    res = enumerate_solutions(xi, 0.0, progress=seen.append)
    np.testing.assert_array_equal(res.energy_histogram, ref.energy_histogram)
    np.testing.assert_array_equal(res.solutions, ref.solutions)
    assert len(seen) == 2 ** (17 - 7) and seen[-1] == 1.0
    with pytest.raises(KeyboardInterrupt):
        enumerate_solutions(xi, 0.0, progress=stop)


def test_progress_true_is_quiet_for_short_runs(capsys):
    rng = np.random.default_rng([SEED, 9])
    count_solutions(gaussian(rng, 5, 10), 0.0, progress=True)
    enumerate_solutions(gaussian(rng, 5, 10), 0.0, progress=True)
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------ instance_capacity


def capacity_by_enumeration(xi, kappa, max_solutions=200_000, start=None):
    """The previous implementation of instance_capacity (enumerate_solutions throughout)."""
    P_max, N = xi.shape
    lo, hi = 0, P_max + 1
    P0 = min(P_max, max(1, N - 12) if start is None else int(start))
    while True:
        res = enumerate_solutions(xi[:P0], kappa, max_solutions=max_solutions)
        if res.count == 0:
            hi = P0
            if P0 - lo <= 1:
                return lo
            P0 = (lo + P0) // 2
            if P0 == 0:
                return 0
            continue
        if not res.solutions_stored:
            lo = P0
            P0 = min((P0 + hi) // 2 if hi <= P_max else P0 + max(1, N // 4), P_max)
            if P0 == lo:
                raise ValueError("all SAT")
            continue
        first = binary._first_violation(res.solutions, xi[P0:], kappa)
        P_c = P0 + int(first.max())
        if P_c >= P_max:
            raise ValueError("all SAT")
        return P_c


@pytest.mark.parametrize("make", [gaussian, pm1])
def test_instance_capacity_unchanged(make):
    rng = np.random.default_rng([SEED, 10])
    for N, kappa, max_solutions, start in [(10, 0.0, 200_000, None), (14, 0.3, 50, None),
                                           (16, -0.5, 200_000, None), (13, 0.0, 5, 2),
                                           (18, 0.0, 1000, None), (12, 1.0, 200_000, 9)]:
        xi = make(rng, 3 * N, N)
        assert instance_capacity(xi, kappa, max_solutions=max_solutions, start=start) == \
            capacity_by_enumeration(xi, kappa, max_solutions, start)


def test_instance_capacity_all_sat_raises():
    xi = np.ones((3, 8))
    with pytest.raises(ValueError, match="all 3 patterns SAT"):
        instance_capacity(xi, 0.0)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("xi,match", [
    (np.ones(5), "2-D"),
    (np.ones((2, 3, 4)), "2-D"),
    (np.ones((3, 0)), "N=0"),
    (np.ones((2, binary.BB_MAX_N + 1)), "N=63"),
    (np.array([[1.0, np.nan]]), "NaN"),
    (np.array([[1.0, np.inf]]), "NaN or inf"),
    ([["a", "b"]], "xi must be a real"),
])
@pytest.mark.parametrize("fn", [count_solutions, list_solutions])
def test_bad_patterns(fn, xi, match):
    with pytest.raises(ValueError, match=match):
        fn(xi, 0.0)


@pytest.mark.parametrize("kappa", [np.nan, np.inf, -np.inf, "0.1", None, True, 1j])
@pytest.mark.parametrize("fn", [count_solutions, list_solutions])
def test_bad_kappa(fn, kappa):
    with pytest.raises(ValueError, match="kappa"):
        fn(np.ones((2, 3)), kappa)


@pytest.mark.parametrize("bad", [-1, 2.5, "3", True])
def test_bad_limit_and_max_solutions(bad):
    with pytest.raises(ValueError, match="limit"):
        count_solutions(np.ones((2, 3)), 0.0, limit=bad)
    with pytest.raises(ValueError, match="max_solutions"):
        list_solutions(np.ones((2, 3)), 0.0, max_solutions=bad)


@pytest.mark.parametrize("fn", [count_solutions, list_solutions, enumerate_solutions])
def test_bad_progress(fn):
    with pytest.raises(ValueError, match="progress"):
        fn(np.ones((2, 3)), 0.0, progress="yes")


@pytest.mark.parametrize("N,k", [(15, -1), (22, 6)])
def test_instance_capacity_at_integer_ties(N, k):
    """kappa = k/sqrt(N) makes kappa sqrt(N) round to -0.9999999999999999 (N = 15) or
    6.000000000000001 (N = 22): a +-1 pattern whose field is exactly k is a tie and satisfies
    the constraint (the search snaps the threshold onto the integers).  The capacity must be
    the largest P whose first P patterns have a solution by exhaustive enumeration (it was
    smaller on every seed tried at N = 15 before the extension of the solutions to further
    patterns compared the fields the same way: e.g. 14 against 23)."""
    kappa = k / math.sqrt(N)
    assert kappa * math.sqrt(N) != k  # the case is a rounding tie
    for seed in range(3):
        xi = np.random.default_rng([SEED, 20, seed]).choice([-1.0, 1.0], size=(4 * N, N))
        scan = 0
        for P in range(1, xi.shape[0] + 1):
            if enumerate_solutions(xi[:P], kappa).count == 0:
                break
            scan = P
        assert instance_capacity(xi, kappa) == scan
