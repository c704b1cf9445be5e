import json
import math

import numpy as np
import pytest

from validate import PointCache, Profile, read_json, run_experiment, write_json
from validate.experiment import instance_seed
from validate.experiments.synthetic import synthetic_experiment, synthetic_simulate
from validate.records import record_to_dict


def test_seeds_deterministic_and_distinct():
    a = instance_seed(7, "exp", 40, 3)
    assert a == instance_seed(7, "exp", 40, 3)
    others = {instance_seed(7, "exp", 40, 4), instance_seed(7, "exp", 80, 3),
              instance_seed(7, "other", 40, 3), instance_seed(8, "exp", 40, 3)}
    assert a not in others and len(others) == 4


def test_profile_validation():
    assert Profile((10, 20), 5).instances == (5, 5)
    assert Profile((10, 20), (3, 4)).count(20) == 4
    with pytest.raises(ValueError, match="distinct positive sizes"):
        Profile((10,), 5)
    with pytest.raises(ValueError, match="instances"):
        Profile((10, 20), (3,))
    exp = synthetic_experiment()
    with pytest.raises(ValueError, match="Unknown profile 'medium'"):
        exp.profile("medium")


def test_synthetic_passes_and_z_consistent():
    rec = run_experiment(synthetic_experiment(), progress=None)
    ex = rec.extrapolation
    assert rec.theory == 1.0
    assert rec.z == pytest.approx((ex.value - rec.theory) / ex.error)
    assert rec.status == "passed" and rec.passed and abs(rec.z) <= 3
    assert [s.n for s in rec.sizes] == [20] * 4 and rec.n_failed == 0
    assert ex.coef[1] == pytest.approx(2.0, abs=5 * math.sqrt(ex.cov[1][1]) * ex.inflation)
    assert rec.code_version["commit"]  # a hash or "unknown"
    # rows carry their seeds; the seeds reproduce the values
    r0 = rec.rows[0]
    assert r0.seed == instance_seed(rec.base_seed, rec.name, r0.N, r0.index)
    assert r0.value == synthetic_simulate(r0.N, np.random.default_rng(r0.seed), **rec.params)


def test_biased_simulation_fails():
    rec = run_experiment(synthetic_experiment(bias=0.2), progress=None)
    assert rec.status == "failed" and rec.z > 3


def test_imprecise_comparison_is_inconclusive_not_passed():
    # the right theory, but 3 sigma of the extrapolation (~0.4) is wider than 0.1
    rec = run_experiment(synthetic_experiment(noise=0.3, instances=6, resolution=0.1),
                         progress=None)
    ex = rec.extrapolation
    assert 3 * ex.error > rec.resolution == 0.1
    assert abs(rec.z) <= 3 and rec.status == "inconclusive", rec.message
    assert "wider than the resolution" in rec.message


def test_relative_resolution_scales_with_the_theory():
    rec = run_experiment(synthetic_experiment(mu=4.0, resolution=0.05, resolution_relative=True),
                         progress=None)
    assert rec.resolution == pytest.approx(0.2) and rec.resolution_spec == 0.05


def test_finite_size_form_that_does_not_fit_is_bad_fit_not_inflated():
    # y = mu + 40/N^2 fitted linearly in 1/N: the curvature is ~10 sigma at N = 10
    def curved(N, rng, *, mu, bias=0.0, slope=0.0, noise=1.0):
        return mu + 400.0 / N**2 + noise * rng.standard_normal()

    rec = run_experiment(synthetic_experiment(simulate=curved, noise=0.05, instances=40),
                         progress=None)
    ex = rec.extrapolation
    assert rec.status == "bad-fit", rec.message
    assert rec.p_value < 1e-6 and ex.inflation == 1.0
    assert "bad fit" in rec.message


def test_declared_resolution_and_testable_fit_are_required():
    with pytest.raises(ValueError, match="declare a finite resolution"):
        synthetic_experiment(resolution=None)
    with pytest.raises(ValueError, match="declare a finite resolution"):
        synthetic_experiment(resolution=-1.0)
    with pytest.raises(ValueError, match="needs >= 3 to be tested"):
        synthetic_experiment(sizes=(10, 20))
    assert synthetic_experiment(sizes=(10, 20), degree=0).degree == 0


def test_power_conclusive_passes_reject_a_theory_two_resolutions_away():
    """Replaying the recorded sizes with theory +- 2 resolutions: a conclusive pass turns into
    a failure, for every seed (the guarantee of the verdict's Notes)."""
    from validate.verdict import judge

    for base_seed in range(20):
        exp = synthetic_experiment(base_seed=base_seed)
        rec = run_experiment(exp, progress=None)
        assert rec.status in ("passed", "failed"), rec.message
        if rec.status != "passed":
            continue
        for sign in (-1, 1):
            v = judge(rec.sizes, rec.theory + 2 * sign * rec.resolution, scaling=exp.scaling,
                      degree=exp.degree, threshold=exp.threshold, resolution=exp.resolution,
                      relative=False, fit_p_min=exp.fit_p_min)
            assert v.status == "failed" and abs(v.z) > 3


def _flaky(N, rng, **params):
    value = synthetic_simulate(N, rng, **params)
    u = rng.uniform()
    if u < 0.1:
        raise RuntimeError("solver did not converge")
    if u < 0.2:
        return math.nan
    return value


def test_failed_rows_kept_not_averaged():
    exp = synthetic_experiment(simulate=_flaky, instances=30)
    rec = run_experiment(exp, progress=None)
    failed = [r for r in rec.rows if r.status == "failed"]
    assert len(rec.rows) == 4 * 30 and failed
    assert any("RuntimeError: solver did not converge" in r.error for r in failed)
    assert any("non-finite value nan" in r.error for r in failed)
    assert all(r.value is None for r in failed)
    for s in rec.sizes:
        ok = [r.value for r in rec.rows if r.N == s.N and r.status == "ok"]
        assert s.n == len(ok) and s.n_failed == 30 - len(ok)
        assert s.mean == pytest.approx(np.mean(ok))
    assert rec.n_failed == len(failed)
    assert f"{len(failed)} failed simulation point(s)" in rec.message
    assert rec.status == "passed", rec.message  # known answer, fixed seeds


def test_theory_error_gives_error_status():
    def bad_theory(**params):
        raise ArithmeticError("no saddle point")

    rec = run_experiment(synthetic_experiment(theory=bad_theory), progress=None)
    assert rec.status == "error" and math.isnan(rec.z)
    assert "theory failed: ArithmeticError: no saddle point" in rec.message


def test_all_failed_gives_error_status():
    def always_fails(N, rng, **params):
        raise ValueError("boom")

    rec = run_experiment(synthetic_experiment(simulate=always_fails, instances=3), progress=None)
    assert rec.status == "error" and rec.extrapolation is None
    assert rec.n_failed == 12 and "extrapolation impossible" in rec.message


def test_json_round_trip(tmp_path):
    rec = run_experiment(synthetic_experiment(simulate=_flaky), progress=None)
    path = tmp_path / "r.json"
    write_json(path, rec)
    text = path.read_text()
    assert "NaN" not in text
    back = read_json(path)
    assert record_to_dict(back) == record_to_dict(rec)
    assert json.loads(text)["passed"] == rec.passed


class _Interrupt:
    """Simulation that counts calls and raises KeyboardInterrupt after ``stop`` points."""

    def __init__(self, stop=None):
        self.stop, self.calls = stop, []

    def __call__(self, N, rng, **params):
        if self.stop is not None and len(self.calls) == self.stop:
            raise KeyboardInterrupt
        self.calls.append(N)
        return synthetic_simulate(N, rng, **params)


def test_resume_after_interrupt(tmp_path, capsys):
    import sys

    first = _Interrupt(stop=7)
    exp = synthetic_experiment(simulate=first, sizes=(10, 20, 40), instances=5)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, cache=PointCache(tmp_path), progress=sys.stderr)
    assert len(first.calls) == 7
    second = _Interrupt()
    exp2 = synthetic_experiment(simulate=second, sizes=(10, 20, 40), instances=5)
    rec = run_experiment(exp2, cache=PointCache(tmp_path), progress=sys.stderr)
    assert len(second.calls) == 15 - 7
    assert "(5 cached, 0 failed)" in capsys.readouterr().err
    full = run_experiment(synthetic_experiment(sizes=(10, 20, 40), instances=5), progress=None)
    assert [r.value for r in rec.rows] == [r.value for r in full.rows]
    # everything cached now; --fresh ignores it
    third = _Interrupt()
    run_experiment(synthetic_experiment(simulate=third, sizes=(10, 20, 40), instances=5),
                   cache=PointCache(tmp_path), progress=None)
    assert third.calls == []
    run_experiment(synthetic_experiment(simulate=third, sizes=(10, 20, 40), instances=5),
                   cache=PointCache(tmp_path, fresh=True), progress=None)
    assert len(third.calls) == 15


def test_cache_detects_an_edited_value(tmp_path):
    exp = synthetic_experiment(sizes=(10, 20), degree=0, instances=3)
    first = run_experiment(exp, cache=PointCache(tmp_path), progress=None)
    (path,) = tmp_path.glob("*.jsonl")
    lines = path.read_text().splitlines()
    entry = json.loads(lines[2])
    entry["row"]["value"] += 0.5  # a parseable, plausible, wrong value
    lines[2] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")
    again = run_experiment(exp, cache=PointCache(tmp_path), progress=None)
    assert [r.value for r in again.rows] == [r.value for r in first.rows]  # recomputed
    assert "1 with a checksum that does not match" in again.message


def test_cache_tolerates_truncated_line(tmp_path):
    exp = synthetic_experiment(simulate=_Interrupt(), sizes=(10, 20), degree=0, instances=3)
    run_experiment(exp, cache=PointCache(tmp_path), progress=None)
    (path,) = tmp_path.glob("*.jsonl")
    with open(path, "a") as fh:
        fh.write('{"key": "abc", "row": {"N": 1')  # interrupted write
    counter = _Interrupt()
    run_experiment(synthetic_experiment(simulate=counter, sizes=(10, 20), degree=0, instances=3),
                   cache=PointCache(tmp_path), progress=None)
    assert counter.calls == []


def test_cache_key_depends_on_params_and_function(tmp_path):
    run_experiment(synthetic_experiment(simulate=_Interrupt(), sizes=(10, 20), degree=0, instances=3),
                   cache=PointCache(tmp_path), progress=None)
    counter = _Interrupt()
    run_experiment(synthetic_experiment(simulate=counter, mu=2.0, sizes=(10, 20), degree=0, instances=3),
                   cache=PointCache(tmp_path), progress=None)
    assert len(counter.calls) == 6
    # same name and parameters but another simulation function: not reused
    calls = []

    def other(N, rng, **params):
        calls.append(N)
        return 1.0 + rng.standard_normal()

    run_experiment(synthetic_experiment(simulate=other, sizes=(10, 20), degree=0, instances=3),
                   cache=PointCache(tmp_path), progress=None)
    assert len(calls) == 6
