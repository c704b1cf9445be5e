"""The experiment abstraction and its runner."""

from __future__ import annotations

import hashlib
import inspect
import math
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from .cache import PointCache, point_key
from .records import Record, Row, summarise
from .verdict import judge
from .version import code_version, dependency_hash

__all__ = ["Profile", "Experiment", "instance_seed", "run_experiment", "run_point", "PROFILES"]

PROFILES = ("quick", "full")


@dataclass(frozen=True)
class Profile:
    """Sizes and number of instances per size of one run profile.

    Parameters
    ----------
    sizes : tuple of int
        System sizes ``N`` (at least two, increasing).
    instances : int or tuple of int
        Instances per size (one number for all sizes, or one per size).
    """

    sizes: tuple[int, ...]
    instances: int | tuple[int, ...]

    def __post_init__(self):
        sizes = tuple(int(n) for n in self.sizes)
        if len(sizes) < 2 or any(n <= 0 for n in sizes) or len(set(sizes)) != len(sizes):
            raise ValueError(f"Profile needs >= 2 distinct positive sizes; got {self.sizes}")
        inst = self.instances
        inst = (int(inst),) * len(sizes) if np.ndim(inst) == 0 else tuple(int(i) for i in inst)
        if len(inst) != len(sizes) or any(i < 2 for i in inst):
            raise ValueError(
                f"instances must be >= 2 per size, one value or one per size; got {self.instances}"
            )
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "instances", inst)

    def count(self, N: int) -> int:
        """Number of instances at size ``N``."""
        return self.instances[self.sizes.index(N)]

    def scaled(self, factor: float) -> "Profile":
        """The same sizes with ``factor`` times as many instances (rounded, at least 2).

        The standard error of the extrapolation falls like ``1/sqrt(factor)``: this is how
        a profile is sized to reach an experiment's resolution.
        """
        if not (math.isfinite(factor) and factor > 0):
            raise ValueError(f"factor must be finite and > 0; got {factor!r}")
        return Profile(self.sizes, tuple(max(2, int(round(i * factor))) for i in self.instances))


@dataclass(frozen=True)
class Experiment:
    """One observable measured in simulation and predicted by theory.

    Parameters
    ----------
    name : str
        Unique name (registry key, file names); letters, digits and ``-_.=`` only.
    observable : str
        Name of the measured quantity (``kappa_max``, ``alpha_c``, ...).
    params : dict
        Physical parameters, passed as keywords to ``theory`` and ``simulate``.
    theory : callable
        ``theory(**params) -> float``, the N -> infinity prediction.
    simulate : callable
        ``simulate(N, rng, **params) -> float`` (or ``(float, dict)`` with extra data to
        keep in the row), the observable on one random instance of size ``N`` drawn with
        the ``numpy.random.Generator`` ``rng``.
    quick, full : Profile
        Sizes and instance counts of the two profiles.
    group : str, optional
        Family of experiments (``--only GROUP`` runs all of them); default ``name``.
    scaling : str, optional
        Finite-size scaling variable of the extrapolation (see
        :data:`validate.extrapolate.SCALINGS`).
    scaling_note : str, optional
        Why this scaling variable (goes to the record and the report).
    degree : int, optional
        Polynomial degree of the extrapolation in the scaling variable.
    threshold : float, optional
        Pass if ``|z| <= threshold`` (default 3).
    base_seed : int, optional
        Base seed of the instance seeds (see :func:`instance_seed`).
    description : str, optional
        One-paragraph description for the report.
    plots : tuple of str, optional
        Extra report panels (``"psat"``: P(SAT) curves from per-instance values).
    curve : callable, optional
        ``curve() -> (x, y, xlabel)``, theory curve for the group figure, where ``x`` is
        the parameter ``params[curve_param]`` and ``y`` the observable; a curve that takes a
        ``records`` keyword also receives the group's records (to draw what the rows keep,
        never new simulations). See :func:`validate.report.plot_group`.
    curve_param : str, optional
        Parameter on the x-axis of the group figure.
    curve_split : str, optional
        Parameter whose values form separate series (one colour each) in the group figure.
    ylabel : str, optional
        Axis label of the observable, in words with its unit (default: ``observable``).
    resolution : float
        The size of error that matters for this observable (required): the comparison is
        conclusive only when ``threshold`` standard errors of the extrapolation fit inside
        it. Absolute, or relative to ``|theory|`` when ``resolution_relative``.
    resolution_relative : bool, optional
        Whether ``resolution`` is relative to the theory value (default False).
    resolution_note : str, optional
        Why this resolution (the physics: which wrong theory it rejects).
    fit_p_min : float, optional
        A finite-size fit with a chi^2 p-value below this is ``bad-fit`` (default 0.01).
    reproducibility : str, optional
        What the records' last digits depend on beyond the seeds, when not only on the
        library versions recorded in ``code_version`` (e.g. a chaotic dynamics that uses
        BLAS, whose summation order differs between CPUs). Empty: the simulation gives the
        same bits on any x86-64 machine with the same library versions.

    Notes
    -----
    Every profile must have at least ``degree + 2`` sizes, so that the finite-size fit has a
    degree of freedom to be tested with. See :mod:`validate.verdict` for the statuses.
    """

    name: str
    observable: str
    params: Mapping
    theory: Callable[..., float]
    simulate: Callable[..., float]
    quick: Profile
    full: Profile
    group: str = ""
    scaling: str = "1/N"
    scaling_note: str = ""
    degree: int = 1
    threshold: float = 3.0
    base_seed: int = 20240611
    description: str = ""
    plots: tuple[str, ...] = ()
    curve: Callable[[], tuple] | None = field(default=None, compare=False)
    curve_param: str | None = None
    curve_split: str | None = None
    ylabel: str = ""
    resolution: float | None = None
    resolution_relative: bool = False
    resolution_note: str = ""
    fit_p_min: float = 0.01
    reproducibility: str = ""

    def __post_init__(self):
        if not self.name or any(not (c.isalnum() or c in "-_.=") for c in self.name):
            raise ValueError(f"invalid experiment name {self.name!r}: use letters, digits, -_.=")
        r = self.resolution
        if r is None or not isinstance(r, (int, float)) or not (math.isfinite(r) and r > 0):
            raise ValueError(f"experiment {self.name!r}: declare a finite resolution > 0 (the "
                             f"size of error that matters); got resolution={r!r}")
        if not 0.0 < self.fit_p_min < 0.5:
            raise ValueError(f"experiment {self.name!r}: fit_p_min must be in (0, 0.5); got "
                             f"{self.fit_p_min!r}")
        for pname in PROFILES:
            prof = getattr(self, pname)
            if len(prof.sizes) < self.degree + 2:
                raise ValueError(
                    f"experiment {self.name!r}: the {pname} profile has {len(prof.sizes)} "
                    f"sizes; a degree-{self.degree} fit needs >= {self.degree + 2} to be tested")
        if not self.group:
            object.__setattr__(self, "group", self.name)
        object.__setattr__(self, "params", dict(self.params))

    def profile(self, name: str) -> Profile:
        """The :class:`Profile` called ``name`` (``"quick"`` or ``"full"``)."""
        if name not in PROFILES:
            raise ValueError(f"Unknown profile {name!r}; known profiles: {list(PROFILES)}")
        return getattr(self, name)


def _function_id(fn) -> dict:
    """Name of a simulation callable and the hash of what it needs of its source file with
    every simulation module and experiment module it imports, transitively
    (:func:`validate.version.dependency_hash`): the code part of the cache key, so that
    editing one simulator, or an experiment's declaration, keeps the points of the
    experiments whose simulator does not reach the edit."""
    target = fn if inspect.isfunction(fn) or inspect.ismethod(fn) else type(fn)
    qualname = getattr(target, "__qualname__", repr(target))
    name = f"{getattr(target, '__module__', '?')}.{qualname}"
    try:
        sha, _ = dependency_hash(inspect.getsourcefile(target), qualname.split(".")[0])
    except (TypeError, OSError):
        sha = "unknown"
    return {"simulate_fn": name, "simulate_deps_sha": sha}


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


def instance_seed(base_seed: int, name: str, N: int, index: int) -> int:
    """Deterministic 64-bit seed of instance ``index`` at size ``N`` of experiment ``name``.

    Built with ``numpy.random.SeedSequence(base_seed, spawn_key=(h(name), N, index))``
    where ``h`` is the first 32 bits of SHA-256 of the name, so that seeds are independent
    across experiments, sizes and instances and do not depend on the profile.
    """
    ss = np.random.SeedSequence(base_seed, spawn_key=(_name_key(name), int(N), int(index)))
    return int(ss.generate_state(1, dtype=np.uint64)[0])


class ClusterError(RuntimeError):
    """The Dask cluster lost a point's task (a worker died or stopped answering); ``experiment``
    and ``point`` = (N, index) name it.  The points already returned are in the cache."""

    def __init__(self, message, *, experiment=None, point=None):
        super().__init__(message)
        self.experiment = experiment
        self.point = point


def run_point(simulate, params: Mapping, N: int, index: int, seed: int) -> Row:
    """One simulation point: ``simulate(N, default_rng(seed), **params)`` as a :class:`Row`.

    Module-level and free of state, so that a Dask worker runs it exactly as the serial loop
    does: the instance depends on its seed only, never on the worker or the order.
    Exceptions become failed rows (never dropped); ``KeyboardInterrupt`` propagates.
    """
    t0 = time.perf_counter()
    extra = None
    try:
        out = simulate(N, np.random.default_rng(seed), **params)
        if isinstance(out, tuple):
            out, extra = out
        value = float(out)
    except Exception as exc:  # kept as a failed row, never dropped
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" at {tb[-1].filename}:{tb[-1].lineno}" if tb else ""
        return Row(N, index, seed, "failed", None, f"{type(exc).__name__}: {exc}{where}",
                   time.perf_counter() - t0)
    dt = time.perf_counter() - t0
    if not math.isfinite(value):
        return Row(N, index, seed, "failed", None, f"non-finite value {value!r}", dt, extra)
    return Row(N, index, seed, "ok", value, None, dt, extra)


def _run_point(exp: Experiment, N: int, index: int, seed: int) -> Row:
    return run_point(exp.simulate, exp.params, N, index, seed)


class _Progress:
    def __init__(self, stream, name: str, N: int, total: int, every: float = 2.0):
        self.stream, self.name, self.N, self.total, self.every = stream, name, N, total, every
        self.t0 = time.perf_counter()
        self.last = -math.inf

    def __call__(self, done: int, cached: int, failed: int, force: bool = False):
        if self.stream is None:
            return
        now = time.perf_counter()
        if force or now - self.last >= self.every:
            self.last = now
            print(
                f"[{self.name}] N={self.N}: {done}/{self.total} instances"
                f" ({cached} cached, {failed} failed), {now - self.t0:.1f} s",
                file=self.stream, flush=True,
            )


def _point_key(exp: Experiment, N: int, index: int, seed: int, point_code: dict) -> str:
    return point_key(name=exp.name, params=exp.params, N=N, index=index, seed=seed,
                     code=point_code)


def _run_serial(exp, prof, profile, cache, point_code, progress) -> list[Row]:
    rows: list[Row] = []
    try:
        for N in prof.sizes:
            total = prof.count(N)
            prog = _Progress(progress, exp.name, N, total)
            cached = failed = 0
            for index in range(total):
                seed = instance_seed(exp.base_seed, exp.name, N, index)
                key = _point_key(exp, N, index, seed, point_code)
                row = cache.get(exp.name, key) if cache is not None else None
                if row is not None:
                    cached += 1
                else:
                    row = _run_point(exp, N, index, seed)
                    if cache is not None:
                        cache.put(exp.name, key, row, profile=profile)
                failed += row.status != "ok"
                rows.append(row)
                prog(index + 1, cached, failed, force=index + 1 == total)
    finally:
        if cache is not None:
            cache.sync()
    return rows


def _run_distributed(exp, prof, profile, cache, client, point_code, progress) -> list[Row]:
    """The points of ``exp`` on a Dask ``client``: cached ones looked up, the others submitted
    as independent tasks (:func:`run_point`), each stored in the cache as soon as it returns.
    Rows come back in (N, index) order, so the record equals the serial one."""
    from distributed import as_completed

    done: dict[tuple[int, int], Row] = {}
    todo = []
    for N in prof.sizes:
        for index in range(prof.count(N)):
            seed = instance_seed(exp.base_seed, exp.name, N, index)
            key = _point_key(exp, N, index, seed, point_code)
            row = cache.get(exp.name, key) if cache is not None else None
            if row is not None:
                done[(N, index)] = row
            else:
                todo.append((N, index, seed, key))
    total, cached = len(done) + len(todo), len(done)
    prog = _Progress(progress, exp.name, "all sizes", total)
    failed = sum(r.status != "ok" for r in done.values())
    futures = {}
    try:
        sim = client.scatter(exp.simulate, broadcast=True) if todo else None
        for N, index, seed, key in todo:
            fut = client.submit(run_point, sim, dict(exp.params), N, index, seed, pure=False)
            futures[fut] = (N, index, key)
        for fut in as_completed(futures):
            N, index, key = futures[fut]
            try:
                row = fut.result()
            except Exception as exc:  # run_point returns failed rows: this is the cluster
                raise ClusterError(
                    f"{exp.name}: the Dask cluster lost the point N = {N}, index {index} "
                    f"({type(exc).__name__}: {exc}); {len(done)} of {total} points are done"
                    + (" and cached: the same command resumes from the cache"
                       if cache is not None else ""), experiment=exp.name,
                    point=(N, index)) from exc
            if cache is not None:
                cache.put(exp.name, key, row, profile=profile)
            done[(N, index)] = row
            failed += row.status != "ok"
            prog(len(done), cached, failed, force=len(done) == total)
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    finally:
        if cache is not None:
            cache.sync()
    if not todo:
        prog(len(done), cached, failed, force=True)
    return [done[(N, index)] for N in prof.sizes for index in range(prof.count(N))]


def run_experiment(
    exp: Experiment,
    *,
    profile: str = "quick",
    cache: PointCache | None = None,
    progress=sys.stderr,
    client=None,
) -> Record:
    """Run ``exp`` in ``profile`` and compare the extrapolated simulation with theory.

    Parameters
    ----------
    exp : Experiment
    profile : {"quick", "full"}
    cache : PointCache, optional
        Where finished points are looked up and stored (resume). None: no caching.
    progress : text stream or None
        Where progress lines go (default ``sys.stderr``); None for silence.
    client : distributed.Client, optional
        Run the missing points as Dask tasks on this client (a ``LocalCluster`` or a
        cluster's scheduler). The record is identical to the serial one: every point's
        randomness comes from its own seed, and rows are ordered by (N, index).

    Returns
    -------
    Record
        ``status`` is one of :data:`validate.verdict.STATUSES`, decided by
        :func:`validate.verdict.judge` (the reason is in ``message``). Exceptions in
        single simulation instances become failed rows; ``KeyboardInterrupt`` propagates
        (finished points are already in the cache).
    """
    prof = exp.profile(profile)
    version = code_version()
    # the commit is recorded but not part of the resume key: a commit that leaves the
    # simulators this experiment imports alone keeps its finished points
    point_code = {"package": version["package"]}
    point_code.update(_function_id(exp.simulate))
    t_start = time.perf_counter()
    messages = []

    rows: list[Row] = []
    if client is not None:
        rows = _run_distributed(exp, prof, profile, cache, client, point_code, progress)
    else:
        rows = _run_serial(exp, prof, profile, cache, point_code, progress)
    rejected = cache.rejected.get(exp.name) if cache is not None else None
    if rejected:
        messages.append(f"cache lines ignored and recomputed: {rejected['checksum']} with a "
                        f"checksum that does not match (edited), {rejected['truncated']} "
                        "truncated")

    try:
        theory = float(exp.theory(**exp.params))
        if not math.isfinite(theory):
            raise ValueError(f"theory returned non-finite value {theory!r}")
    except Exception as exc:
        theory = math.nan
        messages.append(f"theory failed: {type(exc).__name__}: {exc}")

    sizes = tuple(summarise(rows, N) for N in prof.sizes)
    n_failed = sum(sz.n_failed for sz in sizes)
    if n_failed:
        messages.append(f"{n_failed} failed simulation point(s) kept as failed rows")
    verdict = judge(sizes, theory, scaling=exp.scaling, degree=exp.degree,
                    threshold=exp.threshold, resolution=exp.resolution,
                    relative=exp.resolution_relative, fit_p_min=exp.fit_p_min)
    messages.extend(verdict.messages)
    extrap, z, status = verdict.extrapolation, verdict.z, verdict.status

    return Record(
        name=exp.name, group=exp.group, observable=exp.observable, params=dict(exp.params),
        profile=profile, base_seed=exp.base_seed, code_version=version, theory=theory,
        sizes=sizes, rows=tuple(rows), extrapolation=extrap, z=float(z), status=status,
        message="; ".join(messages), scaling_note=exp.scaling_note, threshold=exp.threshold,
        seconds=time.perf_counter() - t_start, resolution=verdict.resolution,
        resolution_relative=exp.resolution_relative, resolution_spec=float(exp.resolution),
        resolution_note=exp.resolution_note, p_value=verdict.p_value, fit_p_min=exp.fit_p_min,
        reproducibility=exp.reproducibility,
    )
