import math

import numpy as np
import pytest

from validate.extrapolate import extrapolate, scaling_variable


@pytest.mark.parametrize("degree", [1, 2])
@pytest.mark.parametrize("scaling", ["1/N", "1/sqrt(N)"])
def test_wls_matches_polyfit(degree, scaling):
    N = np.array([20, 40, 80, 160, 320, 640])
    rng = np.random.default_rng(1)
    sem = rng.uniform(0.01, 0.05, N.size)
    x = scaling_variable(N, scaling)
    y = 0.7 - 1.3 * x + 0.4 * x**2 + sem * rng.standard_normal(N.size)
    ex = extrapolate(N, y, sem, scaling=scaling, degree=degree, inflate=False)
    # numpy.polyfit weights are 1/sigma; cov="unscaled" is (A^T W A)^-1
    coef, cov = np.polyfit(x, y, degree, w=1 / sem, cov="unscaled")
    np.testing.assert_allclose(ex.coef, coef[::-1], rtol=1e-10)
    np.testing.assert_allclose(np.asarray(ex.cov), cov[::-1, ::-1], rtol=1e-8)
    assert ex.error == pytest.approx(math.sqrt(cov[-1, -1]), rel=1e-10)
    resid = y - np.polyval(coef, x)
    assert ex.chi2 == pytest.approx(np.sum((resid / sem) ** 2), rel=1e-10)
    assert ex.dof == N.size - degree - 1


def test_exact_data_recovered():
    N = np.array([10, 20, 40, 80])
    y = 1.5 + 3.0 / N
    ex = extrapolate(N, y, np.full(4, 0.01))
    assert ex.value == pytest.approx(1.5, abs=1e-12)
    assert ex.coef[1] == pytest.approx(3.0, abs=1e-9)
    assert ex.chi2 == pytest.approx(0.0, abs=1e-16)
    assert ex.inflation == 1.0
    # the alternative scaling fits worse on data linear in 1/N
    (alt,) = ex.alternatives
    assert alt.scaling == "1/sqrt(N)" and alt.chi2 > 1.0
    y_inf, err_inf = ex.predict(np.inf)
    assert y_inf[0] == pytest.approx(1.5) and err_inf[0] == pytest.approx(ex.error)


def test_error_matches_monte_carlo():
    """Reported error = spread of the estimator over repeated synthetic data sets."""
    rng = np.random.default_rng(12345)
    N = np.array([40, 80, 160, 320])
    sem = np.array([0.02, 0.015, 0.01, 0.008])
    truth = 0.3 + 2.0 / N
    R = 4000
    est = np.empty(R)
    for r in range(R):
        y = truth + sem * rng.standard_normal(N.size)
        est[r] = extrapolate(N, y, sem, inflate=False, compare=()).value
    reported = extrapolate(N, truth, sem, inflate=False).error
    mc_std = est.std(ddof=1)
    mc_err = mc_std / math.sqrt(2 * (R - 1))  # standard error of a Gaussian sample std
    assert abs(mc_std - reported) < 4 * mc_err
    assert abs(est.mean() - 0.3) < 4 * mc_std / math.sqrt(R)  # unbiased


def test_inflation_when_chi2_large():
    N = np.array([10, 20, 40, 80, 160])
    y = 1.0 + 1.0 / N + np.array([0.1, -0.1, 0.1, -0.1, 0.1])
    sem = np.full(5, 0.01)
    ex = extrapolate(N, y, sem)
    raw = extrapolate(N, y, sem, inflate=False)
    assert ex.chi2_dof > 1
    assert ex.inflation == pytest.approx(math.sqrt(ex.chi2 / ex.dof))
    assert ex.error == pytest.approx(raw.error * ex.inflation)
    assert "inflated" in ex.note


def test_no_dof_note():
    ex = extrapolate([10, 20], [1.0, 1.1], [0.1, 0.1])
    assert ex.dof == 0 and math.isnan(ex.chi2_dof) and "dof = 0" in ex.note


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(N=[10, 20], mean=[1.0, math.nan], sem=[0.1, 0.1]), "non-finite mean"),
        (dict(N=[10, 20], mean=[1.0, 1.0], sem=[0.1, 0.0]), "sem=0 at N=\\[20"),
        (dict(N=[10, 20], mean=[1.0, 1.0], sem=[0.1, 0.1], degree=2), "at least 3"),
        (dict(N=[10, 20], mean=[1.0], sem=[0.1, 0.1]), "equal length"),
        (dict(N=[10, 20], mean=[1.0, 1.0], sem=[0.1, 0.1], scaling="log"), "Unknown scaling 'log'"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        extrapolate(**kwargs)
