"""The canonical SymPy symbols: one ASCII name per physical quantity, everywhere.

The same names are used as dataclass fields, keywords and table columns.
"""
from __future__ import annotations

import sympy as sp

__all__ = ["alpha", "kappa", "q", "qhat", "q0", "q1", "qhat0", "qhat1", "m", "p", "beta", "Delta", "omega", "V",
           "z", "y", "z0", "z1", "kappa_ref", "q_ref", "qhat_ref", "t", "that", "phat", "x",
           "Q", "Qhat"]

alpha = sp.Symbol("alpha", positive=True)      #: constraint density P/N
kappa = sp.Symbol("kappa", real=True)          #: margin
beta = sp.Symbol("beta", positive=True)        #: inverse temperature
q = sp.Symbol("q", real=True)                  #: overlap between replicas
qhat = sp.Symbol("qhat", real=True)            #: conjugate of q
q0 = sp.Symbol("q0", real=True)
q1 = sp.Symbol("q1", real=True)
qhat0 = sp.Symbol("qhat0", real=True)
qhat1 = sp.Symbol("qhat1", real=True)
m = sp.Symbol("m", real=True)                  #: Parisi parameter
p = sp.Symbol("p", real=True)                  #: overlap with a reference
Delta = sp.Symbol("Delta", real=True)          #: stability w.xi/sqrt(N)
omega = sp.Symbol("omega", real=True)          #: mean of the cavity field
V = sp.Symbol("V", positive=True)              #: variance of the cavity field
z = sp.Symbol("z", real=True)                  #: outer standard Gaussian variable
y = sp.Symbol("y", real=True)                  #: inner standard Gaussian variable
z0 = sp.Symbol("z0", real=True)
z1 = sp.Symbol("z1", real=True)

# Franz-Parisi construction (a reference configuration and its constrained neighbours)
kappa_ref = sp.Symbol("kappa_ref", real=True)  #: margin of the reference configurations
q_ref = sp.Symbol("q_ref", real=True)          #: overlap between two references
qhat_ref = sp.Symbol("qhat_ref", real=True)    #: conjugate of q_ref (binary weights)
t = sp.Symbol("t", real=True)                  #: overlap of a neighbour with another reference
that = sp.Symbol("that", real=True)            #: conjugate of t
phat = sp.Symbol("phat", real=True)            #: conjugate of p
x = sp.Symbol("x", real=True)                  #: the reference's own Gaussian variable

# Priors whose norm is not fixed (ternary, Gaussian weights)
Q = sp.Symbol("Q", positive=True)              #: self-overlap |w|^2/N
Qhat = sp.Symbol("Qhat", real=True)            #: conjugate of Q
