"""Independent backends of the free-entropy expressions, for the tests: NumPy and mpmath.

* :func:`evaluate_numpy` — ``sympy.lambdify`` with NumPy/SciPy on the same quadrature rules as
  the compiled kernels (:mod:`replica.engine.codegen`);
* :func:`evaluate_mpmath` — mpmath at arbitrary precision with ``mpmath.quad`` (tanh-sinh,
  split at the quadrature hints): an independent reference.
"""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from . import quadrature
from .gauss import GaussAvg, LogAvgExp, TruncAvg, top_level_averages
from .special import MPMATH_IMPLEMENTATIONS, NUMPY_IMPLEMENTATIONS

__all__ = ["evaluate_numpy", "evaluate_mpmath"]


_LAMBDA_CACHE = {}


def _lambdified(expr, syms, modules):
    key = (expr, tuple(syms), id(modules))
    f = _LAMBDA_CACHE.get(key)
    if f is None:
        f = sp.lambdify(syms, expr, modules=modules)
        _LAMBDA_CACHE[key] = f
    return f


_NUMPY_MODULES = [NUMPY_IMPLEMENTATIONS, "numpy", "scipy"]


def evaluate_numpy(expr, values, *, order=quadrature.ORDER, gh_order=64):
    """Evaluate ``expr`` with ``values`` (dict Symbol -> float) by NumPy on the same rules."""
    gl = quadrature.legendre_reference(order)
    gh = quadrature.hermite_rule(gh_order)

    def ev(e, env, depth):
        e = sp.sympify(e)
        avgs = top_level_averages(e)
        subs = {}
        env = dict(env)
        for k, a in enumerate(avgs):
            pts = a.points
            shape_ok = all(not (sp.sympify(c).free_symbols | sp.sympify(s).free_symbols)
                           & {v for v in env if isinstance(env[v], np.ndarray)
                              and np.ndim(env[v]) > 0} for c, s in pts)
            if isinstance(a, TruncAvg):
                lower = ev(a.lower, env, depth)
                if not shape_ok or np.ndim(lower) > 0:
                    raise NotImplementedError("numpy backend: a truncation point or hints "
                                              "depending on an outer integration variable")
                cs = np.array([float(ev(c, env, depth)) for c, _ in pts])
                ss = np.array([float(ev(s, env, depth)) for _, s in pts])
                nodes, wts = quadrature.trunc_rule(float(lower), cs, ss, gl[0], gl[1],
                                                   quadrature.ZMAX, quadrature.BASE_WIDTH)
            elif pts:
                if not shape_ok:
                    raise NotImplementedError("numpy backend: hints depending on an outer "
                                              "integration variable")
                cs = np.array([float(ev(c, env, depth)) for c, _ in pts])
                ss = np.array([float(ev(s, env, depth)) for _, s in pts])
                nodes, wts = quadrature.panel_rule(cs, ss, gl[0], gl[1], quadrature.ZMAX,
                                                   quadrature.BASE_WIDTH)
            else:
                nodes, wts = gh
            inner_env = {s: (np.asarray(v)[..., None] if isinstance(v, np.ndarray) else v)
                         for s, v in env.items()}
            inner_env[a.var] = nodes.reshape((1,) * depth + (-1,))

            def at_nodes(f):
                v = ev(f, inner_env, depth + 1)
                return np.broadcast_to(v, np.broadcast_shapes(np.shape(v),
                                                               inner_env[a.var].shape))

            d = sp.Dummy(f"avg{k}")
            if isinstance(a, (GaussAvg, TruncAvg)):
                env[d] = np.sum(at_nodes(a.integrand) * wts, axis=-1)
            else:
                g = at_nodes(a.exponent)
                gmax = np.max(g, axis=-1, keepdims=True)
                e_ = wts * np.exp(g - gmax)
                s0 = np.sum(e_, axis=-1)
                if isinstance(a, LogAvgExp):
                    env[d] = gmax[..., 0] + np.log(s0)
                else:
                    env[d] = np.sum(e_ * at_nodes(a.integrand), axis=-1) / s0
            subs[a] = d
        e2 = e.xreplace(subs)
        syms = sorted(e2.free_symbols, key=lambda s: s.name)
        missing = [s for s in syms if s not in env]
        if missing:
            raise ValueError(f"no value for symbols {missing}")
        f = _lambdified(e2, syms, _NUMPY_MODULES)
        return f(*[env[s] for s in syms])

    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        return ev(expr, dict(values), 0)


_MP_MODULES = [MPMATH_IMPLEMENTATIONS, "mpmath"]


def evaluate_mpmath(expr, values, *, dps=30):
    """Evaluate ``expr`` at ``values`` with mpmath at ``dps`` digits (adaptive tanh-sinh).

    The Gaussian averages are split at their quadrature hints c and c +- s, c +- 10 s (inside
    |z| < 40) so that the steep parts are resolved.
    """
    with mpmath.workdps(dps):
        def ev(e, env):
            e = sp.sympify(e)
            subs = {}
            env = dict(env)
            for k, a in enumerate(top_level_averages(e)):
                brk = {mpmath.mpf(0)}
                for c, s in a.points:
                    cv, sv = ev(c, env), ev(s, env)
                    for t in (cv, cv - sv, cv + sv, cv - 10 * sv, cv + 10 * sv):
                        if abs(t) < 40:
                            brk.add(mpmath.mpf(t))
                pts = [-mpmath.inf] + sorted(brk) + [mpmath.inf]
                if isinstance(a, TruncAvg):
                    lower = ev(a.lower, env)
                    pts = [lower] + [t for t in sorted(brk) if t > lower] + [mpmath.inf]

                def avg(expr_, weight=None, var=a.var, env=env):
                    def f(t):
                        env2 = dict(env)
                        env2[var] = t
                        w = mpmath.exp(ev(weight, env2)) if weight is not None else 1
                        return ev(expr_, env2) * w * mpmath.npdf(t)
                    return mpmath.quad(f, pts)

                d = sp.Dummy(f"avg{k}")
                if isinstance(a, GaussAvg):
                    env[d] = avg(a.integrand)
                elif isinstance(a, TruncAvg):
                    env[d] = avg(a.integrand) / mpmath.ncdf(-lower)
                elif isinstance(a, LogAvgExp):
                    env[d] = mpmath.log(avg(sp.S.One, a.exponent))
                else:
                    env[d] = avg(a.integrand, a.exponent) / avg(sp.S.One, a.exponent)
                subs[a] = d
            e2 = e.xreplace(subs)
            syms = sorted(e2.free_symbols, key=lambda s: s.name)
            f = _lambdified(e2, syms, _MP_MODULES)
            return f(*[mpmath.mpf(env[s]) if not isinstance(env[s], mpmath.mpf) else env[s]
                       for s in syms])

        return ev(expr, {k: mpmath.mpf(v) for k, v in values.items()})
