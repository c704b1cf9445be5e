"""Results of the barrier system: vertices, simplex and path energies."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine.serialize import Serializable

__all__ = ["Vertices", "SimplexEnergy", "PathEnergy"]


@dataclass(frozen=True)
class Vertices(Serializable):
    """y configurations sampled from the flat measures over solutions of margins kappa_a.

    Attributes
    ----------
    model, weights : str
    alpha : float
    kappas : tuple of float
        The vertices' margins kappa_1..kappa_y.
    q : numpy.ndarray
        RS overlap q_a of two solutions of margin kappa_a (shape (y,)).
    overlaps : numpy.ndarray
        (y, y) matrix of the vertices' mutual overlaps w^a.w^b/N (1 on the diagonal; q_a
        between two vertices of the same margin, the cross saddle point otherwise).
    qhat : numpy.ndarray or None
        Conjugates of q_a (binary weights).
    replicon : numpy.ndarray
        Replicon eigenvalue of each vertex's RS saddle point (RS is stable where > 0: below
        the de Almeida-Thouless line).
    saddle_points : tuple of SaddlePoint
    cross : dict
        (a, b) -> dict(c12=..., chat12=..., iterations=..., residual=..., method=...) for each
        pair of distinct margins.
    """

    model: str
    weights: str
    alpha: float
    kappas: tuple
    q: np.ndarray
    overlaps: np.ndarray
    qhat: np.ndarray | None
    replicon: np.ndarray
    saddle_points: tuple = field(repr=False, default=())
    cross: dict = field(repr=False, default_factory=dict)

    @property
    def rs_stable(self):
        """Per vertex: True where the RS saddle point is locally stable (replicon > 0)."""
        return self.replicon > 0

    @property
    def field_covariance(self):
        """Covariance of the vertices' cavity fields h_a: q_a on the diagonal, q_ab off it."""
        c = np.array(self.overlaps, dtype=float)
        np.fill_diagonal(c, self.q)
        return c


@dataclass(frozen=True)
class SimplexEnergy(Serializable):
    """Training error (fraction of the P constraints violated at margin ``kappa``) of points
    sum_a gamma_a w^a / |sum_a gamma_a w^a| of the simplex spanned by equilibrium vertices.

    Attributes
    ----------
    kappa : float
        The margin at which constraints are counted.
    gamma : numpy.ndarray
        (n_points, y) simplex weights (as given).
    energy : numpy.ndarray
        (n_points,) training error per constraint.
    vertices : Vertices
    energy_error : numpy.ndarray or None
        Estimated quadrature error of each energy (the same quadrature at half the order).
    """

    kappa: float
    gamma: np.ndarray
    energy: np.ndarray
    vertices: Vertices = field(repr=False)
    energy_error: np.ndarray | None = field(repr=False, default=None)


@dataclass(frozen=True)
class PathEnergy(Serializable):
    """Training error (per constraint, at margin ``kappa``) along a path between two
    equilibrium vertices: t = 0 at the kappa_1-solution, t = 1 at the kappa_2-solution.

    Attributes
    ----------
    path : str
        ``"geodesic"``, ``"straight"`` or ``"hamming"`` (see :func:`replica.path_energy`).
    kappa : float
    t : numpy.ndarray
    energy : numpy.ndarray
    gamma : numpy.ndarray
        (n_t, 2) the coefficients of w^1, w^2 at each t (1RSB: of the different-state term).
    vertices : Vertices
        The RS vertices (also for ``ansatz="1rsb"``, for comparison).
    ansatz : str
        ``"rs"`` or ``"1rsb"``.
    components : dict or None
        1RSB: ``q0``, ``q1``, ``m``, the energies ``same`` (one state, overlap q1) and
        ``different`` (two states, overlap q0), and the ``saddle_point``.
    energy_error : numpy.ndarray or None
        Estimated quadrature error of each energy (RS paths: the same quadrature at half the
        order; None for 1RSB).
    """

    path: str
    kappa: float
    t: np.ndarray
    energy: np.ndarray
    gamma: np.ndarray
    vertices: Vertices = field(repr=False)
    ansatz: str = "rs"
    components: dict | None = field(repr=False, default=None)
    energy_error: np.ndarray | None = field(repr=False, default=None)

    @property
    def barrier(self):
        """Largest energy along the path."""
        return float(np.max(self.energy))
