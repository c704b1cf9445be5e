"""Activation regions of two-layer ReLU networks: patterns, region Jacobians, certified ranks,
region sampling, LP certificates (never imports formulas from ``replica``).

Network: F(W, b; x) = v^T relu(W x + b), W of shape (d1, d0), b of shape (d1,), v fixed with
no zero entry; data X of shape (n, d0) (one input per row).  The activation pattern is
A[i, j] = 1{w_i . x_j + b_i > 0} (shape (d1, n)).  Inside the region of A the network is linear
in (W, b) and its Jacobian with respect to the parameters is, row j for input j,

    J[j, i (d0 + 1) + c] = v_i A[i, j] xt_j[c],   xt_j = (x_j, 1)  (with bias; x_j without),

the Khatri-Rao (column-wise Kronecker) product of A and the data, rows scaled by v_i.  Full rank
n means: no bad differentiable local minimum in the region, and its global minima form an
affine set of dimension d1 (d0 + 1) - n when not empty.

References
----------
K. Karhadkar, M. Murray, H. Tseran and G. Montufar, "Mildly overparameterized ReLU networks
have a favorable loss landscape", TMLR (2024), arXiv:2305.19510.
T. M. Cover, "Geometrical and statistical properties of systems of linear inequalities with
applications in pattern recognition", IEEE Trans. Electron. Comput. 14, 326 (1965).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from simulate.certified_rank import certified_rank
from simulate.dichotomies import GENERIC_TOL, MAX_CANDIDATES, _cover, realisable_dichotomies

__all__ = ["activation_pattern", "region_jacobian", "jacobian_rank", "sample_regions",
           "region_nonempty", "region_has_global_min", "full_rank_fraction", "Regions",
           "FullRankEstimate", "step_patterns", "cell_log_volume", "CellVolume",
           "gradient_descent_trace", "DescentTrace", "realisable_dichotomies",
           "GENERIC_TOL", "MAX_CANDIDATES"]

def _array(name, a, ndim):
    a = np.asarray(a, dtype=float)
    if a.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} has non-finite entries")
    return a


def _check_X(X):
    X = _array("X", X, 2)
    if X.shape[0] < 1:
        raise ValueError("X has no rows (inputs)")
    return X


def activation_pattern(W, X, b=None) -> np.ndarray:
    """A[i, j] = 1{w_i . x_j + b_i > 0}, shape (d1, n), dtype uint8.

    Raises
    ------
    ValueError
        Shapes that do not match, non-finite entries, or a pre-activation exactly 0 (the input
        lies on a neuron's hyperplane: the pattern is not defined there).
    """
    W = _array("W", W, 2)
    X = _check_X(X)
    if W.shape[1] != X.shape[1]:
        raise ValueError(f"W has {W.shape[1]} columns but the inputs have dimension "
                         f"{X.shape[1]}")
    pre = W @ X.T
    if b is not None:
        b = _array("b", b, 1)
        if b.shape != (W.shape[0],):
            raise ValueError(f"b must have shape ({W.shape[0]},), got {b.shape}")
        pre = pre + b[:, None]
    if np.any(pre == 0.0):
        i, j = np.argwhere(pre == 0.0)[0]
        raise ValueError(f"input {j} lies on the hyperplane of neuron {i} (pre-activation 0)")
    return (pre > 0).astype(np.uint8)


def _check_A(A, n=None):
    A = np.asarray(A)
    if A.ndim != 2:
        raise ValueError(f"A must be a (d1, n) 0/1 array, got shape {A.shape}")
    if not np.all((A == 0) | (A == 1)):
        raise ValueError("A must contain only 0 and 1")
    if n is not None and A.shape[1] != n:
        raise ValueError(f"A has {A.shape[1]} columns but there are {n} inputs")
    return A.astype(np.uint8)


def _check_v(v, d1):
    if v is None:
        return np.ones(d1)
    v = _array("v", v, 1)
    if v.shape != (d1,):
        raise ValueError(f"v must have shape ({d1},), got {v.shape}")
    if np.any(v == 0):
        raise ValueError(f"v has zero entries at {np.flatnonzero(v == 0).tolist()}: the output "
                         "weights must be nonzero")
    return v


def _lift(X, bias):
    return np.hstack([X, np.ones((X.shape[0], 1))]) if bias else X


def region_jacobian(A, X, *, v=None, bias=True) -> np.ndarray:
    """The n x d1 (d0 + bias) Jacobian of the network's outputs in the region of A.

    Column block i (width d0 + bias) holds v_i A[i, j] xt_j in row j (see the module notes).
    """
    X = _check_X(X)
    A = _check_A(A, X.shape[0])
    v = _check_v(v, A.shape[0])
    Xt = _lift(X, bias)
    n, m = Xt.shape
    J = (v[:, None, None] * A[:, :, None] * Xt[None, :, :])  # (d1, n, m)
    return np.ascontiguousarray(J.transpose(1, 0, 2).reshape(n, A.shape[0] * m))


def jacobian_rank(J, *, method="exact", tol=None) -> int:
    """Rank of a Jacobian.

    Parameters
    ----------
    J : array_like (float64)
    method : {"exact", "svd"}
        ``"exact"``: the rank over the rationals of the float64 entries (exact dyadic
        numbers): rank mod a prime first (a lower bound; equal to min(shape) certifies full
        rank), otherwise fraction-free Bareiss elimination on the integer matrix — a certified
        result.  ``"svd"``: number of singular values > tol.
    tol : float, optional
        For ``"svd"``: default max(shape) * eps * sigma_max (NumPy's).
    """
    J = _array("J", J, 2)
    if J.size == 0:
        return 0
    if method == "svd":
        s = np.linalg.svd(J, compute_uv=False)
        t = max(J.shape) * np.finfo(float).eps * (s[0] if s.size else 0.0) if tol is None \
            else float(tol)
        return int(np.sum(s > t))
    if method != "exact":
        raise ValueError(f"method must be 'exact' or 'svd', got {method!r}")
    return certified_rank(J)


# ---------------------------------------------------------------------------------------------
# sampling

def _rng(rng):
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _check_int(name, v, lo):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not float(v).is_integer() \
            or v < lo:
        raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    return int(v)


def step_patterns(n) -> np.ndarray:
    """The 2n activation rows realisable by one neuron on n sorted distinct 1-d inputs with a
    bias: 1{j >= k} for k = 0..n (k = 0 all ones, k = n all zeros) and 1{j < k} for
    k = 1..n-1, shape (2n, n)."""
    n = _check_int("n", n, 1)
    j = np.arange(n)
    up = [(j >= k).astype(np.uint8) for k in range(n + 1)]
    down = [(j < k).astype(np.uint8) for k in range(1, n)]
    return np.array(up + down, dtype=np.uint8)


@dataclass(frozen=True)
class Regions:
    """Sampled activation regions: ``patterns`` (trials, d1, n), the data ``X`` (n, d0), the
    measure, and for ``"init"`` the parameters W (trials, d1, d0) and b (trials, d1)."""

    patterns: np.ndarray
    X: np.ndarray
    measure: str
    W: np.ndarray = None
    b: np.ndarray = None


def _data(n, d0, gen):
    X = gen.standard_normal((n, d0))
    if d0 == 1:
        X = np.sort(X, axis=0)
    return X


def sample_regions(n, d0, d1, *, measure="nonempty", trials=1, rng=0, X=None,
                   bias=True) -> Regions:
    """Draw activation regions on data X (default: n standard Gaussian inputs, sorted if d0 = 1).

    measure : {"uniform", "nonempty", "init"}
        ``"uniform"``: each A[i, j] an independent fair bit (all 2^(d1 n) patterns equally
        likely: the counting of the paper's theorems).  ``"nonempty"``: exactly uniform among
        the non-empty regions for every d0; rows are independent, each uniform among the
        patterns its neuron can realise — for d0 = 1 with bias the 2n steps of
        :func:`step_patterns` on sorted data, otherwise the C rows enumerated by
        :func:`realisable_dichotomies` (each neuron's row ``gen.integers(0, C)``; non-generic
        data raise ValueError).  Only where that enumeration is over
        :data:`MAX_CANDIDATES`, rows are drawn by rejection of uniform rows with an LP
        feasibility check, if Cover's fraction C/2^n of realisable rows is >= 1e-3;
        otherwise ValueError.  ``"init"``: the region of W, b with i.i.d. standard Gaussian
        entries (the volume measure of a random initialisation).
    """
    n = _check_int("n", n, 1)
    d0 = _check_int("d0", d0, 1)
    d1 = _check_int("d1", d1, 1)
    trials = _check_int("trials", trials, 1)
    gen = _rng(rng)
    X = _data(n, d0, gen) if X is None else _check_X(X)
    if X.shape != (n, d0):
        raise ValueError(f"X must have shape ({n}, {d0}), got {X.shape}")
    if measure == "uniform":
        return Regions(gen.integers(0, 2, size=(trials, d1, n), dtype=np.uint8), X, measure)
    if measure == "init":
        W = gen.standard_normal((trials, d1, d0))
        b = gen.standard_normal((trials, d1)) if bias else np.zeros((trials, d1))
        pats = np.array([activation_pattern(W[t], X, b[t]) for t in range(trials)])
        return Regions(pats, X, measure, W, b)
    if measure != "nonempty":
        raise ValueError(f"measure must be 'uniform', 'nonempty' or 'init', got {measure!r}")
    if d0 == 1 and bias:
        order = np.argsort(X[:, 0], kind="stable")
        if np.any(np.diff(X[order, 0]) == 0):
            raise ValueError("repeated inputs: the data are not generic")
        steps = step_patterns(n)
        pick = gen.integers(0, 2 * n, size=(trials, d1))
        pats = np.empty((trials, d1, n), dtype=np.uint8)
        pats[:, :, order] = steps[pick]
        return Regions(pats, X, measure)
    D = d0 + (1 if bias else 0)
    if D == 1 or n < D or math.comb(n, D - 1) * 2 ** (D - 1) <= MAX_CANDIDATES:
        rows = realisable_dichotomies(X, bias=bias)
        return Regions(rows[gen.integers(0, rows.shape[0], size=(trials, d1))], X, measure)
    rate = _cover(n, D) / 2.0 ** n
    if rate < 1e-3:
        raise ValueError(f"non-empty regions at n = {n}, d0 = {d0} (bias={bias}): enumerating "
                         f"the realisable rows is over MAX_CANDIDATES = {MAX_CANDIDATES:.3g} and "
                         f"rejection sampling would accept only a fraction {rate:.3g} < 1e-3")
    pats = np.empty((trials, d1, n), dtype=np.uint8)
    tried = accepted = 0
    for t in range(trials):
        for i in range(d1):
            while True:
                row = gen.integers(0, 2, size=n, dtype=np.uint8)
                tried += 1
                if _row_feasible(row, X, bias):
                    accepted += 1
                    pats[t, i] = row
                    break
                if tried >= 2000 and accepted < 1e-3 * tried:
                    raise ValueError(f"rejection sampling of non-empty regions accepts "
                                     f"{accepted}/{tried} rows at n = {n}, d0 = {d0}: too rare")
    return Regions(pats, X, measure)


# ---------------------------------------------------------------------------------------------
# LP certificates

def _row_feasible(row, X, bias):
    """Is there (w, b) with sign(w.x_j + b) = 2 row_j - 1 for all j?  LP: s_j (w.xt_j) >= 1."""
    Xt = _lift(X, bias)
    s = 2.0 * row.astype(float) - 1.0
    A_ub = -(s[:, None] * Xt)
    res = optimize.linprog(np.zeros(Xt.shape[1]), A_ub=A_ub, b_ub=-np.ones(len(s)),
                           bounds=[(None, None)] * Xt.shape[1], method="highs")
    return res.status == 0


def region_nonempty(A, X, *, bias=True) -> bool:
    """LP certificate that the region of A is non-empty: every neuron's row is realisable
    (the region is the product of one cell per neuron)."""
    X = _check_X(X)
    A = _check_A(A, X.shape[0])
    return all(_row_feasible(row, X, bias) for row in A)


def region_has_global_min(A, X, v, y, *, bias=True, margin=1e-9):
    """Whether the open region of A contains a zero-loss point (F(W, b; x_j) = y_j for all j).

    LP: maximise t <= 1 over (W, b, t) subject to s_ij (w_i . xt_j) >= t and
    sum_i v_i A_ij (w_i . xt_j) = y_j; the open region has a global minimum iff t* > margin.

    Returns
    -------
    (bool, float)
        The verdict and the optimal t*.
    """
    X = _check_X(X)
    A = _check_A(A, X.shape[0])
    v = _check_v(v, A.shape[0])
    y = _array("y", y, 1)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    Xt = _lift(X, bias)
    n, m = Xt.shape
    d1 = A.shape[0]
    nv = d1 * m + 1  # parameters then t
    S = 2.0 * A.astype(float) - 1.0
    A_ub = np.zeros((d1 * n, nv))
    for i in range(d1):
        for j in range(n):
            A_ub[i * n + j, i * m:(i + 1) * m] = -S[i, j] * Xt[j]
            A_ub[i * n + j, -1] = 1.0
    A_eq = np.zeros((n, nv))
    for j in range(n):
        for i in range(d1):
            A_eq[j, i * m:(i + 1) * m] = v[i] * A[i, j] * Xt[j]
    c = np.zeros(nv)
    c[-1] = -1.0
    bounds = [(None, None)] * (nv - 1) + [(None, 1.0)]
    res = optimize.linprog(c, A_ub=A_ub, b_ub=np.zeros(d1 * n), A_eq=A_eq, b_eq=y,
                           bounds=bounds, method="highs")
    if res.status == 2:  # infeasible: no point of the closure fits y
        return False, -math.inf
    if res.status != 0:
        raise RuntimeError(f"linprog failed: {res.message}")
    t = float(-res.fun)
    return t > margin, t


# ---------------------------------------------------------------------------------------------
# full-rank fraction

@dataclass(frozen=True)
class FullRankEstimate:
    """Fraction of sampled regions whose Jacobian has rank n.

    Attributes
    ----------
    value, stderr : float
        The fraction and its binomial standard error sqrt(f (1 - f)/trials).
    ranks : numpy.ndarray
        The certified rank of each trial.
    n, d0, d1 : int
    measure : str
    """

    value: float
    stderr: float
    ranks: np.ndarray
    n: int
    d0: int
    d1: int
    measure: str


def full_rank_fraction(n, d0, d1, *, measure="nonempty", trials=400, rng=0, bias=True,
                       method="exact") -> FullRankEstimate:
    """Fraction of regions (drawn by :func:`sample_regions`) with a full-rank Jacobian.

    One data set per call (drawn from ``rng`` first); ranks certified by ``method``.
    """
    reg = sample_regions(n, d0, d1, measure=measure, trials=trials, rng=rng, bias=bias)
    ranks = np.array([jacobian_rank(region_jacobian(A, reg.X, bias=bias), method=method)
                      for A in reg.patterns])
    f = float(np.mean(ranks == n))
    return FullRankEstimate(value=f, stderr=math.sqrt(f * (1 - f) / len(ranks)), ranks=ranks,
                            n=int(n), d0=int(d0), d1=int(d1), measure=measure)


# ---------------------------------------------------------------------------------------------
# region volumes

#: Survivors a constraint must leave before its fraction is accepted (see cell_log_volume).
MIN_SURVIVORS = 64
#: Largest number of particle rounds spent on one constraint.
MAX_ROUNDS = 256


@dataclass(frozen=True)
class CellVolume:
    """Log of the Gaussian measure of one neuron's cell (no bias): ln P(s_j w.x_j > 0 for all
    j) for w ~ N(0, I), estimated by sequential Monte Carlo.

    Attributes
    ----------
    log_volume : float
        sum_j ln P_j, each P_j the fraction of particles (uniform on the cell of the first j-1
        constraints) that satisfy constraint j, with the delta-method bias correction
        (1 - P_j)/(2 M P_j).
    stderr : float
        sqrt(sum_j (1 - P_j)/(M P_j)) (particles treated as independent after rejuvenation).
    fractions : numpy.ndarray
        The P_j.
    """

    log_volume: float
    stderr: float
    fractions: np.ndarray


def cell_log_volume(signs, X, *, rng=0, particles=256, sweeps=4) -> CellVolume:
    """Gaussian measure of the cone {w : s_j w . x_j > 0} (one neuron, no bias), by sequential
    Monte Carlo: particles uniform on the sphere; for each constraint in turn, the fraction
    that satisfies it estimates P_j, the survivors (exact samples of the smaller cell) are
    resampled back to ``particles`` and rejuvenated by ``sweeps`` sweeps of geodesic
    hit-and-run on the cell (:func:`simulate.sampler.hit_and_run`, margin 0).

    The cell's Gaussian measure is its solid-angle fraction: the Gardner volume of a zero-margin
    spherical perceptron with patterns x_j and labels s_j.
    """
    from .sampler import hit_and_run

    X = _check_X(X)
    s = np.asarray(signs, dtype=float)
    if s.shape != (X.shape[0],) or not np.all(np.abs(s) == 1):
        raise ValueError(f"signs must be +-1 of shape ({X.shape[0]},)")
    M = _check_int("particles", particles, 2)
    gen = _rng(rng)
    n, d0 = X.shape
    if d0 < 2:
        raise ValueError("cell_log_volume needs d0 >= 2 (the sphere of dimension d0 - 1)")
    xi = s[:, None] * X * math.sqrt(d0) / np.linalg.norm(X, axis=1, keepdims=True)
    w = gen.standard_normal((M, d0))
    w *= math.sqrt(d0) / np.linalg.norm(w, axis=1, keepdims=True)
    logv, var = 0.0, 0.0
    fr = np.empty(n)
    for j in range(n):
        # a constraint that cuts off most of the cell is measured on more samples of the
        # previous cell (further sweeps from the current particles) until MIN_SURVIVORS of them
        # satisfy it, or MAX_ROUNDS rounds
        ok = w @ xi[j] > 0
        surv, total = [w[ok]], M
        rounds = 1
        while sum(x.shape[0] for x in surv) < MIN_SURVIVORS and rounds < MAX_ROUNDS:
            if j == 0:
                w = gen.standard_normal((M, d0))
                w *= math.sqrt(d0) / np.linalg.norm(w, axis=1, keepdims=True)
            else:
                w = hit_and_run(xi[:j], 0.0, n_chains=M, n_sweeps=sweeps, rng=gen, w0=w,
                                record_every=sweeps).w
            ok = w @ xi[j] > 0
            surv.append(w[ok])
            total += M
            rounds += 1
        surv = np.vstack(surv)
        p = surv.shape[0] / total
        fr[j] = p
        if p == 0.0:
            return CellVolume(-math.inf, math.inf, fr[:j + 1])
        logv += math.log(p) + (1 - p) / (2 * total * p)
        var += (1 - p) / (total * p)
        w = surv[gen.integers(0, surv.shape[0], size=M)]
        if sweeps > 0 and j < n - 1:
            w = hit_and_run(xi[:j + 1], 0.0, n_chains=M, n_sweeps=sweeps, rng=gen, w0=w,
                            record_every=sweeps).w
    return CellVolume(logv, math.sqrt(var), fr)


# ---------------------------------------------------------------------------------------------
# gradient-descent traces

@dataclass(frozen=True)
class DescentTrace:
    """Gradient descent on the squared loss of a two-layer ReLU network (v fixed).

    Attributes
    ----------
    steps : numpy.ndarray
        The recorded step numbers.
    loss : numpy.ndarray
        (1/2n) sum_j (F(x_j) - y_j)^2 at each record.
    rank : numpy.ndarray
        Certified rank of the region Jacobian at each record.
    distinct_patterns : int
        Number of distinct activation patterns among all the iterates (the initial point and
        every step taken), i.e. the regions visited.
    iterates : int
        Number of iterates (steps taken + 1; fewer than ``steps + 1`` after an early stop).
    W, b : numpy.ndarray
        Final parameters.
    """

    steps: np.ndarray
    loss: np.ndarray
    rank: np.ndarray
    distinct_patterns: int
    W: np.ndarray
    b: np.ndarray
    iterates: int = 0


def gradient_descent_trace(X, y, d1, *, v=None, lr=0.05, steps=2000, record_every=50, rng=0,
                           bias=True, optimizer="gd", init_scale=1.0,
                           loss_tol=0.0) -> DescentTrace:
    """Full-batch descent on L = (1/2n) sum_j (v^T relu(W x_j + b) - y_j)^2 from a Gaussian
    initialisation of (W, b), v fixed (default: +-1 alternating); the activation pattern of
    every iterate is hashed (regions visited) and the certified rank of its Jacobian is
    recorded every ``record_every`` steps (rank along training).

    Parameters
    ----------
    optimizer : {"gd", "adam"}
        Plain gradient descent with step ``lr``, or Adam (Kingma and Ba; betas 0.9 and 0.999,
        eps 1e-8, bias-corrected moments: PyTorch's defaults) with learning rate ``lr``.
    init_scale : float
        W and b are i.i.d. N(0, init_scale^2) (sqrt(2/d0): Kaiming normal).
    loss_tol : float
        Stop once L <= loss_tol (default 0: run every step).
    """
    X = _check_X(X)
    n, d0 = X.shape
    y = _array("y", y, 1)
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},), got {y.shape}")
    d1 = _check_int("d1", d1, 1)
    v = _check_v(np.where(np.arange(d1) % 2 == 0, 1.0, -1.0) if v is None else v, d1)
    steps = _check_int("steps", steps, 1)
    record_every = _check_int("record_every", record_every, 1)
    if optimizer not in ("gd", "adam"):
        raise ValueError(f"optimizer must be 'gd' or 'adam', got {optimizer!r}")
    for name, val, positive in (("lr", lr, True), ("init_scale", init_scale, True),
                                ("loss_tol", loss_tol, False)):
        val = float(val)
        if not (math.isfinite(val) and (val > 0 if positive else val >= 0)):
            raise ValueError(f"{name} must be finite and {'> 0' if positive else '>= 0'}, "
                             f"got {val!r}")
    lr, init_scale, loss_tol = float(lr), float(init_scale), float(loss_tol)
    gen = _rng(rng)
    W = init_scale * gen.standard_normal((d1, d0))
    b = init_scale * gen.standard_normal(d1) if bias else np.zeros(d1)
    if optimizer == "adam":
        mW, vW = np.zeros_like(W), np.zeros_like(W)
        mb, vb = np.zeros_like(b), np.zeros_like(b)
        beta1, beta2, eps = 0.9, 0.999, 1e-8
    rec_s, rec_l, rec_r, seen = [], [], [], set()
    t = 0
    while True:
        pre = W @ X.T + b[:, None]
        act = pre > 0
        r = (v @ (pre * act)) - y
        loss = float(r @ r) / (2 * n)
        A = act.astype(np.uint8)
        seen.add(A.tobytes())
        done = t == steps or loss <= loss_tol
        if t % record_every == 0 or done:
            rec_s.append(t)
            rec_l.append(loss)
            rec_r.append(jacobian_rank(region_jacobian(A, X, v=v, bias=bias)))
        if done:
            break
        g = (v[:, None] * act) * r[None, :] / n  # dL/dpre, shape (d1, n)
        gW = g @ X
        gb = g.sum(axis=1)
        t += 1
        if optimizer == "gd":
            W -= lr * gW
            if bias:
                b -= lr * gb
        else:
            c1, c2 = 1.0 - beta1 ** t, 1.0 - beta2 ** t
            mW = beta1 * mW + (1 - beta1) * gW
            vW = beta2 * vW + (1 - beta2) * gW * gW
            W -= lr * (mW / c1) / (np.sqrt(vW / c2) + eps)
            if bias:
                mb = beta1 * mb + (1 - beta1) * gb
                vb = beta2 * vb + (1 - beta2) * gb * gb
                b -= lr * (mb / c1) / (np.sqrt(vb / c2) + eps)
    return DescentTrace(steps=np.array(rec_s), loss=np.array(rec_l), rank=np.array(rec_r),
                        distinct_patterns=len(seen), W=W, b=b, iterates=t + 1)
