"""Bit-for-bit reproducibility of the hit-and-run pipeline (issue #15).

The chains are chaotic: one ulp of difference in a stability becomes a different sample within a
few sweeps. Before the fix, the same seeds gave different samples on machines whose OpenBLAS
picked another kernel (BLAS dot products inside the chains), and on CPUs without FMA (glibc's
libm variants of sin/cos/atan2). The subprocess tests run the pipeline in fresh processes with
1 and 2 Numba/OpenBLAS threads and, on x86-64 Linux, as another machine would (OpenBLAS's
Nehalem kernels, glibc's non-FMA libm), and compare SHA-256 digests of every output.
``benchmarks/check_reproducibility.py`` does the same for the validation experiments.
"""
from __future__ import annotations

import math
import os
import pathlib
import platform
import subprocess
import sys

import numpy as np
import pytest

from simulate import _fixedorder as fo
from simulate import sampler
from simulate.hinge import find_solution
from simulate.sampler import hit_and_run

ROOT = pathlib.Path(__file__).resolve().parents[2]

CHILD = r"""
import hashlib
import numpy as np
from simulate.hinge import find_solution
from simulate.paths import barycenter_energy, geodesic_energy
from simulate.patterns import gaussian_patterns
from simulate.sampler import hit_and_run

h = hashlib.sha256()
def add(*arrays):
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())

rng = np.random.default_rng(20240615)
N, P, kappa = 40, 40, -0.5
xi = gaussian_patterns(P, N, rng=rng)
start = find_solution(xi, kappa, rng=rng)
add(start.w, [start.margin, start.epochs])
res = hit_and_run(xi, kappa, n_chains=3, n_sweeps=24, rng=rng, w0=start.w, record_every=3)
add(res.w, res.trace_q, res.trace_pair_q, res.trace_margin, res.tau_int,
    [res.r_hat, res.mean_arcs])
add(geodesic_energy(xi, res.w[0], res.w[1], np.linspace(0, 1, 11), kappa),
    [barycenter_energy(xi, res.w, kappa)])
print("DIGEST", h.hexdigest())
"""

_CLEARED = ("NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
            "OPENBLAS_CORETYPE", "GLIBC_TUNABLES", "NUMBA_CPU_NAME",
            "NPY_DISABLE_CPU_FEATURES")


def _digest(**env_extra) -> str:
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(env_extra)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in
                                                       [os.environ.get("PYTHONPATH")] if p])
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return [line for line in out.stdout.splitlines() if line.startswith("DIGEST ")][-1]


def _other_machine() -> dict:
    """Environment that makes this machine compute like an older x86-64 one (Linux only)."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return {}
    return {"OPENBLAS_CORETYPE": "Nehalem", "GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA"}


def test_pipeline_is_bitwise_identical_across_threads_and_machines():
    """~3-4 s per fresh process once the kernels are in the Numba cache."""
    one = _digest(NUMBA_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    two = _digest(NUMBA_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2")
    assert one == two
    other = _other_machine()
    if other:
        assert _digest(NUMBA_NUM_THREADS="2", OPENBLAS_NUM_THREADS="1", **other) == one


# ------------------------------------------------------------------ in-process properties


def _instance(seed=3, N=30, P=30, kappa=-0.5):
    rng = np.random.default_rng(seed)
    xi = rng.standard_normal((P, N))
    return xi, find_solution(xi, kappa, rng=rng).w, kappa


def test_chain_does_not_depend_on_the_other_chains():
    """Chain c runs on its own generator (SeedSequence spawn): chain 0 of a 1-chain run and
    of a 3-chain run from the same generator state are the same bit for bit."""
    xi, w0, kappa = _instance()
    one = hit_and_run(xi, kappa, n_chains=1, n_sweeps=6, rng=np.random.default_rng(9), w0=w0)
    three = hit_and_run(xi, kappa, n_chains=3, n_sweeps=6, rng=np.random.default_rng(9), w0=w0)
    np.testing.assert_array_equal(one.w[0], three.w[0])
    np.testing.assert_array_equal(one.trace_q[0], three.trace_q[0])
    assert not np.array_equal(three.w[0], three.w[1])


def test_result_depends_on_the_rng_only_through_its_stream():
    """Restoring the bit generator's state replays the run (the seed sequence's spawn counter
    plays no role)."""
    xi, w0, kappa = _instance()
    rng = np.random.default_rng(11)
    state = rng.bit_generator.state
    a = hit_and_run(xi, kappa, n_chains=2, n_sweeps=4, rng=rng, w0=w0)
    rng.bit_generator.state = state
    b = hit_and_run(xi, kappa, n_chains=2, n_sweeps=4, rng=rng, w0=w0)
    np.testing.assert_array_equal(a.w, b.w)


def test_snapshot_blocks_do_not_change_the_run(monkeypatch):
    """Pair overlaps are computed over blocks of records bounded in memory; blocks of one
    record and of all records give the same bits, with a tail of sweeps after the last
    record."""
    xi, w0, kappa = _instance()
    kw = dict(n_chains=3, n_sweeps=11, record_every=2, w0=w0)
    full = hit_and_run(xi, kappa, rng=np.random.default_rng(5), **kw)
    monkeypatch.setattr(sampler, "_SNAPSHOT_BYTES", 1)
    small = hit_and_run(xi, kappa, rng=np.random.default_rng(5), **kw)
    for field in ("w", "trace_q", "trace_pair_q", "trace_margin", "tau_int"):
        np.testing.assert_array_equal(getattr(full, field), getattr(small, field))
    assert full.mean_arcs == small.mean_arcs
    assert full.trace_pair_q.shape == (5,)
    exact = hit_and_run(xi, kappa, rng=np.random.default_rng(5), **{**kw, "n_sweeps": 10})
    W = np.asarray(exact.w)
    q = [W[a] @ W[b] / W.shape[1] for a, b in ((0, 1), (0, 2), (1, 2))]
    assert exact.trace_pair_q[-1] == pytest.approx(np.mean(q), abs=1e-12)


def test_fixed_order_reductions():
    """dot: 4 interleaved partial sums; matvec_t: each sum in increasing index (any length,
    including tails shorter than the unrolling)."""
    rng = np.random.default_rng(1)
    for n in (1, 3, 4, 7, 8, 9, 17, 64):
        x, y = rng.standard_normal(n), rng.standard_normal(n)
        s = [0.0, 0.0, 0.0, 0.0]
        m = n - n % 4
        for i in range(m):
            s[i % 4] += x[i] * y[i]
        for i in range(m, n):
            s[0] += x[i] * y[i]
        assert fo.dot(x, y) == (s[0] + s[1]) + (s[2] + s[3])
        XT = rng.standard_normal((n, 5))
        out = np.empty(5)
        fo.matvec_t(XT, x, out)
        for mu in range(5):
            acc = 0.0
            for i in range(n):
                acc += XT[i, mu] * x[i]
            assert out[mu] == acc
    assert fo.norm(np.array([3.0, 4.0])) == 5.0


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_portable_sin_cos_within_one_ulp(name):
    x = np.concatenate([np.random.default_rng(2).uniform(0.0, 2.0 * math.pi, 20000),
                        np.arange(9) * (math.pi / 4), [0.0, 1e-300, 1e-9, -1.0, -7.5, 30.0]])
    f, ref = getattr(fo, name), getattr(math, name)
    a = np.array([f(v) for v in x])
    b = np.array([ref(v) for v in x])
    assert np.all(np.abs(a - b) <= np.spacing(np.maximum(np.abs(a), np.abs(b))))


def test_portable_atan2_within_one_ulp():
    rng = np.random.default_rng(3)
    y = np.concatenate([rng.standard_normal(20000), [0.0, -0.0, 0.0, -0.0, 1.0, -1.0, 1e-300,
                                                     1e300, 2.0]])
    x = np.concatenate([rng.standard_normal(20000) * rng.choice([1e-3, 1.0, 1e3], 20000),
                        [1.0, 1.0, -1.0, -1.0, 0.0, 0.0, -1.0, 1e-300, 1.0]])
    a = np.array([fo.atan2(p, q) for p, q in zip(y, x)])
    b = np.array([math.atan2(p, q) for p, q in zip(y, x)])
    assert np.all(np.abs(a - b) <= np.spacing(np.maximum(np.abs(a), np.abs(b))))
    assert all(math.copysign(1.0, u) == math.copysign(1.0, v) for u, v in zip(a, b))
