# %% [markdown]
# # Activation regions of two-layer ReLU networks: the full-rank transition
#
# After Karhadkar, Murray, Tseran and Montufar (TMLR 2024, arXiv:2305.19510): the fraction of
# activation regions whose Jacobian has full rank n (no bad differentiable local minima in the
# region), over the dataset size n and the width d1, for 1-d inputs with a bias.  Each panel
# names its measure: regions uniform among the non-empty ones (with the exact probability of
# ``replica.relu.full_rank_probability_1d`` drawn as its 1/2 contour), the regions of a
# Gaussian initialisation, and uniformly random patterns (with the parameter-count line
# 2 d1 = n).  Ranks are certified exactly.  Run:
# ``python notebooks/06_relu_activation_regions.py``.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from replica import relu as theory
from simulate import relu

# figures go to $NOTEBOOK_OUT (default: notebook_out/ in the working directory), never
# into the source tree
HERE = Path(os.environ.get("NOTEBOOK_OUT", "notebook_out"))
HERE.mkdir(parents=True, exist_ok=True)
POINTS = int(os.environ.get("NOTEBOOK_POINTS", "12"))
TRIALS = 60 if POINTS >= 10 else 4
ns = np.unique(np.linspace(4, 24, max(POINTS, 3)).astype(int))
d1s = np.unique(np.linspace(2, 36, max(POINTS, 3)).astype(int))

# %% simulated fractions under the three measures, and the exact theory
fig, axes = plt.subplots(1, 4, figsize=(17, 4.2), constrained_layout=True)
exact = np.array([[theory.full_rank_probability_1d(int(n), int(d1)) for n in ns] for d1 in d1s])
for ax, measure in zip(axes[:3], ("nonempty", "init", "uniform")):
    frac = np.array([[relu.full_rank_fraction(int(n), 1, int(d1), measure=measure,
                                              trials=TRIALS, rng=1000 * int(n) + int(d1)).value
                      for n in ns] for d1 in d1s])
    im = ax.pcolormesh(ns, d1s, frac, vmin=0, vmax=1, shading="nearest", cmap="viridis")
    ax.contour(ns, d1s, exact, levels=[0.5], colors="w", linewidths=1.5)
    ax.plot(ns, ns / 2, "r--", lw=1)  # as many parameters as inputs: 2 d1 = n
    ax.set(xlabel="n (inputs, d0 = 1)", ylabel="d1 (width)",
           title=f"simulated full-rank fraction\nmeasure = {measure!r}")
axes[3].pcolormesh(ns, d1s, exact, vmin=0, vmax=1, shading="nearest", cmap="viridis")
axes[3].contour(ns, d1s, exact, levels=[0.5], colors="w", linewidths=1.5)
axes[3].set(xlabel="n (inputs, d0 = 1)", ylabel="d1 (width)",
            title="exact P(full rank)\nmeasure = 'nonempty'")
fig.colorbar(im, ax=axes, shrink=0.9, label="fraction of full-rank regions")
fig.savefig(HERE / "relu_activation_regions.png", dpi=110)
print("white: exact 1/2 contour (non-empty regions); red dashed: 2 d1 = n")

# %% gradient descent: rank of the region Jacobian along training, and regions visited
n_gd = 16
rng = np.random.default_rng(0)
Xg = np.sort(rng.standard_normal((n_gd, 1)), axis=0)
yg = rng.standard_normal(n_gd)
widths = np.unique(np.linspace(4, 48, max(POINTS // 2, 3)).astype(int))
steps = 3000 if POINTS >= 10 else 200
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), constrained_layout=True)
final_rank, visited, final_loss = [], [], []
for d1 in widths:
    tr = relu.gradient_descent_trace(Xg, yg, int(d1), lr=0.05, steps=steps,
                                     record_every=max(steps // 30, 1), rng=int(d1))
    final_rank.append(tr.rank[-1])
    visited.append(tr.distinct_patterns)
    final_loss.append(tr.loss[-1])
    if d1 in (widths[0], widths[len(widths) // 2], widths[-1]):
        axes[0].plot(tr.steps, tr.rank, label=f"d1 = {d1}")
axes[0].axhline(n_gd, color="k", lw=0.5, ls=":")
axes[0].set(xlabel="gradient-descent step", ylabel="certified rank of J",
            title=f"rank along training, n = {n_gd}")
axes[0].legend(fontsize=7)
axes[1].plot(widths, final_rank, "o-")
axes[1].axhline(n_gd, color="k", lw=0.5, ls=":")
axes[1].set(xlabel="d1 (width)", ylabel="rank at the end", title="measure: GD from 'init'")
axes[2].plot(widths, visited, "o-", label="distinct regions visited")
axes[2].set(xlabel="d1 (width)", ylabel="regions (count)",
            title="distinct regions visited (every iterate)")
fig.savefig(HERE / "relu_gradient_descent.png", dpi=110)
