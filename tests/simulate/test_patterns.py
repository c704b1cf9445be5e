"""Tests of simulate.patterns."""
import numpy as np
import pytest

from simulate.patterns import binary_patterns, gaussian_patterns


@pytest.mark.parametrize("draw", [gaussian_patterns, binary_patterns])
def test_shape_dtype_and_reproducibility(draw):
    a = draw(7, 5, rng=np.random.default_rng(3))
    b = draw(7, 5, rng=np.random.default_rng(3))
    assert a.shape == (7, 5) and a.dtype == np.float64
    assert np.array_equal(a, b)
    assert not np.array_equal(a, draw(7, 5, rng=np.random.default_rng(4)))


def test_gaussian_matches_generator_stream():
    expected = np.random.default_rng(11).standard_normal((4, 3))
    assert np.array_equal(gaussian_patterns(4, 3, rng=np.random.default_rng(11)), expected)


def test_binary_entries_and_balance():
    xi = binary_patterns(200, 100, rng=np.random.default_rng(0))
    assert set(np.unique(xi)) == {-1.0, 1.0}
    # mean of 20000 fair +-1 entries: standard error 1/sqrt(20000)
    assert abs(xi.mean()) < 4 / np.sqrt(xi.size)


def test_gaussian_moments():
    xi = gaussian_patterns(200, 100, rng=np.random.default_rng(0))
    n = xi.size
    assert abs(xi.mean()) < 4 / np.sqrt(n)
    assert abs(xi.var() - 1.0) < 4 * np.sqrt(2.0 / n)


@pytest.mark.parametrize("draw", [gaussian_patterns, binary_patterns])
@pytest.mark.parametrize("P, N, culprit", [(0, 3, "P"), (3, 0, "N"), (-1, 3, "P"), (2.5, 3, "P")])
def test_bad_sizes(draw, P, N, culprit):
    with pytest.raises(ValueError, match=culprit):
        draw(P, N, rng=np.random.default_rng(0))


@pytest.mark.parametrize("draw", [gaussian_patterns, binary_patterns])
def test_rng_must_be_generator(draw):
    with pytest.raises(ValueError, match="rng"):
        draw(2, 2, rng=0)
