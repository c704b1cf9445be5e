# %% [markdown]
# # Full replica symmetry breaking: the Parisi function of SK and the jamming line of the negative perceptron
#
# The engine solves k-step replica symmetry breaking with the Parisi recursion of one cavity
# field on a grid, and full RSB by climbing the k-ladder and extrapolating in k
# (phi_k = phi + a k^-4 + b k^-5).  Three pictures:
#
# 1. the Sherrington-Kirkpatrick model's q(x) at several temperatures below T_c = 1 (Parisi
#    1980): continuous, rising from q(0) to a plateau q(x_max);
# 2. the k-ladder converging: phi_k - phi_frsb against k;
# 3. the negative spherical perceptron (kappa < 0): the RS capacity (Gardner), the de
#    Almeida-Thouless line, and the jamming line at 1RSB and 2RSB (Franz, Parisi, Sevelev,
#    Urbani, Zamponi 2017): each step of RSB lowers it.
#
# Run: ``python notebooks/07_full_rsb.py`` (writes full_rsb.png to notebook_out/).

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
POINTS = int(os.environ.get("NOTEBOOK_POINTS", "7"))

# %% [markdown]
# ## 1. SK: q(x) below T_c

# %%
sk = models.ising_spin_glass(xi={2: 0.5})
# the coarse profile (NOTEBOOK_POINTS small) keeps to temperatures whose ladder is short
temperatures = np.linspace(0.35 if POINTS >= 5 else 0.6, 0.8, max(min(POINTS - 1, 4), 2))
parisi = {}
for T in temperatures:
    s = replica.solve(sk, {"beta": 1.0 / T}, ansatz="frsb", tol=1e-8, throw=False)
    parisi[T] = s
    print(f"T = {T:.3f}: phi = {s.phi:.10f} +- {s.phi_error:.1e} ({s.status}; "
          f"{s.method}); energy {s.observables.get('energy', float('nan')):.7f}")

# %% [markdown]
# ## 2. The k-ladder at T = 0.5

# %%
full = replica.solve(sk, {"beta": 2.0}, ansatz="frsb", tol=1e-8)
ks = np.arange(1, 3 if POINTS < 5 else 8)
gaps = []
for k in ks:
    gaps.append(replica.solve(sk, {"beta": 2.0}, ansatz="krsb", k=int(k)).phi - full.phi)
    print(f"k = {k}: phi_k - phi_frsb = {gaps[-1]:.3e}")
print(f"phi_frsb = {full.phi:.10f} +- {full.phi_error:.1e}")

# %% [markdown]
# ## 3. The negative perceptron: capacities at RS, 1RSB, 2RSB and the AT line

# %%
kappas = np.linspace(-1.0, -0.5, 2) if POINTS < 5 else np.linspace(-1.5, -0.5, POINTS)
lines = {"RS": [], "AT": [], "1RSB": [], "2RSB": []}
for kappa in kappas:
    neg = models.perceptron(weights="spherical", kappa=float(kappa))
    a_rs = replica.capacity(neg).alpha_c
    lines["RS"].append(a_rs)
    lines["AT"].append(replica.at_line(neg, bracket=(0.02 * a_rs, a_rs * (1 - 1e-6))).value)
    lines["1RSB"].append(replica.capacity(neg, ansatz="1rsb").alpha_c)
    two = replica.capacity(neg, ansatz="krsb", k=2)
    lines["2RSB"].append(two.alpha_c)
    print(f"kappa = {kappa:+.3f}: AT {lines['AT'][-1]:.6f} < 2RSB {two.alpha_c:.8f} "
          f"(+- {two.details['alpha_c_error']:.0e}) < 1RSB {lines['1RSB'][-1]:.8f} "
          f"< RS {a_rs:.6f}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
ax = axes[0]
for T, s in parisi.items():
    pf = s.parisi
    x = np.concatenate((pf.x, [1.0]))
    q = np.concatenate((pf.q, [pf.q[-1]]))
    ax.step(x, q, where="post", label=f"T = {T:.2f} (k = {pf.k})")
ax.set(xlabel="x", ylabel="q(x)", title="SK: the Parisi function (last rung)")
ax.legend(fontsize=7)
ax = axes[1]
ax.loglog(ks, gaps, "o-", label="phi_k - phi_frsb")
ax.loglog(ks, gaps[0] * ks.astype(float) ** -4.0, ":", label="k^-4")
ax.set(xlabel="steps k", ylabel="free entropy above the Parisi value",
       title="SK, T = 0.5: the k-ladder")
ax.legend(fontsize=7)
ax = axes[2]
for name, style in (("RS", "-"), ("1RSB", "--"), ("2RSB", "-."), ("AT", ":")):
    ax.plot(kappas, lines[name], style, label=name if name != "AT" else "AT line")
ax.set(xlabel="margin kappa", ylabel="load alpha", title="negative perceptron: jamming line")
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(HERE / "full_rsb.png", dpi=120)
plt.show()
