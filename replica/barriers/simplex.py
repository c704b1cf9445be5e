"""Vertices sampled from equilibrium: their RS saddle points and mutual overlaps.

y configurations w^1..w^y are drawn independently from the flat measures over the solutions of
margins kappa_1..kappa_y of the same patterns (y groups of n_a -> 0 replicas).  Each group's
own saddle point is the ordinary RS one; the overlap q_ab = w^a.w^b/N between vertices of
different groups is fixed by the O(n_a n_b) term of the replicated free entropy,

    phi_ab = G_S,ab + alpha Cov_h[ln Z_out,a(h_a), ln Z_out,b(h_b)],
    (h_a, h_b) ~ N(0, [[q_a, q_ab], [q_ab, q_b]]),

with, for spherical weights (the Gram-determinant term at order n_a n_b),

    G_S,ab = -q_ab^2 / (2 (1 - q_a)(1 - q_b)),

and for binary weights (conjugate qhat_ab, (u_a, u_b) ~ N(0, [[qhat_a, qhat_ab],
[qhat_ab, qhat_b]])),

    G_S,ab = -qhat_ab q_ab + Cov_u[ln 2cosh u_a, ln 2cosh u_b].

The term is assembled in SymPy with the correlations c12 = q_ab/sqrt(q_a q_b) and
chat12 = qhat_ab/sqrt(qhat_a qhat_b) in (-1, 1) as unknowns, h_b = sqrt(q_b)(c12 z0 +
sqrt(1 - c12^2) y), differentiated symbolically and compiled like every other free entropy.
Stationarity gives q_ab = alpha (1 - q_a)(1 - q_b) E[g_a g_b] (spherical), with
g = d ln Z_out/d omega; for kappa_a = kappa_b it reduces to Gardner's equation for q, so two
vertices of the same margin have q_ab = q_a (c12 = 1, solved without iteration).

References
----------
B. L. Annesi, C. Lauditi, C. Lucibello, E. M. Malatesta, G. Perugini, F. Pittorino and
L. Saglietti, "Star-shaped space of solutions of the spherical negative perceptron",
Phys. Rev. Lett. 131, 227301 (2023), arXiv:2305.10623.
"""
from __future__ import annotations

import sympy as sp

from ..engine.errors import ModelError
from ..engine.freeentropy import FreeEntropy
from ..engine.names import reserve
from ..perceptron.builders import standard_domains
from ..engine.gauss import GaussAvg
from ..engine.special import Log2Cosh
from ..engine.symbols import V, alpha, omega, y, z0

reserve(("c12", "chat12"), "the barrier simplex (correlations of vertex fields)")

__all__ = ["cross_free_entropy", "c12", "chat12", "vertex_symbols"]

c12 = sp.Symbol("c12", real=True)          #: correlation q_ab/sqrt(q_a q_b) of vertex fields
chat12 = sp.Symbol("chat12", real=True)    #: correlation of the conjugate fields (binary)
_y1 = sp.Symbol("y1", real=True)


def vertex_symbols(channel, k):
    """The symbols of vertex k (1 or 2): q_k, qhat_k and the channel parameters with suffix _k."""
    qk = sp.Symbol(f"q_{k}", real=True)
    qhk = sp.Symbol(f"qhat_{k}", real=True)
    params = {s: sp.Symbol(f"{s.name}_{k}", real=True) for s in channel.params}
    return qk, qhk, params


def _log_zout(channel, h, qk, params):
    lz = channel.log_zout
    if lz.has(y):
        lz = lz.xreplace({y: _y1})
    return lz.subs({omega: h, V: 1 - qk}).xreplace(params)


def _kink_hints(channel, params, shift, scale, width):
    """Quadrature hints of a variable v with h = shift + scale v at the channel's kinks."""
    return [((kk.xreplace(params) - shift) / scale, width) for kk in channel.kinks]


def _entropic(prior, q1s, q2s, qh1, qh2):
    q12 = c12 * sp.sqrt(q1s * q2s)
    if prior.is_spherical:
        return -q12**2 / (2 * (1 - q1s) * (1 - q2s)), (c12,), ()
    if prior.is_binary:
        s1, s2 = sp.sqrt(qh1), sp.sqrt(qh2)
        r = sp.sqrt(1 - chat12**2)
        u2 = s2 * (chat12 * z0 + r * y)
        inner = GaussAvg(Log2Cosh(u2), y, [(-chat12 * z0 / r, 1 / (s2 * r))])
        term = (-chat12 * s1 * s2 * q12
                + GaussAvg(Log2Cosh(s1 * z0) * inner, z0, [(sp.S.Zero, 1 / s1)]))
        return term, (c12, chat12), (qh1, qh2)
    raise ModelError(f"no vertex cross term for the prior {prior.name!r}; "
                     "known: 'spherical', 'binary'")


def cross_free_entropy(prior, channel) -> FreeEntropy:
    """The O(n_1 n_2) free entropy that fixes the overlap of two vertex groups (module notes).

    Returns
    -------
    FreeEntropy
        ``ansatz="vertices"``; order parameters (c12,) for spherical and (c12, chat12) for
        binary weights; controls (alpha, q_1, q_2, [qhat_1, qhat_2,] params_1, params_2); only
        alpha is differentiated.  The terms E ln Z_a E ln Z_b of the covariances do not depend
        on the order parameters and are left out of phi.
    """
    q1s, _, p1 = vertex_symbols(channel, 1)
    q2s, _, p2 = vertex_symbols(channel, 2)
    qh1, qh2 = sp.Symbol("qhat_1", real=True), sp.Symbol("qhat_2", real=True)
    entropic, order, extra = _entropic(prior, q1s, q2s, qh1, qh2)
    s1, s2 = sp.sqrt(q1s), sp.sqrt(q2s)
    r = sp.sqrt(1 - c12**2)
    h1 = s1 * z0
    h2 = s2 * (c12 * z0 + r * y)
    w1 = sp.sqrt((1 - q1s) / q1s)
    w2 = sp.sqrt((1 - q2s) / q2s) / r
    inner = GaussAvg(_log_zout(channel, h2, q2s, p2), y,
                     _kink_hints(channel, p2, s2 * c12 * z0, s2 * r, w2))
    energetic = alpha * GaussAvg(_log_zout(channel, h1, q1s, p1) * inner, z0,
                                 _kink_hints(channel, p1, 0, s1, w1))
    controls = ((alpha, q1s, q2s) + extra + tuple(p1[s] for s in channel.params)
                + tuple(p2[s] for s in channel.params))
    from ..engine.strategies import Bracket
    return FreeEntropy("vertices", order, controls, (entropic, energetic),
                       differentiated=(alpha,), strategies=(Bracket(),),
                       domains=standard_domains(order),
                       name=f"vertices[{prior.name}, {channel.name}]")
