"""Figures (PNG, matplotlib without pyplot) and the Markdown report."""

from __future__ import annotations

import inspect
import math
import pathlib

import numpy as np
from matplotlib.figure import Figure

from .extrapolate import scaling_variable
from .records import Record

__all__ = ["plot_record", "plot_group", "psat_curve", "write_report", "fmt_pm"]


def fmt_pm(value: float, error: float) -> str:
    """``value ± error`` with the error to two significant digits."""
    if not (math.isfinite(value) and math.isfinite(error)) or error <= 0:
        return f"{value:.6g} ± {error:.2g}"
    digits = max(0, 1 - int(math.floor(math.log10(error))))
    return f"{value:.{digits}f} ± {error:.{digits}f}"


def psat_curve(values, alpha):
    """Empirical P(SAT)(alpha) = fraction of instances with capacity >= alpha.

    Returns the probability and its binomial standard error ``sqrt(p(1-p)/n)``.
    """
    v = np.asarray(values, dtype=float)
    a = np.asarray(alpha, dtype=float)
    p = (v[None, :] >= a[:, None]).mean(axis=1)
    return p, np.sqrt(p * (1.0 - p) / len(v))


def _ok_values(record: Record, N: int) -> np.ndarray:
    return np.array([r.value for r in record.rows if r.N == N and r.status == "ok"])


def _params_label(params: dict) -> str:
    return ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}"
                     for k, v in params.items())


def _plot_extrapolation(ax, record: Record, ylabel: str | None = None):
    ex = record.extrapolation
    scaling = ex.scaling if ex is not None else "1/N"
    sizes = [s for s in record.sizes if s.n > 0]
    if sizes:
        x = scaling_variable([s.N for s in sizes], scaling)
        ax.errorbar(x, [s.mean for s in sizes],
                    yerr=[s.sem if math.isfinite(s.sem) else 0.0 for s in sizes],
                    fmt="o", color="C0", capsize=3, label="simulation mean ± s.e.")
        for s, xv in zip(sizes, x):
            ax.annotate(f"N={s.N}", (xv, s.mean), textcoords="offset points", xytext=(4, 6),
                        fontsize=7)
        xmax = float(np.max(x))
    else:
        xmax = 1.0
    if ex is not None:
        xs = np.linspace(0.0, 1.05 * xmax, 100)
        A = np.vander(xs, ex.degree + 1, increasing=True)
        y = A @ np.asarray(ex.coef)
        cov = np.asarray(ex.cov) * ex.inflation**2
        err = np.sqrt(np.einsum("ij,jk,ik->i", A, cov, A))
        ax.plot(xs, y, color="C1", label=f"fit in {ex.scaling} (deg {ex.degree})")
        ax.fill_between(xs, y - err, y + err, color="C1", alpha=0.25, linewidth=0)
        ax.errorbar([0.0], [ex.value], yerr=[ex.error], fmt="s", color="C1", capsize=4,
                    label=f"N→∞: {fmt_pm(ex.value, ex.error)}")
    if math.isfinite(record.theory):
        ax.axhline(record.theory, color="k", linestyle="--", label=f"theory {record.theory:.5g}")
    ax.set_xlabel(f"finite-size variable {scaling} (N → ∞ at 0)")
    ax.set_ylabel(ylabel or record.observable)
    ax.set_xlim(left=-0.03 * xmax)
    ax.set_title(f"{record.name} [{record.status}, z = {record.z:.2f}]", fontsize=9)
    ax.legend(fontsize=7)


def _plot_psat(ax, record: Record):
    allv = np.concatenate([_ok_values(record, s.N) for s in record.sizes] or [np.array([])])
    if allv.size == 0:
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center")
        return
    lo, hi = float(allv.min()), float(allv.max())
    pad = 0.1 * (hi - lo) + 1e-9
    grid = np.linspace(lo - pad, hi + pad, 400)
    pts = np.linspace(lo, hi, 15)
    for k, s in enumerate(record.sizes):
        v = _ok_values(record, s.N)
        if v.size == 0:
            continue
        p, _ = psat_curve(v, grid)
        ax.plot(grid, p, color=f"C{k}", drawstyle="steps-post", label=f"N={s.N} (n={v.size})")
        pp, pe = psat_curve(v, pts)
        ax.errorbar(pts, pp, yerr=pe, fmt=".", color=f"C{k}", capsize=2)
    if math.isfinite(record.theory):
        ax.axvline(record.theory, color="k", linestyle="--",
                   label=f"theory alpha_c = {record.theory:.4g}")
    ax.set_xlabel("alpha")
    ax.set_ylabel("P(SAT)")
    ax.set_title(f"P(SAT), {_params_label(record.params)}", fontsize=9)
    ax.legend(fontsize=7)


def plot_record(record: Record, path, *, plots: tuple[str, ...] = (),
                ylabel: str | None = None) -> pathlib.Path:
    """Write the figure of one record to ``path`` (PNG) and return the path.

    The first panel shows the per-N means against the scaling variable, the fit with its
    one-sigma band, the extrapolated value at ``x = 0`` and the theory line. With
    ``"psat"`` in ``plots`` a second panel shows the empirical P(SAT) curves per N.
    """
    panels = 1 + ("psat" in plots)
    fig = Figure(figsize=(5.5 * panels, 4.2))
    axes = fig.subplots(1, panels, squeeze=False)[0]
    _plot_extrapolation(axes[0], record, ylabel)
    if "psat" in plots:
        _plot_psat(axes[1], record)
    fig.tight_layout()
    path = pathlib.Path(path)
    fig.savefig(path, dpi=110)
    return path


_MARKERS = ("o", "^", "v", "D", "<", ">", "p", "h", "*", "P")


def plot_group(records, path, *, param: str, curve=None, split: str | None = None,
               ylabel: str | None = None) -> pathlib.Path:
    """Group figure: theory curve, per-N means and N→∞ extrapolations against ``param``.

    ``curve`` is ``(x, y)``, ``(x, y, xlabel)`` or ``(x, y, xlabel, options)``, where the
    optional dict ``options`` may hold ``"label"`` and ``"split"`` (of the main curve,
    default ``"theory (replica)"``) and ``"series"``: further curves or points, each a dict
    with ``x``, ``y``, ``label`` and optionally ``yerr``, ``fmt`` (default ``"-"``),
    ``color`` and ``split``.

    With ``split`` (a parameter name) the records form several series, one colour per value
    of ``params[split]``: data, extrapolations and the curves tagged with that value share
    it, and the marker tells the size N. Without it the colour tells N. The legend sits to
    the right of the axes, never over the data; the figure draws only what it is given
    (records and theory), it runs no simulation.
    """
    fig = Figure(figsize=(8.6, 4.6))
    ax = fig.subplots()
    xlabel = param
    ylabel = ylabel or records[0].observable
    values = sorted({r.params[split] for r in records}) if split else [None]
    colour = {v: f"C{i}" for i, v in enumerate(values)}

    def col(tag, default):
        return colour[tag] if split and tag in colour else default

    if curve is not None:
        cx, cy, *rest = curve
        opts = rest[1] if len(rest) > 1 else {}
        ax.plot(cx, cy, color=col(opts.get("split"), "k"),
                label=opts.get("label", "theory (replica)"))
        if rest:
            xlabel = rest[0]
        for ser in opts.get("series", ()):
            c = col(ser.get("split"), ser.get("color"))
            style = {"color": c} if c is not None else {}
            ax.errorbar(ser["x"], ser["y"], yerr=ser.get("yerr"), fmt=ser.get("fmt", "-"),
                        capsize=2, label=ser["label"], **style)
    sizes = sorted({s.N for r in records for s in r.sizes})
    xs = [float(r.params[param]) for r in records]
    span = (max(xs) - min(xs)) or 1.0
    for v in values:
        recs = [(r, x) for r, x in zip(records, xs) if split is None or r.params[split] == v]
        tag = f"{split} = {v:g}, " if split else ""
        for k, N in enumerate(sizes):
            px, py, pe = [], [], []
            for r, x in recs:
                for s in r.sizes:
                    if s.N == N and s.n > 0:
                        px.append(x + (k - len(sizes) / 2) * 0.006 * span)
                        py.append(s.mean)
                        pe.append(s.sem if math.isfinite(s.sem) else 0.0)
            if split:
                ax.errorbar(px, py, yerr=pe, fmt=_MARKERS[k % len(_MARKERS)], ms=3,
                            color=colour[v], capsize=2, alpha=0.6,
                            label=f"N={N}" if v == values[0] else None)
            else:
                ax.errorbar(px, py, yerr=pe, fmt="o", ms=3, color=f"C{k}", capsize=2,
                            label=f"N={N}")
        ex = [(x, r.extrapolation) for r, x in recs if r.extrapolation is not None]
        if ex:
            ax.errorbar([x for x, _ in ex], [e.value for _, e in ex],
                        yerr=[e.error for _, e in ex], fmt="s", mfc="none",
                        color=colour[v] if split else "C3", ms=7, capsize=4,
                        label=f"{tag}N→∞ extrapolation")
        th = [(x, r.theory) for r, x in recs if math.isfinite(r.theory)]
        if th:
            ax.plot([x for x, _ in th], [t for _, t in th], "x", color="k", ms=8,
                    label="theory at the data points" if v == values[0] else None)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{records[0].group}: simulation vs theory", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    fig.tight_layout()
    path = pathlib.Path(path)
    fig.savefig(path, dpi=110)
    return path


def _method(record: Record) -> str:
    ex = record.extrapolation
    if ex is None:
        return "—"
    chi = (f"chi2/dof = {ex.chi2:.2f}/{ex.dof}, p = {record.p_value:.2g}" if ex.dof > 0
           else "dof = 0")
    infl = f", error ×{ex.inflation:.2f}" if ex.inflation > 1 else ""
    return f"WLS deg {ex.degree} in {ex.scaling}, {chi}{infl}"


def _summary_table(records) -> list[str]:
    lines = [
        "| experiment | params | theory | N→∞ extrapolation | z | 3σ / resolution | status "
        "| failed points | method |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        ex = r.extrapolation
        val = fmt_pm(ex.value, ex.error) if ex is not None else "—"
        status = {"passed": "PASS", "failed": "**FAIL**", "inconclusive": "*INCONCLUSIVE*",
                  "bad-fit": "**BAD FIT**", "error": "**ERROR**"}[r.status]
        width = f"{3 * ex.error:.2g} / {r.resolution:.2g}" if ex is not None else "—"
        lines.append(
            f"| {r.name} | {_params_label(r.params)} | {r.theory:.6g} | {val} | {r.z:.2f} | "
            f"{width} | {status} | {r.n_failed} | {_method(r)} |"
        )
    return lines


def _section(record: Record, figure: str | None, description: str) -> list[str]:
    out = [f"## {record.name}", ""]
    if description:
        out += [description, ""]
    out += [
        f"- observable: `{record.observable}`; parameters: {_params_label(record.params)}",
        f"- theory: {record.theory:.10g}",
        f"- status: **{record.status}**, z = {record.z:.3f} (passed: |z| ≤ "
        f"{record.threshold:g}, {record.threshold:g} σ ≤ resolution {record.resolution:.3g} "
        f"and fit p-value ≥ {record.fit_p_min:g})",
        f"- resolution: {record.resolution_note or '—'}",
        f"- reproducibility: {record.reproducibility or 'the same bits on any x86-64 machine with the library versions of the record'}",
        f"- notes: {record.message or '—'}",
    ]
    if record.scaling_note:
        out.append(f"- scaling: {record.scaling_note}")
    ex = record.extrapolation
    if ex is not None:
        out.append(f"- extrapolation ({ex.scaling}): {fmt_pm(ex.value, ex.error)}, "
                   f"coefficients {', '.join(f'{c:.5g}' for c in ex.coef)}")
        for alt in ex.alternatives:
            cd = f"{alt.chi2:.2f}/{alt.dof}" if alt.dof > 0 else "n/a"
            out.append(f"  - alternative scaling {alt.scaling}: {fmt_pm(alt.value, alt.error)}, "
                       f"chi2/dof = {cd} (not inflated)")
    out += ["", "| N | instances ok | failed | mean ± s.e. | std |", "|---|---|---|---|---|"]
    for s in record.sizes:
        out.append(f"| {s.N} | {s.n} | {s.n_failed} | {fmt_pm(s.mean, s.sem)} | {s.std:.4g} |")
    failed = [r for r in record.rows if r.status != "ok"]
    if failed:
        out += ["", f"Failed points ({len(failed)}):", "",
                "| N | index | seed | error |", "|---|---|---|---|"]
        for r in failed[:20]:
            msg = (r.error or "").replace("|", "\\|").replace("\n", " ")
            out.append(f"| {r.N} | {r.index} | {r.seed} | {msg} |")
        if len(failed) > 20:
            out.append(f"| … | | | {len(failed) - 20} more in the JSON record |")
    if figure:
        out += ["", f"![{record.name}]({figure})"]
    out.append("")
    return out


def write_report(records, out_dir, *, experiments=None, command: str = "",
                 seconds: float | None = None, progress=None) -> pathlib.Path:
    """Write figures and ``report.md`` for ``records`` into ``out_dir``; return the report path.

    Parameters
    ----------
    records : list of Record
    out_dir : path-like
    experiments : dict name -> Experiment, optional
        Supplies descriptions, extra plots and theory curves for group figures.
    command : str, optional
        Command line shown in the report.
    seconds : float, optional
        Total wall time shown in the report.
    progress : text stream, optional
        Where a line per figure goes (theory curves can take seconds each).
    """
    import time

    t0 = time.perf_counter()

    def say(msg):
        if progress is not None:
            print(f"[report] {msg} ({time.perf_counter() - t0:.1f} s)", file=progress,
                  flush=True)

    out = pathlib.Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    experiments = experiments or {}
    counts = {s: sum(r.status == s for r in records)
              for s in ("passed", "failed", "inconclusive", "bad-fit", "error")}
    lines = ["# Validation report: replica theory vs finite-N simulation", ""]
    if records:
        cv = records[0].code_version
        lines.append(f"- profile: {records[0].profile}; code: package {cv.get('package')}, "
                     f"commit {cv.get('commit')}, simulate sources {cv.get('simulate_sha')}")
    if command:
        lines.append(f"- command: `{command}`")
    if seconds is not None:
        lines.append(f"- wall time: {seconds:.1f} s")
    lines += ["- summary: " + ", ".join(f"{v} {k}" for k, v in counts.items())
              + " (z = (extrapolated − theory)/error; passed: |z| ≤ 3 with 3σ within the "
              "experiment's resolution and an acceptable finite-size fit; inconclusive: 3σ "
              "wider than the resolution; bad fit: the fit's p-value is below its threshold)",
              ""]
    lines += _summary_table(records) + [""]

    groups: dict[str, list[Record]] = {}
    for r in records:
        groups.setdefault(r.group, []).append(r)
    for group, recs in groups.items():
        exp = next((experiments[r.name] for r in recs if r.name in experiments
                    and experiments[r.name].curve_param is not None), None)
        if exp is None or len(recs) < 2:
            continue
        say(f"group figure {group}")
        try:
            curve = None
            if exp.curve is not None:
                takes = "records" in inspect.signature(exp.curve).parameters
                curve = exp.curve(records=recs) if takes else exp.curve()
        except Exception as exc:  # a missing theory curve must not lose the report
            curve = None
            lines += [f"(theory curve of group {group} failed: {type(exc).__name__}: {exc})", ""]
        fig = plot_group(recs, out / "figures" / f"group_{group}.png", param=exp.curve_param,
                         curve=curve, split=exp.curve_split, ylabel=exp.ylabel or None)
        lines += [f"## Group {group}", "", f"![{group}](figures/{fig.name})", ""]

    for r in records:
        exp = experiments.get(r.name)
        say(f"figure {r.name}")
        fig = plot_record(r, out / "figures" / f"{r.name}.png",
                          plots=exp.plots if exp is not None else (),
                          ylabel=(exp.ylabel or None) if exp is not None else None)
        lines += _section(r, f"figures/{fig.name}", exp.description if exp is not None else "")
    path = out / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
