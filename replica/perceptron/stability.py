"""Stability of replica-symmetric saddle points: the de Almeida-Thouless (replicon) eigenvalue.

Notes
-----
For a prior x channel model the replicon eigenvalue of the RS solution factorises into a prior
and a channel part,

    lambda_R = 1 - alpha * R_prior * R_channel,
    R_channel = E_z [ (d^2/d omega^2 ln Z_out(omega, 1 - q))^2 ]_{omega = sqrt(q) z},
    R_prior   = E[(variance of a weight in its local field)^2]
              = (1 - q)^2 (sphere),  E_z[(1 - tanh^2(sqrt(qhat) z))^2] (binary weights),

and RS is locally stable when lambda_R > 0.  R_channel is derived from the channel's ln Z_out
by ``sympy.diff`` (:func:`replica.perceptron.builders.rs_replicon`); the RS problem carries
the resulting :class:`~replica.engine.replicon.Replicon`, which the engine's
:func:`~replica.engine.stability.stability` and ``at_line`` evaluate (re-exported here).  At q -> 1 for the margin channel
R_channel (1-q)^2 -> P(z < kappa), so the spherical RS solution is stable up to capacity for
kappa > 0, marginal at kappa = 0 and unstable near capacity for kappa < 0.

References
----------
J. R. L. de Almeida and D. J. Thouless, J. Phys. A 11, 983 (1978); E. Gardner and B. Derrida,
J. Phys. A 21, 271 (1988) (binary perceptron: alpha_AT = 1.015 at kappa = 0); S. Franz and
G. Parisi, J. Phys. A 49, 145001 (2016) (negative perceptron).
"""
from __future__ import annotations

from ..engine.stability import Stability, at_line, stability

__all__ = ["Stability", "stability", "at_line"]
