# %% [markdown]
# # Wide flat minima: local entropy and local energy around reference solutions
#
# Reproduces the construction of Baldassi, Lauditi, Malatesta, Perugini and Zecchina, PRL 127,
# 278301 (2021), Fig. 1: the Franz-Parisi local entropy S(d) of the binary perceptron around
# references of margin kappa_ref (neighbours: all zero-margin solutions) at alpha = 0.5, and
# the local energy (training error of random perturbations, Baldassi, Pittorino and Zecchina,
# PNAS 117, 161 (2020)) around typical, higher-margin and maximal-margin solutions of the
# spherical perceptron.  Run: ``python notebooks/03_local_entropy.py`` (writes two PNGs to notebook_out/).

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import replica
from replica import models

# figures go to $NOTEBOOK_OUT (default: notebook_out/ in the working directory), never
# into the source tree
HERE = Path(os.environ.get("NOTEBOOK_OUT", "notebook_out"))
HERE.mkdir(parents=True, exist_ok=True)
N_POINTS = int(os.environ.get("NOTEBOOK_POINTS", "40"))

# %% binary perceptron: S(d) for several reference margins (kappa_max(0.5) ~ 0.44)
m = models.perceptron(weights="binary", kappa=0.0)
alpha = 0.5
fig, ax = plt.subplots(figsize=(5.5, 4))
# (the coarse test profile, NOTEBOOK_POINTS < 10, draws three of the curves)
for kappa_ref in (0.0, 0.1, 0.2, 0.3, 0.4) if N_POINTS >= 10 else (0.0, 0.4):
    start = replica.local_entropy(m, alpha=alpha, kappa_ref=kappa_ref, overlaps=[0.9])
    d_star = (1 - start.p_typical) / 2
    # (the coarse profile stops at d = 1e-2: towards d -> 0 the continuation in p gets hard
    # around kappa_ref = 0.4 and fails below d ~ 3e-3, after minutes)
    ds = np.geomspace(2e-3 if N_POINTS >= 10 else 1e-2, d_star, N_POINTS)
    le = replica.local_entropy(m, alpha=alpha, kappa_ref=kappa_ref, distances=ds, throw=False)
    ax.plot(le.d, le.phi, label=f"kappa_ref = {kappa_ref}")
d = np.linspace(1e-3, 0.5, 200)
ax.plot(d, -d * np.log(d) - (1 - d) * np.log(1 - d), "k:", lw=0.8, label="H2(d) (alpha = 0)")
ax.axhline(0, color="gray", lw=0.5)
ax.set(xlabel="Hamming distance per weight d", ylabel="local entropy S(d) (nats per weight)",
       ylim=(-0.02, 0.35),
       title=f"Binary perceptron, alpha = {alpha}: local entropy")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(HERE / "local_entropy_binary.png", dpi=120)

# %% spherical perceptron: local energy around typical, robust and max-margin references
m = models.perceptron(weights="spherical", kappa=0.0)
alpha = 1.0
ps = np.linspace(0.2, 0.995, N_POINTS)
fig, ax = plt.subplots(figsize=(5.5, 4))
for kappa_ref in (0.0, 0.3, "max"):
    le = replica.local_energy(m, alpha=alpha, kappa_ref=kappa_ref, overlaps=ps)
    label = (f"max margin (kappa = {le.kappa_ref:.3f})" if kappa_ref == "max"
             else f"kappa_ref = {kappa_ref}")
    ax.plot(le.d, le.e, label=label)
ax.set(xlabel="distance d = (1 - p)/2", ylabel="local energy e(d) (per constraint)",
       title=f"Spherical perceptron, alpha = {alpha}: local energy")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(HERE / "local_energy_spherical.png", dpi=120)
