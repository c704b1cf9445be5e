"""Many independent sweeps at once, serially or on a Dask cluster.

A grid over kappa, over priors or over models is embarrassingly parallel: each model's branch
is followed on its own. :func:`map_sweeps` sends ``(model, controls)`` to the workers of a
``distributed.Client``; a model pickles as its SymPy free entropy, and a worker finds the
compiled kernel by the free entropy's content hash in the kernel cache (``REPLICA_CACHE_DIR``,
shared when the workers share a file system), so kernels compiled once are loaded, not
recompiled.
"""

from __future__ import annotations

from typing import Sequence

from .engine.continuation import sweep

__all__ = ["map_sweeps"]


def _sweep_one(model, controls, kwargs):
    return sweep(model, controls, **kwargs)


def map_sweeps(models: Sequence, controls=None, *, client=None, **kwargs) -> list:
    """``[replica.sweep(m, controls, **kwargs) for m in models]``, optionally on Dask.

    Parameters
    ----------
    models : sequence of Model or CompiledFreeEntropy
        The models (one branch each), e.g. ``[models.perceptron(kappa=k) for k in kappas]``.
    controls : dict or None
        The sweep's controls, the same for every model (or give them as keywords, e.g.
        ``alpha=numpy.linspace(...)``, exactly as for :func:`replica.sweep`).
    client : distributed.Client, optional
        Run each sweep as a Dask task on this client. Default: serially, in this process.
    **kwargs
        Passed to :func:`replica.sweep` (``ansatz``, ``tol``, control arrays, ...).

    Returns
    -------
    list of Branch
        In the order of ``models``; identical to the serial results (each sweep is
        deterministic and independent of where it runs).

    Raises
    ------
    TypeError
        If ``models`` is not a sequence.

    Notes
    -----
    The sweeps are independent: a failure of one model's branch is reported in its
    ``Branch`` (failed rows), exactly as by :func:`replica.sweep`; exceptions raised for bad
    input propagate from the first failing model.
    """
    if isinstance(models, (str, bytes)) or not hasattr(models, "__len__"):
        raise TypeError(f"models must be a sequence of models; got {type(models).__name__}")
    models = list(models)
    if client is None:
        return [sweep(m, controls, **kwargs) for m in models]
    futures = [client.submit(_sweep_one, m, controls, kwargs, pure=False) for m in models]
    return client.gather(futures)
