# %% [markdown]
# # The spherical negative perceptron: RS capacity, de Almeida-Thouless line, 1RSB capacity
#
# For kappa < 0 the constraint set is non-convex.  The RS solution becomes unstable (replicon
# < 0) before its capacity, and one-step RSB lowers the SAT/UNSAT line (Franz & Parisi 2016;
# Franz, Parisi, Sevelev, Urbani & Zamponi 2017).  All three lines come from the same engine:
# the q -> 1 limit of phi_RS, the replicon of the RS saddle point, and the jamming limit
# q1 -> 1, m = mu (1 - q1) of phi_1RSB.
# Run: ``python notebooks/02_negative_perceptron.py`` (writes negative_perceptron.png to notebook_out/).

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
KAPPAS = np.linspace(-1.5, 0.5, int(os.environ.get("NOTEBOOK_POINTS", "9")))

# %%
rs, at, rsb = [], [], []
for k in KAPPAS:
    m = models.perceptron(weights="spherical", kappa=k)
    a_rs = replica.capacity(m).alpha_c
    rs.append(a_rs)
    try:
        rsb.append(replica.capacity(m, ansatz="1rsb").alpha_c)
    except replica.ReplicaError as err:  # none expected for kappa < 0; printed, never hidden
        print(f"kappa = {k:+.3f}: no 1RSB capacity: {err}")
        rsb.append(np.nan)
    if replica.stability(m, a_rs * (1 - 1e-6)).replicon < 0:
        at.append(replica.at_line(m, bracket=(0.02 * a_rs, a_rs * (1 - 1e-6))).value)
    else:
        at.append(np.nan)  # RS stable up to its capacity (convex regime)
    print(f"kappa = {k:+.3f}: alpha_RS = {rs[-1]:.5f}, alpha_AT = {at[-1]:.5f}, "
          f"alpha_1RSB = {rsb[-1]:.5f}")

# %%
fig, ax = plt.subplots(figsize=(5, 3.6))
ax.semilogy(KAPPAS, rs, label="RS capacity (Gardner)")
ax.semilogy(KAPPAS, rsb, "--", label="1RSB capacity (jamming limit)")
ax.semilogy(KAPPAS, at, ":", label="de Almeida-Thouless line")
ax.set(xlabel="margin kappa (units of the field's std)", ylabel="load alpha = P/N",
       title="Spherical perceptron")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(HERE / "negative_perceptron.png", dpi=120)
