import json
import subprocess
import sys

import pytest

from validate import main, read_json
from validate.experiments.synthetic import synthetic_experiment
from validate.registry import default_registry, make_registry, select


def _registry():
    return make_registry([
        synthetic_experiment("syn-a", group="syn", sizes=(10, 20, 40), instances=8),
        synthetic_experiment("syn-b", group="syn", mu=2.0, sizes=(10, 20, 40), instances=8,
                             curve=lambda: ([1.0, 2.0], [1.0, 2.0], "mu"), curve_param="mu"),
        synthetic_experiment("biased", bias=0.5, sizes=(10, 20, 40), instances=8,
                             plots=("psat",)),
    ])


def test_list(capsys):
    assert main(["--list"], registry=_registry()) == 0
    out = capsys.readouterr().out
    assert "syn-a" in out and "biased" in out and "group=syn" in out


def test_list_default_registry(capsys):
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    for name in ("kappa_max-alpha0.25", "kappa_max-alpha1.5", "psat-kappa0", "psat-kappa1"):
        assert name in out


def test_only_unknown_name(tmp_path, capsys):
    assert main(["--only", "nope", "--out", str(tmp_path)], registry=_registry()) == 2
    err = capsys.readouterr().err
    assert "Unknown experiment 'nope'" in err and "syn-a" in err and "syn" in err


def test_select_group_and_names():
    reg = _registry()
    assert [e.name for e in select(reg, ["syn"])] == ["syn-a", "syn-b"]
    assert [e.name for e in select(reg, ["biased", "syn-a", "syn"])] == ["biased", "syn-a", "syn-b"]
    with pytest.raises(ValueError, match="duplicate experiment name 'syn-a'"):
        make_registry([synthetic_experiment("syn-a"), synthetic_experiment("syn-a")])


def test_end_to_end(tmp_path, capsys):
    out = tmp_path / "out"
    combined = tmp_path / "all.json"
    assert main(["--out", str(out), "--json", str(combined)], registry=_registry()) == 0
    stdout, stderr = capsys.readouterr()
    assert "2 passed, 1 failed, 0 inconclusive, 0 bad-fit, 0 errors" in stdout
    assert str(out) in stdout
    assert "[syn-a] N=40: 8/8 instances" in stderr
    report = (out / "report.md").read_text()
    assert "| syn-a |" in report and "**FAIL**" in report and "PASS" in report
    assert "![syn](figures/group_syn.png)" in report
    for name in ("syn-a", "syn-b", "biased", "group_syn"):
        png = out / "figures" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rec = read_json(out / "syn-a.json")
    assert rec.name == "syn-a" and rec.profile == "quick"
    assert [r.name for r in read_json(combined)] == ["syn-a", "syn-b", "biased"]
    assert json.loads(combined.read_text())[2]["status"] == "failed"
    assert "[report] figure syn-a" in stderr  # progress during the report phase
    assert "== [1/3] syn-a (elapsed 0:" in stderr and ", about " in stderr  # elapsed, ETA
    summary = json.loads((out / "summary.json").read_text())
    assert [r["status"] for r in summary["records"]] == ["passed", "passed", "failed"]
    assert summary["platform"]["numpy"] and summary["profile"] == "quick"
    # --strict turns failed comparisons into exit status 1; everything is cached now.
    # --only writes its own report and leaves the full one (and its summary) alone
    full_report = (out / "report.md").read_text()
    assert main(["--out", str(out), "--only", "biased", "--strict", "--quiet"],
                registry=_registry()) == 1
    assert (out / "report.md").read_text() == full_report
    only = (out / "only-biased" / "report.md").read_text()
    assert "--strict" in only and "| biased |" in only and "| syn-a |" not in only
    assert json.loads((out / "summary.json").read_text()) == summary


def test_strict_fails_on_inconclusive(tmp_path, capsys):
    reg = make_registry([synthetic_experiment("vague", noise=0.3, instances=6, resolution=0.05,
                                              sizes=(10, 20, 40))])
    assert main(["--out", str(tmp_path), "--quiet"], registry=reg) == 0
    assert "0 passed, 0 failed, 1 inconclusive" in capsys.readouterr().out
    assert main(["--out", str(tmp_path), "--quiet", "--strict"], registry=reg) == 1


def test_unwritable_outputs_are_refused_before_running(tmp_path, capsys):
    calls = []

    def sim(N, rng, **params):
        calls.append(N)
        return 1.0

    reg = make_registry([synthetic_experiment("syn-w", simulate=sim, sizes=(10, 20, 40))])
    bad = tmp_path / "missing-dir" / "all.json"
    assert main(["--out", str(tmp_path / "o"), "--json", str(bad)], registry=reg) == 2
    err = capsys.readouterr().err
    assert "--json" in err and "missing-dir" in err and "nothing was run" in err
    assert calls == []
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["--out", str(blocker / "sub")], registry=reg) == 2
    assert "cannot create the output folder" in capsys.readouterr().err and calls == []


def test_module_entry_point_list():
    proc = subprocess.run([sys.executable, "-m", "validate", "--list"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "psat-kappa0.5" in proc.stdout


def test_default_registry_imports_without_backends():
    """Listing the experiments imports neither the theory nor the simulations (nor Numba or
    SymPy): checked in a fresh interpreter, where nothing else imported them first."""
    code = ("import sys; from validate.registry import default_registry; "
            "reg = default_registry(); "
            "print(len(reg), sorted({m.split('.')[0] for m in sys.modules} & "
            "{'replica', 'simulate', 'numba', 'sympy'}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    n, loaded = proc.stdout.split(" ", 1)
    assert int(n) == len(default_registry()) and loaded.strip() == "[]"
    reg = default_registry()
    assert {e.group for e in reg.values()} == {"kappa_max", "psat", "binary-entropy",
                                               "binary-psat", "binary-overlap", "ternary-entropy",
                                               "binary-local-entropy", "spherical-local-energy",
                                               "spherical-vertices", "spherical-geodesic",
                                               "spherical-barycenter",
                                               "binary-lmc", "pspin-counts", "pspin-counts-deformed",
                                               "pspin-counts-window",
                                               "pspin-gd", "pspin-langevin",
                                               "relu-fullrank-1d", "relu-volume", "relu-volume-init"}


def test_interrupt_then_resume(tmp_path, capsys):
    calls = []

    def sim(N, rng, **params):
        if len(calls) == 5 and not getattr(sim, "resumed", False):
            raise KeyboardInterrupt
        calls.append(N)
        return 1.0 + rng.standard_normal()

    reg = make_registry([synthetic_experiment("syn-i", simulate=sim, sizes=(10, 20), degree=0,
                                              instances=4)])
    assert main(["--out", str(tmp_path), "--quiet"], registry=reg) == 130
    assert "re-run the same command to resume" in capsys.readouterr().err
    sim.resumed = True
    assert main(["--out", str(tmp_path), "--quiet"], registry=reg) == 0
    assert len(calls) == 8  # 5 before the interrupt, only the 3 missing ones after


def test_only_suggests_near_misses(capsys):
    from validate.cli import main

    assert main(["--only", "pspin-count-all", "--out", "/nonexistent-never-created"]) == 2
    err = capsys.readouterr().err
    assert "Did you mean 'pspin-counts-all'" in err


def test_a_cache_line_that_is_not_utf8_is_rejected_not_a_crash(tmp_path):
    from validate.cache import PointCache

    c = PointCache(tmp_path)
    path = c._path("exp")
    path.write_bytes(b'{"key": "\xff\xfe", "row": {}}\n')
    assert c.get("exp", "anything") is None
    assert c.rejected["exp"]["truncated"] == 1


def test_eta_weights_experiments_by_their_published_durations(monkeypatch):
    """The estimate of the time left scales the elapsed time by the published durations of the
    experiments left over those done (unknown ones count as the median of the known)."""
    from validate import cli
    clock = [100.0]
    monkeypatch.setattr(cli.time, "perf_counter", lambda: clock[0])
    eta = cli.Eta(["a", "b", "c", "d"], {"a": 10.0, "b": 30.0, "c": 60.0})
    assert eta.weights == [10.0, 30.0, 60.0, 30.0]
    assert eta.line(0) == "elapsed 0:00"  # no estimate before the first experiment ends
    clock[0] = 120.0  # a took 20 s: twice its published 10 s
    assert eta.line(1) == "elapsed 0:20, about 4:00 left"  # 20 s x (30 + 60 + 30) / 10
    clock[0] = 100.0 + 3725.0
    assert eta.line(3).startswith("elapsed 1:02:05")
