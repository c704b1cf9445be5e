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


class _LostFuture:
    def result(self):
        raise RuntimeError("worker tcp://127.0.0.1:1 lost")  # what a cluster raises, in kind

    def cancel(self):
        pass


class _LosingClient:
    """A client whose every task is lost (no cluster is started)."""

    def scatter(self, x, broadcast=True):
        return x

    def submit(self, fn, *args, pure=False):
        return _LostFuture()

    def close(self):
        pass


def test_a_lost_task_is_a_named_error_with_the_point(tmp_path, monkeypatch, capsys):
    """A task the cluster loses (a worker killed or stopped past its heartbeat) used to escape
    as a raw distributed exception and a traceback; now it is a ClusterError naming the
    experiment and the point, and the CLI prints it and returns 2 (the cache keeps the rest)."""
    from validate import cli
    from validate.experiment import ClusterError

    monkeypatch.setattr(distributed, "as_completed", lambda futs: iter(list(futs)))
    exp = synthetic_experiment("syn-lost", sizes=(10, 20, 40), instances=2)
    with pytest.raises(ClusterError) as err:
        run_experiment(exp, progress=None, client=_LosingClient(),
                       cache=PointCache(tmp_path / "c"))
    assert err.value.experiment == "syn-lost" and err.value.point == (10, 0)
    assert "resumes from the cache" in str(err.value)
    monkeypatch.setattr(cli, "_client", lambda args: _LosingClient())
    reg = make_registry([exp])
    assert main(["--out", str(tmp_path / "o"), "--quiet", "--workers", "2"], registry=reg) == 2
    assert "the Dask cluster lost the point N = 10, index 0" in capsys.readouterr().err
