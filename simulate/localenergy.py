"""Local energy: the training error of random configurations at fixed overlap with a reference.

* :func:`local_energy` (spherical weights): random points on the sphere at overlap p.
* :func:`local_energy_binary`: random flips of round(dN) coordinates.

Conventions as in :mod:`simulate.localentropy`. Random numbers are drawn from ``rng`` in NumPy
and passed to the Numba kernels (:mod:`simulate._localkernels`): a seed reproduces the results
bit for bit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulate._inputs import (_check_count, _check_grid, _check_patterns, _check_real,
                              _check_rng, _check_weights, _integer_valued)
from simulate._localkernels import _flip_violations_kernel, _sphere_violations_kernel
from simulate.binary import _integer_threshold

__all__ = ["LocalEnergy", "local_energy", "local_energy_binary"]

#: Rows of Gaussian vectors drawn per call of the local-energy kernel (memory: rows * N * 8 B).
_CHUNK_ELEMENTS = 1 << 21


@dataclass(frozen=True)
class LocalEnergy:
    """Fraction of violated constraints of random configurations at fixed overlap with w_ref.

    Attributes
    ----------
    overlaps : ndarray of float64, shape (n_overlaps,)
        Overlaps p = w . w_ref_hat / N of the sampled configurations (for the binary version,
        the realised overlaps 1 - 2 round(d N)/N).
    kappa : float
        Margin: constraint mu is violated iff Delta^mu(w) < kappa.
    n_samples : int
        Random configurations per overlap.
    e : ndarray of float64, shape (n_overlaps,)
        Mean over the samples of the fraction of violated constraints (energy per P).
    e_err : ndarray of float64, shape (n_overlaps,)
        Standard error of ``e`` (sample standard deviation / sqrt(n_samples)).
    e_ref : float
        Fraction of the constraints violated by the reference itself (normalised to |w|^2 = N).
    """

    overlaps: np.ndarray
    kappa: float
    n_samples: int
    e: np.ndarray
    e_err: np.ndarray
    e_ref: float

    @property
    def distances(self) -> np.ndarray:
        """d = (1 - p)/2 = |w - w_ref|^2/(4N) (the Hamming distance for binary weights)."""
        return (1.0 - self.overlaps) / 2.0


def _summarise(viol: np.ndarray, P: int):
    """Mean and standard error of viol/P, from exact integer sums (0 exactly if constant)."""
    n = int(viol.size)
    s1 = int(viol.sum())
    s2 = int(np.dot(viol, viol))
    var = (n * s2 - s1 * s1) / (n * (n - 1))  # sample variance of viol, ddof=1
    return s1 / (n * P), math.sqrt(var / n) / P


def _check_energy_inputs(xi, kappa, n_samples, rng):
    X = _check_patterns(xi)
    P, N = X.shape
    if P < 1:
        raise ValueError("xi must hold P >= 1 patterns (the energy is a fraction of P)")
    kappa = _check_real(kappa, "kappa")
    n_samples = _check_count(n_samples, "n_samples", minimum=2)
    _check_rng(rng)
    return X, kappa, n_samples


def local_energy(xi, w_ref, overlaps, kappa, *, n_samples, rng) -> LocalEnergy:
    r"""Mean fraction of violated constraints at fixed overlap with a reference (spherical).

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows); P >= 1, N >= 2.
    w_ref : array_like, shape (N,)
        Reference weights (any non-zero norm: normalised to |w|^2 = N).
    overlaps : array_like of float, shape (n_overlaps,)
        Overlaps p in [-1, 1].
    kappa : float
        Margin: constraint mu is violated iff Delta^mu(w) < kappa.
    n_samples : int
        Random configurations per overlap (>= 2, for the standard error).
    rng : numpy.random.Generator
        Source of the Gaussian vectors (keyword only).

    Returns
    -------
    LocalEnergy
        ``e[j]`` (energy per P at overlap ``overlaps[j]``), ``e_err[j]`` and ``e_ref``.

    Raises
    ------
    ValueError
        On bad ``xi``, N < 2, ``w_ref`` of the wrong shape / zero / non-finite, an overlap
        outside [-1, 1] or non-finite (named by index), ``n_samples < 2``, a bad ``rng``.

    Notes
    -----
    With :math:`\hat w = \sqrt N\, w_{ref}/|w_{ref}|`, each sample is
    :math:`w = p\,\hat w + \sqrt{1-p^2}\,u`, where :math:`u=\sqrt N\,v/|v|`,
    :math:`v = g - (g\cdot\hat w/N)\,\hat w`, :math:`g\sim\mathcal N(0,I_N)`: u is uniform on
    the sphere of radius :math:`\sqrt N` orthogonal to :math:`\hat w`, so :math:`|w|^2=N` and
    :math:`w\cdot\hat w/N=p` exactly. The energy per P is

    .. math:: e(p) = \frac1P\,\mathbb E_u \sum_\mu \theta\big(\kappa-\Delta^\mu(w)\big),
              \qquad \Delta^\mu(w) = p\,\Delta^\mu(\hat w) + \sqrt{1-p^2}\,\xi^\mu\cdot u/\sqrt N,

    and ``e_err`` is the standard error over the configurations (the constraints of one
    configuration are correlated). For each overlap in order, ``rng.standard_normal((n_samples,
    N))`` is drawn (in row chunks: the same stream), also at p = ±1 where it is not used.
    Exactly, :math:`\xi^\mu\cdot u/\sqrt N = |\xi^\mu_\perp|\,t` with
    :math:`|\xi^\mu_\perp|^2=|\xi^\mu|^2-\Delta^\mu(\hat w)^2` and :math:`(1+t)/2` Beta((N-2)/2,
    (N-2)/2)-distributed; at large N this gives :math:`e(p)\approx\frac1P\sum_\mu
    H\big((p\Delta^\mu(\hat w)-\kappa)/\sqrt{1-p^2}\big)`. Flat (wide) minima have an e(p)
    that rises slowly as p decreases from 1 [1]_.

    References
    ----------
    .. [1] C. Baldassi, F. Pittorino and R. Zecchina, "Shaping the learning landscape in
       neural networks around wide flat minima", PNAS 117, 161 (2020).
    """
    X, kappa, n_samples = _check_energy_inputs(xi, kappa, n_samples, rng)
    P, N = X.shape
    if N < 2:
        raise ValueError("xi must have N >= 2 (the sphere orthogonal to w_ref is empty at N = 1)")
    w = _check_weights(w_ref, N, "w_ref")
    p_arr = _check_grid(overlaps, "overlaps", -1.0, 1.0)
    w_hat = w * (math.sqrt(N) / np.linalg.norm(w))
    chunk = max(1, _CHUNK_ELEMENTS // N)
    e = np.empty(p_arr.size)
    e_err = np.empty(p_arr.size)
    for j, p in enumerate(p_arr):
        viol = np.empty(n_samples, np.int64)
        for start in range(0, n_samples, chunk):
            stop = min(n_samples, start + chunk)
            G = rng.standard_normal((stop - start, N))
            viol[start:stop] = _sphere_violations_kernel(X, w_hat, G, float(p), kappa)
        e[j], e_err[j] = _summarise(viol, P)
    e_ref = _sphere_violations_kernel(X, w_hat, np.zeros((1, N)), 1.0, kappa)[0] / P
    for arr in (p_arr, e, e_err):
        arr.setflags(write=False)
    return LocalEnergy(overlaps=p_arr, kappa=kappa, n_samples=n_samples, e=e, e_err=e_err,
                       e_ref=float(e_ref))


def local_energy_binary(xi, w_ref, distances, kappa, *, n_samples, rng) -> LocalEnergy:
    r"""Mean fraction of violated constraints at fixed Hamming distance from a binary reference.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows); P >= 1.
    w_ref : array_like of ±1, shape (N,)
        Binary reference.
    distances : array_like of float, shape (n_distances,)
        Hamming distances d in [0, 1]; exactly n_flip = round(d N) coordinates are flipped
        (``numpy.rint``: halves go to the even integer).
    kappa : float
        Margin: constraint mu is violated iff Delta^mu(w) < kappa.
    n_samples : int
        Random configurations per distance (>= 2).
    rng : numpy.random.Generator
        Source of the random subsets (keyword only).

    Returns
    -------
    LocalEnergy
        With ``overlaps = 1 - 2 n_flip/N`` (the realised overlaps).

    Raises
    ------
    ValueError
        On bad ``xi``, ``w_ref`` not ±1 or of the wrong shape, a distance outside [0, 1] (named
        by index), ``n_samples < 2``, a bad ``rng``.

    Notes
    -----
    A sample flips the set F of n_flip coordinates with the smallest of N i.i.d. uniform keys
    (``rng.random((n_samples, N))`` per distance, in order): a uniform n_flip-subset. Its fields
    are :math:`h^\mu = w_{ref}\cdot\xi^\mu - 2\sum_{i\in F} w_{ref,i}\xi^\mu_i` and constraint mu
    is violated iff :math:`h^\mu < \kappa\sqrt N`; for integer patterns the threshold is the
    integer of :func:`simulate.binary.enumerate_solutions` (ceil of kappa sqrt(N), snapped),
    the fields are exact, and a stability equal to kappa counts as satisfied. The energy per P
    is :math:`e(d)=\frac1P\mathbb E_F\sum_\mu\theta(\kappa\sqrt N - h^\mu)`; for ±1 patterns the
    number of flipped +1 products :math:`w_{ref,i}\xi^\mu_i` is hypergeometric, which gives
    e(d) exactly. Wide flat minima have a slowly rising e(d) [1]_.

    References
    ----------
    .. [1] C. Baldassi, C. Borgs, J. T. Chayes, A. Ingrosso, C. Lucibello, L. Saglietti and
       R. Zecchina, "Unreasonable effectiveness of learning neural networks: from accessible
       states and robust ensembles to basic algorithmic schemes", PNAS 113, E7655 (2016).
    """
    X, kappa, n_samples = _check_energy_inputs(xi, kappa, n_samples, rng)
    P, N = X.shape
    w = _check_weights(w_ref, N, "w_ref", binary=True)
    d_arr = _check_grid(distances, "distances", 0.0, 1.0)
    n_flip = np.rint(d_arr * N).astype(np.int64)
    h_ref = X @ w
    amax = float(np.max(np.abs(X)))
    if _integer_valued(X) and amax * N < 2.0**52:
        thr = float(_integer_threshold(kappa, N, int(amax) * N))
        h_ref = np.rint(h_ref)
    else:
        thr = kappa * math.sqrt(N)
    C = np.ascontiguousarray((X * w).T)
    chunk = max(1, _CHUNK_ELEMENTS // N)
    e = np.empty(n_flip.size)
    e_err = np.empty(n_flip.size)
    for j, k in enumerate(n_flip):
        viol = np.empty(n_samples, np.int64)
        for start in range(0, n_samples, chunk):
            stop = min(n_samples, start + chunk)
            keys = rng.random((stop - start, N))
            viol[start:stop] = _flip_violations_kernel(C, h_ref, keys, np.int64(k), thr)
        e[j], e_err[j] = _summarise(viol, P)
    e_ref = float(np.count_nonzero(h_ref < thr) / P)
    overlaps = 1.0 - 2.0 * n_flip / N
    for arr in (overlaps, e, e_err):
        arr.setflags(write=False)
    return LocalEnergy(overlaps=overlaps, kappa=kappa, n_samples=n_samples, e=e, e_err=e_err,
                       e_ref=e_ref)
