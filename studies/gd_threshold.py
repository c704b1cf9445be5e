"""Study: where gradient descent stops in the pure spherical 3-spin glass, against the
threshold -E_inf (issue #13; the numbers quoted in the README's status section).

Run:  python studies/gd_threshold.py run 32,64,128,256,384 40,40,40,20,12 [--out DIR]
      python studies/gd_threshold.py run 512 8 --storage packed [--out DIR]
      python studies/gd_threshold.py fit [--out DIR]

``run`` writes one JSON per instance (resumable): couplings seeded 10000 N + i (dense
storage), a uniform start seeded 20000000 + 10000 N + i, ``simulate.pspin.gradient_descent``
to |grad H|/sqrt(N) <= 1e-6, the end point's energy, steps, index and tangent Hessian
eigenvalues.  ``fit`` prints per-N means and standard errors and weighted least-squares fits
e(N) = e_inf + a x(N) for x = 1/N, N^(-2/3), N^(-1/2) (all sizes, and N >= 64), with
chi^2/dof and the distance of e_inf from -E_inf in standard errors, and the decay of the
smallest Hessian eigenvalue.  CPU: ~1 s per descent at N = 128, ~25 s at N = 256, ~75 s at
N = 384 (dense tensor, BLAS on one thread).
"""
from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

import numpy as np

E_INF = 2.0 * math.sqrt(2.0 / 3.0)
TOL = 1e-6


def run(Ns, counts, out: Path, storage="dense"):
    from simulate import pspin as sim

    out.mkdir(parents=True, exist_ok=True)
    for N, n in zip(Ns, counts):
        for i in range(n):
            fn = out / f"N{N}_i{i}.json"
            if fn.exists():
                continue
            J = sim.couplings(N, {3: 1.0}, rng=10_000 * N + i, storage=storage)
            x = np.random.default_rng(20_000_000 + 10_000 * N + i).standard_normal(N)
            r = sim.gradient_descent(J, x * math.sqrt(N) / np.linalg.norm(x), tol=TOL,
                                     max_steps=100_000)
            fn.write_text(json.dumps({"N": N, "inst": i, "storage": storage, "gd": dict(
                energy=r.energy, grad_norm=r.grad_norm, steps=r.steps, converged=r.converged,
                index=r.index, lmin=float(r.hessian_eigenvalues[0]))}))
            print(f"N = {N} instance {i}: e = {r.energy:.5f} ({r.steps} steps)", flush=True)


def _wls(x, y, s):
    """Weighted straight line y = c0 + c1 x: (c0, its standard error, chi2, dof)."""
    A = np.vstack([np.ones_like(x), x]).T / s[:, None]
    coef, *_ = np.linalg.lstsq(A, y / s, rcond=None)
    cov = np.linalg.inv(A.T @ A)
    chi2 = float(np.sum(((A @ coef) - y / s) ** 2))
    return coef[0], math.sqrt(cov[0, 0]), chi2, x.size - 2


def fit(out: Path):
    data = {}
    for fn in out.glob("N*_i*.json"):
        d = json.loads(fn.read_text())
        data.setdefault(d["N"], []).append(d["gd"])
    Ns = np.array(sorted(data), dtype=float)
    print(f"-E_inf = {-E_INF:.6f}")
    print("   N    n  converged  minima  e (mean +- se)        lambda_min (mean +- se)")
    e, se, lm, lse = [], [], [], []
    for N in sorted(data):
        g = data[N]
        en = np.array([x["energy"] for x in g])
        mn = np.array([x["lmin"] for x in g])
        e.append(en.mean())
        se.append(en.std(ddof=1) / math.sqrt(en.size))
        lm.append(mn.mean())
        lse.append(mn.std(ddof=1) / math.sqrt(mn.size))
        print(f"{N:4d} {len(g):4d} {sum(x['converged'] for x in g):10d} "
              f"{sum(x['index'] == 0 for x in g):7d}  {e[-1]:.4f} +- {se[-1]:.4f}      "
              f"{lm[-1]:.4f} +- {lse[-1]:.4f}")
    e, se = np.array(e), np.array(se)
    for name, xs in (("1/N", 1.0 / Ns), ("N^(-2/3)", Ns ** (-2 / 3)), ("N^(-1/2)", Ns ** -0.5)):
        for lo in (Ns.min(), 64):
            m = Ns >= lo
            if m.sum() < 3:
                continue
            c0, err, chi2, dof = _wls(xs[m], e[m], se[m])
            print(f"e_inf + a {name:9s} (N >= {int(lo):3d}): e_inf = {c0:.4f} +- {err:.4f}, "
                  f"chi2/dof = {chi2:.2f}/{dof}, (e_inf + E_inf)/err = {(c0 + E_INF) / err:+.1f}")
    lm, lse = np.array(lm), np.array(lse)
    slope, icpt = np.polyfit(np.log(Ns), np.log(lm), 1, w=lm / lse)
    print(f"lambda_min ~ {math.exp(icpt):.3g} N^({slope:.3f})")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=("run", "fit"))
    ap.add_argument("Ns", nargs="?", default="32,64,128,256,384")
    ap.add_argument("counts", nargs="?", default="40,40,40,20,12")
    ap.add_argument("--out", default=os.environ.get("GD_STUDY_OUT", "gd_threshold_out"))
    ap.add_argument("--storage", choices=("dense", "packed"), default="dense",
                    help="packed: degree-3 couplings as N^3/6 entries (N up to ~1000; a "
                         "different random stream from dense)")
    a = ap.parse_args(argv)
    if a.cmd == "run":
        run([int(v) for v in a.Ns.split(",")], [int(v) for v in a.counts.split(",")],
            Path(a.out), a.storage)
    else:
        fit(Path(a.out))


if __name__ == "__main__":
    main()
