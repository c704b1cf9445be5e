"""Distributed runs on a 2-worker Dask LocalCluster give the serial records, to the last digit."""
import dataclasses

import distributed  # a declared dependency: missing, it fails loudly
import pytest
# a LocalCluster may leave a socket to the garbage collector on shutdown (not our code's)
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning",
                                        "ignore::pytest.PytestUnraisableExceptionWarning")

from validate import PointCache, Profile, main, read_json, run_experiment  # noqa: E402
from validate.experiments import spherical as sp  # noqa: E402
from validate.experiments.synthetic import synthetic_experiment  # noqa: E402
from validate.registry import make_registry  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _same_rows(a, b):
    assert [(r.N, r.index, r.seed, r.status, r.value, r.error is None, r.extra)
            for r in a.rows] == [(r.N, r.index, r.seed, r.status, r.value, r.error is None,
                                  r.extra) for r in b.rows]
    assert a.z == b.z and a.status == b.status
    assert a.extrapolation.value == b.extrapolation.value


def test_synthetic_records_identical_to_serial(client):
    exp = synthetic_experiment(instances=12)
    _same_rows(run_experiment(exp, progress=None),
               run_experiment(exp, progress=None, client=client))


def test_real_experiment_identical_and_resumes_from_the_cache(client, tmp_path):
    (exp,) = [e for e in sp.EXPERIMENTS if e.name == "kappa_max-alpha1"]
    exp = dataclasses.replace(exp, quick=Profile((20, 40, 60), 6))
    serial = run_experiment(exp, progress=None)
    dist = run_experiment(exp, progress=None, client=client, cache=PointCache(tmp_path))
    _same_rows(serial, dist)
    # everything is cached now: a second distributed run submits nothing and agrees
    again = run_experiment(exp, progress=None, client=client, cache=PointCache(tmp_path))
    _same_rows(serial, again)
    assert all(r.value is not None for r in again.rows)


def test_cli_workers(tmp_path, capsys):
    reg = make_registry([synthetic_experiment("syn-d", sizes=(10, 20, 40), instances=6)])
    assert main(["--out", str(tmp_path / "s"), "--quiet"], registry=reg) == 0
    assert main(["--out", str(tmp_path / "d"), "--quiet", "--workers", "2"], registry=reg) == 0
    a, b = read_json(tmp_path / "s" / "syn-d.json"), read_json(tmp_path / "d" / "syn-d.json")
    _same_rows(a, b)
    assert main(["--out", str(tmp_path / "x"), "--workers", "0"], registry=reg) == 2
    assert "--workers must be >= 1" in capsys.readouterr().err
