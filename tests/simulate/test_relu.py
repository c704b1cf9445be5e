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


def test_vectorised_residues_give_the_rank_of_the_integer_matrix():
    """The NumPy residues (mantissas times powers of two mod p) are the integer rows up to a
    power of two per row, so the rank mod p is the same as from the exact big-integer rows;
    scales from 1e-8 to 1e8, zero entries, zero and dependent rows."""
    from simulate.relu import _PRIME, _integer_rows, _rank_mod_p, _rank_mod_p_kernel, _residues

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
