"""Activation regions of two-layer ReLU networks (simulate.relu): patterns, Jacobians, certified
ranks, sampling measures and LP certificates, against independent references (finite
differences of the actual network, SymPy's exact rank, exhaustive LP enumeration)."""
import itertools
import math

import numpy as np
import pytest
import sympy as sp

from simulate import relu


def _net(W, b, v, X):
    return np.maximum(W @ X.T + b[:, None], 0.0).T @ v


def test_region_jacobian_is_the_finite_difference_jacobian_of_the_network():
    rng = np.random.default_rng(0)
    n, d0, d1 = 7, 3, 4
    X = rng.standard_normal((n, d0))
    W, b = rng.standard_normal((d1, d0)), rng.standard_normal(d1)
    v = np.array([1.5, -0.7, 2.0, -1.1])
    A = relu.activation_pattern(W, X, b)
    J = relu.region_jacobian(A, X, v=v, bias=True)
    theta = np.hstack([W, b[:, None]]).ravel()  # per neuron: (w_i, b_i)
    h = 1e-6
    fd = np.empty((n, theta.size))
    for k in range(theta.size):
        tp, tm = theta.copy(), theta.copy()
        tp[k] += h
        tm[k] -= h
        Wp, Wm = tp.reshape(d1, d0 + 1), tm.reshape(d1, d0 + 1)
        fd[:, k] = (_net(Wp[:, :d0], Wp[:, d0], v, X) - _net(Wm[:, :d0], Wm[:, d0], v, X)) / (2 * h)
    np.testing.assert_allclose(J, fd, atol=1e-8)
    # the Khatri-Rao product of A and the lifted data, blocks scaled by v_i
    Xt = np.hstack([X, np.ones((n, 1))])
    kr = np.vstack([np.kron(A[:, j] * v, Xt[j]) for j in range(n)])
    np.testing.assert_array_equal(J, kr)
    assert relu.jacobian_rank(J) == np.linalg.matrix_rank(kr)


def test_exact_rank_against_sympy():
    rng = np.random.default_rng(1)
    for _ in range(25):
        r, c = rng.integers(1, 7, size=2)
        k = rng.integers(0, min(r, c) + 1)
        M = (rng.integers(-3, 4, size=(r, k)) @ rng.integers(-3, 4, size=(k, c))) / 8.0
        ref = sp.Matrix(M.tolist()).applyfunc(sp.nsimplify).rank()
        assert relu.jacobian_rank(M, method="exact") == ref
        assert relu.jacobian_rank(M, method="svd") == ref


def test_exact_rank_decides_where_the_svd_tolerance_does_not():
    # rank 2 with a singular value ~1e-17 of the largest: the SVD default calls it rank 1
    J = np.array([[1.0, 1.0], [1.0, 1.0 + 2.0**-52]])
    assert relu.jacobian_rank(J, method="exact") == 2
    assert relu.jacobian_rank(J, method="svd") == 1


@pytest.mark.parametrize("n,d0", [(6, 1), (8, 2), (9, 3)])
def test_realisable_rows_by_lp_are_covers_count(n, d0):
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, d0))
    rows = [np.array(bits, dtype=np.uint8) for bits in itertools.product((0, 1), repeat=n)]
    count = sum(relu.region_nonempty(r[None, :], X) for r in rows)
    assert count == 2 * sum(math.comb(n - 1, k) for k in range(d0 + 1))
    # without a bias: dichotomies by hyperplanes through the origin
    count0 = sum(relu.region_nonempty(r[None, :], X, bias=False) for r in rows)
    assert count0 == 2 * sum(math.comb(n - 1, k) for k in range(d0))


def test_nonempty_measure_in_1d_draws_the_steps_uniformly():
    reg = relu.sample_regions(6, 1, 5, measure="nonempty", trials=3000, rng=2)
    order = np.argsort(reg.X[:, 0])
    rows = reg.patterns[:, :, order].reshape(-1, 6)
    steps = relu.step_patterns(6)
    idx = [int(np.flatnonzero((steps == r).all(axis=1))[0]) for r in rows]
    counts = np.bincount(idx, minlength=12)
    expected = rows.shape[0] / 12
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    assert chi2 < 40.0  # 11 dof: P(chi2 > 40) < 1e-4
    assert all(relu.region_nonempty(A, reg.X) for A in reg.patterns[:20])


def test_init_measure_is_the_pattern_of_its_parameters():
    reg = relu.sample_regions(10, 2, 4, measure="init", trials=5, rng=3)
    for t in range(5):
        np.testing.assert_array_equal(reg.patterns[t],
                                      relu.activation_pattern(reg.W[t], reg.X, reg.b[t]))


def test_global_minimum_certificate():
    rng = np.random.default_rng(4)
    n, d0, d1 = 5, 2, 6
    X = rng.standard_normal((n, d0))
    W, b, v = rng.standard_normal((d1, d0)), rng.standard_normal(d1), np.ones(d1)
    A = relu.activation_pattern(W, X, b)
    # targets produced by a network of this region: a zero-loss point exists inside it
    ok, t = relu.region_has_global_min(A, X, v, _net(W, b, v, X))
    assert ok and t > 0
    # an input inactive for every neuron cannot be fitted to a nonzero target
    A0 = A.copy()
    A0[:, 0] = 0
    assert relu.region_nonempty(A0, X)  # (true for this seed; the check below needs it)
    y = _net(W, b, v, X)
    y[0] = 1.0
    assert not relu.region_has_global_min(A0, X, v, y)[0]


def test_bad_input_is_named():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="hyperplane"):
        relu.activation_pattern(np.ones((2, 2)), X, np.zeros(2))
    with pytest.raises(ValueError, match="zero entries"):
        relu.region_jacobian(np.ones((2, 3)), np.ones((3, 2)), v=np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="non-finite"):
        relu.region_jacobian(np.ones((2, 3)), np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="columns"):
        relu.region_jacobian(np.ones((2, 4)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="only 0 and 1"):
        relu.region_jacobian(np.full((2, 3), 2), np.ones((3, 2)))
    with pytest.raises(ValueError, match="repeated inputs"):
        relu.sample_regions(3, 1, 2, X=np.array([[0.1], [0.1], [0.5]]))
    with pytest.raises(ValueError, match="measure"):
        relu.sample_regions(3, 1, 2, measure="gaussian")


def test_cell_volume_of_two_half_spaces_is_exact():
    """Two constraints: the measure of {w.a > 0, w.b > 0} is (pi - theta)/(2 pi), theta the
    angle between a and b (any dimension)."""
    rng = np.random.default_rng(6)
    X = rng.standard_normal((2, 10))
    cos = X[0] @ X[1] / np.linalg.norm(X[0]) / np.linalg.norm(X[1])
    exact = math.log((math.pi - math.acos(cos)) / (2 * math.pi))
    r = relu.cell_log_volume(np.ones(2), X, rng=1, particles=2000)
    assert abs(r.log_volume - exact) < 4 * r.stderr, (r.log_volume, exact, r.stderr)


def test_cell_volume_in_two_dimensions_is_the_arc():
    """In d0 = 2 the cell is an arc of the circle: its measure is its angle over 2 pi."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((6, 2))
    w = np.array([math.cos(0.3), math.sin(0.3)])
    s = np.sign(X @ w)  # a realisable labelling
    phis = np.linspace(0, 2 * math.pi, 400001)
    circle = np.stack([np.cos(phis), np.sin(phis)], axis=1)
    exact = math.log(np.mean(np.all((circle @ (s[:, None] * X).T) > 0, axis=1)))
    r = relu.cell_log_volume(s, X, rng=2, particles=1000)
    assert abs(r.log_volume - exact) < 4 * r.stderr + 1e-4, (r.log_volume, exact, r.stderr)


def test_gradient_descent_trace_descends_and_records_certified_ranks():
    rng = np.random.default_rng(8)
    n = 12
    X = np.sort(rng.standard_normal((n, 1)), axis=0)
    y = rng.standard_normal(n)
    tr = relu.gradient_descent_trace(X, y, 16, lr=0.02, steps=1500, record_every=100, rng=3)
    assert np.all(np.diff(tr.loss) <= 1e-12)  # small steps: the loss never increases
    assert tr.loss[-1] < 0.5 * tr.loss[0]
    assert np.all((0 <= tr.rank) & (tr.rank <= n)) and tr.distinct_patterns >= 1
    # the recorded rank is the certified rank of the final region
    A = relu.activation_pattern(tr.W, X, tr.b)
    v = np.where(np.arange(16) % 2 == 0, 1.0, -1.0)
    assert tr.rank[-1] == relu.jacobian_rank(relu.region_jacobian(A, X, v=v))
    # the loss is the network's: recompute it from the final parameters
    F = np.maximum(tr.W @ X.T + tr.b[:, None], 0.0).T @ v
    assert tr.loss[-1] == pytest.approx(np.mean((F - y) ** 2) / 2, rel=1e-12)


def test_adam_trace_counts_every_iterate_and_stops_at_the_loss_tolerance():
    rng = np.random.default_rng(9)
    n = 12
    X = np.sort(rng.standard_normal((n, 1)), axis=0)
    y = rng.standard_normal(n)
    tr = relu.gradient_descent_trace(X, y, 40, lr=0.05, steps=400, record_every=400, rng=1,
                                     optimizer="adam")
    assert tr.iterates == 401 and tr.loss[-1] < 0.25 * tr.loss[0]  # Adam descends (7.6x here)
    # regions visited: at least the distinct ones among the two records, at most one per iterate
    assert 2 <= tr.distinct_patterns <= tr.iterates
    stop = relu.gradient_descent_trace(X, y, 40, lr=0.05, steps=400, record_every=400, rng=1,
                                       optimizer="adam", loss_tol=float(tr.loss[-1]) * 10)
    assert stop.iterates < 401 and stop.loss[-1] <= tr.loss[-1] * 10
    assert stop.steps[-1] == stop.iterates - 1  # the stopping iterate is recorded
    with pytest.raises(ValueError, match="optimizer"):
        relu.gradient_descent_trace(X, y, 4, optimizer="sgd")
    with pytest.raises(ValueError, match="init_scale"):
        relu.gradient_descent_trace(X, y, 4, init_scale=0.0)


def test_a_float32_jacobian_with_a_float64_tolerance_hides_rank_deficiency():
    """Why the d0 >= 2 full-rank heatmaps of the paper's public code (kedar2/loss-landscape,
    jupyter_notebooks/jacobian_rank.py at commit e87ac17, read there: PyTorch float32
    gradients accumulated row by row, then numpy.linalg.matrix_rank of the float64 cast, whose
    default tolerance is sigma_max max(m, n) eps_float64) show every region full rank for
    n <= d1 (d0 + 1), while the certified ranks here are often deficient: float32 rounding
    (1e-7 sigma_max) is 1e6 times that tolerance and is counted as rank.  Regions of a
    Gaussian initialisation at n = 30, d0 = 2, d1 = 15 (45 parameters per output)."""
    reg = relu.sample_regions(30, 2, 15, measure="init", trials=12, rng=4)
    v = np.where(np.arange(15) % 2 == 0, 1.0, -1.0)
    certified, rule32 = [], []
    for A in reg.patterns:
        J = relu.region_jacobian(A, reg.X, v=v, bias=True)
        certified.append(relu.jacobian_rank(J))
        rows32 = np.cumsum(J.astype(np.float32), axis=0, dtype=np.float32)
        rule32.append(np.linalg.matrix_rank(rows32.astype(np.float64)))
        # the cumulative rows span the same space: same rank in exact arithmetic
        assert np.linalg.matrix_rank(np.cumsum(J, axis=0)) == certified[-1]
    certified, rule32 = np.array(certified), np.array(rule32)
    assert np.sum(certified < 30) >= 3, certified  # deficient regions exist
    assert np.all(rule32 == 30), rule32  # and the float32 rule calls every one full


@pytest.mark.slow
def test_regions_visited_against_width_reproduce_the_papers_code():
    """Distinct activation patterns among the 1001 iterates of Adam (lr 0.5, 1000 epochs, stop
    at MSE <= 1e-9) on a two-layer ReLU net, d0 = 1, n = 200, x ~ N(0, 1), y a quadratic with
    coefficients U(-1, 1), W ~ N(0, 2) and b ~ N(0, 2) (Kaiming normal), v ~ N(0, 1/d1) fixed.
    Reference: the saved output of jupyter_notebooks/width_to_patterns_num.ipynb (cell 3) in
    the public code of Karhadkar et al. (github.com/kedar2/loss-landscape, commit 47e0448; read
    there, 4 runs per width): means 739.5, 876.75, 886.25 with standard deviations 46.6, 54.2,
    69.4 at d1 = 100, 500, 1000.  Our 8 runs per width use a new dataset per run (theirs: one
    dataset); z-test on the difference of the means, tolerance 4 combined standard errors."""
    import math

    ref = {100: (739.5, 46.61), 500: (876.75, 54.18), 1000: (886.25, 69.39)}
    n = 200
    for d1, (mean_ref, sd_ref) in ref.items():
        counts = []
        for seed in range(8):
            g = np.random.default_rng(seed)
            x = g.standard_normal((n, 1))
            co = g.uniform(-1, 1, 3)
            y = co[0] * x[:, 0] ** 2 + co[1] * x[:, 0] + co[2]
            gr = np.random.default_rng(1000 + seed)
            v = gr.standard_normal(d1) / math.sqrt(d1)
            tr = relu.gradient_descent_trace(x, y, d1, v=v, lr=0.5, steps=1000,
                                             record_every=1000, rng=gr, optimizer="adam",
                                             init_scale=math.sqrt(2.0), loss_tol=0.5e-9)
            counts.append(tr.distinct_patterns)
        counts = np.array(counts, dtype=float)
        se = math.hypot(counts.std(ddof=1) / math.sqrt(counts.size), sd_ref / 2.0)
        assert abs(counts.mean() - mean_ref) < 4 * se, (d1, counts, mean_ref, se)


def test_vectorised_residues_give_the_rank_of_the_integer_matrix():
    """The NumPy residues (mantissas times powers of two mod p) are the integer rows up to a
    power of two per row, so the rank mod p is the same as from the exact big-integer rows;
    scales from 1e-8 to 1e8, zero entries, zero and dependent rows."""
    from simulate.certified_rank import (_PRIME, _integer_rows, _rank_mod_p,
                                         _rank_mod_p_kernel, _residues)

    rng = np.random.default_rng(0)
    for trial in range(300):
        r, c = int(rng.integers(1, 7)), int(rng.integers(1, 9))
        J = rng.standard_normal((r, c)) * 10.0 ** rng.integers(-8, 8, size=(r, c))
        J[rng.random((r, c)) < 0.3] = 0.0
        if trial % 5 == 0 and r > 1:
            J[1] = 3 * J[0]
        if trial % 7 == 0:
            J[0] = 0.0
        assert _rank_mod_p_kernel(_residues(J), np.int64(_PRIME)) == \
            _rank_mod_p(_integer_rows(J)), trial


# ---------------------------------------------------------------------------------------------
# realisable_dichotomies: exact enumeration of one neuron's rows

def _rows_set(R):
    return {r.tobytes() for r in np.asarray(R, dtype=np.uint8)}


@pytest.mark.parametrize("n,d0,bias", [
    (1, 1, True), (2, 3, True), (3, 4, False), (3, 2, True),   # n <= D: all 2^n
    (1, 1, False), (5, 1, False), (14, 1, False),                # D = 1
    (9, 1, True), (14, 1, True), (12, 2, True), (14, 2, False), (13, 3, True),
    (14, 3, False), (11, 4, True), (14, 4, False), (6, 4, True), (70, 2, True),
    (130, 1, True)])                                             # n > 64: several words
def test_enumerated_dichotomies_are_covers_count(n, d0, bias):
    from replica.relu import cover_count, nonempty_regions

    rng = np.random.default_rng(100 * n + 10 * d0 + bias)
    X = rng.standard_normal((n, d0))
    R = relu.realisable_dichotomies(X, bias=bias)
    D = d0 + int(bias)
    assert R.dtype == np.uint8 and R.ndim == 2 and R.shape[1] == n
    assert np.all((R == 0) | (R == 1))
    assert R.shape[0] == cover_count(n, D) == nonempty_regions(n, d0, 1, bias=bias)
    assert len(_rows_set(R)) == R.shape[0]  # distinct
    # lexicographic order (input 0 most significant), deterministic
    assert [tuple(r) for r in R] == sorted(tuple(r) for r in R)
    np.testing.assert_array_equal(R, relu.realisable_dichotomies(X.copy(), bias=bias))
    # a realisable row's complement is realisable (w -> -w)
    assert _rows_set(1 - R) == _rows_set(R)


def test_enumeration_in_1d_with_bias_is_the_steps():
    rng = np.random.default_rng(11)
    for n in (1, 2, 7, 80):
        X = rng.standard_normal((n, 1))
        order = np.argsort(X[:, 0])
        steps = np.empty((2 * n, n), dtype=np.uint8)
        steps[:, order] = relu.step_patterns(n)
        assert _rows_set(relu.realisable_dichotomies(X)) == _rows_set(steps)


def test_enumeration_without_bias_in_1d_is_the_sign_and_its_complement():
    R = relu.realisable_dichotomies(np.array([[1.0], [-2.0], [3.0]]), bias=False)
    np.testing.assert_array_equal(R, [[0, 1, 0], [1, 0, 1]])


@pytest.mark.parametrize("n,d0,bias", [(8, 1, False), (9, 2, True), (10, 3, False),
                                       (7, 4, True),
                                       pytest.param(12, 3, True, marks=pytest.mark.slow)])
def test_enumeration_is_exactly_the_lp_feasible_rows(n, d0, bias):
    """Every enumerated row has an LP certificate, and the exhaustive LP over all 2^n rows
    finds exactly the enumerated set."""
    rng = np.random.default_rng(7 * n + d0)
    X = rng.standard_normal((n, d0))
    R = relu.realisable_dichotomies(X, bias=bias)
    assert relu.region_nonempty(R, X, bias=bias)  # every row (one neuron per row)
    lp = {bytes(bits) for bits in itertools.product((0, 1), repeat=n)
          if relu._row_feasible(np.array(bits, dtype=np.uint8), X, bias)}
    assert lp == _rows_set(R)


def test_enumerated_rows_are_lp_feasible_at_larger_n():
    rng = np.random.default_rng(12)
    for n, d0, bias in [(40, 3, True), (70, 2, False), (25, 5, False)]:
        X = rng.standard_normal((n, d0))
        R = relu.realisable_dichotomies(X, bias=bias)
        pick = rng.choice(R.shape[0], size=60, replace=False)
        assert all(relu._row_feasible(R[i], X, bias) for i in pick)
        # rows that are not enumerated (a random row is rarely realisable here) have none
        others = rng.integers(0, 2, size=(200, n), dtype=np.uint8)
        known = _rows_set(R)
        for row in others:
            assert relu._row_feasible(row, X, bias) == (row.tobytes() in known)


@pytest.mark.parametrize("d0,bias", [(2, True), (3, False)])
def test_nonempty_sampler_is_uniform_over_the_dichotomies_at_n20(d0, bias):
    """n = 20, d0 = 2 with bias (382 realisable rows of 2^20: rejection sampling used to give
    up): each neuron's row is uniform over the enumerated dichotomies, all non-empty."""
    from scipy import stats

    n, d1, trials = 20, 8, 4000
    reg = relu.sample_regions(n, d0, d1, measure="nonempty", trials=trials, rng=5, bias=bias)
    assert reg.patterns.shape == (trials, d1, n) and reg.patterns.dtype == np.uint8
    R = relu.realisable_dichotomies(reg.X, bias=bias)
    assert R.shape[0] == 382
    index = {r.tobytes(): i for i, r in enumerate(R)}
    rows = reg.patterns.reshape(-1, n)
    idx = np.array([index[r.tobytes()] for r in rows])  # KeyError: a row not realisable
    counts = np.bincount(idx, minlength=R.shape[0])
    p = stats.chisquare(counts).pvalue
    assert p > 1e-3, p
    # every distinct sampled row has an LP certificate: all sampled regions are non-empty
    seen = R[np.flatnonzero(counts)]
    assert seen.shape[0] == R.shape[0]
    assert relu.region_nonempty(seen, reg.X, bias=bias)


def test_nonempty_sampler_in_1d_keeps_its_random_stream():
    """d0 = 1 with bias: the data, then one gen.integers(0, 2n) per neuron (other code relies
    on this stream)."""
    n, d1, trials = 9, 4, 6
    reg = relu.sample_regions(n, 1, d1, measure="nonempty", trials=trials, rng=17)
    gen = np.random.default_rng(17)
    X = np.sort(gen.standard_normal((n, 1)), axis=0)
    pick = gen.integers(0, 2 * n, size=(trials, d1))
    np.testing.assert_array_equal(reg.X, X)
    np.testing.assert_array_equal(reg.patterns, relu.step_patterns(n)[pick])


def test_nonempty_sampler_fallback_and_refusal(monkeypatch):
    # over the enumeration limit, a high acceptance rate: rejection sampling, rows non-empty
    monkeypatch.setattr(relu, "MAX_CANDIDATES", 10)
    reg = relu.sample_regions(6, 3, 3, measure="nonempty", trials=5, rng=1)
    assert all(relu.region_nonempty(A, reg.X) for A in reg.patterns)
    # over the limit and too rare for rejection: a clear error
    with pytest.raises(ValueError, match="MAX_CANDIDATES"):
        relu.sample_regions(20, 2, 2, measure="nonempty", rng=1)


def test_enumeration_refuses_beyond_the_limit():
    X = np.random.default_rng(3).standard_normal((400, 6))
    with pytest.raises(ValueError, match="over the limit"):
        relu.realisable_dichotomies(X)
    with pytest.raises(ValueError, match="over the limit"):
        relu.realisable_dichotomies(X[:10], max_candidates=100)


def test_non_generic_data_is_refused():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((8, 2))
    rep = X.copy()
    rep[5] = rep[2]  # repeated point
    with pytest.raises(ValueError, match="non-generic"):
        relu.realisable_dichotomies(rep)
    col = X.copy()
    col[1:4] = [[0.0, 1.0], [1.0, 3.0], [2.0, 5.0]]  # three collinear points, d0 = 2, bias
    with pytest.raises(ValueError, match="non-generic"):
        relu.realisable_dichotomies(col)
    with pytest.raises(ValueError, match="non-generic"):
        relu.sample_regions(8, 2, 3, measure="nonempty", X=col)
    # without a bias the collinear points are fine (no three on a line through the origin)
    assert relu.realisable_dichotomies(col, bias=False).shape[0] == 16
    # ... but two points on a line through the origin are not
    ray = X.copy()
    ray[4] = -2.5 * ray[0]
    with pytest.raises(ValueError, match="non-generic"):
        relu.realisable_dichotomies(ray, bias=False)
    with pytest.raises(ValueError, match="non-generic"):  # the origin, no bias
        relu.realisable_dichotomies(np.array([[1.0], [0.0]]), bias=False)
    with pytest.raises(ValueError, match="non-generic"):  # repeated 1-d input, bias
        relu.realisable_dichotomies(np.array([[0.3], [-1.0], [0.3]]))
    with pytest.raises(ValueError, match="non-generic"):  # n < D, dependent
        relu.realisable_dichotomies(np.array([[0.5, 1.0], [0.5, 1.0]]))
    with pytest.raises(ValueError, match="non-generic"):  # repeated point, d0 = 3, no bias
        Y = rng.standard_normal((7, 3))
        Y[6] = Y[0]
        relu.realisable_dichotomies(Y, bias=False)
