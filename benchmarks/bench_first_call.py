"""Benchmark: first call in a new process, empty kernel cache against a warm one (issue #12).

Run: ``python benchmarks/bench_first_call.py [--repeats 5]``; writes
``benchmarks/results_first_call.json``.

Each measurement is a fresh Python process (``python -c``): a process's first call cannot be
repeated inside one process, so :func:`_timing.compare` does not apply, but the conventions are
the harness's.  Per repetition and case, a new empty ``REPLICA_CACHE_DIR`` is made and two
processes run back to back (interleaved cold, warm, cold, warm, ...):

* "kernel-cold": the directory is empty, every generated kernel is derived in SymPy and
  compiled; the model-independent Numba functions of the package (e.g. the Newton driver) come
  from their own on-disk cache;
* "warm": the same directory, the generated kernels load from disk;
* "new machine": before those two, a process with an empty ``NUMBA_CACHE_DIR`` as well and its
  own empty kernel directory, as on a fresh install: the package's own compiled functions (the
  Newton driver, the continuation, the quadrature rules) are compiled in it too.  Its import
  time (CPU) is reported with it, and the warm process's for comparison.

The time is the **CPU time** (``time.process_time``) of the call itself in the child, imports
excluded; its wall time is recorded too.  The children inherit the thread pinning of
``benchmarks/_timing.py`` (imported first here: BLAS, OpenMP and Numba pools on one thread).
Reported: median and interquartile range over the repetitions of the cold and of the warm
times; ratio = median(cold) / median(warm), its range the interquartile range of the
per-repetition ratios (the pairs measured back to back).  There is no plain baseline: the
comparison is the package against itself with a warm cache (Markdown rows: the "package"
column holds the kernel-cold time, the "plain implementation" column the warm one).
"""
from __future__ import annotations

import _timing  # noqa: I001  (first: pins the thread pools, inherited by the children)

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

SCRIPT = "benchmarks/bench_first_call.py"

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
import json, time
c0 = time.process_time()
import replica
from replica import models
w, c = time.perf_counter(), time.process_time()
{call}
c1, w1 = time.process_time(), time.perf_counter()
print(json.dumps([c1 - c, w1 - w, c - c0]))
"""


def run(call, cache, numba_cache=None):
    """(CPU, wall, import CPU) seconds of ``call`` in a fresh process with REPLICA_CACHE_DIR =
    cache (and NUMBA_CACHE_DIR = numba_cache: an empty one is a new machine, where the
    package's own compiled functions are compiled too)."""
    env = {**os.environ, "REPLICA_CACHE_DIR": cache}
    if numba_cache is not None:
        env["NUMBA_CACHE_DIR"] = numba_cache
    out = subprocess.run([sys.executable, "-c", TEMPLATE.format(call=call)], check=True,
                         capture_output=True, text=True, env=env)
    cpu, wall, imp = json.loads(out.stdout.strip().splitlines()[-1])
    return cpu, wall, imp


def _stats(xs):
    q1, med, q3 = _timing.quartiles(xs)
    return dict(median_s=med, q1_s=q1, q3_s=q3, times_s=list(xs))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    machine = _timing.machine_info()
    rows, md = [], []
    for name, call in CASES.items():
        cold, warm, cold_w, warm_w, fresh, fresh_imp, warm_imp = [], [], [], [], [], [], []
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as nd, \
                    tempfile.TemporaryDirectory() as d2:
                # a new machine: empty Numba cache and empty kernel cache
                c, _, imp = run(call, d2, nd)
                fresh.append(c)
                fresh_imp.append(imp)
                c, w, _ = run(call, d)
                cold.append(c)
                cold_w.append(w)
                c, w, imp = run(call, d)
                warm.append(c)
                warm_w.append(w)
                warm_imp.append(imp)
        tc, tw, tf = _stats(cold), _stats(warm), _stats(fresh)
        tc["wall_median_s"] = _timing.quartiles(cold_w)[1]
        tw["wall_median_s"] = _timing.quartiles(warm_w)[1]
        tf["import_s"] = _stats(fresh_imp)
        tw["import_s"] = _stats(warm_imp)
        q1, med, q3 = _timing.quartiles([a / b for a, b in zip(cold, warm)])
        ratio = dict(ratio_of_medians=tc["median_s"] / tw["median_s"], median=med, q1=q1, q3=q3)
        f1, fmed, f3 = _timing.quartiles([a / b for a, b in zip(fresh, warm)])
        fratio = dict(ratio_of_medians=tf["median_s"] / tw["median_s"], median=fmed, q1=f1,
                      q3=f3)
        rows.append(dict(case=name, call=call, repeats=args.repeats, cold=tc, warm=tw,
                         ratio=ratio, machine_cold=tf, machine_cold_ratio=fratio))
        print(f"{name:34s} new machine {_timing.fmt_med_iqr(tf)} (import "
              f"{tf['import_s']['median_s']:.2f} s)  kernel-cold {_timing.fmt_med_iqr(tc)}  "
              f"warm {_timing.fmt_med_iqr(tw)} (import {tw['import_s']['median_s']:.2f} s)  "
              f"ratios {_timing.fmt_ratio(fratio)} / {_timing.fmt_ratio(ratio)}", flush=True)
        md.append(_timing.markdown_row(
            f"first call in a new process: {name}",
            f"new machine {_timing.fmt_med_iqr(tf)} (empty Numba and kernel caches; import "
            f"{tf['import_s']['median_s']:.2g} s); kernel-cold {_timing.fmt_med_iqr(tc)}",
            f"warm {_timing.fmt_med_iqr(tw)} (a new process, kernels loaded from disk; import "
            f"{tw['import_s']['median_s']:.2g} s)",
            f"{fratio['ratio_of_medians']:.2g}x new machine / warm, "
            f"{ratio['ratio_of_medians']:.2g}x kernel-cold / warm",
            SCRIPT if not md else "same"))
    _timing.write_results("first_call", dict(
        benchmark="first_call", machine=machine,
        method=("CPU time (time.process_time) of the call in a fresh process, imports excluded "
                "(import CPU time recorded separately), "
                f"thread pools pinned to {_timing._THREADS} thread(s) (inherited), one new "
                "empty REPLICA_CACHE_DIR per repetition, cold and warm processes interleaved "
                "(cold, warm, cold, warm, ...), median and interquartile range over the "
                "repetitions; ratio = median(cold) / median(warm), its range the "
                "interquartile range of the per-repetition ratios. 'machine_cold': a process "
                "with an empty NUMBA_CACHE_DIR as well (the package's own Numba functions "
                "compiled too), as on a new machine."),
        rows=rows), md)


if __name__ == "__main__":
    main()
