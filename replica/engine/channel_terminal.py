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
