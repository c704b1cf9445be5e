"""The README's Python examples run and print what the README says."""
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write files (a saved branch)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2
    spaces = []
    for b in blocks:
        ns = {}
        exec(compile(b, str(README), "exec"), ns)  # noqa: S102
        spaces.append(ns)
    ns = spaces[0]
    # the values quoted in the five-line example, checked against Gardner's RS equations
    # solved by SciPy (tests/replica/scipy_refs.py; measured 2026-11-29: q = 0.5918207322245,
    # phi = -0.7567429119325), not only against the engine's own earlier output
    import math

    from scipy.special import log_ndtr

    from tests.replica.scipy_refs import gauss_avg, spherical_rs_q
    q_ref = spherical_rs_q(0.5, 0.5, (0.3, 0.8))
    phi_ref = (0.5 * math.log(1 - q_ref) + q_ref / (2 * (1 - q_ref)) + 0.5 * gauss_avg(
        lambda z: log_ndtr(-(0.5 - math.sqrt(q_ref) * z) / math.sqrt(1 - q_ref)),
        [0.5 / math.sqrt(q_ref)]))
    assert abs(ns["sp"].phi - (-0.756742911932)) < 1e-11
    assert abs(ns["sp"].order_params["q"] - 0.5918207322) < 1e-9
    assert abs(ns["sp"].phi - phi_ref) < 1e-11
    assert abs(ns["sp"].order_params["q"] - q_ref) < 1e-10
    import replica
    from replica import models
    m = models.perceptron(weights="spherical", kappa=0.5)
    # Gardner's closed form, checked at 1e-9 in tests/replica/test_capacity.py
    assert abs(replica.capacity(m).alpha_c - 0.961205052801542) < 1e-14
    # the values quoted in the local-entropy example: regression pins (produced by this code,
    # not an independent check; the independent checks are in tests/replica/test_localentropy.py)
    ns = spaces[2]
    assert abs(ns["le"].phi[0] - 0.05106243) < 1e-7 and abs(ns["le"].phi[1] - 0.20904026) < 1e-7
    assert abs(ns["le"].p_typical - 0.4020946) < 1e-6
    assert abs(ns["le"].phi_typical - 0.3143901) < 1e-6
    # the values quoted in the energy-barrier example (Annesi et al. 2023): regression pins
    # (produced by this code; independent checks in tests/replica/test_barriers.py)
    ns = spaces[3]
    assert abs(ns["pe"].energy[1] - 0.00767087) < 1e-8
    assert abs(ns["pe"].energy[2] - 0.01002902) < 1e-8
    assert abs(ns["pe"].vertices.overlaps[0, 1] - 0.2595240) < 1e-7
    # the hinge Gibbs example of "Deriving your own model" (checked against SciPy quadrature in
    # tests/replica/test_kinked_channels.py)
    # the spin-glass example (checked against ABC's closed forms, mpmath and simulation in
    # tests/replica/test_kacrice.py, test_pspin.py and tests/validate)
    ns = spaces[4]  # regression pin (ABC's closed forms are checked in test_kacrice.py)
    assert abs(ns["kacrice"].E_k({3: 1.0}, 0) - 1.6569983635) < 1e-9
    assert abs(ns["kacrice"].complexity({3: 1.0}, -1.64, deformation={1: 0.3})
               - 0.0239906314) < 1e-8  # regression pin; the field's effect is checked by the
    # finite-N route in tests/replica/test_deformed.py
    ns = spaces[5]
    # the ReLU example (exact checks in tests/replica/test_relu.py)
    assert abs(ns["theory"].full_rank_probability_1d(n=20, d1=29) - 0.4321717073144) < 1e-12
    ns = spaces[6]  # the issue #12 values, checked against SciPy in test_kinked_channels.py
    h = replica.solve(models.perceptron(weights="spherical", channel=ns["hinge"], kappa=0.5,
                                        beta=10.0), alpha=1.0)
    assert abs(h.order_params["q"] - 0.7905) < 5e-5 and abs(h.phi + 1.7515) < 5e-5
    # regression pins of the raw-path and new-prior examples (the checks against independent
    # references are in tests/replica/test_raw_path.py and test_priors.py)
    ns = spaces[7]
    assert abs(ns["s"].phi - 0.98651) < 1e-5 and abs(ns["s"].order_params["m"] - 0.73615) < 1e-5
    assert ns["b"].success[0] and not ns["b"].success.all()
    assert (tmp_path / "pspin_branch.json").exists()
    import replica
    from replica import models
    ns_prior = spaces[8]
    assert abs(replica.solve(models.perceptron(weights=ns_prior["ising"], kappa=0.0, h=0.3),
                             alpha=0.5).phi - 0.34423) < 1e-5
    t = replica.solve(models.perceptron(weights=ns_prior["ternary"], kappa=0.0), alpha=0.3)
    assert abs(t.phi - 0.88035) < 1e-5 and abs(t.order_params["Q"] - 0.6666) < 1e-4


def test_public_api_is_annotated():
    """Every public function of the three packages declares its return type (issue #16)."""
    import inspect

    import replica
    import simulate
    import validate

    for mod in (replica, simulate, validate):
        bare = [n for n in mod.__all__ if inspect.isfunction(getattr(mod, n))
                and inspect.signature(getattr(mod, n)).return_annotation
                is inspect.Signature.empty]
        assert not bare, (mod.__name__, bare)
