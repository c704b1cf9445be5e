# %% [markdown]
# # Complexity of the spherical 3-spin glass: Kac-Rice, 1RSB and gradient descent
#
# Reproduces the picture of Auffinger, Ben Arous and Cerny (2013), Fig. 1-2: the complexity
# Theta_k(u) of critical points of index k = 0..3 of the pure spherical 3-spin glass
# (xi = q^3) with the bands -E_0 < -E_1 < ... < -E_inf, overlaid with the Monasson complexity of
# the zero-temperature 1RSB states (Crisanti-Sommers), which coincides with Theta_0 below
# -E_inf; and the energies reached by gradient descent from random starts at finite N, which
# approach the threshold -E_inf.  Last, the general-activation ("GOE plus low-rank") model of
# Baskerville et al. (2021): the 3-spin glass plus a deterministic function N h(s.v/N) of the
# overlap with one direction, whose Hessian is rank one.  Its leading complexity is that of
# ABC when h(0) = h'(0) = 0 (the supremum stays on the equator, where a rank-one term does not
# move the log-determinant), a field (h'(0) != 0) changes it, and at finite N the deformation
# changes the counts, which Newton enumeration confirms.
# Run: ``python notebooks/05_spin_glass_complexity.py``.

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

# %% [markdown]
# ## General activations: the deformed model H = H_xi + N h(s.v/N)
#
# Left: the total complexity Theta(u) of the 3-spin glass with four deformations.  A weak
# rank-one Hessian term (h = -0.3 m^2, h = m^3/2) leaves it equal to ABC's down to the ground
# state; a stronger one (h = -m^2) lowers the energy off the equator enough to take over below
# u = -1.6; a field (h = 0.3 m) changes it everywhere.  Right: the finite-N Kac-Rice expectation of the deformed model (conditional Monte
# Carlo over the GOE plus a rank-one term) against Newton counts of instances, by index, at
# N = 4, with the undeformed expectation for comparison.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
ax = axes[0]
u = np.linspace(-1.68, -1.2, max(N_POINTS, 3))
ax.plot(u, [kacrice.complexity(XI, x) for x in u], "k-", lw=2.5, alpha=0.4,
        label="ABC (h = 0, ReLU)")
for h, style in (({2: -0.3}, "C2-."), ({2: -1.0}, "C0--"), ({3: 0.5}, "C1:"),
                 ({1: 0.3}, "C3-")):
    lab = " + ".join(f"{c:g} m" + (f"^{r}" if r > 1 else "") for r, c in h.items())
    ax.plot(u, [kacrice.complexity(XI, x, deformation=h) for x in u], style, label=f"h = {lab}")
ax.axhline(0.0, color="grey", lw=0.5)
ax.set(xlabel="energy per spin u = H/N", ylabel="complexity Theta(u) (nats per spin)",
       title="leading order with a deformation")
ax.legend(fontsize=7)

ax = axes[1]
N, H_DEF = 4, {1: 0.6, 2: -1.5}
n_inst = max(8, 4 * N_POINTS)
theory = kacrice.expected_count(N, XI, deformation=H_DEF, samples=max(2000, 200 * N_POINTS))
plain = kacrice.expected_count(N, XI)
counts = np.array([sim.critical_points(sim.couplings(N, XI, rng=i, deformation=H_DEF),
                                       n_starts=1500, rng=i).counts_by_index
                   for i in range(n_inst)], dtype=float)
k = np.arange(N)
ax.errorbar(k, counts.mean(0), counts.std(0, ddof=1) / math.sqrt(n_inst), fmt="o", color="C3",
            label=f"Newton counts ({n_inst} instances)")
ax.errorbar(k + 0.1, theory.by_index, theory.error, fmt="s", mfc="none", color="k",
            label="Kac-Rice, deformed (h = 0.6 m - 1.5 m^2)")
ax.plot(k - 0.1, plain.by_index, "x", color="grey", label="Kac-Rice, undeformed")
ax.set(xlabel="Hessian index k", ylabel="mean number of critical points",
       title=f"N = {N}: deformed counts", xticks=k)
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(HERE / "spin_glass_deformed.png", dpi=120)
print("deformed E[Crit_4] by index:", np.round(theory.by_index, 3), "+-",
      np.round(theory.error, 3), "; Newton:", np.round(counts.mean(0), 3))
