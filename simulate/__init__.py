"""simulate: finite-N experiments with Numba kernels (never imports formulas from replica).

* :mod:`simulate.patterns` — Gaussian and +-1 pattern sets from a ``numpy.random.Generator``.
* :mod:`simulate.perceptron` — certified maximal margin of the spherical perceptron, SAT/UNSAT
  decisions, per-instance storage capacity.
* :mod:`simulate.binary` — exact enumeration of binary perceptrons (counts, energy histograms,
  solutions, overlaps).
* :mod:`simulate.alphabet` — exact enumeration of perceptrons with weights in any finite
  alphabet (e.g. ternary), with positive single-site weights (weighted counts, self-overlap).
* :mod:`simulate.localentropy` — local entropy around reference solutions (exact, binary),
  solution margins.
* :mod:`simulate.localenergy` — training error of random points at fixed overlap with a
  reference (spherical and binary).
* :mod:`simulate.hinge` — a plain hinge-loss solver of the spherical perceptron.
* :mod:`simulate.sampler` — uniform sampling of spherical negative-perceptron solutions
  (geodesic hit-and-run with exact feasible arcs; autocorrelation and R-hat diagnostics).
* :mod:`simulate.paths` — training error along paths between configurations: simplices,
  barycenters, geodesics, straight segments, binary Hamming paths.
"""
from . import alphabet
from .alphabet import AlphabetEnumeration, enumerate_alphabet
from .binary import EnumerationResult, OverlapHistogram, enumerate_solutions, solution_overlaps
from .hinge import SolverResult, find_solution
from .localenergy import LocalEnergy, local_energy, local_energy_binary
from .localentropy import LocalEntropyCounts, local_entropy_counts, solution_margins
from .paths import (PathEnergy, barycenter_energy, geodesic_energy, hamming_path_energy,
                    simplex_energy, straight_energy)
from .patterns import binary_patterns, gaussian_patterns
from .feasibility import instance_capacity, is_sat
from .perceptron import ConvergenceError, MaxMarginResult, max_margin, max_margin_certified
from .sampler import SamplerResult, hit_and_run

__all__ = [
    "gaussian_patterns", "binary_patterns",
    "max_margin", "max_margin_certified", "is_sat", "instance_capacity", "MaxMarginResult",
    "ConvergenceError",
    "enumerate_solutions", "solution_overlaps", "EnumerationResult", "OverlapHistogram",
    "alphabet", "enumerate_alphabet", "AlphabetEnumeration",
    "local_entropy_counts", "local_energy", "local_energy_binary", "find_solution",
    "solution_margins", "LocalEntropyCounts", "LocalEnergy", "SolverResult",
    "hit_and_run", "SamplerResult",
    "simplex_energy", "geodesic_energy", "straight_energy", "barycenter_energy",
    "hamming_path_energy", "PathEnergy",
]
