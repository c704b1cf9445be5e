# %% [markdown]
# # Complexity of the spherical 3-spin glass: Kac-Rice, 1RSB and gradient descent
#
# Reproduces the picture of Auffinger, Ben Arous and Cerny (2013), Fig. 1-2: the complexity
# Theta_k(u) of critical points of index k = 0..3 of the pure spherical 3-spin glass
# (xi = q^3) with the bands -E_0 < -E_1 < ... < -E_inf, overlaid with the Monasson complexity of
# the zero-temperature 1RSB states (Crisanti-Sommers), which coincides with Theta_0 below
# -E_inf; and the energies reached by gradient descent from random starts at finite N, which
# approach the threshold -E_inf.  (The general-activation model of Baskerville et al. 2021 is
# not implemented yet.)  Run: ``python notebooks/05_spin_glass_complexity.py``.

# %%
import math
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from replica import kacrice, pspin
from simulate import pspin as sim

# figures go to $NOTEBOOK_OUT (default: notebook_out/ in the working directory), never
# into the source tree
HERE = Path(os.environ.get("NOTEBOOK_OUT", "notebook_out"))
HERE.mkdir(parents=True, exist_ok=True)
N_POINTS = int(os.environ.get("NOTEBOOK_POINTS", "120"))
XI = {3: 1.0}

# %% Kac-Rice complexity by index, the bands, and the 1RSB complexity of states
e_inf = kacrice.E_inf(XI)
e_k = [kacrice.E_k(XI, k) for k in range(4)]
u = np.linspace(-1.70, -1.60, max(N_POINTS, 3))
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
ax = axes[0]
for k in range(4):
    ax.plot(u, [kacrice.complexity(XI, x, k) for x in u], label=f"Theta_{k}(u)")
ax.plot(u, [kacrice.complexity(XI, x) for x in u], "k--", lw=1, label="Theta(u), all")
ue = u[u <= -e_inf]
ax.plot(ue, [pspin.complexity_1rsb(XI, x) for x in ue], "o", ms=2.5, color="C0",
        label="1RSB states (Monasson)")
for k, ek in enumerate(e_k):
    ax.axvline(-ek, color=f"C{k}", lw=0.5, ls=":")
ax.axvline(-e_inf, color="k", lw=0.8, ls=":")
ax.axhline(0.0, color="grey", lw=0.5)
ax.set(xlabel="energy per spin u = H/N", ylabel="complexity (1/N) ln E[Crit] (nats per spin)",
       ylim=(-0.03, 0.03),
       title="pure spherical 3-spin: Kac-Rice and 1RSB")
ax.legend(fontsize=7)

# %% gradient descent from random starts at finite N: endpoint energies
ax = axes[1]
n_runs = max(3, N_POINTS // 6)
for N, color in ((40, "C1"), (100, "C2")):
    ends = []
    for i in range(n_runs):
        J = sim.couplings(N, XI, rng=1000 * N + i)
        s0 = np.random.default_rng(i).standard_normal(N)
        s0 *= math.sqrt(N) / np.linalg.norm(s0)
        ends.append(sim.gradient_descent(J, s0, tol=1e-6).energy)
    ax.hist(ends, bins=12, alpha=0.5, color=color, label=f"GD end points, N = {N}")
ax.axvline(-e_inf, color="k", ls=":", label="-E_inf (threshold)")
ax.axvline(-e_k[0], color="C0", ls=":", label="-E_0 (ground state)")
ax.set(xlabel="energy per spin u = H/N", ylabel="runs (count)",
       title="gradient descent from random starts")
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(HERE / "spin_glass_complexity.png", dpi=120)
print(f"E_inf = {e_inf:.6f}, E_0..E_3 = {', '.join(f'{e:.6f}' for e in e_k)}")
