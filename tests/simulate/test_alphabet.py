"""Tests of simulate.alphabet: exact finite-alphabet enumeration against a brute-force twin,
the binary enumeration, the exact first moment for Gaussian patterns, determinism, errors."""
from __future__ import annotations

import dataclasses
import itertools
import math
import os

import numba
import numpy as np
import pytest
from scipy.special import erfc, logsumexp

import simulate.alphabet as alphabet
from simulate import enumerate_alphabet, enumerate_solutions

SEED = int(os.environ.get("SIMULATE_TEST_SEED", "20240611"))

TERNARY = ((-1, 0, 1), (1.0, 1.0, 1.0))
BIASED_TERNARY = ((-1, 0, 1), (0.3, 2.0, 0.7))          # asymmetric weights: no w -> -w
SYMMETRIC_BIASED = ((1, 0, -1), (0.5, 3.0, 0.5))          # symmetric, letters in another order
FOUR = ((-1.5, -0.2, 0.4, 2.0), (1.0, 2.0, 3.0, 0.5))     # no symmetry, no zero
FOUR_SYMMETRIC = ((-2, -1, 1, 2), (0.25, 1.0, 1.0, 0.25))  # symmetric, no zero
BINARY = ((-1, 1), (1.0, 1.0))
ALPHABETS = {"ternary": TERNARY, "biased_ternary": BIASED_TERNARY,
             "symmetric_biased": SYMMETRIC_BIASED, "four": FOUR, "four_symmetric": FOUR_SYMMETRIC,
             "binary": BINARY}


# ------------------------------------------------------------------ slow independent twin


def twin(xi, values, weights, kappa):
    """Brute force over values^N: (count, log_count, mean_norm, composition histogram).

    Plain float comparison Delta >= kappa for real patterns; for integer patterns and letters
    a stability equal to kappa up to a relative 1e-9 of kappa*sqrt(N) counts as satisfied.
    """
    P, N = xi.shape
    K = len(values)
    idx = np.array(list(itertools.product(range(K), repeat=N)), dtype=np.int64).reshape(-1, N)
    W = np.asarray(values, dtype=float)[idx]
    if np.all(xi == np.rint(xi)) and np.all(W == np.rint(W)):
        h = W @ xi.T
        t = kappa * math.sqrt(N)
        sat = np.all(h >= t - 1e-9 * max(1.0, abs(t)), axis=1)
    else:
        sat = np.all((W @ xi.T) / math.sqrt(N) >= kappa, axis=1)
    lw = np.log(np.asarray(weights, dtype=float))[idx].sum(axis=1)[sat]
    norms = (W[sat] ** 2).sum(axis=1) / N
    comps = sorted(c for c in itertools.product(range(N + 1), repeat=K) if sum(c) == N)
    where = {c: r for r, c in enumerate(comps)}
    hist = np.zeros(len(comps), np.int64)
    for row in idx[sat]:
        hist[where[tuple(np.bincount(row, minlength=K))]] += 1
    if not sat.any():
        return 0, -math.inf, None, np.array(comps), hist
    rel = np.exp(lw - lw.max())
    mean_norm = float(rel @ norms / rel.sum())
    return int(sat.sum()), float(logsumexp(lw)), mean_norm, np.array(comps), hist


def assert_matches_twin(xi, values, weights, kappa):
    res = enumerate_alphabet(xi, values, weights, kappa)
    count, log_count, mean_norm, comps, hist = twin(xi, values, weights, kappa)
    P, N = xi.shape
    assert (res.N, res.P, res.kappa) == (N, P, kappa)
    assert res.values == tuple(float(v) for v in values)
    assert res.weights == tuple(float(c) for c in weights)
    assert isinstance(res.count, int) and res.count == count
    np.testing.assert_array_equal(res.compositions, comps)
    np.testing.assert_array_equal(res.composition_counts, hist)
    assert res.log_total == pytest.approx(N * math.log(sum(weights)), rel=1e-15)
    if count == 0:
        assert res.log_count == -math.inf
        with pytest.raises(ValueError, match="no solution"):
            res.mean_norm
    else:
        assert abs(res.log_count - log_count) <= 1e-12 * max(1.0, abs(log_count))
        assert res.mean_norm == pytest.approx(mean_norm, rel=1e-12)
    return res


# ------------------------------------------------------------------ agreement with the twin


@pytest.mark.parametrize("kappa", [-0.5, 0.0, 0.3])
@pytest.mark.parametrize("N,P", [(1, 1), (3, 4), (6, 3), (8, 5)])
@pytest.mark.parametrize("name", sorted(ALPHABETS))
def test_gaussian_matches_twin(name, N, P, kappa):
    values, weights = ALPHABETS[name]
    rng = np.random.default_rng([SEED, N, P, len(values), sorted(ALPHABETS).index(name)])
    res = assert_matches_twin(rng.standard_normal((P, N)), values, weights, kappa)
    assert res.arithmetic == "float" and 0 < res.drift_bound < 1e-10


@pytest.mark.parametrize("kappa", [-0.4, 0.0, 0.35])
@pytest.mark.parametrize("name", ["ternary", "biased_ternary", "four_symmetric", "binary"])
def test_pm1_patterns_integer_arithmetic(name, kappa):
    values, weights = ALPHABETS[name]
    rng = np.random.default_rng([SEED, 2, sorted(ALPHABETS).index(name)])
    N = 7 if len(values) > 2 else 12
    res = assert_matches_twin(rng.choice([-1.0, 1.0], size=(5, N)), values, weights, kappa)
    assert res.arithmetic == "integer" and res.drift_bound == 0.0


@pytest.mark.parametrize("N,h0", [(9, 0), (9, 3), (9, -2), (8, 2)])
def test_pm1_ties_count_as_satisfied(N, h0):
    """kappa on the lattice: solutions with Delta == kappa exist and are counted (>=)."""
    W = np.array(list(itertools.product((-1, 0, 1), repeat=N)), dtype=float)
    for k in range(100):  # first instance where some solution has an exact tie
        xi = np.random.default_rng([SEED, 3, N, h0 + 10, k]).choice([-1.0, 1.0], size=(3, N))
        h = W @ xi.T
        if np.any(np.all(h >= h0, axis=1) & np.any(h == h0, axis=1)):
            break
    else:
        raise AssertionError("no instance with a tied solution: the test would be vacuous")
    kappa = h0 / np.sqrt(N)  # rounded for N = 8
    res = assert_matches_twin(xi, *TERNARY, kappa)
    assert res.threshold == h0
    below = enumerate_alphabet(xi, *TERNARY, (h0 - 0.5) / np.sqrt(N))
    above = enumerate_alphabet(xi, *TERNARY, (h0 + 0.5) / np.sqrt(N))
    assert res.count == below.count > above.count
    np.testing.assert_array_equal(res.composition_counts, below.composition_counts)


def test_zero_weight_vector_is_exact():
    """w = 0 has Delta = 0 exactly: a solution at kappa = 0, not at kappa = 1e-300, even when the
    walk reaches it through many float updates of awkward letters."""
    rng = np.random.default_rng([SEED, 4])
    values, weights = (-0.7, 0.0, 1.3), (1.0, 1.0, 1.0)
    xi = rng.standard_normal((40, 8))
    at0 = assert_matches_twin(xi, values, weights, 0.0)
    zero_row = np.flatnonzero((at0.compositions[:, 1] == 8))
    assert at0.composition_counts[zero_row].tolist() == [1]
    assert at0.count == 1 and at0.log_count == 0.0 and at0.mean_norm == 0.0
    above = enumerate_alphabet(xi, values, weights, 1e-300)
    assert above.count == 0 and above.log_count == -math.inf
    assert enumerate_alphabet(xi, values, (2.0, 0.5, 1.0), 0.0).log_count == pytest.approx(
        8 * math.log(0.5), rel=1e-15)


def test_symmetry_shortcut_changes_nothing(monkeypatch):
    """Symmetric alphabets visit half the blocks and count w and -w; switching it off agrees."""
    rng = np.random.default_rng([SEED, 5])
    monkeypatch.setattr(alphabet, "_BLOCK_CONFIGS", 27)  # many blocks at N = 11
    cases = [(rng.standard_normal((5, 11)), *SYMMETRIC_BIASED, 0.1),
             (rng.standard_normal((4, 8)), *FOUR_SYMMETRIC, -0.2),
             (rng.choice([-1.0, 1.0], size=(6, 11)), *TERNARY, 0.0)]
    on = [enumerate_alphabet(*c) for c in cases]
    monkeypatch.setattr(alphabet, "_USE_SYMMETRY", False)
    off = [enumerate_alphabet(*c) for c in cases]
    for a, b in zip(on, off):
        assert a.count == b.count > 0
        np.testing.assert_array_equal(a.composition_counts, b.composition_counts)
        assert a.log_count == b.log_count


@pytest.mark.parametrize("kappa", [-0.3, 0.0, 0.5])
@pytest.mark.parametrize("N,P", [(2, 1), (9, 5), (14, 8)])
def test_binary_alphabet_matches_binary_enumeration(N, P, kappa):
    rng = np.random.default_rng([SEED, 6, N, P])
    xi = rng.standard_normal((P, N))
    res = enumerate_alphabet(xi, (1, -1), (1.0, 1.0), kappa)
    ref = enumerate_solutions(xi, kappa, max_solutions=0)
    assert res.count == ref.count
    if ref.count:
        assert res.log_count == pytest.approx(math.log(ref.count), rel=1e-14)
        assert res.mean_norm == pytest.approx(1.0, rel=1e-14)


def test_no_patterns():
    res = enumerate_alphabet(np.zeros((0, 5)), *BIASED_TERNARY, 0.7)
    assert res.count == 3**5 and res.log_count == pytest.approx(res.log_total, rel=1e-15)
    c = np.array(BIASED_TERNARY[1])
    assert res.mean_norm == pytest.approx((c[0] + c[2]) / c.sum(), rel=1e-14)


def test_compositions_rank_order():
    for N, K in [(0, 2), (5, 2), (4, 3), (3, 5), (6, 4)]:
        n_comp = math.comb(N + K - 1, K - 1)
        comps = alphabet._all_compositions(np.int64(N), np.int64(K), np.int64(n_comp))
        ref = sorted(c for c in itertools.product(range(N + 1), repeat=K) if sum(c) == N)
        np.testing.assert_array_equal(comps, np.array(ref).reshape(-1, K))
        cum = alphabet._rank_table(N, K)
        assert [alphabet._rank(c, np.arange(K), cum) for c in comps] == list(range(n_comp))


# ------------------------------------------------------------------ determinism


def test_independent_of_number_of_threads(monkeypatch):
    rng = np.random.default_rng([SEED, 7])
    monkeypatch.setattr(alphabet, "_BLOCK_CONFIGS", 81)  # many blocks and chunks
    monkeypatch.setattr(alphabet, "SERIAL_MAX_CONFIGURATIONS", 0)  # always the parallel path
    cases = [(rng.standard_normal((5, 12)), *TERNARY, 0.0),
             (rng.standard_normal((4, 9)), *FOUR, 0.2)]
    old = numba.get_num_threads()
    try:
        out = {}
        for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(threads)
            out[threads] = [enumerate_alphabet(*c) for c in cases]
    finally:
        numba.set_num_threads(old)
    runs = list(out.values())
    for a, b in zip(runs[0], runs[-1]):
        assert a.count == b.count > 0 and a.log_count == b.log_count
        np.testing.assert_array_equal(a.composition_counts, b.composition_counts)


def test_reproducible_and_frozen():
    xi = np.random.default_rng([SEED, 8]).standard_normal((4, 7))
    a = enumerate_alphabet(xi, *TERNARY, -0.1)
    b = enumerate_alphabet(xi.copy(), *TERNARY, -0.1)
    assert a.count > 0
    assert (a.count, a.log_count, a.mean_norm) == (b.count, b.log_count, b.mean_norm)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.count = 3
    with pytest.raises(ValueError):
        a.composition_counts[0] = 1
    assert a.alpha == 4 / 7 and a.n_configurations == 3**7
    assert enumerate_alphabet(xi).values == (-1.0, 0.0, 1.0)  # default: ternary, unit weights


# ------------------------------------------------------------------ physics: first moment


def H(x):
    return 0.5 * erfc(x / math.sqrt(2.0))


def first_moments(N, P, values, weights, kappa):
    """E[Z] and E[Z <Q>] for Gaussian patterns, summed over all w (independent of the kernel).

    For w != 0 the stabilities are i.i.d. N(0, Q(w)), Q = |w|^2/N, so P(solution) =
    H(kappa/sqrt(Q))^P; w = 0 has Delta = 0, a solution iff kappa <= 0.
    """
    ez = ezq = 0.0
    for w in itertools.product(range(len(values)), repeat=N):
        c = math.prod(weights[k] for k in w)
        Q = sum(values[k] ** 2 for k in w) / N
        p = (1.0 if kappa <= 0 else 0.0) if Q == 0 else H(kappa / math.sqrt(Q)) ** P
        ez += c * p
        ezq += c * Q * p
    return ez, ezq


@pytest.mark.parametrize("name,N,P,kappa", [("ternary", 7, 4, 0.0), ("biased_ternary", 7, 3, 0.3),
                                            ("four", 5, 4, -0.4), ("binary", 10, 5, 0.0)])
def test_annealed_first_moment(name, N, P, kappa):
    """Mean over 400 Gaussian instances of Z and of Z <Q> within 4 estimated standard errors of
    the exact first moments (fixed seed; override with SIMULATE_TEST_SEED)."""
    values, weights = ALPHABETS[name]
    ez, ezq = first_moments(N, P, values, weights, kappa)
    if name == "ternary":  # closed form at kappa = 0: 2^-P (3^N - 1) + 1 (the w = 0 term)
        assert ez == pytest.approx(2.0**-P * (3**N - 1) + 1, rel=1e-13)
    if name == "binary":
        assert ez == pytest.approx(2.0 ** (N - P), rel=1e-13)
    rng = np.random.default_rng([SEED, 9, N, P])
    n_inst = 400
    z = np.empty(n_inst)
    zq = np.empty(n_inst)
    for k in range(n_inst):
        res = enumerate_alphabet(rng.standard_normal((P, N)), values, weights, kappa)
        z[k] = math.exp(res.log_count)
        zq[k] = z[k] * res.mean_norm if res.count else 0.0
    for sample, exact in ((z, ez), (zq, ezq)):
        sem = sample.std(ddof=1) / math.sqrt(n_inst)
        assert sem > 0
        assert abs(sample.mean() - exact) < 4 * sem, (sample.mean(), exact, sem)


# ------------------------------------------------------------------ error paths


@pytest.mark.parametrize("xi,match", [
    (np.ones(5), "xi must have shape \\(P, N\\)"),
    (np.ones((2, 3, 4)), "xi must have shape \\(P, N\\)"),
    (np.ones((3, 0)), "N >= 1, got N = 0"),
    (np.array([[1.0, np.nan]]), "non-finite entry at xi\\[0, 1\\] = nan"),
    (np.array([[1.0, np.inf]]), "non-finite entry at xi\\[0, 1\\] = inf"),
    ([["a", "b"]], "xi must be a real array"),
    (np.ones((1, 23)), r"N=23 columns: 3\^23 = .* exceed MAX_CONFIGURATIONS"),
])
def test_bad_patterns(xi, match):
    with pytest.raises(ValueError, match=match):
        enumerate_alphabet(xi, (-1, 0, 1))


def test_size_limits_depend_on_alphabet():
    with pytest.raises(ValueError, match=r"2\^35 .* MAX_CONFIGURATIONS"):
        enumerate_alphabet(np.ones((1, 35)), (-1, 1))
    with pytest.raises(ValueError, match=r"4\^18"):
        enumerate_alphabet(np.ones((1, 18)), (-2, -1, 1, 2))
    with pytest.raises(ValueError, match="values has 2000 letters: at N=3 there are"):
        enumerate_alphabet(np.ones((1, 3)), np.arange(2000.0))


@pytest.mark.parametrize("values,match", [
    ((-1, 0, 0), "values must be distinct"),
    ((1.0, 1.0), "values must be distinct"),
    ((-1, np.nan, 1), "values must be finite"),
    ((-1, np.inf), "values must be finite"),
    ((1,), "values must have at least 2"),
    ((), "values must have at least 2"),
    ([[-1, 1]], "values must be a 1-D"),
    (("a", "b"), "values must contain real"),
    ((True, False), "values must contain real"),
    ((1j, 2), "values must contain real"),
])
def test_bad_values(values, match):
    with pytest.raises(ValueError, match=match):
        enumerate_alphabet(np.ones((2, 3)), values)


@pytest.mark.parametrize("weights,match", [
    ((1.0, 1.0), r"weights must have one entry per value \(3\); got 2"),
    ((1.0, 0.0, 1.0), "weights must be positive"),
    ((1.0, -2.0, 1.0), "weights must be positive"),
    ((1.0, np.inf, 1.0), "weights must be finite"),
    ((1.0, np.nan, 1.0), "weights must be finite"),
    ("abc", "weights must"),
])
def test_bad_weights(weights, match):
    with pytest.raises(ValueError, match=match):
        enumerate_alphabet(np.ones((2, 3)), (-1, 0, 1), weights)


@pytest.mark.parametrize("kappa", [np.nan, np.inf, -np.inf, "0.1", None, True, 1j])
def test_bad_kappa(kappa):
    with pytest.raises(ValueError, match="kappa"):
        enumerate_alphabet(np.ones((2, 3)), (-1, 0, 1), None, kappa)
