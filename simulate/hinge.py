"""A plain solver of the spherical perceptron (the algorithmic counterpart of the references).

:func:`find_solution`: online hinge-loss subgradient descent renormalised on the sphere
|w|^2 = N, stopped at the first strict solution.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulate._fixedorder import norm
from simulate._inputs import (_check_count, _check_patterns, _check_real, _check_rng,
                              _check_weights)
from simulate._localkernels import _perceptron_kernel

__all__ = ["SolverResult", "find_solution", "SAFETY_MARGIN", "STOP_GUARD"]

#: find_solution aims every update at kappa + SAFETY_MARGIN (stability units) and stops as soon
#: as every stability is >= kappa + STOP_GUARD.
SAFETY_MARGIN = 0.05
#: Stop only when min Delta >= kappa + STOP_GUARD: far above the rounding of a stability (~1e-14
#: for |xi^mu| ~ sqrt(N)), so the returned w stays a solution when its stabilities are
#: recomputed in any summation order.
STOP_GUARD = 1e-9
#: find_solution: epochs in the first block of presentation orders (doubling up to a cap).
_FIRST_EPOCH_BLOCK = 4
_MAX_PERM_ELEMENTS = 1 << 20


@dataclass(frozen=True)
class SolverResult:
    """Outcome of :func:`find_solution`.

    Attributes
    ----------
    w : ndarray of float64, shape (N,)
        The last iterate, |w|^2 = N (up to rounding).
    margin : float
        min_mu Delta^mu(w).
    epochs : int
        Full passes over the patterns performed (0 if the starting point was a solution).
    converged : bool
        True iff ``margin >= kappa + STOP_GUARD`` (1e-9): w is a strict solution.
    """

    w: np.ndarray
    margin: float
    epochs: int
    converged: bool


def find_solution(xi, kappa, *, rng, lr=0.1, max_epochs=1000, w0=None) -> SolverResult:
    r"""Find a spherical solution of margin kappa with a perceptron-style subgradient descent.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns (rows); P >= 1.
    kappa : float
        Margin (may be negative: the non-convex negative perceptron).
    rng : numpy.random.Generator
        Source of the starting point (if ``w0`` is None) and of the presentation orders.
    lr : float, default 0.1
        Step size, in units of stability: one update raises Delta^mu by lr |xi^mu|^2/N.
    max_epochs : int, default 1000
        Maximum number of passes over the patterns (>= 1).
    w0 : array_like, shape (N,), optional
        Starting point (normalised to |w|^2 = N); default: uniform on the sphere.

    Returns
    -------
    SolverResult
        ``w`` (|w|^2 = N), ``margin`` = min_mu Delta^mu(w), ``epochs``, ``converged``. When no
        solution is reached within ``max_epochs`` the last iterate is returned with
        ``converged=False`` (no exception).

    Raises
    ------
    ValueError
        On bad ``xi`` (P = 0 included), non-finite ``kappa``, ``lr <= 0``, ``max_epochs < 1``,
        a bad ``w0`` or ``rng``.

    Notes
    -----
    Stochastic subgradient descent on the hinge loss
    :math:`L(w)=\sum_\mu\max(0,\kappa_t-\Delta^\mu(w))` restricted to the sphere
    :math:`|w|^2=N`, with :math:`\kappa_t=\kappa+` ``SAFETY_MARGIN`` (0.05): in each epoch the
    patterns are visited in a random order (``rng.permuted`` rows, drawn in blocks of epochs),
    and whenever :math:`\Delta^\mu<\kappa_t`,

    .. math:: w \leftarrow \sqrt N\,\frac{w+\eta\,\xi^\mu/\sqrt N}{|w+\eta\,\xi^\mu/\sqrt N|}.

    For kappa >= 0 this is Rosenblatt's perceptron with margin on the sphere [1]_; for kappa < 0
    the constraints are non-convex but the same updates find solutions well below the capacity
    [2]_. Aiming at :math:`\kappa_t>\kappa` keeps the iterate from hovering at the threshold;
    the run stops, before an epoch, as soon as :math:`\min_\mu\Delta^\mu\ge\kappa+10^{-9}`
    (``STOP_GUARD``, well above rounding), so a converged w is a strict solution however its
    stabilities are recomputed. Near the capacity of margin :math:`\kappa_t` convergence
    slows down and eventually fails (``converged=False``). Cost O(P N) per epoch, in Numba.

    References
    ----------
    .. [1] W. Krauth and M. Mezard, "Learning algorithms with optimal stability in neural
       networks", J. Phys. A 20, L745 (1987).
    .. [2] S. Franz and G. Parisi, "The simplest model of jamming", J. Phys. A 49, 145001
       (2016).
    """
    X = _check_patterns(xi)
    P, N = X.shape
    if P < 1:
        raise ValueError("xi must hold P >= 1 patterns")
    kappa = _check_real(kappa, "kappa")
    _check_rng(rng)
    lr = _check_real(lr, "lr")
    if lr <= 0.0:
        raise ValueError(f"lr must be > 0, got {lr}")
    max_epochs = _check_count(max_epochs, "max_epochs")
    if w0 is None:
        g = rng.standard_normal(N)
        w = g * (math.sqrt(N) / norm(g))  # fixed-order norm: the same bits on every machine
    else:
        w = _check_weights(w0, N, "w0")
        w = w * (math.sqrt(N) / norm(w))
    w = np.ascontiguousarray(w)
    kappa_stop = kappa + STOP_GUARD
    kappa_target = kappa + SAFETY_MARGIN
    base = np.arange(P, dtype=np.int64)
    cap = max(1, _MAX_PERM_ELEMENTS // P)
    block = min(_FIRST_EPOCH_BLOCK, cap)
    done = 0
    converged = False
    while done < max_epochs:
        n = min(block, max_epochs - done)
        perms = rng.permuted(np.broadcast_to(base, (n, P)), axis=1)
        ran, converged, margin = _perceptron_kernel(X, w, perms, kappa_stop, kappa_target, lr)
        done += ran
        if converged:
            break
        block = min(2 * block, cap)
    w.setflags(write=False)
    return SolverResult(w=w, margin=float(margin), epochs=int(done), converged=bool(converged))
