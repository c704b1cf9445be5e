"""Write the speed tables of ``docs/speed.md`` and ``README.md`` from the benchmark results.

Every ``benchmarks/results_*.json`` written by a ``bench_*.py`` script holds its markdown rows
(``markdown_rows``) and its measured ratios; this script copies them into the documents
between the markers ``<!-- speed table: begin -->`` and ``<!-- speed table: end -->`` (the
full table, ``docs/speed.md``) and ``<!-- speed summary: begin/end -->`` (one line per
benchmark, ``README.md``), so that no number in those tables is typed by hand.  A ratio below 1
(the plain implementation is faster) is printed in bold, as it is.

Run: ``python benchmarks/tables.py`` (``--check``: exit 1 if the documents are out of date).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The benchmarks in the order of the tables.
ORDER = ("rs_sweep", "max_margin", "enumerate", "binary_count", "barriers", "sampler", "pspin",
         "relu")
HEADER = ["| benchmark | package | plain implementation | ratio | script |",
          "|---|---|---|---|---|"]


def load(name):
    path = HERE / f"results_{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def ratio(r):
    """A ratio of medians as printed: two digits, bold below 1."""
    s = f"{r:.2g}x"
    return f"**{s}**" if r < 1 else s


def _span(rs):
    lo, hi = min(rs), max(rs)
    return ratio(lo) if f"{lo:.2g}" == f"{hi:.2g}" else f"{ratio(lo)}-{ratio(hi)}"


def _binary_count_rows(d):
    """The pruned count against the package's own Gray-code enumeration (no plain twin)."""
    rows = [r for r in d.get("rows") or [] if r.get("alpha") == 0.5]
    if not rows:
        return []
    ns = " / ".join(str(r["N"]) for r in rows)
    pk = " / ".join(f"{r['count_solutions_cpu_s_median'] * 1e3:.3g} ms" for r in rows)
    tw = " / ".join(f"{r['enumerate_cpu_s_median'] * 1e3:.3g} ms" for r in rows)
    rs = " / ".join(ratio(r["speedup"]) for r in rows)
    return [f"| number of binary solutions, N = {ns}, alpha = 0.5 (`count_solutions`, pruned "
            f"search) | {pk} | the package's own Gray-code enumeration: {tw} | {rs} | "
            "`benchmarks/bench_binary_count.py` |"]


def _bold_below_one(row):
    """The row with its ratio cell (the fourth) in bold where it starts with a ratio < 1."""
    cells = row.split(" | ")
    if len(cells) == 5:
        m = re.match(r"(\*\*)?(\d+(?:\.\d+)?)x", cells[3])
        if m and not m.group(1) and float(m.group(2)) < 1:
            cells[3] = f"**{m.group(2)}x**" + cells[3][m.end():]
    return " | ".join(cells)


def full_rows():
    """The rows of the full table, in ORDER (ratios below 1 in bold)."""
    out = []
    for name in ORDER:
        d = load(name)
        if d is None:
            continue
        out += _binary_count_rows(d) if name == "binary_count" else d.get("markdown_rows", [])
    return [_bold_below_one(r) for r in out]


def measured_line():
    """When and under what load each benchmark's results were measured."""
    parts = []
    for name in ORDER:
        d = load(name)
        m = (d or {}).get("machine") or {}
        if "date_utc" in m:
            load_avg = m.get("load_average_start") or [float("nan")]
            parts.append(f"`{name}` {m['date_utc'][:10]} (load {load_avg[0]:.1f})")
    return "Measured (from each results file): " + "; ".join(parts) + "."


def _rows_of(d, **match):
    return [r for r in d.get("rows", []) if all(r.get(k) == v for k, v in match.items())]


def summary_rows():
    """One line per benchmark for the README: (what, ratio)."""
    out = []
    d = load("rs_sweep")
    if d:
        r = {k: v["ratio_of_medians"] for k, v in d["ratios"].items()}
        out.append(("RS sweep, spherical perceptron, 200 alphas (against the whole sweep in one "
                    "`@njit` function / a NumPy Newton, f and f' in one pass)",
                    f"{ratio(r['njit_newton'])} / {ratio(r['numpy_newton'])}"))
    d = load("max_margin")
    if d:
        for N in (400, 1600):
            rs = [min(v["ratio_of_medians"] for v in r["ratios"].values())
                  for r in _rows_of(d, kind="max_margin", N=N)]
            if rs:
                out.append((f"max margin, N = {N} (against the fastest of `quadprog` on the "
                            "primal and on the dual QP)", _span(rs)))
    d = load("enumerate")
    if d:
        r = max(d["rows"], key=lambda r: r["N"])
        out.append((f"exact enumeration of binary perceptrons, N = {r['N']} (Gray-code NumPy)",
                    ratio(min(v["ratio_of_medians"] for v in r["ratios"].values()))))
    d = load("pspin")
    if d:
        r = max(_rows_of(d, case="critical_points"), key=lambda r: r["N"])
        out.append((f"critical points of a 3-spin instance by Newton, N = {r['N']} (batched "
                    "NumPy Newton)", ratio(min(v["ratio_of_medians"]
                                               for v in r["ratios"].values()))))
    d = load("barriers")
    if d:
        r = d["rows"][0]
        out.append(("geodesic energy between two vertices (fixed NumPy rule for the one model)",
                    ratio(r["ratios"]["fixed_rule"]["ratio_of_medians"])))
    return out


def first_call_rows():
    """The first-call table (benchmarks/bench_first_call.py): new machine, kernel-cold, warm."""
    d = load("first_call")
    if d is None:
        return []
    out = ["| call | new machine (import) | kernel-cold | warm (import) | new machine / warm | "
           "kernel-cold / warm |", "|---|---|---|---|---|---|"]

    def t(x):
        return f"{x['median_s']:.2g} s ({x['q1_s']:.2g}-{x['q3_s']:.2g})"

    for r in d["rows"]:
        mc, c, w = r.get("machine_cold"), r["cold"], r["warm"]
        if mc is None:
            continue
        out.append(f"| {r['case']} | {t(mc)} ({mc['import_s']['median_s']:.2g} s) | {t(c)} | "
                   f"{t(w)} ({w['import_s']['median_s']:.2g} s) | "
                   f"{r['machine_cold_ratio']['ratio_of_medians']:.2g}x | "
                   f"{r['ratio']['ratio_of_medians']:.2g}x |")
    m = d.get("machine", {})
    out += ["", f"Measured {m.get('date_utc', '?')[:10]}, {r['repeats']} repetitions, CPU time "
            "of the call (imports apart)."]
    return out


def _replace(text, tag, lines):
    begin, end = f"<!-- {tag}: begin -->", f"<!-- {tag}: end -->"
    pat = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pat.search(text):
        raise SystemExit(f"markers {begin!r} ... {end!r} not found")
    return pat.sub(lambda _: "\n".join([begin, *lines, end]), text)


def render():
    """{path: new text} of the two documents."""
    speed = ROOT / "docs" / "speed.md"
    readme = ROOT / "README.md"
    summary = ["| benchmark | ratio |", "|---|---|"] + [f"| {w} | {r} |"
                                                       for w, r in summary_rows()]
    text = _replace(speed.read_text(), "speed table", HEADER + full_rows() + ["", measured_line()])
    return {speed: _replace(text, "first call table", first_call_rows()),
            readme: _replace(readme.read_text(), "speed summary", summary)}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="exit 1 if a document is stale")
    args = ap.parse_args(argv)
    stale = []
    for path, text in render().items():
        if path.read_text() != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(text)
    if args.check and stale:
        print("out of date:", ", ".join(map(str, stale)))
        return 1
    print(("stale: " if args.check else "written: ") + (", ".join(map(str, stale)) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
