"""Command line of ``python -m validate``.

Exit status: 0 when the suite ran and the report was written, whatever the outcome of
the comparisons (the last line printed is ``"<k> passed, <m> failed, <i> inconclusive,
<b> bad-fit, <e> errors"``), unless ``--strict`` is given, in which case anything but
``passed`` gives exit status 1. Status 2 for usage errors (unknown experiment name, an
output that cannot be written, ...), checked before anything runs; 130 when interrupted
(finished points stay cached; re-running resumes), and a traceback with status 1 on a crash.

A run of the whole suite writes ``report.md`` and ``summary.json`` in the output folder; a run
with ``--only`` writes its report in ``only-<names>/`` there and leaves the full report alone.

``--workers N`` runs the simulation points on a Dask ``LocalCluster`` of N processes and
``--scheduler ADDRESS`` on an existing Dask cluster; the records are identical to a serial run
(each point's randomness comes from its own seed) and the point cache resumes an interrupted
distributed run as it does a serial one. Serial is the default.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import shlex
import sys
import time

from .cache import PointCache
from .experiment import ClusterError, run_experiment
from .records import write_json
from .registry import default_registry, select
from .report import write_report
from .summary import PUBLISHED, write_summary
from .verdict import STATUSES

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m validate``."""
    p = argparse.ArgumentParser(
        prog="python -m validate",
        description="Run replica theory and finite-N simulations side by side, extrapolate "
                    "N -> infinity, compare, and write a Markdown report with figures.",
        epilog="Statuses: passed, failed, inconclusive (3 sigma wider than the experiment's "
               "resolution), bad-fit (the finite-size fit is rejected), error. Exit status 0 "
               "when the report was written (whatever the statuses; use --strict to make them "
               "count), 2 on usage errors, 130 when interrupted.",
    )
    p.add_argument("--full", action="store_true", help="full profile (large N, many instances)")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="run only this experiment or group (repeatable, or comma-separated)")
    p.add_argument("--out", default="validate_out", metavar="DIR",
                   help="output folder (default: validate_out/)")
    p.add_argument("--json", metavar="PATH", help="also write all records to one JSON file")
    p.add_argument("--list", action="store_true", help="list the experiments and exit")
    p.add_argument("--fresh", action="store_true",
                   help="ignore cached simulation points (they are still written)")
    p.add_argument("--strict", action="store_true",
                   help="exit with status 1 unless every comparison passed (failed, "
                        "inconclusive, bad-fit and error all count)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    dist = p.add_mutually_exclusive_group()
    dist.add_argument("--workers", type=int, metavar="N",
                      help="run the simulation points on a Dask LocalCluster of N worker "
                           "processes (records are identical to a serial run)")
    dist.add_argument("--scheduler", metavar="ADDRESS",
                      help="run the simulation points on an existing Dask cluster "
                           "(e.g. tcp://host:8786)")
    return p


def _list(registry, stream) -> None:
    for exp in registry.values():
        q, f = exp.quick, exp.full
        print(f"{exp.name:28s} group={exp.group:10s} observable={exp.observable:10s} "
              f"quick N={list(q.sizes)} x{list(q.instances)}  full N={list(f.sizes)} "
              f"x{list(f.instances)}", file=stream)


def _writable(path: pathlib.Path) -> str | None:
    """None if ``path`` can be written (tried without leaving a trace), else why not."""
    if path.is_dir():
        return f"{path} is a directory"
    existed = path.exists()
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        return f"{exc.strerror or exc}: {path}"
    if not existed:
        path.unlink()
    return None


def _client(args):
    """A Dask client for ``--workers`` / ``--scheduler``, or None (serial, the default)."""
    if args.workers is None and args.scheduler is None:
        return None
    from distributed import Client, LocalCluster

    if args.scheduler is not None:
        return Client(args.scheduler, timeout="20s")
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    client = Client(cluster)
    client._owned_cluster = cluster
    return client


def _close(client) -> None:
    cluster = getattr(client, "_owned_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def _published_seconds(profile) -> dict:
    """{experiment name: seconds} of the published run of this profile (empty if none)."""
    try:
        data = json.loads((PUBLISHED / f"{profile}.json").read_text())
        return {r["name"]: float(r["seconds"]) for r in data["records"]
                if isinstance(r.get("seconds"), (int, float))}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


class Eta:
    """Elapsed time and an estimate of the time left, weighting each experiment by its
    duration in the published run of the profile (the median of the known ones where it has
    none): remaining = elapsed x (weight left) / (weight done)."""

    def __init__(self, names, published):
        known = sorted(published.get(n) for n in names if published.get(n) is not None)
        fill = known[len(known) // 2] if known else 1.0
        self.weights = [max(published.get(n, fill), 1e-3) for n in names]
        self.t0 = time.perf_counter()

    def line(self, done) -> str:
        """'elapsed E, about R left' after ``done`` experiments (no estimate before one)."""
        elapsed = time.perf_counter() - self.t0
        text = f"elapsed {_clock(elapsed)}"
        w_done, w_left = sum(self.weights[:done]), sum(self.weights[done:])
        if done and w_done > 0:
            text += f", about {_clock(elapsed * w_left / w_done)} left"
        return text


def _clock(seconds) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _only_tag(names) -> str:
    tag = "+".join(names)
    tag = "".join(c if c.isalnum() or c in "-_.=+" else "_" for c in tag)
    return tag if len(tag) <= 80 else tag[:64] + "+" + str(len(names))


def main(argv=None, *, registry=None) -> int:
    """Run the validation suite; return the exit status (see module docstring).

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).
    registry : dict name -> Experiment, optional
        Experiments to choose from (default :func:`validate.registry.default_registry`).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    registry = default_registry() if registry is None else registry
    if args.list:
        _list(registry, sys.stdout)
        return 0
    names = [n for item in (args.only or []) for n in item.split(",") if n]
    try:
        experiments = select(registry, names)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    profile = "full" if args.full else "quick"
    out = pathlib.Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: cannot create the output folder {out}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    why = _writable(out / ".write-test")
    if why is None and args.json:
        why = _writable(pathlib.Path(args.json))
        why = None if why is None else f"--json {args.json}: {why}"
    if why is not None:
        print(f"error: cannot write the outputs ({why}); nothing was run", file=sys.stderr)
        return 2
    report_dir = out if not names else out / f"only-{_only_tag(names)}"
    if args.workers is not None and args.workers < 1:
        print(f"error: --workers must be >= 1; got {args.workers}", file=sys.stderr)
        return 2
    try:
        client = _client(args)
    except (OSError, ImportError, ValueError, TimeoutError) as exc:
        print(f"error: cannot start or reach the Dask cluster: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 2
    progress = None if args.quiet else sys.stderr
    print(f"validate: {len(experiments)} experiment(s), {profile} profile, output in {out}/",
          flush=True)
    cache = PointCache(out / "cache", fresh=args.fresh)
    t0 = time.perf_counter()
    records = []
    eta = Eta([e.name for e in experiments], _published_seconds(profile))
    try:
        for i, exp in enumerate(experiments, 1):
            if progress is not None:
                print(f"== [{i}/{len(experiments)}] {exp.name} ({eta.line(i - 1)})",
                      file=progress, flush=True)
            rec = run_experiment(exp, profile=profile, cache=cache, progress=progress,
                                 client=client)
            write_json(out / f"{exp.name}.json", rec)
            records.append(rec)
            if progress is not None:
                print(f"== {exp.name}: {rec.status} (z = {rec.z:.2f}, 3 sigma "
                      f"{3 * rec.extrapolation.error if rec.extrapolation else float('nan'):.3g}"
                      f" vs resolution {rec.resolution:.3g}), {rec.seconds:.1f} s",
                      file=progress, flush=True)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished points are cached in {out / 'cache'}/; "
              "re-run the same command to resume", file=sys.stderr)
        return 130
    except ClusterError as exc:
        print(f"error: {exc} (cache: {out / 'cache'}/)", file=sys.stderr)
        return 2
    finally:
        if client is not None:
            _close(client)
    seconds = time.perf_counter() - t0
    if args.json:
        write_json(args.json, records)
    command = "python -m validate " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    if progress is not None:
        print(f"== writing the report and figures in {report_dir}/", file=progress, flush=True)
    report = write_report(records, report_dir, experiments={e.name: e for e in experiments},
                          command=command.strip(), seconds=seconds, progress=progress)
    if not names:
        write_summary(out / "summary.json", records, seconds=seconds, command=command.strip())
    counts = {s: sum(r.status == s for r in records) for s in STATUSES}
    for r in records:
        print(f"  {r.status.upper():12s} {r.name}: z = {r.z:.2f}")
    print(f"report: {report}")
    print(f"{counts['passed']} passed, {counts['failed']} failed, "
          f"{counts['inconclusive']} inconclusive, {counts['bad-fit']} bad-fit, "
          f"{counts['error']} errors ({seconds:.1f} s)")
    if args.strict and counts["passed"] != len(records):
        return 1
    return 0
