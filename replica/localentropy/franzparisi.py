"""The Franz-Parisi construction: a reference solution and the solutions around it.

A reference configuration w_ref is drawn from the flat measure over the solutions of margin
``kappa_ref``; its neighbours are the solutions of the model's channel (margin ``kappa``) at
overlap ``p`` with it.  The local entropy

    S(p) = lim (1/N) E_xi E_{w_ref} ln int dw X_kappa(w) delta(w . w_ref - N p)

is computed in the replica-symmetric ansatz in both replica groups (the references, n -> 0,
and the neighbours, s -> 0).  The free entropy is assembled here from SymPy blocks and every
equation is a symbolic derivative of it, compiled like every other model
(:mod:`replica.codegen`).

Order parameters: ``q`` (overlap between two neighbours of the same reference), ``t`` (overlap
of a neighbour with another reference) and, for binary weights, their conjugates ``qhat``,
``that`` and the conjugate ``phat`` of the constrained overlap ``p``.  Controls: ``alpha``,
``p``, the reference's RS saddle point ``q_ref`` (and ``qhat_ref``), ``kappa_ref`` and the
channel parameters.

Notes
-----
Stabilities (RS, n, s -> 0): the reference's Delta_ref = sqrt(q_ref) z0 + sqrt(1-q_ref) x, with
x truncated to Delta_ref >= kappa_ref (the n - 1 -> -1 other references give the normalisation
1/H(A), A = (kappa_ref - sqrt(q_ref) z0)/sqrt(1-q_ref)); a neighbour's

    Delta = (t/sqrt(q_ref)) z0 + ((p - t)/sqrt(1-q_ref)) x + sqrt(delta) y + sqrt(1-q) v,
    delta = q - t^2/q_ref - (p - t)^2/(1 - q_ref) >= 0,

so that the covariances are p with its own reference, t with the others and q between
neighbours.  The energetic term is

    G_E = E_z0 E_x[ E_y ln Z_out(omega, 1 - q) | x >= A ],
    omega = (t/sqrt(q_ref)) z0 + ((p - t)/sqrt(1-q_ref)) x + sqrt(delta) y.

Entropic term, spherical weights (log-volume of the neighbours given the references, from the
Gram determinant conditioned on the n -> 0 references):

    G_S = [ln(1 - q) + (q - q_r)/(1 - q)]/2,
    q_r = [(p^2 - t^2)(1 - q_ref) - q_ref (p - t)^2]/(1 - q_ref)^2.

Binary weights (Hubbard-Stratonovich of the conjugate couplings):

    G_S = -phat p + that t - qhat (1 - q)/2
          + E_z0 (1 + tanh(sqrt(qhat_ref) z0))
                 E_y ln 2cosh((that/sqrt(qhat_ref)) z0 + sqrt(qhat - that^2/qhat_ref) y
                              + phat - that).

At p = q_ref with kappa = kappa_ref the saddle point is q = t = q_ref (qhat = that = phat =
qhat_ref) and S equals the RS entropy; where the neighbours are not coupled to their reference
(phat = that for binary weights, p = t) S(p) equals the RS entropy of the kappa-solutions,
which is the maximum of S over p.

References
----------
S. Franz and G. Parisi, "Recipes for metastable states in spin glasses", J. Phys. I France 5,
1401 (1995).
H. Huang and Y. Kabashima, "Origin of the computational hardness for learning with binary
synapses", Phys. Rev. E 90, 052813 (2014).
C. Baldassi, C. Lauditi, E. M. Malatesta, G. Perugini and R. Zecchina, "Unveiling the structure
of wide flat minima in neural networks", Phys. Rev. Lett. 127, 278301 (2021).
"""
from __future__ import annotations

import sympy as sp

from ..engine.errors import ModelError
from ..engine.freeentropy import FreeEntropy
from ..engine.names import reserve
from ..perceptron.builders import standard_domains
from ..engine.gauss import GaussAvg, TiltedAvg, TruncAvg
from ..engine.special import H, Log2Cosh, logH
from ..engine.symbols import (V, alpha, kappa_ref, omega, p, phat, q, q_ref, qhat, qhat_ref, t, that,
                      x, y, z0)

reserve(("p", "t", "that", "phat", "q_ref", "qhat_ref", "x"),
        "the Franz-Parisi construction (overlaps with a reference and their conjugates)")

__all__ = ["fp_free_entropy", "fp_energetic_3d", "local_energy_expression",
           "max_margin_local_energy_expression", "reference_bound"]

#: the channel's own nested Gaussian variable is renamed to y1
_y1 = sp.Symbol("y1", real=True)
#: the neighbour's Gaussian variable in the tilted (two-dimensional) energetic term
u = sp.Symbol("u", real=True)


def reference_bound():
    """A = (kappa_ref - sqrt(q_ref) z0)/sqrt(1 - q_ref): the truncation of the reference's x."""
    return (kappa_ref - sp.sqrt(q_ref) * z0) / sp.sqrt(1 - q_ref)


def _reference_hint():
    return (kappa_ref / sp.sqrt(q_ref), sp.sqrt((1 - q_ref) / q_ref))


def _entropic(prior):
    if prior.is_spherical:
        qr = ((p**2 - t**2) * (1 - q_ref) - q_ref * (p - t) ** 2) / (1 - q_ref) ** 2
        return (sp.log(1 - q) + (q - qr) / (1 - q)) / 2, (q, t)
    if prior.is_binary:
        sh = sp.sqrt(qhat_ref)
        dh = sp.sqrt(qhat - that**2 / qhat_ref)
        h = (that / sh) * z0 + dh * y + phat - that
        inner = GaussAvg(Log2Cosh(h), y, [(-((that / sh) * z0 + phat - that) / dh, 1 / dh)])
        term = (-phat * p + that * t - qhat * (1 - q) / 2
                + GaussAvg((1 + sp.tanh(sh * z0)) * inner, z0, [(sp.S.Zero, 1 / sh)]))
        return term, (q, t, qhat, that, phat)
    raise ModelError(f"no Franz-Parisi entropic term for the prior {prior.name!r}; "
                     f"known: 'spherical', 'binary'")


def fp_free_entropy(prior, channel) -> FreeEntropy:
    """The RS Franz-Parisi free entropy S(p) of a prior x channel model (see module notes).

    The reference's channel is the hard margin kappa_ref; the neighbours' channel is any
    channel of :mod:`replica.channels`.

    Returns
    -------
    FreeEntropy
        ``ansatz="fp"``, order parameters (q, t) for spherical weights and
        (q, t, qhat, that, phat) for binary ones; controls
        (alpha, p, q_ref, [qhat_ref,] kappa_ref, *channel parameters).
    """
    entropic, order = _entropic(prior)
    ref = (q_ref, qhat_ref) if prior.is_binary else (q_ref,)
    controls = (alpha, p) + ref + (kappa_ref,) + tuple(channel.params)
    energetic = alpha * _energetic(channel)
    return FreeEntropy("fp", order, controls, (entropic, energetic), differentiated=(alpha, p),
                       domains=standard_domains(order),
                       name=f"franz-parisi[{prior.name}, {channel.name}]")


def _field_coefficients():
    a = t / sp.sqrt(q_ref)
    b = (p - t) / sp.sqrt(1 - q_ref)
    delta = q - t**2 / q_ref - (p - t) ** 2 / (1 - q_ref)
    return a, b, delta


def _log_zout(channel):
    lz = channel.log_zout
    if lz.has(y):  # a nested numerical channel average: rename its variable
        lz = lz.xreplace({y: _y1})
    return lz


def _energetic(channel):
    """G_E as a two-dimensional average (z0 and the tilted u), see the module notes."""
    a, b, delta = _field_coefficients()
    sigma = sp.sqrt(q - t**2 / q_ref)          # sqrt(b^2 + delta)
    c = sp.sqrt(delta)
    A = reference_bound()
    lz = _log_zout(channel).subs({omega: a * z0 + sigma * u, V: 1 - q})
    g = logH((A * sigma - b * u) / c)
    u_pts = [((k - a * z0) / sigma, sp.sqrt(1 - q) / sigma) for k in channel.kinks]
    u_pts.append((A * sigma / b, c / sp.Abs(b)))
    z_pts = [_reference_hint()] + [(k / a, sp.sqrt(sp.Abs(1 - a**2)) / sp.Abs(a))
                                   for k in channel.kinks]
    return GaussAvg(TiltedAvg(lz, g, u, u_pts), z0, z_pts)


def fp_energetic_3d(channel):
    """G_E as the three-dimensional average E_z0 E_x[E_y ln Z_out | x >= A] (tests only).

    The same quantity as the two-dimensional form used by :func:`fp_free_entropy`, with the
    reference's truncated variable x and the neighbours' y kept separate; it is the direct
    transcription of the replica computation and checks the reduction.
    """
    a, b, delta = _field_coefficients()
    sd = sp.sqrt(delta)
    lz = _log_zout(channel).subs({omega: a * z0 + b * x + sd * y, V: 1 - q})
    y_pts = [((k - a * z0 - b * x) / sd, sp.sqrt(1 - q) / sd) for k in channel.kinks]
    x_pts = [((k - a * z0) / b, sp.sqrt(1 - q + delta) / sp.Abs(b)) for k in channel.kinks]
    z_pts = [_reference_hint()] + [(k / a, sp.sqrt(sp.Abs(1 - a**2)) / sp.Abs(a))
                                   for k in channel.kinks]
    return GaussAvg(TruncAvg(GaussAvg(lz, y, y_pts), x, reference_bound(), x_pts), z0, z_pts)


def local_energy_expression(channel):
    """e(p) = E[1 - Z_out(p Delta_ref, 1 - p^2)] over the reference's stabilities Delta_ref.

    A point drawn uniformly at overlap p from the reference has stabilities
    Delta = p Delta_ref + sqrt(1 - p^2) g with g ~ N(0, 1) independent (spherical weights; for
    binary weights at Hamming distance d = (1 - p)/2 the same law holds as N -> infinity), so
    the mean fraction of constraints it violates is E[1 - Z_out(p Delta_ref, 1 - p^2)]; for the
    margin channel Z_out = H((kappa - omega)/sqrt(V)).

    Returns
    -------
    (expr, controls)
        The SymPy expression and its controls (alpha is not among them: e does not depend on
        alpha except through q_ref): (p, q_ref, kappa_ref, *channel parameters).
    """
    d_ref = sp.sqrt(q_ref) * z0 + sp.sqrt(1 - q_ref) * x
    lz = channel.log_zout
    if lz.has(y):
        lz = lz.xreplace({y: _y1})
    e = 1 - sp.exp(lz.subs({omega: p * d_ref, V: 1 - p**2}))
    x_pts = [((k / p - sp.sqrt(q_ref) * z0) / sp.sqrt(1 - q_ref),
              sp.sqrt(1 - p**2) / sp.Abs(p) / sp.sqrt(1 - q_ref)) for k in channel.kinks]
    expr = GaussAvg(TruncAvg(e, x, reference_bound(), x_pts), z0, [_reference_hint()])
    return expr, (p, q_ref, kappa_ref) + tuple(channel.params)


def max_margin_local_energy_expression(channel):
    """e(p) around the maximal-margin solution (the q_ref -> 1 limit of the flat measure).

    At kappa_ref = kappa_max(alpha) the reference's stabilities are Delta_ref = max(z, kappa_ref)
    with z ~ N(0, 1) (Gardner's stability distribution at capacity), so
    e(p) = E_z[1 - Z_out(p max(z, kappa_ref), 1 - p^2)].

    Returns
    -------
    (expr, controls) with controls (p, kappa_ref, *channel parameters).
    """
    lz = channel.log_zout
    if lz.has(y):
        lz = lz.xreplace({y: _y1})
    e_above = 1 - sp.exp(lz.subs({omega: p * z0, V: 1 - p**2}))
    e_at = 1 - sp.exp(lz.subs({omega: p * kappa_ref, V: 1 - p**2}))
    # E_z f(max(z, k)) = f(k) (1 - H(k)) + H(k) E_z[f(z) | z >= k]
    expr = e_at * (1 - H(kappa_ref)) + H(kappa_ref) * TruncAvg(e_above, z0, kappa_ref)
    return expr, (p, kappa_ref) + tuple(channel.params)
