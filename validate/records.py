"""Result records of validation experiments (frozen, JSON-serialisable)."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .extrapolate import Extrapolation, FitSummary

__all__ = ["Row", "SizeSummary", "Record", "summarise", "record_to_dict", "record_from_dict",
           "write_json", "read_json"]


@dataclass(frozen=True)
class Row:
    """One simulation point: one instance at one size.

    ``status`` is ``"ok"`` (finite ``value``) or ``"failed"`` (``value`` is None or
    non-finite and ``error`` says why). Failed rows are kept, never dropped.
    """

    N: int
    index: int
    seed: int
    status: str
    value: float | None
    error: str | None = None
    seconds: float = 0.0
    extra: dict | None = None


@dataclass(frozen=True)
class SizeSummary:
    """Statistics of the ``ok`` rows at one size (``sem = std / sqrt(n)``, ``ddof=1``)."""

    N: int
    n: int
    n_failed: int
    mean: float
    std: float
    sem: float


def summarise(rows, N: int) -> SizeSummary:
    """Mean, standard deviation and standard error of the ``ok`` rows at size ``N``."""
    vals = np.array([r.value for r in rows if r.N == N and r.status == "ok"], dtype=float)
    n_failed = sum(1 for r in rows if r.N == N and r.status != "ok")
    n = len(vals)
    mean = float(vals.mean()) if n else math.nan
    std = float(vals.std(ddof=1)) if n >= 2 else math.nan
    sem = std / math.sqrt(n) if n >= 2 else math.nan
    return SizeSummary(N=N, n=n, n_failed=n_failed, mean=mean, std=std, sem=sem)


@dataclass(frozen=True)
class Record:
    """Everything one experiment run produced.

    Attributes
    ----------
    name, group, observable : str
        Experiment identity; ``observable`` is the name of the measured quantity.
    params : dict
        Physical parameters (``alpha``, ``kappa``, ...).
    profile : str
        ``"quick"`` or ``"full"``.
    base_seed : int
        Base of the per-instance seeds (each row carries its own seed).
    code_version : dict
        ``package`` version, git ``commit`` (``"unknown"`` if unavailable), source hash.
    theory : float
        Theory value (NaN if the theory call failed, see ``message``).
    sizes : tuple of SizeSummary
        Per-size statistics.
    rows : tuple of Row
        All simulation points, failed ones included.
    extrapolation : Extrapolation or None
        Finite-size extrapolation (None if it could not be done, see ``message``).
    z : float
        ``(extrapolation.value - theory) / extrapolation.error``.
    status : str
        One of :data:`validate.verdict.STATUSES`: ``"passed"``, ``"failed"``,
        ``"inconclusive"`` (3 sigma wider than the resolution), ``"bad-fit"`` (the
        finite-size fit is rejected) or ``"error"`` (no comparison possible).
    message : str
        Explanation of the status, the extrapolation notes and any failures.
    scaling_note : str
        Why this scaling variable was chosen.
    threshold : float
        Pass threshold on ``|z|``.
    seconds : float
        Wall time of the run (theory + simulation, cached points count as 0).
    resolution : float
        Absolute resolution the comparison had to reach.
    resolution_relative : bool
        Whether the declared resolution was relative to ``|theory|``.
    resolution_spec : float
        The declared resolution (relative or absolute).
    resolution_note : str
        Why this resolution.
    p_value : float
        chi^2 p-value of the finite-size fit (NaN when ``dof = 0``).
    fit_p_min : float
        Fits with a smaller p-value are ``bad-fit``.
    reproducibility : str
        What the values' last digits depend on beyond the seeds and the library versions in
        ``code_version`` (empty: nothing).
    """

    name: str
    group: str
    observable: str
    params: dict
    profile: str
    base_seed: int
    code_version: dict
    theory: float
    sizes: tuple[SizeSummary, ...]
    rows: tuple[Row, ...]
    extrapolation: Extrapolation | None
    z: float
    status: str
    message: str
    scaling_note: str = ""
    threshold: float = 3.0
    seconds: float = 0.0
    resolution: float = math.nan
    resolution_relative: bool = False
    resolution_spec: float = math.nan
    resolution_note: str = ""
    p_value: float = math.nan
    fit_p_min: float = 0.01
    reproducibility: str = ""

    @property
    def passed(self) -> bool:
        """True when the comparison with theory passed."""
        return self.status == "passed"

    @property
    def n_failed(self) -> int:
        """Number of failed simulation points."""
        return sum(1 for r in self.rows if r.status != "ok")


def _clean(obj: Any) -> Any:
    """Make ``obj`` strict-JSON: non-finite floats become None, tuples become lists."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def record_to_dict(record: Record) -> dict:
    """Plain-JSON dictionary of ``record`` (non-finite floats stored as null)."""
    d = dataclasses.asdict(record)
    if record.extrapolation is not None:
        d["extrapolation"]["chi2_dof"] = record.extrapolation.chi2_dof
    d["passed"] = record.passed
    d["n_failed"] = record.n_failed
    return _clean(d)


def _f(v) -> float:
    return math.nan if v is None else float(v)


def record_from_dict(d: dict) -> Record:
    """Inverse of :func:`record_to_dict`."""
    ex = d.get("extrapolation")
    extrap = None
    if ex is not None:
        extrap = Extrapolation(
            scaling=ex["scaling"], degree=ex["degree"], N=tuple(ex["N"]),
            coef=tuple(_f(c) for c in ex["coef"]),
            cov=tuple(tuple(_f(v) for v in row) for row in ex["cov"]),
            value=_f(ex["value"]), error=_f(ex["error"]), chi2=_f(ex["chi2"]),
            dof=ex["dof"], inflation=_f(ex["inflation"]), note=ex["note"],
            alternatives=tuple(
                FitSummary(a["scaling"], _f(a["value"]), _f(a["error"]), _f(a["chi2"]), a["dof"])
                for a in ex["alternatives"]
            ),
        )
    return Record(
        name=d["name"], group=d["group"], observable=d["observable"], params=d["params"],
        profile=d["profile"], base_seed=d["base_seed"], code_version=d["code_version"],
        theory=_f(d["theory"]),
        sizes=tuple(
            SizeSummary(s["N"], s["n"], s["n_failed"], _f(s["mean"]), _f(s["std"]), _f(s["sem"]))
            for s in d["sizes"]
        ),
        rows=tuple(
            Row(r["N"], r["index"], r["seed"], r["status"],
                None if r["value"] is None else float(r["value"]), r["error"], r["seconds"],
                r.get("extra"))
            for r in d["rows"]
        ),
        extrapolation=extrap, z=_f(d["z"]), status=d["status"], message=d["message"],
        scaling_note=d.get("scaling_note", ""), threshold=d.get("threshold", 3.0),
        seconds=d.get("seconds", 0.0), resolution=_f(d.get("resolution")),
        resolution_relative=bool(d.get("resolution_relative", False)),
        resolution_spec=_f(d.get("resolution_spec")),
        resolution_note=d.get("resolution_note", ""), p_value=_f(d.get("p_value")),
        fit_p_min=_f(d.get("fit_p_min", 0.01)), reproducibility=d.get("reproducibility", ""),
    )


def write_json(path, records) -> None:
    """Write one record (a :class:`Record`) or a list of records to ``path`` as JSON."""
    if isinstance(records, Record):
        payload = record_to_dict(records)
    else:
        payload = [record_to_dict(r) for r in records]
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=1, allow_nan=False)
        fh.write("\n")


def read_json(path) -> Record | list[Record]:
    """Read what :func:`write_json` wrote (a Record or a list of Records)."""
    with open(path, encoding="utf-8") as fh:
        payload = json.load(fh)
    if isinstance(payload, list):
        return [record_from_dict(d) for d in payload]
    return record_from_dict(payload)
