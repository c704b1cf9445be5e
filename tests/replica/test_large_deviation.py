"""Large-deviation local entropy (binary perceptron, free reference), issue #15.

The engine solves the finite-y free entropy (:func:`replica.localentropy.large_deviation_free_entropy`)
and extrapolates the dominant references' local entropy S*(y) = dPhi/dy to y -> infinity.  The
reference is independent: the y = infinity limit of the same construction, derived separately
with proximal maxima (scalings 1 - q~ ~ 1/y, q1 - q0 = chi1/y, ...) and transcribed in SciPy in
``tests/replica/large_deviation_ref.py`` (no engine code).
"""
import numpy as np
import pytest

import replica
from replica import models

from . import large_deviation_ref as ld


def _reference(alpha, distances):
    # the y = infinity saddle point, by continuation in alpha from the solution the reference
    # module records at alpha = 0.1, d = 0.1, then in d
    x = np.array([1.09528474e+00, 3.04974269e-06, 2.41880938e-03, 3.65280135e+02,
                  6.40000144e-01])
    for a in np.linspace(0.1, alpha, 9)[1:]:
        x, _, _ = ld.solve_free_fast(0.8, a, x)
    out = []
    for d in distances:
        x, _, _ = ld.solve_free_fast(1 - 2 * d, alpha, x)
        assert np.max(np.abs(ld.grad_free(x, 1 - 2 * d, alpha))) < 1e-9
        out.append(ld.phi_free(x, 1 - 2 * d, alpha))
    return np.array(out)


def test_extrapolated_local_entropy_against_the_infinite_y_transcription():
    """alpha = 0.5, d = 0.1 and 0.05 (computed 2026-11-30): engine 0.2341489 +- 2.6e-4 and
    0.1647338 +- 7.3e-4, reference 0.2341575 and 0.1647717.  The extrapolation must agree
    within its own error estimate and within 2e-4 (the size of error that matters here: the
    spread of the published transition estimates corresponds to dS ~ 1e-3), the estimate must
    not be vacuous (< 1e-3), and S(d) must lie between the Franz-Parisi S(d) around typical
    solutions (any reference is denser than the typical one in the large-deviation measure)
    and the unconstrained count H2(d)."""
    ds = np.array([0.1, 0.05])
    le = replica.large_deviation_entropy(0.5, distances=ds)
    ref = _reference(0.5, ds)
    assert le.status == ("converged", "converged")
    assert np.all(le.S_error < 1e-3)
    assert np.all(np.abs(le.S - ref) <= le.S_error), (le.S, ref, le.S_error)
    assert np.all(np.abs(le.S - ref) < 2e-4), (le.S, ref)
    assert np.all((3.0 <= le.ratio) & (le.ratio <= 5.0))
    # S*(y) increases towards the limit; the references' entropy Sigma falls with y
    assert np.all(np.diff(le.S_y, axis=1) > 0) and np.all(np.diff(le.Sigma_y, axis=1) < 0)
    h2 = -ds * np.log(ds) - (1 - ds) * np.log(1 - ds)
    fp = replica.local_entropy(models.perceptron(weights="binary", kappa=0.0), alpha=0.5,
                               kappa_ref=0.0, distances=ds)
    assert np.all(fp.phi < le.S) and np.all(le.S < h2)


def test_bad_input_names_the_culprit():
    with pytest.raises(ValueError, match="ys"):
        replica.large_deviation_entropy(0.5, distances=[0.1], ys=(10, 20, 30))
    with pytest.raises(ValueError, match="ys"):
        replica.large_deviation_entropy(0.5, distances=[0.1], ys=(10, 20))
    with pytest.raises(ValueError, match="overlaps must lie"):
        replica.large_deviation_entropy(0.5, overlaps=[1.2])
    with pytest.raises(ValueError, match="exactly one"):
        replica.large_deviation_entropy(0.5)
    with pytest.raises(ValueError, match="alpha"):
        replica.large_deviation_entropy(-1.0, distances=[0.1])
