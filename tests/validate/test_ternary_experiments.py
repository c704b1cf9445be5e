"""Ternary-perceptron validation experiments (validate/experiments/ternary.py).

The theory wrapper is checked against an independent SciPy solution of the RS equations of the
perceptron with a discrete prior and a free norm (order parameters Q = |w|^2/N and q, with
conjugates Qhat and qhat), and against the small-alpha expansion ln 3 - alpha ln 2 (the annealed
entropy: every w != 0 satisfies a Gaussian pattern with probability 1/2). Those tests are skipped
while ``replica.priors`` has no ``discrete`` (the API is being written); the independent solver
is tested on its own. The simulation wrapper is checked against brute force over {-1,0,1}^N.
"""

import dataclasses
import itertools
import math

import numpy as np
import pytest
from scipy import integrate, optimize, special

from validate import Profile, run_experiment
from validate.experiments import ternary as tx


LN3 = math.log(3.0)


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


def rs_discrete_scipy(alpha, kappa=0.0, values=(-1.0, 0.0, 1.0), weights=(1.0, 1.0, 1.0)):
    """Independent RS solution for weights in a finite alphabet, free norm (Gardner 1988).

    phi = Qhat Q/2 + qhat q/2 + int Dz ln sum_v c_v exp(-(Qhat + qhat) v^2/2 + sqrt(qhat) z v)
          + alpha int Dz ln H((kappa - sqrt(q) z)/sqrt(Q - q)),
    stationary at Q = E_z <v^2>, q = E_z <v>^2 (the tilted single-site measure) and
    Qhat = -2 alpha dG_E/dQ, qhat = -2 alpha dG_E/dq, with x = (kappa - sqrt(q) z)/sqrt(Q - q):
    dG_E/dQ = E[GH(x) x]/(2(Q-q)), dG_E/dq = E[GH(x) z]/(2 sqrt(q (Q-q))) - E[GH(x) x]/(2(Q-q)).
    Returns (phi, Q, q).
    """
    v = np.asarray(values, dtype=float)
    lc = np.log(np.asarray(weights, dtype=float))

    def prior(Qh, qh):
        def single(z):
            lw = lc - (Qh + qh) * v * v / 2 + math.sqrt(qh) * z * v
            top = lw.max()
            p = np.exp(lw - top)
            s = p.sum()
            p /= s
            return top + math.log(s), p @ v, p @ (v * v)
        return (_gauss(lambda z: single(z)[2]), _gauss(lambda z: single(z)[1] ** 2),
                _gauss(lambda z: single(z)[0]))

    def channel(Q, q):
        s = math.sqrt(Q - q)

        def x(z):
            return (kappa - math.sqrt(q) * z) / s
        gx = _gauss(lambda z: _gh(x(z)) * x(z))
        gz = _gauss(lambda z: _gh(x(z)) * z)
        dQ = gx / (2 * (Q - q))
        dq = gz / (2 * math.sqrt(q) * s) - gx / (2 * (Q - q))
        return -2 * alpha * dQ, -2 * alpha * dq, _gauss(lambda z: _log_h(x(z)))

    def residual(p):
        Q, q = p
        Q2, q2, _ = prior(*channel(Q, q)[:2])
        return [Q2 - Q, q2 - q]

    Q0 = float(np.dot(weights, v * v) / np.sum(weights))
    sol = optimize.root(residual, [Q0, 0.4 * alpha * Q0], method="hybr", tol=1e-12)
    assert sol.success, sol.message
    Q, q = sol.x
    Qh, qh, g_e = channel(Q, q)
    phi = Qh * Q / 2 + qh * q / 2 + prior(Qh, qh)[2] + alpha * g_e
    return phi, Q, q


def test_independent_rs_small_alpha():
    """The SciPy twin itself: phi = ln 3 - alpha ln 2 + O(alpha^2) below the annealed bound,
    Q -> 2/3 (the prior's mean of v^2) and q -> 0 as alpha -> 0."""
    alpha = 0.01
    phi, Q, q = rs_discrete_scipy(alpha)
    annealed = LN3 - alpha * math.log(2)
    assert annealed - 0.5 * alpha**2 < phi < annealed
    assert Q == pytest.approx(2 / 3, abs=1e-6) and 0 < q < 2 * alpha


@pytest.mark.parametrize("alpha", [0.005, 0.02])
def test_entropy_small_alpha_expansion(alpha):
    phi = float(tx.entropy_theory(alpha=alpha))
    assert phi == pytest.approx(LN3 - alpha * math.log(2), abs=0.5 * alpha**2)
    assert phi < LN3 - alpha * math.log(2)


@pytest.mark.parametrize("alpha", tx.ENTROPY_ALPHAS)
def test_entropy_matches_independent_scipy(alpha):
    phi, _, _ = rs_discrete_scipy(alpha)
    assert float(tx.entropy_theory(alpha=alpha)) == pytest.approx(phi, abs=1e-7)


# ------------------------------------------------------------------------------------------
# simulation wrappers against brute force
# ------------------------------------------------------------------------------------------

def _brute(xi, kappa=0.0):
    N = xi.shape[1]
    W = np.array(list(itertools.product((-1, 0, 1), repeat=N)), dtype=np.float64)
    S = W[np.all(W @ xi.T / math.sqrt(N) >= kappa, axis=1)]
    return len(S), float(np.mean((S**2).sum(axis=1))) / N if len(S) else None


@pytest.mark.parametrize("N,alpha,seed", [(8, 0.4, 1), (9, 0.2, 2), (9, 1.5, 3)])
def test_entropy_instance_brute_force(N, alpha, seed):
    P = int(round(alpha * N))
    xi = np.random.default_rng(seed).standard_normal((P, N))
    count, mean_norm = _brute(xi)
    assert count >= 1  # w = 0
    extra = tx.entropy_instance(N, np.random.default_rng(seed), alpha=alpha)
    assert extra["P"] == P and extra["count"] == count
    assert extra["lncount_per_N"] == pytest.approx(math.log(count) / N, rel=1e-13, abs=1e-15)
    assert extra["mean_norm"] == pytest.approx(mean_norm, rel=1e-12, abs=1e-15)


def test_unsat_instance_raises():
    for seed in range(200):  # at kappa > 0, w = 0 is no solution
        xi = np.random.default_rng(seed).standard_normal((9, 5))
        if _brute(xi, 0.5)[0] == 0:
            break
    else:
        raise AssertionError("no UNSAT instance found")
    with pytest.raises(tx.UnsatInstance, match="UNSAT: count = 0"):
        tx.entropy_instance(5, np.random.default_rng(seed), alpha=1.8, kappa=0.5)


def test_entropy_simulate_shift():
    value, extra = tx.entropy_simulate(11, np.random.default_rng(4), alpha=0.4)
    assert extra["P"] == 4
    assert extra["correction"] == pytest.approx(
        tx.entropy_theory(alpha=0.4) - tx.entropy_theory(alpha=4 / 11), abs=1e-12)
    assert value == pytest.approx(extra["lncount_per_N"] + extra["correction"], rel=1e-14)


# ------------------------------------------------------------------------------------------
# registration and end to end
# ------------------------------------------------------------------------------------------

def test_experiments_registered():
    from validate.registry import default_registry

    reg = default_registry()
    assert {e.name for e in tx.EXPERIMENTS} == {"ternary-entropy-alpha0.2",
                                                "ternary-entropy-alpha0.4"}
    for e in tx.EXPERIMENTS:
        assert reg[e.name] is e and e.group == "ternary-entropy"
        assert e.params == {"alpha": e.params["alpha"], "kappa": 0.0}
        assert e.quick.sizes[-1] <= 16 and e.full.sizes[-1] <= 19
        assert all(round(e.params["alpha"] * n) >= 2 for n in e.quick.sizes + e.full.sizes)


def test_smoke_through_the_framework():
    """Tiny profile end to end (the wiring is what is tested here)."""
    exp = tx.EXPERIMENTS[1]
    rec = run_experiment(dataclasses.replace(exp, quick=Profile((8, 10), 6), degree=0),
                         progress=None)
    assert len(rec.rows) == 12 and all(r.status == "ok" for r in rec.rows)
    assert all(r.extra["count"] >= 1 and 0 < r.extra["mean_norm"] <= 1 for r in rec.rows)
    assert rec.extrapolation is not None and math.isfinite(rec.z)
    assert rec.status != "error", rec.message
