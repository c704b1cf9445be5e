# %% [markdown]
# # Energy barriers between solutions: the star-shaped negative perceptron, binary LMC
#
# Reproduces the picture of Annesi, Lauditi, Lucibello, Malatesta, Perugini, Pittorino and
# Saglietti, PRL 131, 227301 (2023) (arXiv:2305.10623), and of Malatesta's lecture notes
# (arXiv:2309.09240, linear mode connectivity).  Two solutions w^1, w^2 are drawn from the flat
# measures over the solutions of margins kappa_1, kappa_2 of the same patterns
# (``replica.vertices``: their RS overlaps), and the training error e (fraction of the P
# constraints violated at the model's margin kappa) is computed along a path between them
# (``replica.path_energy``):
#
# (a) spherical negative perceptron, kappa = -0.5: the geodesic between two typical solutions
#     has a small but nonzero barrier, growing with alpha;
# (b) alpha = 1: towards solutions of larger margin kappa_2 the barrier shrinks and vanishes
#     for kappa_2 above the zero-energy margin (``replica.zero_energy_margin``): the typical
#     solutions all see the high-margin ones at zero energy, a star-shaped solution space;
# (c) against alpha: the zero-energy margin and the maximal margin kappa_max(alpha); where they
#     cross (alpha_star, ``replica.star_transition``) the star-shaped geometry is lost, before
#     the de Almeida-Thouless line and the capacity;
# (d) binary perceptron, kappa = 0, alpha = 0.5: on the Hamming path (the disagreeing weights
#     switched in a random order) typical solutions are separated by a large barrier, while the
#     straight normalised segment stays at zero energy (kappa >= 0, each constraint is a
#     half-space through the origin); finite-N points from exact enumeration at N = 16.
#
# Run: ``python notebooks/04_energy_barriers.py`` (writes energy_barriers.png to notebook_out/).

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import replica
import simulate
from replica import models

# figures go to $NOTEBOOK_OUT (default: notebook_out/ in the working directory), never
# into the source tree
HERE = Path(os.environ.get("NOTEBOOK_OUT", "notebook_out"))
HERE.mkdir(parents=True, exist_ok=True)
N_POINTS = int(os.environ.get("NOTEBOOK_POINTS", "41"))
COARSE = N_POINTS < 10  # the test profile: fewer alphas and instances

KAPPA = -0.5
m = models.perceptron(weights="spherical", kappa=KAPPA)
t = np.linspace(0.0, 1.0, N_POINTS)
fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))

# %% (a) geodesic between two typical solutions, several alpha
ax = axes[0, 0]
barriers = {}
for a in (0.5, 1.0, 2.0, 3.0):
    pe = replica.path_energy(m, alpha=a, kappas=(KAPPA, KAPPA), t=t)
    barriers[a] = float(replica.path_energy(m, alpha=a, kappas=(KAPPA, KAPPA),
                                            t=[0.5]).energy[0])
    ax.plot(pe.t, pe.energy, label=f"alpha = {a:g} (q = {pe.vertices.q[0]:.3f})")
ax.set(xlabel="t (geodesic, typical -> typical)", ylabel="training error e(t) (per P)",
       title=f"(a) spherical, kappa = {KAPPA}: typical-typical geodesics")
ax.legend(fontsize=8)

# %% (b) alpha = 1: from a typical solution to solutions of larger margin kappa_2
ax = axes[0, 1]
alpha = 1.0
kappa_0 = replica.zero_energy_margin(m, alpha=alpha)
for k2, fmt in ((KAPPA, "k-"), (-0.4, "-"), (-0.3, "-"), (-0.2, "-"), (0.0, "-")):
    pe = replica.path_energy(m, alpha=alpha, kappas=(KAPPA, k2), t=t)
    # the barrier on a fine grid (the plotted grid is coarse in the test profile)
    top = replica.path_energy(m, alpha=alpha, kappas=(KAPPA, k2),
                              t=np.linspace(0, 1, 201)).barrier
    tag = " (typical)" if k2 == KAPPA else ""
    ax.plot(pe.t, pe.energy, fmt, lw=1.0 if k2 == KAPPA else 1.5,
            label=f"kappa_2 = {k2:g}{tag}: q_12 = {pe.vertices.overlaps[0, 1]:.3f}, "
                  f"max e = {top:.2g}")
pe = replica.path_energy(m, alpha=alpha, kappas=(KAPPA, kappa_0), t=t)
ax.plot(pe.t, pe.energy, "k:", label=f"kappa_2 = {kappa_0:.4f}: zero-energy margin")
ax.set(xlabel="t (geodesic, typical -> margin kappa_2)", ylabel="training error e(t) (per P)",
       title=f"(b) alpha = {alpha:g}: towards high-margin solutions (star shape)")
ax.legend(fontsize=8)

# %% (c) zero-energy margin and maximal margin against alpha; alpha_star and the AT line
ax = axes[1, 0]
alpha_c = replica.capacity(m).alpha_c  # kappa_max(alpha_c) = KAPPA
alphas = np.linspace(0.5, 4.7, 4 if COARSE else N_POINTS)
kmax = np.array([replica.kappa_max("spherical", a) for a in alphas])
kzero, unstable = [], []
for a in alphas:
    # zero_energy_margin returns None beyond alpha_star (the maximal-margin solutions are no
    # longer joined to the typical ones at zero energy): those points are left out (NaN).
    # The curve ends below kappa_max: near kappa_max the overlap q_12 with the typical
    # solutions drops, so the zero-energy slack is not monotonic in kappa_2.
    k0 = replica.zero_energy_margin(m, alpha=a)
    kzero.append(np.nan if k0 is None else k0)
    # RS stability of the kappa_0 vertex itself (replicon < 0 beyond its own AT line)
    unstable.append(k0 is not None
                    and replica.vertices(m, alpha=a, kappas=(KAPPA, k0)).replicon[1] < 0)
kzero, unstable = np.array(kzero), np.array(unstable)
alpha_star = replica.star_transition(m, bracket=(3.0, 4.5)).value
alpha_at = replica.at_line(m, bracket=(3.0, 4.7)).value
ax.plot(alphas, kmax, label="kappa_max(alpha) (RS)")
ax.plot(alphas, kzero, "o-" if COARSE else "-", label="zero-energy margin kappa_0(alpha)")
if unstable.any():
    ax.plot(alphas[unstable], kzero[unstable], "x", color="C1",
            label="kappa_0 vertex RS-unstable (replicon < 0)")
ax.axhline(KAPPA, color="gray", lw=0.8, label=f"kappa = {KAPPA} (typical solutions)")
ax.axvline(alpha_star, color="C3", ls="--", label=f"alpha_star = {alpha_star:.3f}")
ax.axvline(alpha_at, color="C4", ls=":", label=f"AT line, alpha = {alpha_at:.3f}")
ax.axvline(alpha_c, color="k", lw=0.6, label=f"RS capacity, alpha_c = {alpha_c:.3f}")
ax.set(xlabel="load alpha = P/N", ylabel="margin kappa_2 (units of the field's std)",
       ylim=(-0.6, 1.1),
       title=f"(c) kappa = {KAPPA}: star-shaped up to alpha_star")
ax.legend(fontsize=8, loc="upper center")

# %% (d) binary perceptron: Hamming path against the straight segment, exact enumeration
ax = axes[1, 1]
mb = models.perceptron(weights="binary", kappa=0.0)
alpha_b = 0.5
ham = replica.path_energy(mb, alpha=alpha_b, kappas=(0.0, 0.0), t=t, path="hamming")
st = replica.path_energy(mb, alpha=alpha_b, kappas=(0.0, 0.0), t=t, path="straight")
ham_half = float(replica.path_energy(mb, alpha=alpha_b, kappas=(0.0, 0.0), t=[0.5],
                                     path="hamming").energy[0])
ax.plot(ham.t, ham.energy, "k-", label="theory, Hamming path")
ax.plot(st.t, st.energy, "--", color="C6", label="theory, straight (normalised) segment")
N, n_inst, n_pairs = 16, (8 if COARSE else 40), (2 if COARSE else 4)
ts = np.linspace(0.0, 1.0, 9)
per_inst = []
rng = np.random.default_rng(20230517)
for _ in range(n_inst):
    xi = simulate.gaussian_patterns(int(alpha_b * N), N, rng=rng)
    sols = simulate.enumerate_solutions(xi, 0.0).solutions.astype(float)
    if len(sols) == 0:  # an UNSAT instance (rare at N = 16): nothing to draw
        continue
    e = []
    for _ in range(n_pairs):  # two uniform draws among all the solutions of the instance
        i, j = rng.integers(len(sols), size=2)
        e.append(simulate.hamming_path_energy(xi, sols[i], sols[j], ts, 0.0, n_orders=64,
                                              rng=rng).energy)
    per_inst.append(np.mean(e, axis=0))
per_inst = np.array(per_inst)
sim_mean = per_inst.mean(axis=0)
sim_err = per_inst.std(axis=0, ddof=1) / np.sqrt(len(per_inst))
ax.errorbar(ts, sim_mean, yerr=sim_err, fmt="o", color="C1", capsize=2,
            label=f"exact enumeration, N = {N}, {len(per_inst)} instances")
ax.set(xlabel="t (typical -> typical)", ylabel="training error e(t) (per P)",
       title=f"(d) binary, kappa = 0, alpha = {alpha_b:g}: Hamming vs straight")
ax.legend(fontsize=8)

fig.tight_layout()
fig.savefig(HERE / "energy_barriers.png", dpi=120)

# %% key numbers
print(f"spherical negative perceptron, kappa = {KAPPA}")
for a, e in barriers.items():
    print(f"  alpha = {a:<4g} geodesic barrier e(1/2) typical-typical = {e:.6f}")
for a, k0, km, bad in zip(alphas, kzero, kmax, unstable):
    print(f"  alpha = {a:<6.3f} zero-energy margin kappa_0 = {k0:+.5f}   kappa_max = {km:+.5f}"
          + ("   (kappa_0 vertex RS-unstable)" if bad else ""))
print(f"  alpha = 1 zero-energy margin kappa_0 = {kappa_0:+.6f}")
print(f"  alpha_star (star-shaped transition) = {alpha_star:.4f}")
print(f"  alpha_AT   (de Almeida-Thouless)    = {alpha_at:.4f}")
print(f"  alpha_c    (RS capacity)            = {alpha_c:.4f}")
print(f"binary perceptron, kappa = 0, alpha = {alpha_b}: Hamming-path e(1/2) = {ham_half:.5f} "
      f"(theory), {sim_mean[4]:.5f} +- {sim_err[4]:.5f} (N = {N}); straight segment max "
      f"e = {st.barrier:.1e}")
