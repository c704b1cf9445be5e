"""Are the barrier experiments' simulations reproducible bit for bit across thread counts,
BLAS kernels and processes?

Run: ``python benchmarks/check_reproducibility.py [--sizes 50 100] [--index 0]``.

Each configuration runs one instance of each barrier experiment's ``simulate`` (same
``validate.experiment.instance_seed`` seeds as the suite) in a fresh process, with the
environment of the configuration: NUMBA_NUM_THREADS, OPENBLAS_NUM_THREADS, and, to play
another machine on this one, OPENBLAS_CORETYPE (OpenBLAS's kernel for another CPU family),
NUMBA_CPU_NAME (Numba's code for it), NPY_DISABLE_CPU_FEATURES (NumPy's SIMD loops) and
GLIBC_TUNABLES (glibc's libm variants). It prints a SHA-256 of every output (value, extra
fields such as tau_int, the sampled vertices) and whether all configurations agree with the
first. Exit status 0 iff they all do.

Before the fix of issue #15 the thread counts changed nothing but every OpenBLAS core type
gave different samples (BLAS dot products inside the chains, amplified by the chaotic
dynamics), and the no-FMA machine differed through libm's sin/cos/atan2 as well.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

EXPERIMENTS = ("spherical-vertices-typical", "spherical-vertices-margin0",
               "spherical-geodesic-t0.25", "spherical-geodesic-t0.5", "spherical-barycenter-y3")

CONFIGS = {
    "numba1-blas1": {"NUMBA_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    "numba2-blas1": {"NUMBA_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "1"},
    "numba1-blas2": {"NUMBA_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "2"},
    "numba2-blas2": {"NUMBA_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"},
    "numba2-blas1-rerun": {"NUMBA_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "1"},
    "coretype-Haswell": {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "1"},
    "coretype-SkylakeX": {"OPENBLAS_CORETYPE": "SkylakeX", "OPENBLAS_NUM_THREADS": "1"},
    "coretype-Sandybridge": {"OPENBLAS_CORETYPE": "Sandybridge", "OPENBLAS_NUM_THREADS": "1"},
    "coretype-Nehalem": {"OPENBLAS_CORETYPE": "Nehalem", "OPENBLAS_NUM_THREADS": "1"},
    # an AVX2 + FMA machine (Haswell .. Zen) seen from an AVX-512 one: BLAS kernel, Numba's
    # code generation, NumPy's SIMD dispatch and glibc's libm variants all for that CPU
    "emulated-haswell": {"OPENBLAS_CORETYPE": "Haswell", "NUMBA_CPU_NAME": "haswell",
                         "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
                         "GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX512F"},
    # a CPU without AVX2/FMA (x86 before 2013, or a VM that hides them): glibc's libm then
    # takes its non-FMA sin/cos/atan2/exp/log (different last bits for ~1e-3 of arguments),
    # NumPy its SSE4 loops (another summation order in mean/var/FFT)
    "emulated-no-fma": {"OPENBLAS_CORETYPE": "Sandybridge", "NUMBA_CPU_NAME": "sandybridge",
                        "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
                        "GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA,-AVX512F"},
}

CHILD = r"""
import hashlib, json, sys
import numpy as np
sys.path.append({root!r})  # an installed or PYTHONPATH copy wins
from validate.experiment import instance_seed
from validate.experiments.barriers import EXPERIMENTS

sizes, index, wanted = {sizes!r}, {index!r}, {wanted!r}
out = {{}}
# capture the sampled vertices too: wrap hit_and_run
import simulate.sampler as S
seen = []
orig = S.hit_and_run
def spy(*a, **k):
    r = orig(*a, **k)
    seen.append(np.asarray(r.w).tobytes())
    return r
S.hit_and_run = spy
for exp in EXPERIMENTS:
    if exp.name not in wanted:
        continue
    for N in sizes:
        seen.clear()
        seed = instance_seed(exp.base_seed, exp.name, N, index)
        value, extra = exp.simulate(N, np.random.default_rng(seed), **exp.params)
        h = hashlib.sha256(repr((value, extra)).encode())
        for b in seen:
            h.update(b)
        out[f"{{exp.name}}/N={{N}}"] = [repr(value), h.hexdigest()[:16]]
print("RESULT " + json.dumps(out))
"""


def run(env_extra, sizes, index, root):
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE",
                        "OMP_NUM_THREADS", "NUMBA_CPU_NAME", "NPY_DISABLE_CPU_FEATURES",
                        "GLIBC_TUNABLES")}
    env.update(env_extra)
    code = CHILD.format(root=root, sizes=list(sizes), index=index, wanted=list(EXPERIMENTS))
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr)
    line = [x for x in p.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[7:])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 100])
    ap.add_argument("--index", type=int, default=0)
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    args = ap.parse_args(argv)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    results = {c: run(CONFIGS[c], args.sizes, args.index, root) for c in args.configs}
    ref_name = args.configs[0]
    ref = results[ref_name]
    ok = True
    for key in ref:
        vals = {c: tuple(results[c][key]) for c in args.configs}
        same = all(v == vals[ref_name] for v in vals.values())
        ok &= same
        print(f"{key:42s} {'identical' if same else 'DIFFERENT'}")
        if not same:
            for c, v in vals.items():
                print(f"    {c:22s} value={v[0]:>22s} hash={v[1]}")
    print("all identical" if ok else "NOT reproducible")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
