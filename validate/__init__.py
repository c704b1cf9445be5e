"""Validation: replica theory against finite-N simulation.

The only package that imports both :mod:`replica` and :mod:`simulate` (lazily, inside
the experiments). ``python -m validate`` runs the suite and writes a report.

Public API
----------
Experiment, Profile
    An observable with its theory call, simulation call, sizes and instance counts.
Family, grid
    A family of experiments declared as data: shared fields over a grid of parameters.
run_experiment
    Run one experiment and get a :class:`Record`.
Record, Row, SizeSummary
    Results (frozen, JSON via :func:`write_json` / :func:`read_json`).
extrapolate, Extrapolation
    Weighted least-squares finite-size extrapolation.
instance_seed
    Deterministic per-instance seeds.
PointCache
    Resume store of finished simulation points.
default_registry, select
    The experiment registry.
write_report
    Markdown report with PNG figures.
main
    The command line.
"""

from .cache import PointCache
from .cli import main
from .experiment import ClusterError, Experiment, Profile, instance_seed, run_experiment
from .extrapolate import Extrapolation, extrapolate
from .family import Family, grid
from .records import Record, Row, SizeSummary, read_json, write_json
from .registry import default_registry, select
from .report import write_report

__all__ = [
    "ClusterError",
    "Experiment",
    "Extrapolation",
    "Family",
    "PointCache",
    "Profile",
    "Record",
    "Row",
    "SizeSummary",
    "default_registry",
    "extrapolate",
    "grid",
    "instance_seed",
    "main",
    "read_json",
    "run_experiment",
    "select",
    "write_json",
    "write_report",
]
