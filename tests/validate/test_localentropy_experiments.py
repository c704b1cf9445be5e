"""Local-entropy / local-energy validation experiments (validate/experiments/localentropy.py).

The simulation wrappers are checked against brute force over {-1,+1}^N (itertools, N = 10) and
a NumPy replay of the documented random stream; the max-margin theory against the independent
one-dimensional integral e(p) = int Dz H(p max(z, kappa_max)/sqrt(1-p^2)) (Baldassi, Pittorino &
Zecchina 2020) with kappa_max from Gardner's closed form; the local entropy against its exact
value at the typical distance, S(d*) = phi_RS (the neighbours do not feel the reference).
"""

import dataclasses
import itertools
import math

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.special import comb
from scipy.stats import norm

from validate import Profile, run_experiment
from validate.experiments import localentropy as lx
from validate.report import plot_group


BINARY = {"alpha": 0.5, "kappa": 0.0}


# ------------------------------------------------------------------------------------------
# brute force twins
# ------------------------------------------------------------------------------------------

def _all_w(N):
    return np.array(list(itertools.product((-1, 1), repeat=N)), dtype=np.float64)


def _margins(W, xi):
    return (W @ xi.T).min(axis=1) / math.sqrt(xi.shape[1])


def _decode(code, N):
    return np.array([-1.0 if (code >> i) & 1 else 1.0 for i in range(N)])


def _brute_S(ref, sols, d):
    """H2(d) + (1/N) ln(count/C(N,k)) interpolated with np.interp over the integer shells."""
    N = len(ref)
    k = np.count_nonzero(sols != ref[None, :], axis=1)
    counts = np.bincount(k, minlength=N + 1).astype(float)
    shells = np.arange(N + 1)
    with np.errstate(divide="ignore"):
        lr = np.log(counts) - np.log(comb(N, shells))
    x = d * N
    h2 = -d * math.log(d) - (1 - d) * math.log(1 - d)
    if abs(x - round(x)) < 1e-9:
        return h2 + lr[int(round(x))] / N, counts
    return h2 + np.interp(x, shells, lr) / N, counts


# ------------------------------------------------------------------------------------------
# binary local entropy: simulation
# ------------------------------------------------------------------------------------------

def test_shell_entropy_interpolates_and_masks_zero_counts():
    N = 10
    counts = np.array([[1, 3, 20, 50, 0, 0, 0, 0, 0, 0, 0],
                       [1, 0, 20, 50, 0, 0, 0, 0, 0, 0, 0]])
    S, raw, shells = lx.shell_entropy(counts, 0.25)  # d N = 2.5: shells 2 and 3, half each
    assert shells == (2, 3)
    want = (0.5 * math.log(20 / comb(N, 2)) + 0.5 * math.log(50 / comb(N, 3))) / N
    h2 = -0.25 * math.log(0.25) - 0.75 * math.log(0.75)
    assert S == pytest.approx([h2 + want] * 2, abs=1e-14)
    assert raw == pytest.approx([0.5 * (math.log(20) + math.log(50)) / N] * 2, abs=1e-14)
    S, raw, shells = lx.shell_entropy(counts, 0.3)  # d N = 3 up to rounding: one shell
    assert shells == (3,) and np.all(np.isfinite(S))
    S, _, shells = lx.shell_entropy(counts, 0.15)   # shells 1 and 2: reference 1 has c(1) = 0
    assert shells == (1, 2) and math.isfinite(S[0]) and math.isnan(S[1])
    with pytest.raises(ValueError, match="d must be in"):
        lx.shell_entropy(counts, 1.0)


@pytest.mark.parametrize("kappa_ref,d,seed", [(0.0, 0.25, 1), (0.3, 0.25, 2), (0.3, 0.1, 3),
                                              (0.0, 0.3, 4), (0.2, 0.35, 5)])
def test_local_entropy_simulate_brute_force(kappa_ref, d, seed):
    N = 10
    xi = np.random.default_rng(seed).standard_normal((5, N))  # gaussian_patterns' stream
    W = _all_w(N)
    marg = _margins(W, xi)
    sols, cands = W[marg >= 0.0], W[marg >= kappa_ref]
    assert len(cands) > 0
    try:
        value, extra = lx.local_entropy_simulate(N, np.random.default_rng(seed), **BINARY,
                                                 kappa_ref=kappa_ref, d=d)
    except lx.EmptyShell as exc:  # then some candidate must have an empty needed shell
        assert f"d={d}" in str(exc)
        assert any(not np.isfinite(_brute_S(c, sols, d)[0]) for c in cands)
        return
    assert extra["P"] == 5 and extra["n_solutions"] == len(sols)
    assert extra["n_candidates"] == len(cands)
    assert extra["n_refs"] == min(lx.N_REF, len(cands)) == len(extra["ref_codes"])
    assert len(set(extra["ref_codes"])) == extra["n_refs"]  # drawn without replacement
    want = []
    for code in extra["ref_codes"]:
        ref = _decode(code, N)
        assert _margins(ref[None, :], xi)[0] >= kappa_ref  # a kappa_ref-solution
        S, _ = _brute_S(ref, sols, d)
        want.append(S)
    assert extra["S_refs"] == pytest.approx(want, abs=1e-13)
    assert value == pytest.approx(np.mean(want), abs=1e-13)


def test_no_reference_and_empty_shell_raise():
    N = 10
    with pytest.raises(lx.NoReference, match="n_candidates = 0"):
        lx.local_entropy_simulate(N, np.random.default_rng(0), **BINARY, kappa_ref=3.0, d=0.2)
    for seed in range(200):  # typical references at d = 0.1 (k = 1): isolated ones occur
        try:
            lx.local_entropy_simulate(N, np.random.default_rng(seed), **BINARY,
                                      kappa_ref=0.0, d=0.1)
        except lx.EmptyShell as exc:
            assert "count 0 at Hamming distance k in [1]" in str(exc)
            xi = np.random.default_rng(seed).standard_normal((5, N))
            W = _all_w(N)
            sols = W[_margins(W, xi) >= 0]
            assert any(_brute_S(s, sols, 0.1)[1][1] == 0 for s in sols)
            break
    else:
        pytest.fail("no instance with an isolated reference in 200 seeds")
    with pytest.raises(ValueError, match="must be a positive integer"):
        lx.local_entropy_simulate(11, np.random.default_rng(0), **BINARY, kappa_ref=0.0, d=0.2)


# ------------------------------------------------------------------------------------------
# spherical local energy: simulation
# ------------------------------------------------------------------------------------------

def _is_max_margin(xi, w, kappa, tol=1e-7):
    """KKT certificate of max_w min_mu Delta^mu: w lies in the cone of its active patterns."""
    N = xi.shape[1]
    delta = xi @ w / math.sqrt(N)
    active = delta <= kappa + tol
    lam, resid = optimize.nnls(xi[active].T, w)
    return abs(delta.min() - kappa) < tol and resid < 1e-6 * np.linalg.norm(w)


@pytest.mark.parametrize("N,p,seed", [(30, 0.8, 1), (40, 0.6, 2)])
def test_local_energy_simulate_replay(N, p, seed):
    from simulate.perceptron import max_margin_certified

    value, extra = lx.local_energy_simulate(N, np.random.default_rng(seed), alpha=1.0,
                                            kappa=0.0, p=p)
    rng = np.random.default_rng(seed)
    xi = rng.standard_normal((N, N))
    assert extra["P"] == N
    w = max_margin_certified(xi).w
    w_hat = w * math.sqrt(N) / np.linalg.norm(w)
    assert _is_max_margin(xi, w_hat, extra["kappa_max"])
    G = rng.standard_normal((lx.N_SAMPLES, N))  # the documented stream of local_energy
    V = G - np.outer(G @ w_hat / N, w_hat)
    U = V * (math.sqrt(N) / np.linalg.norm(V, axis=1))[:, None]
    Wp = p * w_hat[None, :] + math.sqrt(1 - p * p) * U
    viol = ((Wp @ xi.T) / math.sqrt(N) < 0.0).sum(axis=1)
    assert value == pytest.approx(viol.mean() / N, abs=1e-12)
    assert extra["e_err"] == pytest.approx(viol.std(ddof=1) / N / math.sqrt(len(viol)), rel=1e-9)
    assert extra["e_ref"] == 0.0


# ------------------------------------------------------------------------------------------
# theory against independent values
# ------------------------------------------------------------------------------------------

def _gardner_kappa_max(alpha):
    def inv_alpha(k):
        return (1 + k * k) * norm.cdf(k) + k * norm.pdf(k)
    return optimize.brentq(lambda k: 1 / inv_alpha(k) - alpha, 0.0, 5.0, xtol=1e-14)


@pytest.mark.parametrize("p", lx.OVERLAPS + (0.45,))
def test_local_energy_theory_max_margin_integral(p):
    k = _gardner_kappa_max(1.0)
    assert k == pytest.approx(0.4707, abs=1e-4)
    s = math.sqrt(1 - p * p)

    def f(z):
        return norm.sf(p * max(z, k) / s) * norm.pdf(z)

    want = integrate.quad(f, -12, k, epsabs=1e-13)[0] + integrate.quad(f, k, 12, epsabs=1e-13)[0]
    assert lx.local_energy_theory(alpha=1.0, kappa=0.0, p=p) == pytest.approx(want, abs=1e-7)


def test_local_entropy_theory_at_typical_distance():
    from validate.experiments.binary import rs_saddle

    phi = rs_saddle(0.5)[0]
    le = lx._local_entropy(0.5, 0.0, 0.3, lx.DISTANCES)
    d_star = (1 - le.p_typical) / 2
    assert lx.local_entropy_theory(**BINARY, kappa_ref=0.3, d=d_star) == pytest.approx(phi,
                                                                                    abs=1e-7)
    for d in lx.DISTANCES:  # S(d) <= min(phi_RS, H2(d)): a subset of the shell and of all
        S = lx.local_entropy_theory(**BINARY, kappa_ref=0.3, d=d)
        assert S <= phi + 1e-9 and S < -d * math.log(d) - (1 - d) * math.log(1 - d)


# ------------------------------------------------------------------------------------------
# registration and end to end
# ------------------------------------------------------------------------------------------

def test_experiments_registered():
    from validate.registry import default_registry

    reg = default_registry()
    groups = {}
    for e in lx.EXPERIMENTS:
        groups.setdefault(e.group, []).append(e)
        assert reg[e.name] is e
    assert sorted(groups) == ["binary-local-entropy", "spherical-local-energy"]
    le = groups["binary-local-entropy"]
    assert {(e.params["kappa_ref"], e.params["d"]) for e in le} == {
        (kr, d) for kr in (0.0, 0.3) for d in (0.1, 0.2, 0.3)}
    for e in le:  # P = N/2 exactly
        assert all(n % 2 == 0 for n in e.quick.sizes + e.full.sizes)
        assert e.observable == "S" and e.curve_param == "d"
    en = groups["spherical-local-energy"]
    assert sorted(e.params["p"] for e in en) == [0.6, 0.8, 0.9]
    assert all(e.observable == "e" and e.params["alpha"] == 1.0 for e in en)
    assert all("278301" in e.description for e in lx.EXPERIMENTS)


def test_smoke_end_to_end_with_failed_rows():
    (exp,) = [e for e in lx.EXPERIMENTS if e.name == "binary-local-entropy-kappa_ref0-d0.1"]
    exp = dataclasses.replace(exp, quick=Profile((10, 12), 12), theory=lambda **p: 0.2, degree=0)
    rec = run_experiment(exp, progress=None)
    assert len(rec.rows) == 24 and math.isfinite(rec.z)
    failed = [r for r in rec.rows if r.status == "failed"]
    assert failed and all("EmptyShell: empty shell" in r.error for r in failed)
    assert rec.n_failed == len(failed)
    # no reference at all: every row failed and kept, no comparison possible
    bad = dataclasses.replace(exp, name="no-ref", params={**exp.params, "kappa_ref": 3.0})
    rec = run_experiment(bad, progress=None)
    assert rec.status == "error" and len(rec.rows) == 24
    assert all("NoReference: no reference" in r.error for r in rec.rows)


def test_smoke_spherical(tmp_path):
    exps = [dataclasses.replace(e, quick=Profile((20, 40), 4), theory=lambda **p: 0.2, degree=0)
            for e in lx.EXPERIMENTS if e.group == "spherical-local-energy"]
    recs = [run_experiment(e, progress=None) for e in exps]
    assert all(r.extrapolation is not None and r.n_failed == 0 for r in recs)
    assert recs[0].sizes[0].mean > recs[-1].sizes[0].mean  # e decreases as p -> 1
    curve = ([0.5, 0.9], [0.3, 0.1], "p", {"label": "main", "series": [
        {"x": [0.6], "y": [0.2], "yerr": [0.01], "fmt": "D", "label": "pts"},
        {"x": [0.5, 0.9], "y": [0.35, 0.2], "fmt": "--", "color": "C6", "label": "other"}]})
    path = plot_group(recs, tmp_path / "g.png", param="p", curve=curve)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
