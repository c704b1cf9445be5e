"""Random pattern sets xi^mu in R^N for the perceptron simulations.

Patterns are stored as a float64 array of shape ``(P, N)`` (row mu is xi^mu), so that the
stabilities of a weight vector ``w`` are ``xi @ w / sqrt(N)``.  Random numbers come only from the
``numpy.random.Generator`` passed as ``rng``: the same seed gives the same array bit for bit.
"""
from __future__ import annotations

import operator

import numpy as np

__all__ = ["gaussian_patterns", "binary_patterns"]


def _check_size(value, name):
    try:
        size = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None
    if size < 1:
        raise ValueError(f"{name} must be >= 1, got {size}")
    return size


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )


def gaussian_patterns(P, N, *, rng) -> np.ndarray:
    """Draw P patterns in R^N with i.i.d. standard Gaussian entries.

    Parameters
    ----------
    P, N : int
        Number of patterns (>= 1) and input dimension (>= 1); alpha = P / N.
    rng : numpy.random.Generator
        Source of randomness (keyword only).

    Returns
    -------
    xi : ndarray of float64, shape (P, N)
        ``xi[mu]`` is the pattern xi^mu.

    Notes
    -----
    xi^mu_i ~ N(0, 1) i.i.d., so |xi^mu|^2 ~ N and the stability
    Delta^mu(w) = w . xi^mu / sqrt(N) of a spherical weight vector (|w|^2 = N) is N(0, 1)
    for a w independent of the patterns.

    References
    ----------
    .. [1] E. Gardner, "The space of interactions in neural network models",
       J. Phys. A 21, 257 (1988).
    """
    P = _check_size(P, "P")
    N = _check_size(N, "N")
    _check_rng(rng)
    return rng.standard_normal((P, N), dtype=np.float64)


def binary_patterns(P, N, *, rng) -> np.ndarray:
    """Draw P patterns in {-1, +1}^N with i.i.d. unbiased entries (as float64).

    Parameters
    ----------
    P, N : int
        Number of patterns (>= 1) and input dimension (>= 1); alpha = P / N.
    rng : numpy.random.Generator
        Source of randomness (keyword only).

    Returns
    -------
    xi : ndarray of float64, shape (P, N)
        Entries exactly -1.0 or +1.0.

    Notes
    -----
    xi^mu_i = +1 or -1 with probability 1/2 each, i.i.d.; |xi^mu|^2 = N exactly. Same mean and
    variance as the Gaussian ensemble, hence the same thermodynamics at large N. At small N two
    patterns can coincide or be exact opposites (probability 2^(1-N) per pair), which puts the
    origin on the hull of the patterns: see :func:`simulate.perceptron.max_margin`.

    References
    ----------
    .. [1] E. Gardner, "The space of interactions in neural network models",
       J. Phys. A 21, 257 (1988).
    """
    P = _check_size(P, "P")
    N = _check_size(N, "N")
    _check_rng(rng)
    bits = rng.integers(0, 2, size=(P, N), dtype=np.int8)
    return (2.0 * bits - 1.0).astype(np.float64)
