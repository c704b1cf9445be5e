"""The worked examples run as notebooks: converted by jupytext from their percent format and
executed cell by cell in a real Jupyter kernel (nbclient), figures written to a temporary
folder (a coarse version of each figure, NOTEBOOK_POINTS = 3)."""
from pathlib import Path

import jupytext  # test dependencies (pyproject's "test" extra): a missing one fails loudly
import nbclient
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))


@pytest.mark.filterwarnings("ignore::ResourceWarning",
                            "ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_in_a_kernel(path, tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_OUT", str(tmp_path / "figures"))
    monkeypatch.setenv("NOTEBOOK_POINTS", "3")
    src = path.read_text()
    assert "__file__" not in src and 'matplotlib.use("Agg")' not in src
    nb = jupytext.reads(src, fmt="py:percent")
    assert sum(c.cell_type == "code" for c in nb.cells) >= 2
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, on failure
    assert any((tmp_path / "figures").glob("*.png"))
    # the figures are displayed in the notebook as well as written
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert not list(path.parent.glob("*.png"))  # nothing written into the source tree
