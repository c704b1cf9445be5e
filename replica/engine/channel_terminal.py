"""The terminal of the Parisi recursion for a channel: ln Z_out of the last level.

A channel's weight w(Delta) of the stability Delta enters a k-RSB free entropy through its
last level, at x = 1: F_k(h) = ln Z_out(h, v_top) = ln E_z w(h + sqrt(v_top) z), with
v_top = A(1) - A(q_k) (:mod:`replica.engine.parisi`).  The engine already holds ln Z_out(omega,
V) of every channel in closed form (:mod:`replica.engine.channels`: indicators and
exp(a + b Delta + c Delta^2) pieces between kinks); its derivative in omega is derived here by
``sympy.diff`` and both are evaluated by NumPy/SciPy (the tail-stable special functions of
:mod:`replica.engine.special`).

The grid of the recursion must resolve the terminal: ln Z_out(h, v) is analytic in a strip of
half-width ~ sqrt(v) around the real axis (the kinks of w smoothed by the last Gaussian), so
the grid step is refined to a third of sqrt(v) (:meth:`ChannelTerminal.width`); the tilted
Gaussian of a level is shifted by at most m sigma^2 |F'| where the weight has mass, and
|F'| there is bounded by :meth:`ChannelTerminal.slope_bound` (measured on a grid).
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from .errors import ModelError
from .gauss import AVERAGES
from .special import NUMPY_IMPLEMENTATIONS
from .symbols import V, omega

__all__ = ["ChannelTerminal", "channel_terminal"]

#: |F'| is bounded where the weight exp(F - max F) exceeds exp(-SLOPE_LOG_MASS).
SLOPE_LOG_MASS = 40.0


class ChannelTerminal:
    """``values(h, v_top) -> (F, F')`` of a channel at numeric parameter values.

    Parameters
    ----------
    channel : replica.engine.channels.Channel
    values : mapping
        The channel's parameters by name.
    """

    def __init__(self, channel, values):
        expr = channel.log_zout
        if expr.has(*AVERAGES):
            raise ModelError(f"channel {channel.name!r}: its ln Z_out is a numerical Gaussian "
                             "average (a smooth weight without a closed form); the k-RSB "
                             "recursion needs a closed-form ln Z_out (indicators, or pieces "
                             "exp(a + b Delta + c Delta^2) between kinks)")
        missing = sorted(s.name for s in channel.params if s.name not in values)
        if missing:
            raise ModelError(f"channel {channel.name!r}: no value for {missing}")
        subs = {s: float(values[s.name]) for s in channel.params}
        F = expr.subs(subs)
        dF = sp.diff(expr, omega).subs(subs)
        mods = [NUMPY_IMPLEMENTATIONS, "numpy", "scipy"]
        self._F = sp.lambdify((omega, V), F, modules=mods)
        self._dF = sp.lambdify((omega, V), dF, modules=mods)
        self.name = channel.name
        self.kinks = tuple(float(sp.sympify(t).subs(subs)) for t in channel.kinks)
        self._slopes = {}

    def values(self, h, v_top):
        h = np.asarray(h, dtype=float)
        v = max(float(v_top), 1e-300)
        F = np.broadcast_to(np.asarray(self._F(h, v), dtype=float), h.shape)
        dF = np.broadcast_to(np.asarray(self._dF(h, v), dtype=float), h.shape)
        if not (np.all(np.isfinite(dF)) and not np.any(np.isnan(F))):
            raise ModelError(f"channel {self.name!r}: ln Z_out is not finite on the field grid "
                             f"(v_top = {v_top:.3g})")
        return np.array(F), np.array(dF)

    def width(self, v_top):
        """The half-width of the strip where F is analytic: ~ sqrt(v_top) (a smoothed kink);
        unbounded (inf) without kinks."""
        return math.sqrt(v_top) if self.kinks else math.inf

    def slope_bound(self, v_top):
        """max |F'| where the weight has mass (exp(F - max F) > exp(-SLOPE_LOG_MASS)), on a
        grid around the kinks; cached per v_top."""
        key = float(v_top)
        b = self._slopes.get(key)
        if b is None:
            s = math.sqrt(max(v_top, 1e-300))
            centre = [0.0] + list(self.kinks)
            lo, hi = min(centre) - 12.0 * s - 12.0, max(centre) + 12.0 * s + 12.0
            h = np.linspace(lo, hi, 4001)
            F, dF = self.values(h, v_top)
            ok = F > np.max(F) - SLOPE_LOG_MASS
            b = float(np.max(np.abs(dF[ok]))) if np.any(ok) else 1.0
            b = max(b, 1e-3)
            if len(self._slopes) > 64:
                self._slopes.clear()
            self._slopes[key] = b
        return b


def channel_terminal(channel, values) -> ChannelTerminal:
    """The terminal of the Parisi recursion for ``channel`` at parameter ``values``."""
    return ChannelTerminal(channel, values)


class JammingTerminal:
    """The terminal of a hard one-sided channel in the jamming scaling: f(h) = -d(h)^2 / 2.

    At q_k = 1 - eps, m_l = mu_l eps (eps -> 0), eps ln Z_out(h, eps) -> -d(h)^2/2, d the
    distance of h to the channel's feasible half-line (Delta > t, or Delta < t); the recursion
    of f with parameters mu is the coefficient of 1/eps of the channel's k-RSB recursion.  The
    last level is done in closed form (:meth:`level`): the kink of f at t is integrated
    exactly.

    Parameters
    ----------
    channel : replica.engine.channels.Channel
        A channel whose weight is an indicator of one half-line (the margin theta(Delta -
        kappa), or its mirror).
    values : mapping
        The channel's parameters by name.
    """

    #: |f'| = d is unbounded, but the tilted measures sit where d is O(1); the check
    #: resolution's longer cuts say where this is not enough
    s_max = 8.0
    #: the tilt pulls a level's measure towards the feasible side, at most by the distance
    #: d(h), and where d > 12 the weight exp(-mu d^2/2) of a level with mu >~ 0.2 is
    #: negligible (the check resolution's longer cuts test it)
    max_shift = 12.0

    def __init__(self, channel, values):
        hl = channel.feasible_halflines(values)
        if len(hl) != 1 or hl[0][0] == "all":
            raise ModelError(f"channel {channel.name!r}: the jamming limit needs a weight that "
                             f"is the indicator of one half-line; its feasible set is {hl}")
        side, t = hl[0]
        self.sign = 1.0 if side == "right" else -1.0     # feasible: sign (Delta - t) > 0
        self.t = float(t)
        self.name = channel.name

    def values(self, h, v_top):
        a = np.maximum(self.sign * (self.t - np.asarray(h, dtype=float)), 0.0)
        return -0.5 * a * a + 0.0 * v_top, self.sign * a

    def level(self, h, v, m):
        """F = (1/m) ln E exp(-m d(h + sqrt(v) z)^2 / 2), F' = dF/dh and G = d(m F)/dm (the
        tilted average of -d^2/2); m = 0: the plain averages.

        With a = sign (t - h), s = sqrt(v), c = 1 + m v, r = a / (s sqrt(c)):
        E exp(-m (a - s z)_+^2 / 2) = Phi(-a/s) + exp(-m a^2 / (2c)) Phi(r) / sqrt(c)."""
        from scipy import special
        h = np.asarray(h, dtype=float)
        a = self.sign * (self.t - h)
        s = math.sqrt(v)
        if s == 0.0:
            d = np.maximum(a, 0.0)
            return -0.5 * d * d, self.sign * d, -0.5 * d * d
        u = a / s
        if m == 0.0:
            pa, phia = special.ndtr(u), np.exp(-0.5 * u * u) / math.sqrt(2.0 * math.pi)
            e2 = (a * a + v) * pa + a * s * phia              # E (a - s z)_+^2
            e1 = a * pa + s * phia                            # E (a - s z)_+
            return -0.5 * e2, self.sign * e1, -0.5 * e2
        c = 1.0 + m * v
        r = a / (s * math.sqrt(c))
        l1 = special.log_ndtr(-u)                             # the feasible side
        l2 = -m * a * a / (2.0 * c) - 0.5 * math.log(c) + special.log_ndtr(r)
        lz = np.logaddexp(l1, l2)
        p2 = np.exp(l2 - lz)
        # the tilted law of z on the infeasible side: z = m s a / c + w / sqrt(c), w < r
        mills = np.exp(-0.5 * r * r - special.log_ndtr(r)) / math.sqrt(2.0 * math.pi)
        e1 = a / c + s / math.sqrt(c) * mills                 # E[a - s z | w < r]
        ew2 = 1.0 - r * mills                                 # E[w^2 | w < r]
        e2 = (a / c) ** 2 + 2.0 * (a / c) * (s / math.sqrt(c)) * mills + (v / c) * ew2
        F = lz / m
        return F, self.sign * p2 * e1, -0.5 * p2 * e2


def jamming_terminal(channel, values) -> JammingTerminal:
    """The jamming-scaling terminal of a one-sided hard channel (:class:`JammingTerminal`)."""
    return JammingTerminal(channel, values)
