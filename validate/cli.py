"""Command line of ``python -m validate``.

Exit status: 0 when the suite ran and the report was written, whatever the outcome of
the comparisons (the last line printed is ``"<k> passed, <m> failed, <e> errors"``), unless
``--strict`` is given, in which case any failed or errored comparison gives exit status 1.
Status 2 for usage errors (unknown experiment name, ...), 130 when interrupted (finished
points stay cached; re-running resumes), and a traceback with status 1 on a crash.
"""

from __future__ import annotations

import argparse
import pathlib
import shlex
import sys
import time

from .cache import PointCache
from .experiment import run_experiment
from .records import write_json
from .registry import default_registry, select
from .report import write_report

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m validate``."""
    p = argparse.ArgumentParser(
        prog="python -m validate",
        description="Run replica theory and finite-N simulations side by side, extrapolate "
                    "N -> infinity, compare, and write a Markdown report with figures.",
        epilog="Exit status 0 when the report was written (even if comparisons failed; "
               "use --strict to make them count), 2 on usage errors, 130 when interrupted.",
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
                   help="exit with status 1 if any comparison failed or errored")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p


def _list(registry, stream) -> None:
    for exp in registry.values():
        q, f = exp.quick, exp.full
        print(f"{exp.name:28s} group={exp.group:10s} observable={exp.observable:10s} "
              f"quick N={list(q.sizes)} x{list(q.instances)}  full N={list(f.sizes)} "
              f"x{list(f.instances)}", file=stream)


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
    out.mkdir(parents=True, exist_ok=True)
    progress = None if args.quiet else sys.stderr
    print(f"validate: {len(experiments)} experiment(s), {profile} profile, output in {out}/",
          flush=True)
    cache = PointCache(out / "cache", fresh=args.fresh)
    t0 = time.perf_counter()
    records = []
    try:
        for i, exp in enumerate(experiments, 1):
            if progress is not None:
                print(f"== [{i}/{len(experiments)}] {exp.name}", file=progress, flush=True)
            rec = run_experiment(exp, profile=profile, cache=cache, progress=progress)
            write_json(out / f"{exp.name}.json", rec)
            records.append(rec)
            if progress is not None:
                print(f"== {exp.name}: {rec.status} (z = {rec.z:.2f}), {rec.seconds:.1f} s",
                      file=progress, flush=True)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished points are cached in {out / 'cache'}/; "
              "re-run the same command to resume", file=sys.stderr)
        return 130
    seconds = time.perf_counter() - t0
    if args.json:
        write_json(args.json, records)
    command = "python -m validate " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    report = write_report(records, out, experiments={e.name: e for e in experiments},
                          command=command.strip(), seconds=seconds)
    n_pass = sum(r.status == "passed" for r in records)
    n_fail = sum(r.status == "failed" for r in records)
    n_err = sum(r.status == "error" for r in records)
    for r in records:
        print(f"  {r.status.upper():6s} {r.name}: z = {r.z:.2f}")
    print(f"report: {report}")
    print(f"{n_pass} passed, {n_fail} failed, {n_err} errors ({seconds:.1f} s)")
    if args.strict and (n_fail or n_err):
        return 1
    return 0
