"""Maximal margin of the spherical perceptron on a finite pattern set, with certificates.

For patterns xi^mu in R^N (rows of ``xi``, shape ``(P, N)``) and spherical weights |w|^2 = N, the
stability is Delta^mu(w) = w . xi^mu / sqrt(N) and the maximal margin is

    kappa_max = max_{|w|^2 = N} min_mu Delta^mu(w) = max_{|u| = 1} min_mu u . xi^mu.

When the set is separable (kappa_max > 0) this is the distance from the origin to the convex
hull K = conv{xi^mu} (hard-margin SVM without bias). It is computed here by a Numba SMO /
Mitchell-Demyanov-Malozemov solver on the simplex weights lamda of p = sum_mu lamda_mu xi^mu,
which at every iterate gives the bounds

    lower = min_mu p . xi^mu / |p|  <=  kappa_max  <=  |p| = upper,

(the lower bound is achieved by w = sqrt(N) p / |p|; the upper bound holds because p is in K).
The solver stops on a certificate (upper - lower <= tol, or a bound excluding a margin kappa),
never on an iteration count.

An exact, finitely terminating phase runs first: Wolfe's minimum-norm-point algorithm, which
keeps a corral S of affinely independent patterns, the Cholesky factor R^T R = G_SS + c 1 1^T
(updated in O(|S|^2) when a pattern enters or leaves: forward substitution / Givens rotations)
and the min-norm point of aff(S) (coefficients ~ (G_SS + c 1 1^T)^{-1} 1). It ends with
min_mu p . xi^mu >= |p|^2 (up to rounding: p is the nearest point of the hull) or with the
origin in the affine hull of a corral with positive weights (|p| at rounding level: the
non-separability certificate). Every answer is verified from ``xi``; if the verification
fails the pair-step solver takes over from Wolfe's last iterate. When the origin lies in K the problem is non-convex
(negative perceptron); that case is certified by an explicit lamda >= 0 with sum_mu lamda_mu xi^mu
= 0 up to rounding (see :func:`max_margin_certified`), and only the sign of kappa_max is exact.

The Numba kernels are in :mod:`simulate._minnorm`, the certificates recomputed from the patterns
in :mod:`simulate._certificates`; this module holds the solver driver and the public API; the
certified SAT decision and the instance capacity built on it are in :mod:`simulate.feasibility`.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np

from simulate._certificates import (_certify_origin_in_hull, _exact_bounds, _null_direction,
                                    _polish, _Problem, _verified)
from simulate._minnorm import (_GAP, _MAXITER, _NONSEP, _SAT, _STALL, _UNSAT, _WOLFE_Z1,
                               _WOLFE_Z2, _smo_kernel, _wolfe_kernel)

__all__ = [
    "ConvergenceError",
    "MaxMarginResult",
    "max_margin",
    "max_margin_certified",
]

_DEFAULT_MAX_ITER = 10_000_000
# Run Wolfe's exact phase before the pair steps (False: pair steps only, for comparisons).
_USE_WOLFE = True


class ConvergenceError(RuntimeError):
    """The max-margin solver ran out of iterations before a certificate.

    Attributes
    ----------
    lower, upper : float
        The last certified bounds, lower <= kappa_max <= upper.
    iterations : int
        Iterations spent.
    result : MaxMarginResult
        The last iterate, with status ``"max_iter"``.
    """

    def __init__(self, message, *, lower, upper, iterations, result=None):
        super().__init__(message)
        self.lower = lower
        self.upper = upper
        self.iterations = iterations
        self.result = result


@dataclass(frozen=True)
class MaxMarginResult:
    """Certified maximal margin of one pattern set.

    Attributes
    ----------
    kappa_max : float
        The estimate returned by :func:`max_margin` (see there for its meaning per status).
    lower, upper : float
        Certified bounds, lower <= kappa_max(true) <= upper. ``lower`` is the smallest
        stability of ``w``.
    w : ndarray, shape (N,)
        A weight vector with |w|^2 = N and min_mu w . xi^mu / sqrt(N) = lower (up to rounding).
    iterations : int
        Pair (SMO) steps taken.
    separable : bool
        True when some w has all stabilities > 0 (certified: lower > 0).
    status : str
        ``"separable"`` (upper - lower <= tol, lower > 0), ``"non_separable"`` (origin certified
        in the hull, kappa_max <= 0; ``kappa_max`` is the lower bound of a found w),
        ``"degenerate"`` (origin in the hull and P < N: kappa_max = 0 exactly) or
        ``"max_iter"`` (no certificate; only with ``throw=False``).
    """

    kappa_max: float
    lower: float
    upper: float
    w: np.ndarray
    iterations: int
    separable: bool
    status: str


# ----------------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------------


def _check_patterns(xi):
    arr = np.asarray(xi)
    if arr.ndim != 2:
        raise ValueError(f"xi must have shape (P, N), got an array with shape {arr.shape}")
    P, N = arr.shape
    if P < 1:
        raise ValueError(f"xi must hold P >= 1 patterns, got P = {P}")
    if N < 1:
        raise ValueError(f"xi must have dimension N >= 1, got N = {N}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"xi must be a real array, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"xi has a non-finite entry at xi[{bad[0]}, {bad[1]}] = {arr[tuple(bad)]}")
    if not np.any(arr):
        raise ValueError("xi is all zeros: every stability is 0 and the margin is undefined")
    return arr


def _check_tol(tol):
    tol = float(tol)
    if not (tol > 0.0 and math.isfinite(tol)):
        raise ValueError(f"tol must be a finite number > 0, got {tol}")
    return tol


def _check_max_iter(max_iter):
    try:
        max_iter = operator.index(max_iter)
    except TypeError:
        raise ValueError(f"max_iter must be an integer, got {max_iter!r}") from None
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    return max_iter


def _check_kappa(kappa):
    try:
        kappa = float(kappa)
    except (TypeError, ValueError):
        raise ValueError(f"kappa must be a real number, got {kappa!r}") from None
    if math.isnan(kappa):
        raise ValueError("kappa is NaN")
    if not math.isfinite(kappa):
        raise ValueError(f"kappa must be finite, got {kappa}")
    if kappa < 0.0:
        raise ValueError(
            f"kappa = {kappa} < 0: the negative perceptron is non-convex and is not decided "
            "exactly here (use kappa >= 0)"
        )
    return kappa


# ----------------------------------------------------------------------------------------------
# The solver driver
# ----------------------------------------------------------------------------------------------


def _wolfe_block(P, N):
    """Patterns added per major cycle of Wolfe's method (1 = Wolfe's rule, for small N)."""
    return int(min(_WOLFE_KADD_MAX, max(1, min(P, N) // _WOLFE_KADD_DIV)))


_WOLFE_KADD_MAX = 16
_WOLFE_KADD_DIV = 64


def _wolfe(prob, P, lam, *, warm, kappa_sat, kappa_unsat, tol, max_iter):
    """Wolfe's min-norm-point phase on the first P patterns (see :func:`_wolfe_kernel`).

    With ``warm`` the initial corral is built from the support of ``lam`` (largest weights
    first), otherwise it is the single pattern of smallest norm.
    Returns (code, iterations, lam, lower, upper, best_lam, best_lower).
    """
    if warm:
        support = np.flatnonzero(lam[:P] > 0.0)
        order = support[np.argsort(-lam[support], kind="stable")]
        S0 = np.ascontiguousarray(order, dtype=np.int64)
        w0 = np.ascontiguousarray(lam[order], dtype=np.float64)
    else:
        S0 = np.array([int(np.argmin(prob.diag[:P]))], dtype=np.int64)
        w0 = np.ones(1)
    if S0.size == 0:
        return _STALL, 0, lam, -np.inf, np.inf, lam.copy(), -np.inf
    lam_out = np.zeros(P)
    best_lam = np.zeros(P)
    best_lam[S0] = w0 / w0.sum()
    c = float(np.mean(prob.diag[:P]))
    code, it, lower, upper, best_lower = _wolfe_kernel(
        prob.xi[:P], prob.G, S0, w0, c, kappa_sat, kappa_unsat, tol, prob.cert_tol,
        _WOLFE_Z1, _WOLFE_Z2, _wolfe_block(P, prob.N), max_iter, lam_out, best_lam, -np.inf)
    return code, it, lam_out, lower, upper, best_lam, best_lower


def _solve(prob, P, lam, *, kappa_sat, kappa_unsat, tol, max_iter, warm=False):
    """Run the solvers on the first P patterns until a certificate.

    Wolfe's exact phase runs first; if its answer cannot be verified from the patterns, the
    pair-step kernel takes over from its last iterate.
    Returns (code, lam, lower, upper, iterations, best_lam, best_lower, cert_lam) with code one of
    _GAP, _SAT, _UNSAT, _NONSEP (certified: cert_lam is set), _MAXITER.
    """
    lam = np.ascontiguousarray(lam[:P], dtype=np.float64)
    probe_its = 0
    max_iter_total = max_iter
    if _USE_WOLFE and not warm:
        probe_its, done = _probe(prob, P, lam, kappa_sat=kappa_sat, kappa_unsat=kappa_unsat,
                                 tol=tol, max_iter=max_iter)
        if done is not None:
            return done
        max_iter = max_iter - probe_its
    if _USE_WOLFE:
        code, iterations, lam_w, lower, upper, best_lam, best_lower = _wolfe(
            prob, P, lam, warm=warm, kappa_sat=kappa_sat, kappa_unsat=kappa_unsat, tol=tol,
            max_iter=max_iter)
        iterations += probe_its
    else:
        code, iterations, lam_w = _STALL, 0, lam
    max_iter = max_iter_total
    if code in (_GAP, _SAT, _UNSAT):
        bounds = _verified(prob, P, code, lam_w, kappa_sat, kappa_unsat, tol)
        if bounds is not None:
            return code, lam_w, bounds[0], bounds[1], iterations, best_lam, best_lower, None
    elif code == _NONSEP:
        cert = _certify_origin_in_hull(prob, P, lam_w)
        if cert is not None:
            return _NONSEP, lam_w, lower, upper, iterations, best_lam, best_lower, cert
    elif code == _MAXITER:
        return _MAXITER, lam_w, lower, upper, iterations, best_lam, best_lower, None
    if np.any(lam_w > 0.0):
        lam = lam_w / lam_w.sum()
    return _pair_steps(prob, P, lam, iterations, max_iter, kappa_sat=kappa_sat,
                       kappa_unsat=kappa_unsat, tol=tol)


def _probe(prob, P, lam, *, kappa_sat, kappa_unsat, tol, max_iter):
    """A short pair-step probe: easy instances (far from the threshold) are decided in O(P)
    steps; the hard ones go to Wolfe's exact phase from a cold start.  Returns (iterations,
    the result tuple of :func:`_solve` or None when undecided)."""
    lam_p = lam.copy()
    g = prob.G[:P, :P] @ lam_p
    bl = lam_p.copy()
    budget = min(max(1000, 2 * P), max_iter)
    code, probe_its, lower, upper, best_lower = _smo_kernel(
        prob.G, prob.diag, P, lam_p, g, kappa_sat, kappa_unsat, tol, 0.0, budget, bl,
        -np.inf, max(1000, 4 * P))
    if code in (_GAP, _SAT, _UNSAT):
        bounds = _verified(prob, P, code, lam_p, kappa_sat, kappa_unsat, tol)
        if bounds is not None:
            return probe_its, (code, lam_p, bounds[0], bounds[1], probe_its, bl, best_lower,
                               None)
    if probe_its >= max_iter:
        return probe_its, (_MAXITER, lam_p, lower, upper, probe_its, bl, best_lower, None)
    return probe_its, None


def _pair_steps(prob, P, lam, iterations, max_iter, *, kappa_sat, kappa_unsat, tol):
    """The pair-step (SMO) kernel from ``lam`` until a certificate (the fallback of
    :func:`_solve` after Wolfe's phase); returns :func:`_solve`'s result tuple."""
    G, diag = prob.G, prob.diag
    g = G[:P, :P] @ lam
    best_lam = lam.copy()
    best_lower = -np.inf
    sep_thresh = 1e-3 * prob.scale
    refresh_every = max(1000, 4 * P)
    lower, upper = -np.inf, np.inf
    chunk = max(1000, 2 * P)
    # |p|^2 = lamda^T g loses relative precision ~ eps * max|G| / |p|^2: below f_floor the
    # kernel's |p| is noise and the exact |p| is checked here after every chunk instead.
    f_floor = 1e-6 * prob.scale
    last_try = np.inf
    while True:
        budget = min(chunk, max_iter - iterations)
        code, it, lower, upper, best_lower = _smo_kernel(
            G, diag, P, lam, g, kappa_sat, kappa_unsat, tol, sep_thresh, budget,
            best_lam, best_lower, refresh_every)
        iterations += it
        if code == _MAXITER:
            if iterations >= max_iter:
                return _MAXITER, lam, lower, upper, iterations, best_lam, best_lower, None
            if _polish(prob, P, lam, g):
                g = G[:P, :P] @ lam
            if best_lower <= 0.0 and sep_thresh <= f_floor:
                _, up_x, _ = _exact_bounds(prob.xi[:P], lam)
                if up_x <= prob.cert_tol or up_x <= 0.1 * last_try:
                    last_try = up_x
                    cert = _certify_origin_in_hull(prob, P, lam)
                    if cert is not None:
                        return _NONSEP, lam, lower, up_x, iterations, best_lam, best_lower, cert
            continue
        if code == _NONSEP:
            cert = _certify_origin_in_hull(prob, P, lam)
            if cert is not None:
                return _NONSEP, lam, lower, upper, iterations, best_lam, best_lower, cert
            if upper == 0.0:
                # p = 0 exactly in floating point but the support is degenerate: keep lam as the
                # certificate (the sum is exact up to the rounding of the pair steps).
                p, up, _ = _exact_bounds(prob.xi[:P], lam)
                if up <= prob.cert_tol:
                    return _NONSEP, lam, lower, 0.0, iterations, best_lam, best_lower, lam / lam.sum()
            # Try again once |p| has decreased tenfold; at |p| <= cert_tol the certificate is
            # lamda itself.
            sep_thresh = max(0.1 * min(sep_thresh, upper), f_floor)
            g = G[:P, :P] @ lam
            continue
        if code == _STALL:
            # Rounding: refresh the Gram products once and retry; if it persists, give up.
            g = G[:P, :P] @ lam
            code2, it2, lower, upper, best_lower = _smo_kernel(
                G, diag, P, lam, g, kappa_sat, kappa_unsat, tol, sep_thresh, 1,
                best_lam, best_lower, refresh_every)
            iterations += it2
            if code2 == _STALL:
                return _MAXITER, lam, lower, upper, iterations, best_lam, best_lower, None
            continue
        # _GAP, _SAT, _UNSAT: confirm with bounds recomputed from the patterns.
        _, upper_x, lower_x = _exact_bounds(prob.xi[:P], lam)
        ok = (
            (code == _GAP and lower_x > 0.0 and upper_x - lower_x <= tol)
            or (code == _SAT and lower_x > kappa_sat)
            or (code == _UNSAT and upper_x < kappa_unsat)
        )
        if ok:
            return code, lam, lower_x, upper_x, iterations, best_lam, best_lower, None
        g = G[:P, :P] @ lam  # drift of the incremental products: refresh and go on




def _result_from(prob, P, code, lam, lower, upper, iterations, best_lam, cert, tol):
    xi = prob.xi[:P]
    N = prob.N
    if code in (_GAP, _SAT, _UNSAT, _MAXITER):
        p, upper_x, lower_x = _exact_bounds(xi, lam)
        w = math.sqrt(N) * p / upper_x
        separable = lower_x > 0.0
        status = "separable" if code == _GAP else ("max_iter" if code == _MAXITER else "decided")
        kappa = 0.5 * (lower_x + upper_x) if code == _GAP else lower_x
        return MaxMarginResult(kappa, lower_x, upper_x, w, iterations, separable, status)
    # Non-separable: the origin is in the hull, kappa_max <= 0.
    if P < N:
        u = _null_direction(xi)
        return MaxMarginResult(0.0, 0.0, 0.0, math.sqrt(N) * u, iterations, False, "degenerate")
    p, up_b, _ = _exact_bounds(xi, best_lam)
    if up_b == 0.0:
        p = xi[int(np.argmax(prob.diag[:P]))]
        up_b = float(np.linalg.norm(p))
    u = p / up_b
    lower_x = float(np.min(xi @ u))
    return MaxMarginResult(lower_x, lower_x, 0.0, math.sqrt(N) * u, iterations, False,
                           "non_separable")


# ----------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------


def max_margin_certified(xi, *, tol=1e-8, max_iter=_DEFAULT_MAX_ITER, throw=True) -> MaxMarginResult:
    """Maximal margin kappa_max of a pattern set, with certified bounds and the weights.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns xi^mu as rows; finite real entries, not all zero.
    tol : float, optional
        Certificate width: for a separable set the solver stops when upper - lower <= tol.
    max_iter : int, optional
        Maximal number of pair steps.
    throw : bool, optional
        If True (default) raise :class:`ConvergenceError` when ``max_iter`` is reached without
        certificate; if False return the last iterate with status ``"max_iter"``.

    Returns
    -------
    MaxMarginResult
        ``kappa_max`` is (lower + upper) / 2 for a separable set (error <= tol / 2), the margin
        of the returned w (a negative lower bound) for a non-separable set, and 0 in the
        degenerate case (origin in the hull and P < N).

    Raises
    ------
    ValueError
        Bad ``xi`` (shape, non-finite entries, P < 1, N < 1, all zeros), ``tol`` or ``max_iter``.
    ConvergenceError
        No certificate within ``max_iter`` steps (``throw=True``).

    Notes
    -----
    With Delta^mu(w) = w . xi^mu / sqrt(N) and |w|^2 = N, writing w = sqrt(N) u with |u| = 1,

    .. math:: \\kappa_{max} = \\max_{|u|=1} \\min_\\mu u\\cdot\\xi^\\mu
              = \\operatorname{dist}(0, K), \\quad K = \\operatorname{conv}\\{\\xi^\\mu\\},

    when 0 is not in K (note: distance to the hull of the xi^mu themselves, not of
    xi^mu / sqrt(N)). The solver minimises |p|^2, p = sum_mu lamda_mu xi^mu over the simplex
    (the dual of the hard-margin SVM without bias, min |v|^2 s.t. v . xi^mu >= 1, with
    kappa_max = 1 / |v*|), by pair steps lamda_i += t, lamda_j -= t between the away vertex j
    (max of g_mu = p . xi^mu on the support) and the toward vertex i chosen by second-order
    gain (g_j - g_i)^2 / |xi^i - xi^j|^2, with exact line search. The Gram matrix G = xi xi^T
    is formed once (BLAS) and g is updated in O(P) per step. Every iterate certifies

    .. math:: \\min_\\mu g_\\mu / |p| \\le \\kappa_{max} \\le |p|,

    and the width of this interval is the Frank-Wolfe duality gap divided by |p|. Final bounds
    are recomputed from ``xi`` (not from the updated products).

    Before the pair steps, Wolfe's minimum-norm-point method [4]_ runs (up to 16 improving
    patterns are added per major cycle for large N; ``iterations`` then counts its major and
    minor cycles): it is exact and finite, and certifies both tiny margins and origins barely
    inside the hull near alpha = 2, where the pair steps converge only linearly. Its answer is
    verified from ``xi``; otherwise the pair steps continue from its last iterate.

    Non-separable sets (0 in K) give kappa_max = -(distance from 0 to the boundary of K) <= 0,
    a non-convex problem. When |p| is small and the lower bound <= 0, the iterate lamda is
    corrected on its support by the minimum-norm solution of sum_S delta_mu xi^mu = -p,
    sum_S delta_mu = 0; if the corrected lamda' is >= 0 and |sum lamda'_mu xi^mu| is at the
    rounding level (1e3 * eps * sqrt(N) * max|xi|), the origin is certified in K up to that
    rounding-level perturbation of the patterns (a Farkas / LP certificate), so kappa_max <= 0,
    and ``upper = 0``. The returned value is then the margin of an explicit w (the best
    iterate direction p / |p| met on the way), a valid lower bound, strictly negative unless
    the origin is on the boundary of K. Degenerate boundary case: if 0 is in K and P < N,
    a w orthogonal to all patterns has all stabilities 0 and kappa_max = 0 exactly, returned
    with status ``"degenerate"`` (it happens e.g. for a set containing xi and -xi with P < N;
    for P >= N a boundary origin is non-generic and reported through the lower bound of the
    found w, which is then <= 0 at rounding level). A separable set whose margin is below
    the rounding level cannot be told from a non-separable one in floating point.

    References
    ----------
    .. [1] B. F. Mitchell, V. F. Dem'yanov, V. N. Malozemov, "Finding the point of a polyhedron
       closest to the origin", SIAM J. Control 12, 19 (1974).
    .. [2] R.-E. Fan, P.-H. Chen, C.-J. Lin, "Working set selection using second order
       information for training support vector machines", JMLR 6, 1889 (2005).
    .. [3] E. Gardner, "The space of interactions in neural network models",
       J. Phys. A 21, 257 (1988).
    .. [4] P. Wolfe, "Finding the nearest point in a polytope", Math. Programming 11, 128
       (1976).
    """
    xi = _check_patterns(xi)
    tol = _check_tol(tol)
    max_iter = _check_max_iter(max_iter)
    prob = _Problem(xi)
    P = prob.P
    lam0 = np.full(P, 1.0 / P)
    code, lam, lower, upper, iterations, best_lam, _, cert = _solve(
        prob, P, lam0, kappa_sat=np.inf, kappa_unsat=-np.inf, tol=tol, max_iter=max_iter)
    result = _result_from(prob, P, code, lam, lower, upper, iterations, best_lam, cert, tol)
    if code == _MAXITER and throw:
        raise ConvergenceError(
            f"max_margin: no certificate after {iterations} steps (max_iter = {max_iter}); "
            f"bounds {result.lower!r} <= kappa_max <= {result.upper!r}",
            lower=result.lower, upper=result.upper, iterations=iterations, result=result)
    return result


def max_margin(xi, *, tol=1e-8, max_iter=_DEFAULT_MAX_ITER) -> float:
    """Maximal margin kappa_max = max_{|w|^2=N} min_mu w . xi^mu / sqrt(N) of the patterns xi.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Patterns xi^mu as rows.
    tol : float, optional
        Certified accuracy for a separable set: the true value is within tol / 2.
    max_iter : int, optional
        Maximal number of solver steps (:class:`ConvergenceError` beyond).

    Returns
    -------
    float
        kappa_max (> 0) for a separable set; for a non-separable set a strictly negative
        lower bound (the margin of an explicit w; only the sign is exact); 0.0 exactly in the
        degenerate case P < N with the origin in the hull of the patterns.

    Notes
    -----
    kappa_max = dist(0, conv{xi^mu}) when positive; see :func:`max_margin_certified` for the
    algorithm, the certificates and the degenerate cases.

    References
    ----------
    .. [1] E. Gardner, "The space of interactions in neural network models",
       J. Phys. A 21, 257 (1988).
    .. [2] T. M. Cover, "Geometrical and statistical properties of systems of linear
       inequalities with applications in pattern recognition", IEEE Trans. Electron.
       Comput. EC-14, 326 (1965).
    """
    return max_margin_certified(xi, tol=tol, max_iter=max_iter).kappa_max
