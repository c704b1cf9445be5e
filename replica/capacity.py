"""Storage capacity from the q -> 1 limit of the free entropy, computed block by block.

Notes
-----
As alpha approaches the capacity the typical overlap q of two solutions goes to 1 and the RS
free entropy diverges like 1/(1-q):

    (1 - q) phi_RS -> A_prior - alpha * E_z d(z)^2 / 2,

where A_prior is the prior's coefficient (:attr:`replica.priors.Prior.q1_coefficient`; 1/2 for
the sphere by ``sympy.limit``, (E|z|)^2/2 = 1/pi for binary weights by the Laplace principle)
and d(z) is the distance from z to the feasible set {Delta : w(Delta) > 0} of the channel, since
(1-q) ln Z_out(sqrt(q) z, 1-q) -> -d(z)^2/2 (Laplace principle on the Gaussian smoothing of the
weight).  The capacity is where the coefficient vanishes,

    alpha_c = A_prior / (E_z d(z)^2 / 2).

E_z d^2 is evaluated exactly from Gaussian moments on the intervals of the feasible set (mpmath,
40 digits).  For the margin channel d(z) = (kappa - z)_+ and this is Gardner's
alpha_c(kappa) = 1 / int_{-kappa}^inf Dt (t + kappa)^2 — but the engine never uses that formula;
the tests compare with it.  ``details`` also reports the coefficient measured directly on the
compiled free entropy at q = 1 - 10^-k (a check that the asymptotics belong to this phi).

References
----------
E. Gardner, J. Phys. A 21, 257 (1988); E. Gardner and B. Derrida, J. Phys. A 21, 271 (1988);
W. Krauth and M. Mezard, J. Phys. France 50, 3057 (1989).
"""
from __future__ import annotations

import mpmath
import numpy as np

from .errors import ModelError, ReplicaError
from .models import Model
from .results import Capacity
from .transitions import find_zero

__all__ = ["capacity", "mean_squared_distance"]


def _moments(a, b):
    """(M0, M1, M2) = int_a^b z^k Dz for k = 0, 1, 2 (a, b may be +-inf)."""
    def cdf(x):
        return mpmath.ncdf(x)

    def pdf(x):
        return mpmath.mpf(0) if mpmath.isinf(x) else mpmath.npdf(x)

    def xpdf(x):
        return mpmath.mpf(0) if mpmath.isinf(x) else x * mpmath.npdf(x)

    m0 = cdf(b) - cdf(a)
    m1 = pdf(a) - pdf(b)
    m2 = m0 + xpdf(a) - xpdf(b)
    return m0, m1, m2


def _sq_int(c, a, b):
    """int_a^b (z - c)^2 Dz."""
    m0, m1, m2 = _moments(a, b)
    return c * c * m0 - 2 * c * m1 + m2


def mean_squared_distance(halflines, dps=40):
    """E_z d(z)^2 for the feasible set given as half-lines (see Channel.feasible_halflines)."""
    with mpmath.workdps(dps):
        inf = mpmath.inf
        if any(kind == "all" for kind, _ in halflines):
            return mpmath.mpf(0)
        rights = [mpmath.mpf(t) for kind, t in halflines if kind == "right"]
        lefts = [mpmath.mpf(t) for kind, t in halflines if kind == "left"]
        if not rights and not lefts:
            raise ModelError("the channel has no feasible stability: every Delta is forbidden")
        R = min(rights) if rights else None
        L = max(lefts) if lefts else None
        if R is not None and L is not None:
            if L >= R:
                return mpmath.mpf(0)
            mid = (L + R) / 2
            return _sq_int(L, L, mid) + _sq_int(R, mid, R)
        if R is not None:
            return _sq_int(R, -inf, R)
        return _sq_int(L, L, inf)


def _measured_coefficient(model, alpha, ks=(5, 6, 7)):
    """(1-q) phi at q = 1 - 10^-k on the compiled RS free entropy (spherical priors only)."""
    cfe = model.compiled("rs")
    if cfe.n != 1:
        return None
    vals = []
    for k in ks:
        eps = 10.0 ** (-k)
        vals.append(eps * cfe(np.array([1 - eps]), model.controls(alpha)).phi)
    return vals


def capacity(model: Model, *, ansatz="rs") -> Capacity:
    """Storage capacity alpha_c of a model (the SAT/UNSAT transition).

    Parameters
    ----------
    model : replica.models.Model
        A model whose channel is a hard constraint (weight zero somewhere).
    ansatz : {"rs", "1rsb"}
        ``"rs"``: the q -> 1 limit of the RS free entropy (Gardner; Gardner-Derrida for binary
        weights).  ``"1rsb"``: for continuous weights the jamming limit of the 1RSB free
        entropy with m optimised (:mod:`replica.jamming`; differs from RS for the negative
        perceptron kappa < 0); for discrete weights the frozen 1RSB capacity of Krauth and
        Mezard.  With q1 = 1 the 1RSB free entropy is phi_RS/m (up to a rescaling of qhat0), the
        complexity of the frozen clusters is the RS entropy, and the capacity is where it
        vanishes.

    Returns
    -------
    Capacity
        ``alpha_c``; for priors with positive entropy at alpha = 0 (binary weights) also
        ``alpha_zero_entropy``, the point where the RS entropy vanishes (where the frozen 1RSB
        capacity of Krauth and Mezard sits).

    Raises
    ------
    ModelError
        For a channel without a hard constraint (positive weight everywhere).

    Notes
    -----
    See the module docstring: alpha_c = A_prior / (E_z d(z)^2/2).
    """
    if not isinstance(model, Model):
        raise ValueError(f"model must be a replica.models.Model, got {type(model).__name__}")
    if ansatz not in ("rs", "1rsb"):
        raise ValueError(f"Unknown ansatz {ansatz!r}; known: ('rs', '1rsb')")
    continuous = float(model.prior.phi_alpha0.evalf()) <= 0
    hl = model.channel.feasible_halflines(model.params)
    with mpmath.workdps(40):
        d2 = mean_squared_distance(hl)
        if d2 == 0:
            raise ModelError(f"{model.name} with {model.params}: the weight is positive for "
                             "every stability, there is no SAT/UNSAT transition")
        a_prior = mpmath.mpf(str(model.prior.q1_coefficient.evalf(45)))
        alpha_c = float(a_prior / (d2 / 2))
    details = {"A_prior": float(a_prior), "E_d2": float(d2),
               "A_prior_derivation": model.prior.q1_derivation,
               "feasible_set": hl}
    measured = _measured_coefficient(model, 0.5 * alpha_c)
    if measured is not None:
        details["(1-q)phi at q=1-1e-5,1e-6,1e-7, alpha=alpha_c/2"] = measured
        details["A(alpha_c/2) predicted"] = float(a_prior - 0.5 * alpha_c * d2 / 2)
    if ansatz == "1rsb" and continuous:
        return _jamming_capacity(model, alpha_c, details)
    alpha_s = None
    if not continuous:
        tr = find_zero(model, lambda s: s.phi, bracket=(0.02 * alpha_c, alpha_c * (1 - 1e-3)),
                       ansatz="rs", description="RS entropy")
        alpha_s = tr.value
        details["zero_entropy_bracket"] = tr.bracket
        details["q_at_zero_entropy"] = tr.saddle_point.order_params["q"]
    if ansatz == "1rsb":
        details["alpha_c_rs"] = alpha_c
        return Capacity(alpha_c=alpha_s, ansatz="1rsb",
                        method="frozen 1RSB (q1 = 1): zero of the complexity = RS entropy",
                        params=dict(model.params), alpha_zero_entropy=alpha_s, details=details)
    return Capacity(alpha_c=alpha_c, ansatz=ansatz,
                    method="q->1 asymptotics of the RS free entropy (block coefficients)",
                    params=dict(model.params), alpha_zero_entropy=alpha_s, details=details)


_MU_MAX = 1e6  # beyond this the (q0, mu) "solution" is the trivial mu -> infinity limit


def _jamming_capacity(model, alpha_rs, details):
    """1RSB capacity of continuous weights from the jamming limit (see replica.jamming).

    The stationary point (q0, mu) of F is followed down from alpha_RS (1 - 1e-4) on a geometric
    grid; the capacity is the first zero of F on that branch.  If F is non-negative on the whole
    branch (or no branch exists), RS is not improved: the 1RSB capacity equals the RS one.
    """
    def obs(s):
        return s.phi if s.order_params["mu"] < _MU_MAX else float("nan")

    grid = alpha_rs * (1 - np.geomspace(1e-4, 0.6, 48))
    details = dict(details, alpha_c_rs=alpha_rs)
    from .stability import stability
    lam = stability(model, alpha_rs * (1 - 1e-6)).replicon
    details["replicon_at_alpha_rs"] = lam
    if lam >= 0:
        return Capacity(alpha_c=alpha_rs, ansatz="1rsb",
                        method="RS is locally stable up to its capacity (replicon >= 0): the "
                               "1RSB capacity equals the RS one", params=dict(model.params),
                        details=details)
    try:
        tr = find_zero(model, obs, bracket=(grid[0], grid[-1]), grid=grid,
                       ansatz="1rsb-jamming", x0={"q0": 0.5, "mu": 3.0},
                       description="1RSB jamming coefficient F")
    except ReplicaError as err:
        details["jamming"] = f"no zero of F on the 1RSB branch: {err}"
        return Capacity(alpha_c=alpha_rs, ansatz="1rsb",
                        method="1RSB jamming limit has no branch with F = 0 below alpha_RS: "
                               "equals the RS capacity", params=dict(model.params),
                        details=details)
    details.update(q0=tr.saddle_point.order_params["q0"], mu=tr.saddle_point.order_params["mu"],
                   bracket=tr.bracket)
    return Capacity(alpha_c=tr.value, ansatz="1rsb",
                    method="1RSB jamming limit q1 -> 1, m = mu (1 - q1): zero of the "
                           "1/(1-q1) coefficient at its stationary point (q0, mu)",
                    params=dict(model.params), details=details)
