"""map_sweeps: many independent branches, serially or on a 2-worker Dask cluster."""
import numpy as np
import pytest

import replica
from replica import models


def _grid():
    return [models.perceptron(weights="spherical", kappa=k) for k in (0.0, 0.5, 1.0)]


def test_serial_map_equals_individual_sweeps():
    alphas = np.linspace(0.1, 0.6, 6)
    got = replica.map_sweeps(_grid(), alpha=alphas)
    for m, b in zip(_grid(), got):
        ref = replica.sweep(m, alpha=alphas)
        assert np.array_equal(b.phi, ref.phi)
    # the capacity is where q -> 1: the branch at kappa = 1 (alpha_c = 0.5196) ends before 0.6
    assert np.all(np.diff([b.phi[0] for b in got]) < 0)


@pytest.mark.filterwarnings("ignore::ResourceWarning",
                            "ignore::pytest.PytestUnraisableExceptionWarning")
def test_on_a_local_cluster_identical_to_serial():
    import distributed
    alphas = np.linspace(0.1, 0.4, 4)
    serial = replica.map_sweeps(_grid(), alpha=alphas)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")
    client = distributed.Client(cluster)
    try:
        dist = replica.map_sweeps(_grid(), alpha=alphas, client=client)
    finally:
        client.close()
        cluster.close()
    for a, b in zip(serial, dist):
        assert np.array_equal(a.phi, b.phi)


def test_bad_input():
    with pytest.raises(TypeError, match="sequence of models"):
        replica.map_sweeps(models.perceptron(weights="spherical"), alpha=[0.1])


def test_sweep_progress_bar_on_request(capsys):
    replica.sweep(models.perceptron(weights="spherical", kappa=0.5),
                  alpha=np.linspace(0.1, 0.3, 3), progress=True)
    err = capsys.readouterr().err
    assert "sweep alpha" in err and "/3 " in err
    replica.sweep(models.perceptron(weights="spherical", kappa=0.5),
                  alpha=np.linspace(0.1, 0.3, 3), progress=False)
    assert capsys.readouterr().err == ""
