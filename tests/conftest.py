"""Shared test configuration."""
import mpmath
import pytest


@pytest.fixture(autouse=True)
def _mpmath_precision():
    """Every test starts at 30 digits; a test that changes mpmath.mp.dps cannot leak it."""
    old = mpmath.mp.dps
    mpmath.mp.dps = 30
    yield
    mpmath.mp.dps = old
