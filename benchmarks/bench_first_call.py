"""First call in a new process: empty kernel cache against a warm one (issue #12).

Each case runs in a fresh Python process (``python -c``), with ``REPLICA_CACHE_DIR`` pointing to
an empty directory ("kernel-cold": every generated kernel is compiled; the model-independent
Numba functions of the package, e.g. the Newton driver, come from their on-disk cache) and
then again with the same directory ("warm": the generated kernels load from disk).  The time
is the CPU time of the call itself (imports excluded), the median over ``--repeats`` cold/warm
pairs, run interleaved.

    python benchmarks/bench_first_call.py [--repeats 3] [--out benchmarks/results_first_call.json]
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = {
    "spherical RS solve": "replica.solve(models.perceptron(weights='spherical', kappa=0.5), 0.5)",
    "binary RS solve": "replica.solve(models.perceptron(weights='binary', kappa=0.5), 0.3)",
    "1RSB solve (spherical, m = 0.5)": (
        "replica.solve(models.perceptron(weights='spherical', kappa=-1.0), 9.0, ansatz='1rsb', "
        "m=0.5, x0={'q0': 0.6, 'q1': 0.8})"),
    "local_entropy (README example)": (
        "replica.local_entropy(models.perceptron(weights='binary', kappa=0.0), alpha=0.5, "
        "kappa_ref=0.3, distances=[0.01, 0.1])"),
    "path_energy (README example)": (
        "replica.path_energy(models.perceptron(weights='spherical', kappa=-0.5), alpha=1.0, "
        "kappas=(-0.5, -0.5), t=[0.0, 0.25, 0.5, 0.75, 1.0])"),
}

TEMPLATE = """
import time
import replica
from replica import models
t = time.process_time()
{call}
print(time.process_time() - t)
"""


def run(call, cache):
    out = subprocess.run([sys.executable, "-c", TEMPLATE.format(call=call)], check=True,
                         capture_output=True, text=True,
                         env={**__import__("os").environ, "REPLICA_CACHE_DIR": cache})
    return float(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).with_name("results_first_call.json")))
    args = ap.parse_args()
    results = {}
    for name, call in CASES.items():
        cold, warm = [], []
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory() as d:
                cold.append(run(call, d))
                warm.append(run(call, d))
        c, w = statistics.median(cold), statistics.median(warm)
        results[name] = {"cold_s": c, "warm_s": w, "ratio": c / w}
        print(f"{name:34s} cold {c:6.2f} s  warm {w:6.2f} s  ratio {c / w:5.1f}", flush=True)
    Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
