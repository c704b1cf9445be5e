"""Binary-perceptron validation experiments (validate/experiments/binary.py).

Theory wrappers are checked against independent values: the small-alpha expansion of the RS
entropy (ln 2 + alpha ln(1/2), Gardner & Derrida 1988), an independent SciPy solution of the RS
saddle-point equations, and the published Krauth-Mezard capacity 0.833 (Krauth & Mezard 1989),
which is also where the RS entropy vanishes. Simulation wrappers are checked against brute force
over {-1,+1}^N (itertools, N <= 12). Huang & Kabashima (2014) for the overlap distribution.
"""

import dataclasses
import itertools
import math

import numpy as np
import pytest
from scipy import integrate, optimize, special

from validate import Profile, run_experiment
from validate.experiments import binary as bx


# ------------------------------------------------------------------------------------------
# independent theory
# ------------------------------------------------------------------------------------------

def _gauss(f):
    """int Dz f(z) by adaptive quadrature."""
    val, _ = integrate.quad(lambda z: f(z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi),
                            -12, 12, epsabs=1e-13, epsrel=1e-12, limit=200)
    return val


def _log_h(x):
    return math.log(0.5 * special.erfc(x / math.sqrt(2)))


def _gh(x):
    """G(x)/H(x) (inverse Mills ratio), stable for large x."""
    return math.sqrt(2 / math.pi) / special.erfcx(x / math.sqrt(2))


def rs_binary_scipy(alpha, kappa=0.0):
    """Independent RS solution of the binary perceptron (Gardner & Derrida 1988).

    phi = -qhat (1-q)/2 + int Dz ln 2cosh(sqrt(qhat) z)
          + alpha int Dz ln H((kappa - sqrt(q) z)/sqrt(1-q)),
    stationary at q = int Dz tanh^2(sqrt(qhat) z),
    qhat = alpha/(1-q) int Dz GH((kappa - sqrt(q) z)/sqrt(1-q))^2.
    """
    def qhat_of(q):
        s = math.sqrt(1 - q)
        return alpha / (1 - q) * _gauss(lambda z: _gh((kappa - math.sqrt(q) * z) / s) ** 2)

    def eq(q):
        qh = qhat_of(q)
        return _gauss(lambda z: math.tanh(math.sqrt(qh) * z) ** 2) - q

    q = optimize.brentq(eq, 1e-9, 0.95, xtol=1e-13)
    qh = qhat_of(q)
    s = math.sqrt(1 - q)
    phi = (-qh * (1 - q) / 2
           + _gauss(lambda z: math.log(2 * math.cosh(math.sqrt(qh) * z)))
           + alpha * _gauss(lambda z: _log_h((kappa - math.sqrt(q) * z) / s)))
    return phi, q


@pytest.mark.parametrize("alpha", [0.005, 0.02])
def test_entropy_small_alpha_expansion(alpha):
    """phi = ln 2 + alpha ln H(0) + O(alpha^2) = ln 2 - alpha ln 2; q = 2 alpha/pi + O(alpha^2)."""
    assert bx.entropy_theory(alpha=alpha) == pytest.approx(math.log(2) * (1 - alpha),
                                                           abs=2 * alpha**2)
    assert bx.overlap_theory(alpha=alpha) == pytest.approx(2 * alpha / math.pi, abs=4 * alpha**2)


@pytest.mark.parametrize("alpha", [0.3, 0.7])
def test_rs_saddle_matches_independent_scipy(alpha):
    phi, q = rs_binary_scipy(alpha)
    assert bx.entropy_theory(alpha=alpha) == pytest.approx(phi, abs=1e-7)
    assert bx.overlap_theory(alpha=alpha) == pytest.approx(q, abs=1e-6)


def test_krauth_mezard_capacity():
    """Published 0.833 (Krauth & Mezard 1989); it is where the RS entropy vanishes."""
    a_km = bx.psat_theory(kappa=0.0)
    assert a_km == pytest.approx(0.833, abs=1e-3)
    assert bx.entropy_theory(alpha=a_km) == pytest.approx(0.0, abs=1e-6)


def test_rs_saddle_rejects_bad_alpha():
    with pytest.raises(ValueError, match="alpha=0"):
        bx.rs_saddle(0.0)


# ------------------------------------------------------------------------------------------
# simulation wrappers against brute force
# ------------------------------------------------------------------------------------------

def _all_w(N):
    return np.array(list(itertools.product((-1, 1), repeat=N)), dtype=np.float64)


def _brute_solutions(xi, kappa=0.0):
    N = xi.shape[1]
    W = _all_w(N)
    ok = np.all(W @ xi.T / math.sqrt(N) >= kappa, axis=1)
    return W[ok]


@pytest.mark.parametrize("N,alpha,seed", [(10, 0.5, 1), (11, 0.3, 2), (12, 0.7, 3)])
def test_entropy_simulate_brute_force(N, alpha, seed):
    P = int(round(alpha * N))
    xi = np.random.default_rng(seed).standard_normal((P, N))
    count = len(_brute_solutions(xi))
    assert count > 0
    import numba

    threads = numba.get_num_threads()
    value, extra = bx.entropy_simulate(N, np.random.default_rng(seed), alpha=alpha)
    assert numba.get_num_threads() == threads  # the serial section restores the thread count
    assert extra["P"] == P and extra["count"] == count
    assert extra["lncount_per_N"] == pytest.approx(math.log(count) / N, rel=1e-14)
    assert value == pytest.approx(math.log(count) / N + extra["correction"], rel=1e-14)
    assert extra["correction"] == pytest.approx(
        bx.entropy_theory(alpha=alpha) - bx.entropy_theory(alpha=P / N), abs=1e-12)


def _unsat_seed(N, alpha):
    for seed in range(200):
        xi = np.random.default_rng(seed).standard_normal((int(round(alpha * N)), N))
        if len(_brute_solutions(xi)) == 0:
            return seed
    raise AssertionError("no UNSAT instance found")


def test_unsat_instance_raises():
    N, alpha = 6, 1.5
    seed = _unsat_seed(N, alpha)
    with pytest.raises(bx.UnsatInstance, match="UNSAT: count = 0"):
        bx.entropy_simulate(N, np.random.default_rng(seed), alpha=alpha)
    with pytest.raises(bx.UnsatInstance, match="UNSAT"):
        bx.overlap_simulate(N, np.random.default_rng(seed), alpha=alpha)


def _brute_capacity(xi, kappa=0.0):
    N = xi.shape[1]
    bad = _all_w(N) @ xi.T < kappa * math.sqrt(N)
    first = np.where(bad.any(axis=1), bad.argmax(axis=1), xi.shape[0])
    return int(first.max())


@pytest.mark.parametrize("N,seed", [(8, 0), (11, 1), (12, 2)])
def test_psat_simulate_brute_force(N, seed):
    xi = np.random.default_rng(seed).standard_normal((2 * N + 10, N))
    P_c = _brute_capacity(xi)
    alpha_inst, extra = bx.psat_simulate(N, np.random.default_rng(seed), kappa=0.0)
    assert extra["P_c"] == P_c and alpha_inst == P_c / N
    # every starting point and both fallbacks (UNSAT start: bisect down; too many solutions
    # to store: move up) give the same exact answer
    for start in (1, 3, P_c, P_c + 1, 2 * N):
        assert bx.instance_capacity(xi, 0.0, start=start) == P_c
    assert bx.instance_capacity(xi, 0.0, start=1, max_solutions=5) == P_c


def test_instance_capacity_all_sat_raises():
    xi = np.random.default_rng(0).standard_normal((2, 10))
    with pytest.raises(ValueError, match="all 2 patterns SAT"):
        bx.instance_capacity(xi, 0.0)


@pytest.mark.parametrize("N,alpha,seed", [(10, 0.3, 4), (12, 0.5, 5)])
def test_overlap_simulate_brute_force(N, alpha, seed):
    P = int(round(alpha * N))
    xi = np.random.default_rng(seed).standard_normal((P, N))
    S = _brute_solutions(xi)
    M = len(S)
    assert M >= 2
    Q = S @ S.T / N
    pairs = Q[np.triu_indices(M, 1)]
    value, extra = bx.overlap_simulate(N, np.random.default_rng(seed), alpha=alpha)
    assert extra["count"] == M
    assert extra["q_pairs"] == pytest.approx(pairs.mean(), abs=1e-13)
    assert extra["q_gibbs"] == pytest.approx(Q.mean(), abs=1e-13)
    assert value == pytest.approx(pairs.mean() + extra["correction"], abs=1e-13)
    hist = np.bincount(np.rint((pairs * N + N) / 2).astype(int), minlength=N + 1)
    assert extra["hist"] == hist.tolist()


# ------------------------------------------------------------------------------------------
# end to end through the framework
# ------------------------------------------------------------------------------------------

def _tiny(exp, sizes=(9, 11), n=6):
    theory = exp.theory
    # degree 0: two tiny sizes leave one degree of freedom; plumbing, not physics
    return dataclasses.replace(exp, quick=Profile(sizes, n), theory=theory, degree=0)


def test_experiments_registered():
    from validate.experiments import spherical
    from validate.registry import make_registry

    # what registering the module next to the spherical one gives (unique names, no clashes)
    reg = make_registry(spherical.EXPERIMENTS + bx.EXPERIMENTS)
    names = {e.name for e in bx.EXPERIMENTS}
    assert {"binary-entropy-alpha0.1", "binary-entropy-alpha0.7", "binary-psat-kappa0",
            "binary-overlap-alpha0.3", "binary-overlap-alpha0.5"} <= names
    assert names <= set(reg)
    for exp in bx.EXPERIMENTS:
        assert exp.quick.sizes[-1] <= 23 and exp.full.sizes[-1] <= 29


@pytest.mark.parametrize("name", ["binary-entropy-alpha0.5", "binary-psat-kappa0",
                                  "binary-overlap-alpha0.5"])
def test_smoke_binary_experiments(name, tmp_path):
    (exp,) = [e for e in bx.EXPERIMENTS if e.name == name]
    rec = run_experiment(_tiny(exp), progress=None)
    assert len(rec.rows) == 12
    assert all(r.status == "ok" or "UNSAT" in r.error for r in rec.rows)
    assert rec.extrapolation is not None and math.isfinite(rec.z)
    assert rec.status != "error", rec.message
    assert "UNSAT" in rec.scaling_note or "P_c" in rec.scaling_note
    if name.startswith("binary-overlap"):
        path = bx.plot_overlap_histogram(rec, tmp_path / "hist.png")
        assert path.stat().st_size > 1000


def test_unsat_rows_kept_as_failed_rows():
    (exp,) = [e for e in bx.EXPERIMENTS if e.name == "binary-entropy-alpha0.7"]
    exp = dataclasses.replace(_tiny(exp, sizes=(5, 7), n=40), params={"alpha": 1.2, "kappa": 0.0})
    rec = run_experiment(exp, progress=None)
    failed = [r for r in rec.rows if r.status == "failed"]
    assert len(rec.rows) == 80 and failed
    assert all("UnsatInstance: UNSAT: count = 0" in r.error for r in failed)
    assert sum(s.n_failed for s in rec.sizes) == len(failed) == rec.n_failed
