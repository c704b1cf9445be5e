"""The speed tables of README.md and docs/speed.md are generated from the benchmark results
(benchmarks/tables.py): they must be what the results say, and a ratio below 1 is printed as
it is (in bold), never hidden."""
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tables():
    spec = importlib.util.spec_from_file_location("tables", ROOT / "benchmarks" / "tables.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_speed_tables_are_generated_from_the_results():
    assert _tables().main(["--check"]) == 0, "run python benchmarks/tables.py"


def test_a_ratio_below_one_is_shown_in_bold():
    t = _tables()
    assert t.ratio(0.34) == "**0.34x**" and t.ratio(1.5) == "1.5x"
    row = "| a | b | c | 0.87x (IQR 0.8-0.9) | d |"
    assert t._bold_below_one(row) == "| a | b | c | **0.87x** (IQR 0.8-0.9) | d |"
    # the RS sweep against its compiled twin is below 1 today: the README shows it
    r = json.loads((ROOT / "benchmarks" / "results_rs_sweep.json").read_text())
    njit = r["ratios"]["njit_newton"]["ratio_of_medians"]
    readme = (ROOT / "README.md").read_text()
    assert t.ratio(njit) in readme
