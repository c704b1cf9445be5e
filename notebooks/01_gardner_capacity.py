# %% [markdown]
# # Gardner's capacity and the binary perceptron's entropy, derived by the engine
#
# Reproduces Gardner (1988) Fig. 1 (alpha_c versus kappa for spherical weights) and the RS
# entropy of the binary perceptron (Gardner & Derrida 1988; its zero is the Krauth-Mezard
# capacity 0.833).  Run: ``python notebooks/01_gardner_capacity.py`` (writes two PNGs to
# notebook_out/), or open it as a notebook (jupytext percent format).

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

# %% capacity of the spherical perceptron versus the margin (q -> 1 limit of the RS phi)
kappas = np.linspace(-1.0, 3.0, 81)
alpha_c = [replica.capacity(models.perceptron(weights="spherical", kappa=k)).alpha_c
           for k in kappas]
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.semilogy(kappas, alpha_c)
ax.set(xlabel="margin kappa (units of the field's std)", ylabel="capacity alpha_c = P/N (RS)",
       title="Spherical perceptron: Gardner capacity")
fig.tight_layout()
fig.savefig(HERE / "gardner_capacity.png", dpi=120)

# %% binary perceptron: RS entropy and overlap along alpha (continuation)
m = models.perceptron(weights="binary", kappa=0.0)
cap = replica.capacity(m)
br = replica.sweep(m, alpha=np.linspace(0.02, 0.999 * cap.alpha_c, 150))
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(br.values, br.phi, label="RS entropy s(alpha)")
ax.plot(br.values, br.order_params["q"], label="q(alpha)")
ax.axvline(cap.alpha_zero_entropy, ls="--", c="k",
           label=f"s = 0 at {cap.alpha_zero_entropy:.4f} (Krauth-Mezard)")
ax.axvline(cap.alpha_c, ls=":", c="r", label=f"q -> 1 at 4/pi = {cap.alpha_c:.4f}")
ax.set(xlabel="load alpha = P/N", ylabel="entropy per weight phi (nats)", ylim=(-1.5, 1.05),
       title="Binary perceptron, kappa = 0 (RS)")
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(HERE / "binary_entropy.png", dpi=120)
print(f"alpha_c(0) = {alpha_c[20]:.12f}, binary: 4/pi = {cap.alpha_c:.12f}, "
      f"s = 0 at {cap.alpha_zero_entropy:.6f}")
