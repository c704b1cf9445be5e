"""The worked examples run end to end (figures written to a temporary folder)."""
import runpy
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.setenv("NOTEBOOK_POINTS", "3")  # a coarse version of each figure
    runpy.run_path(str(path), run_name="__main__")
    assert any(tmp_path.glob("*.png"))
