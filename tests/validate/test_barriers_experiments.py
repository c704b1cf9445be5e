"""Energy-barrier validation experiments (validate/experiments/barriers.py).

The theory wrappers are checked against the replica calls they wrap and against independent
SciPy values: Gardner's equation for the overlap of two typical solutions, a direct quadrature
of the geodesic midpoint energy e(1/2) = P[Delta_1 + Delta_2 < kappa sqrt(2 (1 + q))], a Monte
Carlo of the binary stability law on the Hamming path.  The simulation wrappers are replayed
through the public ``simulate`` calls they document (vertices: hinge start + hit-and-run) and
checked with NumPy twins; ``lmc_simulate`` against brute force over {-1,+1}^10 (itertools) and
a replay of its random stream.
"""

import dataclasses
import itertools
import math

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.special import log_ndtr
from scipy.stats import norm, truncnorm

import replica
from replica import models
from validate import Profile, run_experiment
from validate.experiments import barriers as bx
from validate.report import plot_group

SPH = {"alpha": 1.0, "kappa": -0.5}
BIN = {"alpha": 0.5, "kappa": 0.0}


def _logH(x):
    return log_ndtr(-x)


# ------------------------------------------------------------------------------------------
# theory wrappers
# ------------------------------------------------------------------------------------------

def _gardner_q(alpha, kappa):
    """Root of q/(1-q)^2 = alpha E_z[g^2], g = GH(u)/sqrt(1-q), u = (kappa - sqrt(q) z)/sqrt(1-q)
    (Gauss-Hermite, 120 nodes; independent of the engine)."""
    z, wz = np.polynomial.hermite_e.hermegauss(120)
    wz = wz / wz.sum()

    def f(q):
        u = (kappa - math.sqrt(q) * z) / math.sqrt(1 - q)
        g = np.exp(norm.logpdf(u) - _logH(u)) / math.sqrt(1 - q)
        return q / (1 - q) ** 2 - alpha * wz @ g**2

    return optimize.brentq(f, 1e-6, 1 - 1e-6, xtol=1e-14)


def test_vertex_overlap_theory():
    q = replica.solve(models.perceptron(weights="spherical", kappa=-0.5), alpha=1.0)
    q = q.order_params["q"]
    assert bx.vertex_overlap_theory(**SPH, kappa_2=-0.5) == q
    assert q == pytest.approx(_gardner_q(1.0, -0.5), abs=1e-9)
    v = replica.vertices(models.perceptron(weights="spherical", kappa=-0.5), alpha=1.0,
                         kappas=(-0.5, 0.0))
    q0 = bx.vertex_overlap_theory(**SPH, kappa_2=0.0)
    assert q0 == v.overlaps[0, 1]
    q2 = _gardner_q(1.0, 0.0)
    assert q < q0 < math.sqrt(q * q2)  # a margin-0 solution is closer to typical ones


def _midpoint_energy(alpha, kappa):
    """e(1/2) between two typical solutions by SciPy quad: h ~ N(0, q) is the common cavity
    field, Delta_a = h + sqrt(1-q) x_a with x_a i.i.d. N(0,1) truncated to x_a >= a(h)."""
    q = _gardner_q(alpha, kappa)
    s = math.sqrt(1 - q)
    thr = kappa * math.sqrt(2 * (1 + q))

    def given_h(h):
        a = (kappa - h) / s
        c = (thr - 2 * h) / s  # x_1 + x_2 < c
        if c <= 2 * a:
            return 0.0
        lha = _logH(a)

        def inner(x1):  # phi(x1)/H(a) * P(a <= x_2 < c - x_1)/H(a)
            return math.exp(norm.logpdf(x1) - lha) * (1 - math.exp(_logH(c - x1) - lha))

        return integrate.quad(inner, a, c - a, epsabs=1e-13, epsrel=1e-11)[0]

    f = lambda h: norm.pdf(h / math.sqrt(q)) / math.sqrt(q) * given_h(h)  # noqa: E731
    sq = math.sqrt(q)
    return integrate.quad(f, -10 * sq, 10 * sq, epsabs=1e-13, epsrel=1e-10, limit=200)[0]


def test_path_energy_theory():
    m = models.perceptron(weights="spherical", kappa=-0.5)
    t = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    want = replica.path_energy(m, alpha=1.0, kappas=(-0.5, -0.5), t=t).energy
    got = np.array([bx.path_energy_theory(**SPH, t=ti) for ti in t])
    # one t at a time vs the vector call: same quadrature, last bits may differ
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-16)
    assert got[0] == 0.0 and got[-1] == 0.0
    assert got[1] == pytest.approx(got[3], abs=1e-14)  # t <-> 1 - t
    assert 0 < got[1] < got[2] < 0.05  # a small but nonzero barrier
    assert got[2] == pytest.approx(_midpoint_energy(1.0, -0.5), abs=1e-8)


def test_barycenter_theory():
    m = models.perceptron(weights="spherical", kappa=-0.5)
    assert bx.barycenter_theory(**SPH, y=1) == 0.0
    e3 = bx.barycenter_theory(**SPH, y=3)
    assert e3 == replica.simplex_energy(m, alpha=1.0, kappas=(-0.5,) * 3,
                                        gamma=[1, 1, 1]).energy[0]
    assert 0 < e3 < 0.05
    # y = 2: the barycenter is the geodesic midpoint
    assert bx.barycenter_theory(**SPH, y=2) == pytest.approx(
        bx.path_energy_theory(**SPH, t=0.5), abs=1e-14)


def test_lmc_theory():
    m = models.perceptron(weights="binary", kappa=0.0)
    t = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    want = replica.path_energy(m, alpha=0.5, kappas=(0.0, 0.0), t=t, path="hamming").energy
    got = np.array([bx.lmc_theory(**BIN, t=ti) for ti in t])
    np.testing.assert_array_equal(got, want)
    assert got[0] == 0.0 and got[-1] == 0.0
    assert got[1] == pytest.approx(got[3], abs=1e-14)  # t <-> 1 - t
    assert 0.05 < got[1] < got[2] < 0.5  # isolated binary solutions: a large barrier
    # Monte Carlo of the stability law at t = 1/2: h ~ N(0, q), Delta_a = h + sqrt(1-q) x_a,
    # x_a truncated normals, Delta(1/2) = (Delta_1 + Delta_2)/2 + sqrt((1-q)/2) eta
    q = replica.solve(m, alpha=0.5).order_params["q"]
    rng = np.random.default_rng(20230517)
    n = 400_000
    h = math.sqrt(q) * rng.standard_normal(n)
    a = -h / math.sqrt(1 - q)
    x = truncnorm.rvs(a[:, None], np.inf, size=(n, 2), random_state=rng)
    delta = h + math.sqrt(1 - q) * x.mean(axis=1) + math.sqrt((1 - q) / 2) * rng.standard_normal(n)
    hits = (delta < 0.0).astype(float)
    assert abs(got[2] - hits.mean()) < 4 * hits.std() / math.sqrt(n)


# ------------------------------------------------------------------------------------------
# spherical simulation wrappers: replay through the documented public calls
# ------------------------------------------------------------------------------------------

def _replay_vertices(N, seed, kappa, kappas):
    from simulate import find_solution, gaussian_patterns, hit_and_run

    rng = np.random.default_rng(seed)
    xi = gaussian_patterns(N, N, rng=rng)  # alpha = 1
    W = []
    for k in kappas:
        start = find_solution(xi, k, rng=rng)
        assert start.converged
        res = hit_and_run(xi, k, n_chains=1, n_sweeps=100, rng=rng, w0=start.w)
        W.append(res.w[0])
    W = np.array(W)
    for w, k in zip(W, kappas):  # each vertex is a solution of its own margin, on the sphere
        assert np.dot(w, w) == pytest.approx(N, rel=1e-12)
        assert (xi @ w / math.sqrt(N)).min() >= k - 1e-12
    return xi, W


def _check_extra(extra, n_vertices):
    assert extra["n_sweeps"] == 100  # max(100, N)
    assert len(extra["tau_int"]) == n_vertices
    assert all(0 < tau < 50 for tau in extra["tau_int"])  # chains of >= 2 tau


@pytest.mark.parametrize("kappa_2,seed", [(-0.5, 1), (0.0, 2)])
def test_vertex_overlap_simulate(kappa_2, seed):
    N = 20
    value, extra = bx.vertex_overlap_simulate(N, np.random.default_rng(seed), **SPH,
                                              kappa_2=kappa_2)
    _check_extra(extra, 2)
    _, W = _replay_vertices(N, seed, -0.5, (-0.5, kappa_2))
    assert value == math.fsum(W[0] * W[1]) / N  # correctly rounded: no BLAS
    assert -1 < value < 1
    again = bx.vertex_overlap_simulate(N, np.random.default_rng(seed), **SPH, kappa_2=kappa_2)
    assert again == (value, extra)  # bit for bit


def _slerp_energy(xi, w1, w2, t, kappa):
    """NumPy twin: the normalised slerp point, violated constraints / P."""
    N = xi.shape[1]
    u1, u2 = w1 / np.linalg.norm(w1), w2 / np.linalg.norm(w2)
    th = math.acos(np.clip(u1 @ u2, -1, 1))
    w = math.sqrt(N) * (math.sin((1 - t) * th) * u1 + math.sin(t * th) * u2) / math.sin(th)
    return float(np.mean(xi @ w / math.sqrt(N) < kappa))


@pytest.mark.parametrize("t,seed", [(0.5, 3), (0.25, 4)])
def test_path_energy_simulate(t, seed):
    N = 20
    value, extra = bx.path_energy_simulate(N, np.random.default_rng(seed), **SPH, t=t)
    _check_extra(extra, 2)
    xi, W = _replay_vertices(N, seed, -0.5, (-0.5, -0.5))
    assert extra["q12"] == math.fsum(W[0] * W[1]) / N
    assert value == pytest.approx(_slerp_energy(xi, W[0], W[1], t, -0.5), abs=1e-12)
    assert 0 <= value <= 1 and (value * N) == pytest.approx(round(value * N), abs=1e-9)
    assert bx.path_energy_simulate(N, np.random.default_rng(seed), **SPH, t=t) == (value, extra)


def test_barycenter_simulate():
    N, seed = 20, 5
    value, extra = bx.barycenter_simulate(N, np.random.default_rng(seed), **SPH, y=3)
    _check_extra(extra, 3)
    xi, W = _replay_vertices(N, seed, -0.5, (-0.5,) * 3)
    c = W.sum(axis=0)
    c *= math.sqrt(N) / np.linalg.norm(c)
    assert value == pytest.approx(np.mean(xi @ c / math.sqrt(N) < -0.5), abs=1e-12)
    assert bx.barycenter_simulate(N, np.random.default_rng(seed), **SPH, y=3) == (value, extra)


def test_spherical_no_solution_and_bad_size():
    with pytest.raises(bx.NoSolution, match="no margin-5"):  # kappa_2 = 5 > kappa_max(1)
        bx.vertex_overlap_simulate(20, np.random.default_rng(0), **SPH, kappa_2=5.0)
    with pytest.raises(ValueError, match="must be a positive integer"):
        bx.path_energy_simulate(21, np.random.default_rng(0), alpha=0.5, kappa=-0.5, t=0.5)


# ------------------------------------------------------------------------------------------
# binary LMC: brute force over {-1,+1}^10 and a replay of the random stream
# ------------------------------------------------------------------------------------------

def _all_w(N):
    return np.array(list(itertools.product((-1.0, 1.0), repeat=N)))


def _brute_solutions(xi, kappa):
    """All solutions, sorted by the bit code of enumerate_solutions (bit i set iff w_i = -1)."""
    N = xi.shape[1]
    W = _all_w(N)
    sols = W[(W @ xi.T / math.sqrt(N)).min(axis=1) >= kappa]
    codes = ((sols < 0) * (1 << np.arange(N))).sum(axis=1)
    return sols[np.argsort(codes)]


def _brute_lmc(N, seed, t, kappa=0.0):
    """NumPy replay of lmc_simulate: patterns, two uniform draws, N_ORDERS permutations of
    the disagreeing coordinates (rng.permuted, one row per order), round(t D) switched."""
    rng = np.random.default_rng(seed)
    xi = rng.standard_normal((N // 2, N))
    sols = _brute_solutions(xi, kappa)
    i, j = rng.integers(len(sols), size=2)
    w1, w2 = sols[i], sols[j]
    diff = np.flatnonzero(w1 != w2)
    D = diff.size
    orders = rng.permuted(np.broadcast_to(diff, (bx.N_ORDERS, D)), axis=1)
    k = int(np.rint(t * D))
    e = []
    for o in orders:
        w = w1.copy()
        w[o[:k]] = w2[o[:k]]
        e.append(np.mean(xi @ w / math.sqrt(N) < kappa))
    return float(np.mean(e)), len(sols), D


@pytest.mark.parametrize("t", [0.25, 0.5, 0.75])
def test_lmc_simulate_brute_force(t):
    N, n_seen = 10, 0
    for seed in range(12):
        try:
            value, extra = bx.lmc_simulate(N, np.random.default_rng(seed), **BIN, t=t)
        except bx.NoSolution:  # then brute force finds none either
            xi = np.random.default_rng(seed).standard_normal((N // 2, N))
            assert len(_brute_solutions(xi, 0.0)) == 0
            continue
        want, n_sol, D = _brute_lmc(N, seed, t)
        assert extra == {"n_solutions": n_sol, "distance": D}
        assert value == pytest.approx(want, abs=1e-12)
        assert 0 <= value <= 1
        assert bx.lmc_simulate(N, np.random.default_rng(seed), **BIN, t=t) == (value, extra)
        n_seen += D > 0
    assert n_seen >= 6  # most seeds draw two distinct solutions


def test_lmc_no_solution_and_bad_size():
    with pytest.raises(bx.NoSolution, match="no solution"):
        bx.lmc_simulate(10, np.random.default_rng(0), alpha=0.5, kappa=3.0, t=0.5)
    with pytest.raises(ValueError, match="must be a positive integer"):
        bx.lmc_simulate(11, np.random.default_rng(0), **BIN, t=0.5)


# ------------------------------------------------------------------------------------------
# registration and end to end
# ------------------------------------------------------------------------------------------

def test_experiments_registered():
    from validate.registry import default_registry

    reg = default_registry()
    groups = {}
    for e in bx.EXPERIMENTS:
        assert reg[e.name] is e
        groups.setdefault(e.group, []).append(e)
        alpha = e.params["alpha"]
        for n in e.quick.sizes + e.full.sizes:  # P = alpha N is an integer
            assert abs(alpha * n - round(alpha * n)) < 1e-12
    assert sorted(groups) == ["binary-lmc", "spherical-barycenter", "spherical-geodesic",
                              "spherical-vertices"]
    assert sorted(e.params["t"] for e in groups["binary-lmc"]) == [0.25, 0.5]
    assert sorted(e.params["kappa_2"] for e in groups["spherical-vertices"]) == [-0.5, 0.0]
    assert all("227301" in e.description or "2309.09240" in e.description
               for e in bx.EXPERIMENTS)


def test_smoke_binary_lmc(tmp_path):
    exps = [dataclasses.replace(e, quick=Profile((10, 12), 10), degree=0)
            for e in bx.EXPERIMENTS if e.group == "binary-lmc"]
    recs = [run_experiment(e, progress=None) for e in exps]
    for rec, e in zip(recs, exps):
        # plumbing only (two tiny sizes): the physics verdict is the validate run's
        assert rec.status != "error", rec.message
        assert len(rec.rows) == 20 and rec.extrapolation is not None and math.isfinite(rec.z)
        assert rec.theory == bx.lmc_theory(**e.params)
        ok = [r for r in rec.rows if r.status == "ok"]
        assert len(ok) >= 16 and all(0 <= r.value <= 1 for r in ok)
        assert all(r.status == "ok" or "NoSolution" in r.error for r in rec.rows)
    path = plot_group(recs, tmp_path / "binary-lmc.png", param="t", curve=exps[0].curve())
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
