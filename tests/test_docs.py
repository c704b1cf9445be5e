"""Every code block of the README and of docs/ runs, and prints or holds what the text says.

* ```pycon blocks are doctests (one namespace per file): the numbers they print are checked
  by content, as doctest compares them.
* ```python blocks run in order (one namespace per block); the numbers their comments quote
  are checked below, each block found by a line it contains (never by its position).
* Numbers presented as checks are compared with their independent source here (SciPy
  solutions of the same equations, closed forms); those marked [pin] are regression pins.
"""
import atexit
import doctest
import math
import os
import pathlib
import re
import shutil
import tempfile

import numpy as np

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))


def _blocks(path, lang):
    return re.findall(rf"```{lang}\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def test_the_docs_are_there():
    names = {p.name for p in FILES}
    assert {"README.md", "guide.md", "conventions.md", "validation.md", "speed.md", "engine.md",
            "status.md"} <= names
    assert len(_blocks(ROOT / "docs" / "guide.md", "python")) >= 6
    assert _blocks(ROOT / "README.md", "pycon")


@pytest.mark.parametrize("path", [p for p in FILES if _blocks(p, "pycon")],
                         ids=lambda p: p.name)
def test_pycon_blocks_print_what_they_say(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs = {}
    for i, block in enumerate(_blocks(path, "pycon")):
        test = parser.get_doctest(block, globs, f"{path.name}[{i}]", str(path), 0)
        runner.run(test, clear_globs=False)
        globs = test.globs  # the next block sees this one's names (DocTest copies its globs)
    res = runner.summarize(verbose=False)
    assert res.attempted > 0 and res.failed == 0, f"{res.failed} examples failed in {path.name}"


def _expected(path, source):
    """The output a pycon example whose source contains ``source`` says it prints."""
    parser = doctest.DocTestParser()
    for block in _blocks(path, "pycon"):
        for ex in parser.get_examples(block):
            if source in ex.source:
                return ex.want
    raise KeyError(f"no example with {source!r} in {path.name}")


def test_readme_numbers_against_independent_solutions():
    """The five-line example's phi and q against Gardner's RS equations solved by SciPy, and
    alpha_c against Gardner's closed form (quadrature of 1/int_{-kappa} Dt (t+kappa)^2)."""
    from scipy import integrate, stats
    from scipy.special import log_ndtr

    from tests.replica.scipy_refs import gauss_avg, spherical_rs_q

    readme = ROOT / "README.md"
    phi, q = (float(v) for v in _expected(readme, "round(sp.phi, 10)").strip("()\n").split(",")[:2])
    q_ref = spherical_rs_q(0.5, 0.5, (0.3, 0.8))
    phi_ref = (0.5 * math.log(1 - q_ref) + q_ref / (2 * (1 - q_ref)) + 0.5 * gauss_avg(
        lambda z: log_ndtr(-(0.5 - math.sqrt(q_ref) * z) / math.sqrt(1 - q_ref)),
        [0.5 / math.sqrt(q_ref)]))
    assert abs(phi - phi_ref) < 1e-10 and abs(q - q_ref) < 1e-10
    alpha_c = float(_expected(readme, "replica.capacity(m).alpha_c"))
    inv = integrate.quad(lambda t: stats.norm.pdf(t) * (t + 0.5) ** 2, -0.5, 12.0,
                         epsabs=0.0, epsrel=1e-13, limit=200)[0]
    assert abs(alpha_c - 1 / inv) < 1e-12


# ---------------------------------------------------------------------------------------------
# the python blocks of the guide, found by a line they contain

GUIDE = ROOT / "docs" / "guide.md"
_RUN = {}
#: The folder the python blocks run in (they write files: a saved branch), made once.
_WORKDIR = []


def _run(path, block):
    """The namespace of one python block, run once per test session in a scratch folder."""
    key = (str(path), block)
    if key not in _RUN:
        if not _WORKDIR:
            _WORKDIR.append(pathlib.Path(tempfile.mkdtemp(prefix="docs-")))
            atexit.register(shutil.rmtree, _WORKDIR[0], ignore_errors=True)
        old = os.getcwd()
        os.chdir(_WORKDIR[0])
        try:
            ns = {}
            exec(compile(block, str(path), "exec"), ns)  # noqa: S102
        finally:
            os.chdir(old)
        _RUN[key] = ns
    return _RUN[key]


def _ns(marker):
    """The namespace of the guide's python block that contains ``marker``."""
    blocks = [b for b in _blocks(GUIDE, "python") if marker in b]
    assert len(blocks) == 1, f"{len(blocks)} python blocks of the guide contain {marker!r}"
    return _run(GUIDE, blocks[0])


def test_every_python_block_of_the_docs_runs():
    for path in FILES:
        for block in _blocks(path, "python"):
            _run(path, block)


def test_guide_perceptron_beyond_rs():
    import replica
    from replica import models
    # the AT point and the 1RSB capacity quoted as checks: independent SciPy solutions
    from tests.replica.scipy_refs import spherical_at_line
    ns = _ns('neg = models.perceptron(weights="spherical", kappa=-1.0)')
    at, _ = spherical_at_line(-1.0, (7.9, 0.9))
    assert abs(replica.at_line(ns["neg"], bracket=(2.0, 13.0)).value - 7.8736) < 5e-5
    assert abs(at - 7.8736) < 5e-5
    assert abs(replica.capacity(ns["b"], ansatz="1rsb").alpha_c - 0.8331) < 5e-5
    assert models is not None


def test_guide_local_entropy_pins():
    ns = _ns("le = replica.local_entropy(b, alpha=0.5, kappa_ref=0.3")
    # regression pins (independent checks: tests/replica/test_localentropy.py)
    assert abs(ns["le"].phi[0] - 0.05106243) < 1e-7 and abs(ns["le"].phi[1] - 0.20904026) < 1e-7
    assert abs(ns["le"].p_typical - 0.4020946) < 1e-6
    assert abs(ns["le"].phi_typical - 0.3143901) < 1e-6


def test_guide_barrier_pins():
    ns = _ns("pe = replica.path_energy(neg, alpha=1.0")
    # regression pins (Annesi et al. 2023; independent checks in tests/replica/test_barriers.py)
    assert abs(ns["pe"].energy[1] - 0.00767087) < 1e-8
    assert abs(ns["pe"].energy[2] - 0.01002902) < 1e-8
    assert abs(ns["pe"].vertices.overlaps[0, 1] - 0.2595240) < 1e-7


def test_guide_spin_glass_numbers():
    ns = _ns("kacrice.E_inf({3: 1.0})")
    k = ns["kacrice"]
    assert abs(k.E_inf({3: 1.0}) - 2 * math.sqrt(2 / 3)) < 1e-14  # ABC's closed form
    assert abs(k.E_k({3: 1.0}, 0) - 1.6569983635) < 1e-9  # pin; ABC's 1.657 (recalled)
    assert abs(k.complexity({3: 1.0}, -1.64, deformation={1: 0.3}) - 0.0239906314) < 1e-8
    c = k.expected_count(N=4, xi={3: 1.0}).by_index
    assert [round(v, 3) for v in c] == [3.580, 5.816, 5.816, 3.580]  # pins


def test_guide_ising_spin_glass_numbers():
    ns = _ns('sk = models.ising_spin_glass(xi={2: 0.5}, h=0.3)')
    from tests.replica.parisi_ref import parisi_phi
    # the AT point against the SK AT line of tests/replica/test_stability.py's independent solve
    from tests.replica.test_stability import _at_point
    assert abs(_at_point(0.3)[0] - 1.53409) < 5e-6
    assert abs(ns["rs"].phi - 1.667307) < 5e-7   # pin (RS: symbolic engine, its own tests)
    k3 = ns["k3"]
    q = [k3.order_params[f"q{i}"] for i in range(4)]
    m = [k3.order_params[f"m{i}"] for i in range(1, 4)]
    assert abs(parisi_phi({2: 0.5}, 2.0, 0.3, q, m, dh=0.02) - 1.6668288) < 5e-8   # independent
    import replica
    r1 = replica.solve(ns["sk"], {"beta": 2.0}, ansatz="1rsb")
    q1 = [r1.order_params["q0"], r1.order_params["q1"]]
    assert abs(parisi_phi({2: 0.5}, 2.0, 0.3, q1, [r1.order_params["m1"]], dh=0.02)
               - 1.6668303) < 5e-8                                     # independent
    full = ns["full"]
    assert abs(full.phi - 1.66682874) < 5e-9 and full.phi_error < 1e-10   # [pin] to its error
    assert abs(full.observables["energy"] + 0.753763) < 5e-7               # [pin]
    assert full.parisi.k == 6
    e1 = replica.ground_state(ns["sk0"], ansatz="1rsb").observables["energy"]
    assert abs(e1 + 0.765259) < 5e-7   # [pin]; independent: test_ground_state_rs_and_1rsb


def test_guide_spherical_rsb_numbers():
    ns = _ns('one = replica.solve(pspin.spherical({3: 0.5})')
    from tests.replica.test_spherical_rsb import _continuous_solution
    assert abs(ns["one"].phi - 0.9865111472) < 5e-11     # [pin]; = its 1RSB in the tests
    assert "1 steps" in ns["one"].method
    ref = _continuous_solution(0.5, 0.1, 1.2)[0]          # independent closed form
    assert abs(ref - 0.430777285985) < 5e-13
    assert abs(ns["cont"].phi - ref) < 1e-10 and ns["cont"].phi_error < 1e-10


def test_guide_perceptron_rsb_numbers():
    ns = _ns('two = replica.solve(gardner, alpha=9.0, ansatz="krsb", k=2)')
    from tests.replica.parisi_ref import perceptron_phi
    two = ns["two"]
    q = [two.order_params[f"q{i}"] for i in range(3)]
    m = [two.order_params["m1"], two.order_params["m2"]]
    assert abs(perceptron_phi(-1.0, 9.0, q, m) - (-1.9649034959)) < 5e-11   # independent
    assert abs(two.phi - (-1.9649034959)) < 5e-11


def test_guide_relu_numbers():
    ns = _ns("theory.nonempty_regions(n=10, d0=2, d1=3, bias=True)")
    t = ns["theory"]
    assert t.nonempty_regions(n=10, d0=2, d1=3, bias=True) == 92 ** 3  # Cover's count
    assert abs(t.full_rank_probability_1d(n=20, d1=29) - 0.4321717073144) < 1e-12  # pin


def test_guide_channel_numbers():
    import replica
    from replica import models
    ns = _ns('hinge = replica.channel(sp.exp(-beta * sp.Max(0, k - Delta)), name="hinge")')
    # checked against SciPy in tests/replica/test_kinked_channels.py
    h = replica.solve(models.perceptron(weights="spherical", channel=ns["hinge"], kappa=0.5,
                                        beta=10.0), alpha=1.0)
    assert abs(h.order_params["q"] - 0.7905) < 5e-5 and abs(h.phi + 1.7515) < 5e-5


def test_guide_raw_path_pins():
    ns = _ns('b.save("pspin_branch.json")')
    # regression pins (checked against mpmath in tests/replica/test_raw_path.py)
    assert abs(ns["s"].phi - 0.98651) < 1e-5 and abs(ns["s"].order_params["m"] - 0.73615) < 1e-5
    assert ns["b"].success[0] and not ns["b"].success.all()
    import replica
    back = replica.Branch.load(_WORKDIR[0] / "pspin_branch.json")
    assert np.array_equal(back.values, ns["b"].values)


def test_guide_prior_pins():
    import replica
    from replica import models
    ns = _ns("ising = replica.priors.discrete({-1: sp.exp(-h), 1: sp.exp(h)})")
    assert abs(replica.solve(models.perceptron(weights=ns["ising"], kappa=0.0, h=0.3),
                             alpha=0.5).phi - 0.34423) < 1e-5
    t = replica.solve(models.perceptron(weights=ns["ternary"], kappa=0.0), alpha=0.3)
    assert abs(t.phi - 0.88035) < 1e-5 and abs(t.order_params["Q"] - 0.6666) < 1e-4
