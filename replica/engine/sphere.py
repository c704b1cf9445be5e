"""The k-RSB entropy of spherical variables: the algebraic (Crisanti-Sommers) term of a ladder.

For N variables on the sphere |w|^2 = N (normalised surface measure), a k-RSB ladder
0 <= q_0 < q_1 < ... < q_k < 1, 0 = m_0 < m_1 < ... < m_k < m_{k+1} = 1 carries the entropy

    S = 1/2 [ ln lambda_{k+1} + sum_{l=1}^{k} (1/m_l) ln(lambda_l / lambda_{l+1})
              + q_0 / lambda_1 ],
    lambda_{k+1} = 1 - q_k,   lambda_l = lambda_{l+1} + m_l (q_l - q_{l-1}),

i.e. 1/2 [ln(1 - q_k) + int_0^{q_k} dq / lambda(q)] with lambda(q) = int_q^1 x(p) dp for the
step function x(q) of the ladder.  RS (k = 0): 1/2 [ln(1 - q) + q / (1 - q)].  This is the
prior's whole contribution to the replica free entropy of spherical spin glasses (their
Crisanti-Sommers functional) and of spherical perceptrons, at every k; its gradient is exact
(the chain rule through the lambda's), so nothing here is discretised.

References
----------
A. Crisanti and H.-J. Sommers, Z. Phys. B 87, 341 (1992), Eq. (4.12) (the functional).
M. Talagrand, "Free energy of the spherical mean field model", Probab. Theory Relat. Fields
134, 339 (2006) (the Parisi formula in this form).
"""
from __future__ import annotations

import math

import numpy as np

from .errors import ModelError

__all__ = ["spherical_entropy", "lambdas"]


def lambdas(q, m, top=None):
    """lambda_1..lambda_{k+1} of the ladder (see the module notes); lambda_{k+1} = ``top``
    where given (1 in the jamming scaling), else 1 - q_k."""
    q = np.asarray(q, dtype=float)
    m = np.asarray(m, dtype=float)
    k = len(m)
    lam = np.empty(k + 1)
    lam[k] = 1.0 - q[k] if top is None else top
    for l in range(k, 0, -1):
        lam[l - 1] = lam[l] + m[l - 1] * (q[l] - q[l - 1])
    return lam


def spherical_entropy(q, m, jamming=False):
    """S, dS/dq_l (l = 0..k) and dS/dm_l (l = 1..k) of a k-RSB ladder (module notes).

    With ``jamming``, the coefficient of 1/eps in S at q_k = 1 - eps, m_l = mu_l eps
    (eps -> 0, ``m`` holding mu): 1/2 [sum_l (1/mu_l) ln(Lambda_l / Lambda_{l+1})
    + q_0 / Lambda_1], Lambda_{k+1} = 1, Lambda_l = Lambda_{l+1} + mu_l (q_l - q_{l-1}), with
    q_k = 1 (its derivative is then 0: q_k is not a variable).

    Parameters
    ----------
    q : array_like
        k + 1 overlaps, 0 <= q_0 <= ... <= q_k < 1.
    m : array_like
        k Parisi parameters in (0, 1).

    Returns
    -------
    S : float
    dq : numpy.ndarray
    dm : numpy.ndarray

    Raises
    ------
    ModelError
        q_k >= 1 (without ``jamming``) or a non-positive lambda (a ladder outside the
        domain).
    """
    q = np.asarray(q, dtype=float)
    m = np.asarray(m, dtype=float)
    k = len(m)
    if len(q) != k + 1:
        raise ModelError(f"spherical_entropy: k + 1 = {k + 1} overlaps expected, got {len(q)}")
    lam = lambdas(q, m, top=1.0 if jamming else None)   # lam[j - 1] = lambda_j
    if not np.all(lam > 0.0):
        raise ModelError(f"spherical_entropy: the ladder q = {q.tolist()}, m = {m.tolist()} "
                         f"has lambda = {lam.tolist()} (must be > 0: q_k < 1)")
    # ln(lambda_l / lambda_{l+1}) = log1p(m_l (q_l - q_{l-1}) / lambda_{l+1}): no rounding
    # of a logarithm near 1 amplified by 1/m_l at small m_l
    ratio = np.log1p(m * np.diff(q) / lam[1:]) if k else np.zeros(0)
    S = (0.0 if jamming else math.log(lam[k])) + q[0] / lam[0]
    for l in range(1, k + 1):
        S += ratio[l - 1] / m[l - 1]
    S *= 0.5
    # dS/dlambda_j: c_j / (2 lambda_j), c_j = 1/m_j - 1/m_{j-1} (1/m_0 := 0, m_{k+1} = 1);
    # and -q_0 / (2 lambda_1^2) from the last term
    inv = np.concatenate(([0.0], 1.0 / m, [1.0]))          # 1/m_0 := 0, ..., 1/m_{k+1}
    c = inv[1:] - inv[:-1]
    dS_dlam = 0.5 * c / lam
    dS_dlam[0] -= 0.5 * q[0] / lam[0] ** 2
    # d lambda_j / d q_l = m_l [l >= j] - m_{l+1} [l + 1 >= j] (m_{k+1} = 1), j = 1..k+1
    mm = np.concatenate(([0.0], m, [1.0]))
    cum = np.cumsum(dS_dlam)                 # cum[i] = sum_{j=1}^{i+1} dS/dlambda_j
    dq = np.empty(k + 1)
    for l in range(k + 1):
        lo = cum[l - 1] if l >= 1 else 0.0  # sum over j <= l
        dq[l] = mm[l] * lo - mm[l + 1] * cum[min(l, k)]
    dq[0] += 0.5 / lam[0]
    if jamming:
        dq[k] = 0.0                          # q_k = 1 is fixed
    # d lambda_j / d m_l = (q_l - q_{l-1}) [j <= l]; plus the explicit 1/m_l
    dm = np.empty(k)
    for l in range(1, k + 1):
        dm[l - 1] = ((q[l] - q[l - 1]) * cum[l - 1] - 0.5 * ratio[l - 1] / m[l - 1] ** 2)
    return float(S), dq, dm
