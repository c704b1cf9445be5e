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

import math

import mpmath
import numpy as np
import sympy as sp

from ..engine.errors import ModelError, ReplicaError
from .jamming import distance_squared
from .models import Model
from .results import Capacity
from ..engine.bordered import BorderedPoint, Condition, follow_bordered
from ..engine.transitions import find_zero

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


def capacity(model: Model, *, ansatz="rs", k=None, tol=1e-10) -> Capacity:
    """Storage capacity alpha_c of a model (the SAT/UNSAT transition).

    Parameters
    ----------
    model : replica.models.Model
        A model whose channel is a hard constraint (weight zero somewhere).
    ansatz : {"rs", "1rsb", "krsb", "frsb"}
        ``"rs"``: the q -> 1 limit of the RS free entropy (Gardner; Gardner-Derrida for binary
        weights).  ``"krsb"`` (with ``k``) and ``"frsb"`` (spherical weights, a one-sided hard
        channel): the zero of the jamming coefficient F of the k-step (or extrapolated full)
        Parisi ladder, :func:`_ladder_capacity`.  ``"1rsb"``: for continuous weights the jamming limit of the 1RSB free
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
    if ansatz not in ("rs", "1rsb", "krsb", "frsb"):
        raise ValueError(f"Unknown ansatz {ansatz!r}; known: ('rs', '1rsb', 'krsb', 'frsb')")
    if ansatz in ("krsb", "frsb"):
        return _ladder_capacity(model, ansatz, k, tol)
    if k is not None:
        raise ModelError(f"{model.name}: k = {k!r} is for ansatz='krsb'")
    continuous = model.prior.kind == "density"
    if model.prior.q1_coefficient is None:
        raise ModelError(f"prior {model.prior.name!r}: the q -> 1 capacity needs a fixed norm "
                         f"Q = 1 ({model.prior.q1_derivation})")
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
                       ansatz="rs", description="RS entropy", need=("phi",),
                       condition=Condition("phi"))
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


#: Newton iterations in alpha of the k-RSB jamming capacity (and of the full-RSB one,
#: each a climb of the whole k-ladder, from the 3-step capacity).
LADDER_CAPACITY_MAX_ITER = 20
FULL_CAPACITY_MAX_ITER = 4


def _ladder_capacity(model, ansatz, k, tol):
    """The k-RSB (or full-RSB) capacity of a spherical perceptron: the alpha where the
    jamming coefficient F (:func:`replica.perceptron.models.jamming_problem`, minimised over
    ladders) vanishes.

    Newton in alpha from the 1RSB capacity (full RSB: from the 3-step one), with
    dF/dalpha = f_root (the envelope theorem; extrapolated in k with F for full RSB).  The error of alpha_c is phi_error / |dF/dalpha|
    plus the last Newton step; ``details["status"]`` is ``inaccurate`` where F's error
    exceeds tol.  Where RS is stable up to its capacity, every ladder collapses there and the
    capacity is the RS one.
    """
    from ..engine.krsb import check_k, solve_parisi
    from .models import FULL_K_MAX, jamming_problem
    if not isinstance(model, Model):
        raise ValueError(f"model must be a replica.models.Model, got {type(model).__name__}")
    kk = check_k(ansatz, k, model.name, FULL_K_MAX)
    one = capacity(model, ansatz="1rsb")
    details = {"alpha_c_1rsb": one.alpha_c, "alpha_c_rs": one.details.get("alpha_c_rs")}
    if "RS is locally stable" in one.method:
        return Capacity(alpha_c=one.alpha_c, ansatz=ansatz, method=one.method + " (and the "
                        "k-RSB one)", params=dict(model.params), details=details)
    a = one.alpha_c
    if ansatz == "frsb":
        # start from the 3-step capacity: each full-RSB solve climbs the whole ladder
        three = _ladder_capacity(model, "krsb", 3, tol)
        a = three.alpha_c
        details["alpha_c_3rsb"] = a
    history = []
    step = math.inf
    point = None
    x0 = None
    for _ in range(LADDER_CAPACITY_MAX_ITER if ansatz == "krsb" else FULL_CAPACITY_MAX_ITER):
        pb = jamming_problem(model, a, kk, ansatz)
        point = None
        if x0 is not None:        # the previous alpha's ladder, when it has all k steps
            point = solve_parisi(pb, x0=x0, tol=tol, throw=False)
            if not point.success:
                point = None
        if point is None:
            point = solve_parisi(pb, tol=tol, throw=True)
        if ansatz == "krsb" and len(point.order_params) == 2 * kk:
            x0 = dict(point.order_params)
        F, dF = point.phi, point.derivatives["alpha"]
        history.append((a, F))
        if not dF < 0:
            raise ReplicaError(f"{model.name} {model.params}: dF/dalpha = {dF} >= 0 at alpha = "
                               f"{a} on the {ansatz} jamming ladder")
        step = -F / dF
        a += step
        if (abs(step) <= 1e-12 * a or abs(F) <= 1e-3 * point.phi_error
                or (ansatz == "frsb" and abs(step) <= point.phi_error / abs(dF))):
            break
    else:
        raise ReplicaError(f"{model.name} {model.params}: Newton in alpha did not converge "
                           f"({LADDER_CAPACITY_MAX_ITER} steps; (alpha, F): {history[-3:]})")
    err = point.phi_error / abs(dF) + abs(step)
    status = "converged" if point.accurate("phi") and point.phi_error <= tol else "inaccurate"
    details.update(F=F, dF_dalpha=dF, alpha_c_error=err, status=status, steps=len(history),
                   ladder=dict(point.order_params), ladder_method=point.method,
                   ladder_k=(point.parisi.k if point.parisi is not None else
                             sum(nm.startswith("mu") for nm in point.order_params)))
    return Capacity(alpha_c=float(a), ansatz=ansatz,
                    method=f"jamming limit of the {ansatz} ladder (q_k -> 1, m = mu (1 - q_k)):"
                           " zero of the 1/(1-q_k) coefficient F, Newton in alpha",
                    params=dict(model.params), details=details)


_MU_MAX = 1e6  # beyond this the (q0, mu) "solution" is the trivial mu -> infinity limit


def _jamming_capacity(model, alpha_rs, details):
    """1RSB capacity of continuous weights from the jamming limit (see replica.jamming).

    The stationary point (q0, mu) of F is followed down from alpha_RS (1 - 1e-4) on a geometric
    grid from the start (q0, mu) = (0.5, 3).  The capacity is the first zero of F on that
    branch; when the branch ends (a fold) before F changes sign, the last interval is refined
    (three levels of 40 points).  Close to the RS line (kappa -> 0- for the negative perceptron)
    the window alpha_1RSB < alpha < alpha_RS where the branch lives shrinks (2e-4 relative at
    kappa = -0.1) and that search can miss it; the capacity is then continued in the channel's
    threshold from a threshold twice, four times, ... as far from the RS line where the direct
    search succeeds (see :func:`_continue_in_threshold`).  If the RS solution is locally stable
    up to its capacity, the 1RSB capacity is the RS one.  If RS is unstable but no zero is
    found, an error is raised with the branch's last values: the RS value is never returned in
    its place.
    """
    from .stability import stability

    details = dict(details, alpha_c_rs=alpha_rs)
    lam = stability(model, alpha_rs * (1 - 1e-6)).replicon
    details["replicon_at_alpha_rs"] = lam
    if lam >= 0:
        return Capacity(alpha_c=alpha_rs, ansatz="1rsb",
                        method="RS is locally stable up to its capacity (replicon >= 0): the "
                               "1RSB capacity equals the RS one", params=dict(model.params),
                        details=details)
    try:
        root, spt, bracket = _jamming_direct(model, alpha_rs)
        how = "direct"
    except ReplicaError as direct_error:
        root, spt, bracket, how = _continue_in_threshold(model, direct_error)
    details.update(q0=spt.order_params["q0"], mu=spt.order_params["mu"], bracket=bracket,
                   search=how, q0_error=spt.errors["q0"], mu_error=spt.errors["mu"],
                   saddle_status=str(spt.status))
    return Capacity(alpha_c=float(root), ansatz="1rsb",
                    method="1RSB jamming limit q1 -> 1, m = mu (1 - q1): zero of the "
                           "1/(1-q1) coefficient at its stationary point (q0, mu)",
                    params=dict(model.params), details=details)


def _F(p):
    # F is the value at a stationary point: it needs phi, not (q0, mu) to full accuracy
    # (their error moves F only at second order); near the fold (q0, mu) are ill-determined
    ok = p.accurate("phi") and p.order_params["mu"] < _MU_MAX
    return p.phi if ok else float("nan")


def _jamming_direct(model, alpha_rs):
    """The zero of F on the stationary branch followed down from alpha_RS (see above)."""
    from ..engine.continuation import sweep_problem
    from ..engine.problem import as_problem

    def stop(points):
        return not (_F(points[-1]) < 0)

    grid = alpha_rs * (1 - np.geomspace(1e-4, 0.6, 48))
    x0 = {"q0": 0.5, "mu": 3.0}
    last_neg = None  # (alpha, SaddlePoint) with F < 0
    bracket = None
    for level in range(4):
        pb = as_problem(model, {"alpha": float(grid[0])}, "1rsb-jamming")
        br = sweep_problem(pb, "alpha", grid, x0=x0, stop=stop)
        for a, p in zip(br.values, br.points):
            f = _F(p)
            if f < 0:
                last_neg = (float(a), p)
            elif f >= 0 and last_neg is not None:
                bracket = (last_neg[0], float(a))
                pos = (float(a), p)
            if not (f < 0):
                break
        if bracket is not None or last_neg is None:
            break
        # the branch ended (failure) before F changed sign: refine beyond the last good point
        nxt = br.values[len(br.points) - 1] if len(br.points) < len(grid) or not (
            _F(br.points[-1]) < 0) else None
        if nxt is None:
            break
        grid = np.linspace(last_neg[0], float(nxt), 41)[1:]
        x0 = dict(last_neg[1].order_params)
    if bracket is None:
        where = (f"the branch ends near alpha = {last_neg[0]:.8g} with F = "
                 f"{last_neg[1].phi:.3e} < 0" if last_neg is not None
                 else "no stationary point of F was found below alpha_RS")
        raise ReplicaError(f"{model.name} {model.params}: RS is unstable at its capacity "
                           f"but the 1RSB jamming coefficient F has no zero on its branch: "
                           f"{where}")
    root, spt = _root_in_bracket(model, bracket, dict(last_neg[1].order_params),
                                 [last_neg, pos])
    return root, spt, bracket


def _root_in_bracket(model, bracket, start, known=()):
    """The zero of F(alpha) in ``bracket``: the bordered Newton solve (saddle point and F = 0
    together, :func:`replica.engine.bordered.bordered_solve`) at the linearly interpolated
    root, from either bracketing point, the nearer first; where it fails or leaves the bracket, Brent's method on
    F(alpha), every solve warm-started from the solved point nearest in alpha (``known``:
    (alpha, SaddlePoint) pairs already solved)."""
    polished = _bordered_root(model, bracket, known)
    if polished is not None:
        return polished
    return _brent_root(model, bracket, start, known)


def _bordered_root(model, bracket, known):
    from ..engine.bordered import Condition, bordered_root
    from ..engine.problem import as_problem

    ends = [(a, p, _F(p)) for a, p in known]
    if len(ends) != 2:  # the bracket's ends
        return None
    pb = as_problem(model, {"alpha": ends[0][0]}, "1rsb-jamming")
    bp = bordered_root(pb, "alpha", ends, Condition("phi"),
                       accept=lambda bp: math.isfinite(_F(bp.saddle_point)))
    return None if bp is None else (bp.value, bp.saddle_point)


def _brent_root(model, bracket, start, known):
    """Brent's method on F(alpha) in ``bracket`` (see :func:`_root_in_bracket`)."""
    from scipy.optimize import brentq

    from ..engine.continuation import sweep
    from ..engine.solvers import solve, solve_needing

    cache = dict(known)

    def f(a):
        # continued (tangent predictor, step halving) from the nearest solved point, so that
        # every evaluation stays on the branch that was bracketed
        if cache:
            near = min(cache, key=lambda b: abs(b - a))
            br = sweep(model, alpha=np.array([near, a]), ansatz="1rsb-jamming",
                       x0=dict(cache[near].order_params))
            sp_ = br.points[-1]
        else:
            sp_ = solve(model, a, ansatz="1rsb-jamming", x0=start, throw=False)
        v = _F(sp_)
        if not math.isfinite(v):
            raise ReplicaError(f"{model.name} {model.params}: the stationary point of the "
                               f"jamming coefficient F is lost at alpha = {a!r} inside the "
                               f"bracket {bracket} ({sp_.status})")
        cache[a] = sp_
        return v

    try:
        root = brentq(f, min(bracket), max(bracket), xtol=1e-13,
                      rtol=4 * np.finfo(float).eps)
    except ValueError as e:  # the re-solved ends disagree in sign: another stationary point
        raise ReplicaError(f"{model.name} {model.params}: F(alpha) does not change sign on "
                           f"{bracket} when re-solved ({e})") from e
    spt = cache.get(root) or solve_needing(model, root, ansatz="1rsb-jamming", x0=start,
                                           need=("phi",))
    if not abs(spt.phi) <= 1e-9:  # a sign change across a jump between branches is no zero
        raise ReplicaError(f"{model.name} {model.params}: F changes sign on {bracket} but is "
                           f"{spt.phi:.3e} at the limit point alpha = {root!r}: the stationary "
                           f"point jumps between branches there")
    return root, spt


def _threshold_parameter(model):
    """The name of the parameter that is the channel's feasibility threshold, or None."""
    try:
        _, t = distance_squared(model.channel, sp.Symbol("w"))
    except (ModelError, NotImplementedError):
        return None
    t = sp.sympify(t)
    if isinstance(t, sp.Symbol) and t.name in model.params:
        return t.name
    return None


def _continue_in_threshold(model, direct_error):
    """Continue the capacity triple (q0, mu, alpha_c) in the channel's threshold.

    From an anchor threshold kappa_a = 2^j kappa (j = 1..6) where the direct search succeeds,
    kappa is moved to the target in steps uniform in ln|kappa| (at most a factor 1.25, halved
    on failure).  Each step is predicted by linear extrapolation of
    y = (logit q0, ln mu, ln alpha_c) in ln|kappa| and corrected by Newton's method on the
    bordered system dF/dq0 = dF/dmu = 0, F = 0 (the engine's
    :func:`~replica.engine.bordered.follow_bordered`, condition phi = 0); a correction that
    moves y by more than 0.5 from the prediction is rejected (it would jump to the mu -> infinity
    tail where F -> 0) and the step is halved.  For the spherical negative perceptron the
    branch reaches every kappa < 0: as kappa -> 0-, 1 - q0 ~ 1.44 kappa^2, mu (1 - q0) ->
    2.08 and alpha_RS - alpha_1RSB ~ 0.509 |kappa|^3 (tests/replica/test_jamming.py).  (An
    apparent fold at kappa = -0.086 was an artefact of the tilted averages' fixed window,
    which the inner average's mass, at z1 ~ mu (1 - q0) / (1 + mu (1 - q0)) times the kink,
    had left.)  Where a branch does fold, the error names the fold.
    """
    name = _threshold_parameter(model)
    kappa = model.params.get(name) if name else None
    if not kappa:  # no threshold to continue in, or kappa = 0 (no anchor 2^j * 0)
        raise direct_error
    anchor = None
    for j in range(1, 7):
        ka = kappa * 2.0 ** j
        mod_a = model.with_params(**{name: ka})
        try:
            root, spt, _ = _jamming_direct(mod_a, capacity(mod_a).alpha_c)
        except ReplicaError:
            continue
        anchor = (ka, root, spt)
        break
    if anchor is None:
        raise ReplicaError(f"{direct_error} (and no anchor threshold 2^j {name} = "
                           f"{kappa * 2:g} ... {kappa * 64:g} to continue from)") from direct_error

    pb = model.with_params(**{name: anchor[0]}).saddle_problem({"alpha": anchor[1]},
                                                                  "1rsb-jamming")
    try:
        # close to kappa = 0- the Hessian of F has a nearly flat direction (F depends on q0
        # and mu nearly only through one combination): accept where F vanishes, the gradient
        # is small and alpha has converged
        line = follow_bordered(pb, "alpha", name, kappa,
                               BorderedPoint(anchor[1], anchor[2], 0.0, 0), flat_tol=1e-8)
    except ReplicaError as err:
        raise ReplicaError(
            f"{model.name} {model.params}: RS is unstable at its capacity but the jamming-limit "
            f"1RSB capacity does not reach {name} = {kappa:g}: {err}. Between the fold and the "
            "RS line the 1RSB capacity is not of the jamming form m ~ (1 - q1); the RS value "
            "is not returned in its place") from direct_error
    end = line[-1][1]
    from ..engine.solvers import solve_needing
    root = end.value
    spt = solve_needing(model, root, ansatz="1rsb-jamming",
                        x0={k: end.saddle_point.order_params[k] for k in ("q0", "mu")},
                        need=("phi",))
    return root, spt, None, f"continued in {name} from {anchor[0]:g}"
