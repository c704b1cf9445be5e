"""Power of the published validation: the recorded data must reject wrong theories.

The committed summaries ``validate/published/quick.json`` and ``full.json`` hold, per
experiment, the per-size means and standard errors of the last published run of each
profile. Each test replays those statistics (of both profiles)
through the same verdict as the run (``validate.verdict.judge``), with the theory replaced:

- shifted by +-2 declared resolutions: a conclusive pass must turn into a failure, and no
  experiment may pass;
- identically 0, and a constant per group (the mean of the group's theory values): no
  experiment may pass them (groups whose observable is a ratio to the exact finite-N value,
  with theory 1 by construction, are covered by the shifts alone);

and checks that the summary is current (same parameters, resolution and profile as the
registry) and that the tables of the README and docs/validation.md are the ones generated
from it.
"""
import math
import pathlib

import pytest

from validate.registry import default_registry
from validate.summary import (PUBLISHED, README_BEGIN, README_END, SUMMARY_BEGIN, SUMMARY_END,
                              read_summary, readme_table, replay, summary_table)

QUICK = PUBLISHED / "quick.json"
SUMMARY = read_summary(QUICK) if QUICK.exists() else {"records": []}
ENTRIES = {e["name"]: e for e in SUMMARY["records"]}
SUMMARIES = [read_summary(PUBLISHED / f"{p}.json") for p in ("quick", "full")
             if (PUBLISHED / f"{p}.json").exists()]
#: every published row, keyed "profile:name"
ROWS = {f"{sm['profile']}:{e['name']}": e for sm in SUMMARIES for e in sm["records"]}
REGISTRY = default_registry()
#: groups whose observable is simulation / exact value (theory 1 at every N by construction)
RATIO_GROUPS = {"pspin-counts", "pspin-counts-deformed", "pspin-counts-window",
                "relu-fullrank-1d"}


def test_the_quick_summary_is_published_for_every_experiment():
    assert QUICK.exists(), "run python -m validate and publish it (validate/summary.py)"
    assert sorted(ENTRIES) == sorted(REGISTRY)


@pytest.mark.parametrize("key", sorted(ROWS))
def test_published_summary_is_current(key):
    profile, name = key.split(":")
    e, exp = ROWS[key], REGISTRY[name]
    assert e["params"] == {k: v for k, v in exp.params.items()}
    assert e["resolution_spec"] == exp.resolution
    assert e["resolution_relative"] == exp.resolution_relative
    assert e["scaling"] == exp.scaling and e["degree"] == exp.degree
    prof = exp.profile(profile)
    assert [s[0] for s in e["sizes"]] == list(prof.sizes)
    assert [s[1] + s[2] for s in e["sizes"]] == list(prof.instances)


@pytest.mark.parametrize("key", sorted(ROWS))
def test_replay_reproduces_the_recorded_verdict(key):
    e = ROWS[key]
    v = replay(e)
    assert v.status == e["status"]
    assert v.z == pytest.approx(e["z"], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("key", sorted(ROWS))
@pytest.mark.parametrize("sign", [-1, 1])
def test_theory_two_resolutions_away_is_rejected(key, sign):
    e = ROWS[key]
    if e["status"] == "failed" and sign * (e["value"] - e["theory"]) > 0:
        # the recorded theory is already rejected; a shift towards the data may land on it
        pytest.skip("shift towards the data of a failed experiment")
    v = replay(e, e["theory"] + 2 * sign * e["resolution"])
    assert v.status != "passed", (v.z, v.messages)
    if e["status"] == "passed":
        assert v.status == "failed" and abs(v.z) > e["threshold"], (v.z, v.messages)


@pytest.mark.parametrize("key", sorted(ROWS))
def test_a_zero_theory_is_rejected(key):
    if ROWS[key]["theory"] == 0.0:  # e.g. an excess distance: 0 is the theory itself
        pytest.skip("the theory is 0; the shifts by +-2 resolutions cover it")
    v = replay(ROWS[key], 0.0)
    assert v.status != "passed", (v.z, v.messages)


@pytest.mark.parametrize("group", sorted({f"{k.split(':')[0]}:{e['group']}"
                                          for k, e in ROWS.items()
                                          if e["group"] not in RATIO_GROUPS}))
def test_a_constant_theory_is_rejected_by_its_group(group):
    profile, name = group.split(":")
    members = [e for k, e in ROWS.items()
               if e["group"] == name and k.startswith(profile + ":")]
    const = sum(e["theory"] for e in members) / len(members)
    if len(members) == 1:  # a single experiment: its constant is the theory; 0 and shifts cover it
        pytest.skip(f"group {group} has one experiment")
    if all(abs(const - e["theory"]) <= e["resolution"] for e in members):
        # by the declared resolutions the constant is as good as the theory for every member
        # (e.g. the geodesic energies at t = 0.25 and 0.5 differ by 0.6 resolutions)
        pytest.skip(f"the constant is within one resolution of every theory of {group}")
    verdicts = [replay(e, const).status for e in members]
    assert not all(s == "passed" for s in verdicts), verdicts


def test_ratio_groups_really_are_ratios():
    for e in ROWS.values():
        if e["group"] in RATIO_GROUPS:
            assert e["theory"] == 1.0


def test_most_quick_rows_are_conclusive():
    """The quick profile is sized for its resolutions: most rows are passed or failed."""
    statuses = [e["status"] for e in ENTRIES.values()]
    conclusive = sum(s in ("passed", "failed") for s in statuses)
    assert conclusive >= 0.6 * len(statuses), statuses


def test_readme_table_is_generated_from_the_published_summary():
    root = pathlib.Path(__file__).resolve().parents[2]
    full = (root / "docs" / "validation.md").read_text(encoding="utf-8")
    i, j = full.index(README_BEGIN), full.index(README_END)
    block = full[i + len(README_BEGIN):j].strip()
    assert block == "\n\n".join(readme_table(sm) for sm in SUMMARIES).strip()
    readme = (root / "README.md").read_text(encoding="utf-8")
    i, j = readme.index(SUMMARY_BEGIN), readme.index(SUMMARY_END)
    assert readme[i + len(SUMMARY_BEGIN):j].strip() == summary_table(SUMMARIES).strip()


def test_resolutions_are_declared_with_a_reason():
    for exp in REGISTRY.values():
        assert math.isfinite(exp.resolution) and exp.resolution > 0
        assert len(exp.resolution_note) > 40, exp.name
