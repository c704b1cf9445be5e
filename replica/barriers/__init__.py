"""Equilibrium vertices and the energy barriers between them (Annesi et al. 2023).

The O(n_a n_b) free entropy of vertices of different margins (:mod:`.simplex`), energies in the
simplex and along paths (:mod:`.paths`, compiled quadrature in :mod:`._kernels`).
"""
from .paths import (path_energy, rsb_vertex, simplex_energy, star_transition, vertices,
                    zero_energy_margin)
from .results import PathEnergy, SimplexEnergy, Vertices

__all__ = ["vertices", "path_energy", "simplex_energy", "zero_energy_margin", "star_transition",
           "rsb_vertex", "Vertices", "PathEnergy", "SimplexEnergy"]
