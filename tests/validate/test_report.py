"""Figures of the report: they draw records and theory only."""
import inspect

import numpy as np

from validate import run_experiment
from validate.experiments import barriers as bx
from validate.experiments import localentropy as lx
from validate.experiments.synthetic import synthetic_experiment
from validate.report import plot_group

PNG = b"\x89PNG\r\n\x1a\n"


def test_group_figure_split_by_a_parameter(tmp_path):
    recs = [run_experiment(synthetic_experiment(f"s{k}-{mu}", mu=mu, slope=float(k)),
                           progress=None) for k in (0, 1) for mu in (1.0, 2.0)]
    for r, k in zip(recs, (0, 0, 1, 1)):
        r.params["slope"] = float(k)
    curve = ([1.0, 2.0], [1.0, 2.0], "mu", {"split": 0.0, "label": "slope 0", "series": [
        {"x": [1.0, 2.0], "y": [1.1, 2.1], "split": 1.0, "label": "slope 1"}]})
    path = plot_group(recs, tmp_path / "g.png", param="mu", curve=curve, split="slope",
                      ylabel="y (units)")
    assert path.read_bytes()[:8] == PNG


def test_group_figures_run_no_simulation():
    """The curves of the group figures call theory only: no simulate import, no rng."""
    for fn in (bx._geodesic_curve, lx._local_energy_curve, lx._local_entropy_curve):
        src = inspect.getsource(fn)
        assert "simulate" not in src.replace("simulation", "") and "rng" not in src, fn
    # the geodesic profile of the figure is read from the rows the records keep
    assert "records" in inspect.signature(bx._geodesic_curve).parameters


def test_geodesic_rows_keep_the_profile():
    from validate.experiments.barriers import PROFILE_T

    assert PROFILE_T[0] == 0.0 and PROFILE_T[-1] == 1.0 and len(PROFILE_T) == 11
    assert np.all(np.diff(PROFILE_T) > 0)
