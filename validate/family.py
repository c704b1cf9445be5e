"""Families of experiments declared as data: shared fields over a grid of parameters.

Each module of ``validate/experiments/`` declares its experiments as a tuple ``FAMILIES`` of
:class:`Family` and exposes their expansion, ``EXPERIMENTS`` (see :mod:`validate.registry`);
every member runs through the one runner, :func:`validate.experiment.run_experiment`.
"""

from __future__ import annotations

import itertools
import re
import string
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping

from .experiment import Experiment, Profile

__all__ = ["Family", "grid"]


def grid(**axes) -> tuple[dict, ...]:
    """The points of a cartesian grid, for :attr:`Family.grid`.

    Each keyword is a parameter: a tuple, list or range is an axis, any other value is fixed.
    Keyword order is kept, the first axis varies slowest: ``grid(a=(1, 2), k=0)`` is
    ``({"a": 1, "k": 0}, {"a": 2, "k": 0})``. ``grid()`` is one point without parameters.

    Raises
    ------
    ValueError
        If an axis is empty.
    """
    values = [tuple(v) if isinstance(v, (tuple, list, range)) else (v,) for v in axes.values()]
    if empty := [a for a, v in zip(axes, values) if not v]:
        raise ValueError(f"grid: the axis {empty[0]!r} has no values")
    return tuple(dict(zip(axes, point)) for point in itertools.product(*values))


#: Experiment fields a Family shares or overrides (it sets group and params itself).
_MEMBER_FIELDS = tuple(f.name for f in fields(Experiment) if f.name not in ("group", "params"))
_TEMPLATES = ("name", "description")


@dataclass(frozen=True, kw_only=True)
class Family:
    """A family of experiments declared as data: one :class:`Experiment` per grid point.

    Parameters
    ----------
    group : str
        Group of every member.
    name : str
        Template of the members' names (``"psat-kappa{kappa:g}"``), see the notes.
    grid : tuple of dict
        The members' ``params``, in report order (see :func:`grid`).
    overrides : mapping, optional
        ``{key: {field: value}}``: fields that differ from the shared ones at the point
        ``key``, its values of the parameters that vary over the grid, a tuple in grid order
        (the bare value if one varies).
    observable, theory, simulate, quick, full, scaling, ..., reproducibility
        The other :class:`Experiment` fields (same meanings, defaults), shared by all.

    Notes
    -----
    ``name`` and ``description``, shared or overridden, are :meth:`str.format` templates
    over the grid parameters (literal braces doubled).
    """

    group: str
    name: str
    grid: tuple[Mapping[str, Any], ...]
    overrides: Mapping[Any, Mapping[str, Any]] = field(default_factory=dict)
    observable: str
    theory: Callable[..., float]
    simulate: Callable[..., float]
    quick: Profile
    full: Profile
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
        object.__setattr__(self, "grid", tuple(dict(p) for p in self.grid))

    def experiments(self) -> tuple[Experiment, ...]:
        """The members, one per grid point, in grid order.

        Raises
        ------
        ValueError
            For an empty grid, points with other parameters, a template field that is no
            parameter, an override of no point or field, or a name given twice.
        """
        where, points = f"family {self.group!r} ({self.name})", self.grid
        if not points:
            raise ValueError(f"{where}: the grid is empty")
        if bad := [p for p in points if list(p) != list(points[0])]:
            raise ValueError(f"{where}: the grid point {bad[0]} has other parameters than "
                             f"{points[0]}")
        vary = [k for k in points[0] if any(p[k] != points[0][k] for p in points)]
        keys = [p[vary[0]] if len(vary) == 1 else tuple(p[k] for k in vary) for p in points]
        for key, fields_ in self.overrides.items():
            if key not in keys:
                raise ValueError(f"{where}: the override key {key!r} is no grid point "
                                 f"({vary} take the values {keys})")
            if bad := [f for f in fields_ if f not in _MEMBER_FIELDS]:
                raise ValueError(f"{where}: the override at {key!r} sets {bad}, which no "
                                 "member has")
        members, seen = [], {}
        for point, key in zip(points, keys):
            kw = {f: getattr(self, f) for f in _MEMBER_FIELDS}
            kw.update(next((v for k, v in self.overrides.items() if k == key), {}))
            for f in _TEMPLATES:
                kw[f] = _fill(where, f, kw[f], point)
            if (name := kw["name"]) in seen:
                raise ValueError(f"{where}: points {seen[name]}, {point} both named {name!r}")
            seen[name] = point
            members.append(Experiment(group=self.group, params=point, **kw))
        return tuple(members)


def _fill(where: str, field_: str, template: str, params: Mapping) -> str:
    """``template.format(**params)``, checked to use only ``params``."""
    try:
        used = {re.split(r"[.\[]", f, maxsplit=1)[0]
                for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise ValueError(f"{where}: the {field_} template {template!r}: {exc}") from None
    if missing := sorted(used - set(params)):
        raise ValueError(f"{where}: the {field_} template {template!r} uses {missing}, no "
                         f"grid parameters {list(params)} (double literal braces)")
    return template.format(**params)
