"""Family: experiments declared as data (a grid of parameters and shared fields)."""
import dataclasses
import importlib

import pytest

from validate import Experiment, Family, Profile, grid
from validate.experiments.synthetic import (synthetic_experiment, synthetic_simulate,
                                            synthetic_theory)
from validate.registry import EXPERIMENT_MODULES

PROF = Profile((10, 20, 40, 80), 20)


def _family(**kw) -> Family:
    """A small synthetic family: two means, the other parameters fixed."""
    args = dict(group="syn", name="syn-mu{mu:g}",
                grid=grid(mu=(1.0, 2.0), bias=0.0, slope=2.0, noise=0.1),
                observable="y", theory=synthetic_theory, simulate=synthetic_simulate,
                quick=PROF, full=PROF, scaling_note="synthetic data are exactly linear in 1/N",
                description="Synthetic experiment with a known answer.", resolution=0.25)
    args.update(kw)
    return Family(**args)


def test_grid_is_the_cartesian_product_in_keyword_order():
    assert grid(a=(1, 2), k=0.0, d=[3, 4]) == (
        {"a": 1, "k": 0.0, "d": 3}, {"a": 1, "k": 0.0, "d": 4},
        {"a": 2, "k": 0.0, "d": 3}, {"a": 2, "k": 0.0, "d": 4})
    assert [list(p) for p in grid(z=range(2), a=None)] == [["z", "a"], ["z", "a"]]
    assert grid(index=(None, 0)) == ({"index": None}, {"index": 0})
    assert grid() == ({},)
    with pytest.raises(ValueError, match="axis 'd' has no values"):
        grid(a=(1, 2), d=())


def test_family_expands_to_the_directly_built_experiments():
    fam = _family(overrides={2.0: {"quick": PROF.scaled(2.0)}})
    direct = (synthetic_experiment("syn-mu1", group="syn", mu=1.0),
              dataclasses.replace(synthetic_experiment("syn-mu2", group="syn", mu=2.0),
                                  quick=PROF.scaled(2.0)))
    members = fam.experiments()
    assert members == direct
    for m, d in zip(members, direct):
        # every field, including the ones equality ignores, in the same order of parameters
        for f in dataclasses.fields(Experiment):
            assert getattr(m, f.name) == getattr(d, f.name), f.name
        assert list(m.params) == list(d.params)
    assert fam.experiments() == members  # expanding twice gives the same members


def test_templates_and_overrides_are_formatted_per_point():
    fam = _family(
        grid=grid(mu=(1.0, 2.0), bias=0.0, slope=(1.0, 3.0), noise=0.1),
        name="syn-mu{mu:g}-s{slope:g}",
        description="mean {mu:g}, slope {slope}, in {{braces}}",
        overrides={(2.0, 3.0): {"name": "syn-last", "description": "last: {mu}",
                                "resolution": 0.5}})
    members = fam.experiments()
    assert [m.name for m in members] == ["syn-mu1-s1", "syn-mu1-s3", "syn-mu2-s1", "syn-last"]
    assert members[1].description == "mean 1, slope 3.0, in {braces}"
    assert members[3].description == "last: 2.0" and members[3].resolution == 0.5
    assert {m.resolution for m in members[:3]} == {0.25}
    assert all(m.group == "syn" for m in members)
    assert members[2].params == {"mu": 2.0, "bias": 0.0, "slope": 1.0, "noise": 0.1}


def test_a_grid_without_parameters_gives_one_member():
    (exp,) = _family(grid=grid(), name="syn-one", theory=lambda: 1.0,
                     simulate=lambda N, rng: 1.0).experiments()
    assert exp.name == "syn-one" and exp.params == {}


def test_family_fields_are_the_experiment_fields():
    fam = {f.name: f for f in dataclasses.fields(Family)}
    exp = {f.name: f for f in dataclasses.fields(Experiment)}
    assert set(fam) - {"grid", "overrides"} == set(exp) - {"params"}
    for name in set(exp) - {"params", "name", "group"}:
        assert fam[name].default == exp[name].default, name
        assert fam[name].compare == exp[name].compare, name
    with pytest.raises(dataclasses.FrozenInstanceError):
        _family().name = "other"


#: How every error of the family starts: its group and name template.
F = r"family 'syn' \(syn[^)]*\): "


@pytest.mark.parametrize("kw, match", [
    (dict(name="syn-alpha{alpha:g}"), F + r"the name template .* uses \['alpha'\]"),
    (dict(description="w in {-1,+1}^N"), F + r"the description template .* uses \['-1,\+1'\]"),
    (dict(name="syn-mu{mu"), F + r"the name template 'syn-mu\{mu'"),
    (dict(name="syn"), F + r"points .* both named 'syn'"),
    (dict(grid=()), F + r"the grid is empty"),
    (dict(grid=({"mu": 1.0}, {"mu": 2.0, "bias": 0.1})),
     F + r"the grid point \{'mu': 2.0, 'bias': 0.1\} has other parameters"),
    (dict(overrides={3.0: {"resolution": 0.5}}),
     F + r"the override key 3.0 is no grid point \(\['mu'\] take the values \[1.0, 2.0\]\)"),
    (dict(overrides={1.0: {"quik": PROF}}), F + r"the override at 1.0 sets \['quik'\]"),
    (dict(overrides={1.0: {"params": {}}}), F + r"the override at 1.0 sets \['params'\]"),
])
def test_family_validation_names_the_family_and_the_culprit(kw, match):
    with pytest.raises(ValueError, match=match):
        _family(**kw).experiments()


def test_member_validation_is_the_experiments():
    with pytest.raises(ValueError, match="experiment 'syn-mu2': declare a finite resolution"):
        _family(overrides={2.0: {"resolution": -1.0}}).experiments()


@pytest.mark.parametrize("module", EXPERIMENT_MODULES)
def test_experiment_modules_declare_their_experiments_as_families(module):
    mod = importlib.import_module(module)
    assert mod.FAMILIES and all(isinstance(f, Family) for f in mod.FAMILIES)
    assert mod.EXPERIMENTS == tuple(e for f in mod.FAMILIES for e in f.experiments())
    for f in mod.FAMILIES:
        assert {e.group for e in f.experiments()} == {f.group}
