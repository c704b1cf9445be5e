"""Shared timing harness of the benchmark scripts (issue #16, "honest benchmarks").

Import this module *before* NumPy, SciPy or Numba: it pins every thread pool to one thread
(``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``, ``NUMBA_NUM_THREADS``, ...)
so that both sides of a comparison run on one core.  Multi-threaded BLAS would otherwise make
CPU time exceed wall time (threads are summed) and, on a loaded 2-core machine, make the
timings depend on what else runs.  Set ``BENCH_THREADS=k`` to pin the pools to k threads
instead (the JSON records the value).

Method (:func:`compare`):

* **CPU time** of the calling process (``time.process_time``; ``clock="thread"`` uses
  ``time.thread_time``), so that other jobs on the machine cost little; wall time is recorded
  too, for information.
* **Warm-up excluded**: every function is called ``warmup`` times first (compilation, caches).
* **Interleaved repetitions**: A, B, A, B, ... so that slow drifts of the machine (frequency,
  other jobs) hit both sides alike.
* **Median and interquartile range** of the per-call times; the ratio is the ratio of the
  medians, its spread the interquartile range of the per-repetition ratios (pairs measured
  back to back).
* ``number`` calls per repetition for functions much shorter than the clock granularity.
"""
from __future__ import annotations

import os

_THREADS = os.environ.get("BENCH_THREADS", "1")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS",
             "BLIS_NUM_THREADS"):
    os.environ[_var] = _THREADS

import datetime  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent

#: Target CPU time of one repetition with ``number="auto"``.
MIN_REP_S = 0.02

_CLOCKS = {"process": time.process_time, "thread": time.thread_time}

METHOD = ("CPU time (time.process_time) of the benchmarking process, thread pools (BLAS, OpenMP, "
          "Numba) pinned to {threads} thread(s), warm-up calls excluded, repetitions "
          "interleaved (A, B, A, B, ...), median and interquartile range over the repetitions; "
          "ratio = median(plain) / median(package), its range the interquartile range of the "
          "per-repetition ratios.")


def quartiles(xs):
    """(q1, median, q3) of a sample (inclusive method; q1 = q3 = median for one value)."""
    xs = sorted(float(x) for x in xs)
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q1, med, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q1, med, q3


def compare(funcs, *, repeats=7, warmup=1, number=None, clock="process"):
    """Time the callables of ``funcs`` (name -> zero-argument callable), interleaved.

    ``number`` (int, dict name -> int, or ``"auto"``: enough calls for MIN_REP_S seconds,
    judged from the last warm-up call) calls per repetition; the recorded time is per call.
    Returns name -> {"median_s", "q1_s", "q3_s", "times_s", "wall_median_s", "number",
    "repeats"} and, for two or more functions, "ratios" with the per-repetition ratios of each
    later function to the first one (name -> {"median", "q1", "q3"}); ``out`` holds the last
    return value of each function.
    """
    tick = _CLOCKS[clock]
    names = list(funcs)
    out = {}
    first = {}
    for k in names:
        for _ in range(warmup):
            c0 = tick()
            out[k] = funcs[k]()
            first[k] = tick() - c0
    if number is None:
        number = {}
    if isinstance(number, int):
        number = {k: number for k in names}
    if number == "auto":  # enough calls for >= MIN_REP_S of CPU time per repetition
        number = {k: max(1, min(1000, int(MIN_REP_S / max(first.get(k, MIN_REP_S), 1e-6))))
                  for k in names}
    num = {k: int(number.get(k, 1)) for k in names}
    cpu = {k: [] for k in names}
    wall = {k: [] for k in names}
    for _ in range(repeats):
        for k in names:
            f, n = funcs[k], num[k]
            gc.collect()
            w0, c0 = time.perf_counter(), tick()
            for _ in range(n):
                r = f()
            c1, w1 = tick(), time.perf_counter()
            out[k] = r
            cpu[k].append((c1 - c0) / n)
            wall[k].append((w1 - w0) / n)
    res = {}
    for k in names:
        q1, med, q3 = quartiles(cpu[k])
        res[k] = dict(median_s=med, q1_s=q1, q3_s=q3, times_s=cpu[k],
                      wall_median_s=statistics.median(wall[k]), number=num[k], repeats=repeats)
    base = names[0]
    ratios = {}
    for k in names[1:]:
        rr = [b / a for a, b in zip(cpu[base], cpu[k]) if a > 0]
        q1, med, q3 = quartiles(rr) if rr else (float("nan"),) * 3
        ratios[k] = dict(median=med, q1=q1, q3=q3,
                         ratio_of_medians=res[k]["median_s"] / res[base]["median_s"])
    return dict(timings=res, ratios=ratios, out=out)


def _cpu_model():
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    m = re.search(r"^model name\s*:\s*(.*)$", info, re.M)
    return m.group(1).strip() if m else (platform.processor() or platform.machine())


def machine_info():
    """Machine, software versions, thread pinning, load and date (UTC) of the run."""
    import numpy
    import scipy
    info = dict(date_utc=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                cpu=_cpu_model(), cores=os.cpu_count(), platform=platform.platform(),
                python=platform.python_version(), numpy=numpy.__version__,
                scipy=scipy.__version__, threads=_THREADS)
    try:
        import numba
        info["numba"] = numba.__version__
    except ImportError:  # pragma: no cover
        pass
    try:
        info["load_average_start"] = list(os.getloadavg())
    except OSError:  # pragma: no cover
        pass
    return info


def method_text():
    return METHOD.format(threads=_THREADS)


def fmt_time(s):
    """Seconds as a short human string."""
    if s >= 1.0:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} us"


def fmt_med_iqr(t):
    """'median (q1-q3)' of a timing entry of :func:`compare`."""
    return f"{fmt_time(t['median_s'])} ({fmt_time(t['q1_s'])}-{fmt_time(t['q3_s'])})"


def fmt_ratio(r):
    return f"{r['ratio_of_medians']:.3g}x (IQR {r['q1']:.3g}-{r['q3']:.3g})"


def markdown_row(benchmark, package, plain, ratio, script):
    script = script if script == "same" else f"`{script}`"
    return f"| {benchmark} | {package} | {plain} | {ratio} | {script} |"


def write_results(name, payload, rows_md):
    """Write ``benchmarks/results_<name>.json`` (with machine info and method) and print rows."""
    payload = dict(payload)
    payload.setdefault("machine", machine_info())
    payload["machine"]["load_average_end"] = list(os.getloadavg())
    payload.setdefault("method", method_text())
    payload["markdown_rows"] = rows_md
    path = HERE / f"results_{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=_jsonable) + "\n")
    print()
    print("| benchmark | package | plain implementation | ratio | script |")
    print("|---|---|---|---|---|")
    for r in rows_md:
        print(r)
    print(f"\nwrote {path}")
    return path


def strip_out(cmp):
    """A :func:`compare` result without the returned values (for JSON)."""
    return {k: v for k, v in cmp.items() if k != "out"}


def _jsonable(x):
    try:
        import numpy as np
        if isinstance(x, np.generic):
            return x.item()
        if isinstance(x, np.ndarray):
            return x.tolist()
    except ImportError:  # pragma: no cover
        pass
    return str(x)
