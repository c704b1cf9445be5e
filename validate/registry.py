"""Registry of validation experiments: name -> Experiment.

To add experiments, write a module in ``validate/experiments/`` declaring them as data, a
tuple ``FAMILIES`` of :class:`~validate.family.Family`, and exposing their expansion, a
tuple ``EXPERIMENTS`` of :class:`~validate.experiment.Experiment`; add its import path to
:data:`EXPERIMENT_MODULES`. Importing an experiment module must not import ``replica``
or ``simulate`` (they are imported lazily inside the theory/simulation callables).
"""

from __future__ import annotations

import difflib

import importlib

from .experiment import Experiment

__all__ = ["EXPERIMENT_MODULES", "default_registry", "select", "make_registry"]

#: Modules whose ``EXPERIMENTS`` form the default suite, in report order.
EXPERIMENT_MODULES = ("validate.experiments.spherical", "validate.experiments.binary",
                      "validate.experiments.ternary", "validate.experiments.localentropy",
                      "validate.experiments.barriers", "validate.experiments.spinglass",
                      "validate.experiments.relu")


def make_registry(experiments) -> dict[str, Experiment]:
    """Registry dict from an iterable of experiments (names must be unique)."""
    registry: dict[str, Experiment] = {}
    for exp in experiments:
        if exp.name in registry:
            raise ValueError(f"duplicate experiment name {exp.name!r}")
        if exp.name != exp.group and any(e.name == exp.group for e in registry.values()):
            raise ValueError(f"group name {exp.group!r} clashes with an experiment name")
        registry[exp.name] = exp
    return registry


def default_registry() -> dict[str, Experiment]:
    """The default suite: all experiments of :data:`EXPERIMENT_MODULES`."""
    exps = []
    for mod in EXPERIMENT_MODULES:
        exps.extend(importlib.import_module(mod).EXPERIMENTS)
    return make_registry(exps)


def select(registry: dict[str, Experiment], names=None) -> list[Experiment]:
    """Experiments selected by experiment names or group names (all if ``names`` is None).

    Raises
    ------
    KeyError
        If a name is neither an experiment nor a group; the message lists the known ones.
    """
    if not names:
        return list(registry.values())
    groups: dict[str, list[Experiment]] = {}
    for exp in registry.values():
        groups.setdefault(exp.group, []).append(exp)
    chosen: list[Experiment] = []
    seen: set[str] = set()
    for name in names:
        if name in registry:
            picked = [registry[name]]
        elif name in groups:
            picked = groups[name]
        else:
            near = difflib.get_close_matches(name, list(groups) + list(registry), n=3,
                                             cutoff=0.6)
            hint = f"Did you mean {' or '.join(map(repr, near))}? " if near else ""
            raise KeyError(
                f"Unknown experiment {name!r}. {hint}Known groups: {sorted(groups)}; "
                f"known experiments: {list(registry)}"
            )
        for exp in picked:
            if exp.name not in seen:
                seen.add(exp.name)
                chosen.append(exp)
    return chosen
