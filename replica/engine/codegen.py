"""The only module that turns SymPy expressions into numbers.

Three backends evaluate the same expressions (the tests check that they agree):

* :func:`compile_kernel` — generated Python source compiled by Numba into a C-callable function
  (``numba.cfunc``, ``cache=True``; the module's ``kernel`` wraps it for calls from Python,
  :class:`replica.engine._newton.Kernel`, and the compiled drivers call its address): one loop
  per group of Gaussian averages sharing a variable and quadrature hints, common
  subexpressions shared (``sympy.cse``) and loop invariants hoisted; special functions map to the
  tail-stable implementations of :mod:`replica._numba_special`.  A group of tilted averages
  evaluates only its exponent on each pass that locates the tilted mass, and its integrands
  once, on the accepted pass (accumulated with the masses: no per-integrand arrays).  The
  graded and truncated rules are called through a C ABI by symbol
  (:mod:`replica.engine._rules_c`: hints on the kernel's stack, nodes and weights in a buffer
  the kernel frees), not linked into the kernel, and integer powers are printed as products,
  so that a kernel compiles no Numba subroutine and recompiles no rule (the first call's
  compile time, ``benchmarks/bench_first_call.py``).  The source is written to a
  cache directory named by a hash of the expressions and of the runtime library, so compiled
  code is reused across processes.
* :func:`evaluate_numpy` — ``sympy.lambdify`` with NumPy/SciPy on the same quadrature rules;
* :func:`evaluate_mpmath` — mpmath at arbitrary precision with ``mpmath.quad`` (tanh-sinh,
  split at the quadrature hints): an independent reference for the tests.
  (These two live in :mod:`replica.engine.backends`.)

Kernel argument order (documented in each generated module's docstring):
``kernel(theta, ctrl, gl_x, gl_w, gh_x, gh_w, out)`` with ``theta`` the order parameters in the
free entropy's order, ``ctrl`` the controls (``alpha`` first, then channel parameters sorted by
name), the reference Gauss-Legendre and Gauss-Hermite rules, and ``out`` the output buffer.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
from pathlib import Path

import sympy as sp

from .gauss import AVERAGES, GaussAvg, TiltedAvg, TruncAvg, top_level_averages
from .printing import KernelPrinter
from .special import GH, logH

__all__ = ["compile_kernel", "evaluate_numpy", "evaluate_mpmath", "cache_dir"]

_HERE = Path(__file__).resolve().parent
_RUNTIME_FILES = ("_numba_special.py", "quadrature.py", "codegen.py", "printing.py",
                  "_sig.py", "_rules_c.py")
#: ``kind`` of the C rules (:data:`replica.engine._rules_c.PANEL` / ``TRUNC``; not imported
#: here: importing that module loads compiled code, which only a kernel needs).
_PANEL, _TRUNC = 0, 1
#: Hint tuples are padded to a multiple of this length (see _Generator._hints).
HINT_BLOCK = 3


def cache_dir() -> Path:
    """Directory of generated kernels (``$REPLICA_CACHE_DIR`` or ``~/.cache/replica-landscapes``)."""
    root = os.environ.get("REPLICA_CACHE_DIR")
    path = Path(root) if root else Path.home() / ".cache" / "replica-landscapes" / "kernels"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        from .errors import ReplicaError
        where = "REPLICA_CACHE_DIR" if root else "the default kernel cache"
        raise ReplicaError(f"{where} ({path}) is not a writable folder ({err.strerror or err}):"
                           " set REPLICA_CACHE_DIR to a folder you can write") from None
    return path


def _runtime_hash():
    h = hashlib.sha256()
    for name in _RUNTIME_FILES:
        h.update((_HERE / name).read_bytes())
    return h.hexdigest()[:16]


def _safe(name, i):
    return f"v{i}_" + re.sub(r"\W", "_", name)


class _Generator:
    def __init__(self):
        self.printer = KernelPrinter()
        self.level = 0
        self.n_acc = 0
        self.symgen = sp.numbered_symbols("_c")

    def pr(self, e):
        return self.printer.doprint(e)

    def _hints(self, pts, extra=None):
        """The hints (c, s) as two tuples of floats, ``extra`` (two source strings) appended,
        padded with NaN (an unusable hint, which the rules skip) to a multiple of HINT_BLOCK:
        no array is allocated in the kernel, and the quadrature helpers are compiled for a
        few tuple lengths per machine, not one per number of hints."""
        cs = [f"float({self.pr(c)})" for c, _ in pts]
        ss = [f"float({self.pr(s_)})" for _, s_ in pts]
        if extra is not None:
            cs.append(extra[0])
            ss.append(extra[1])
        size = HINT_BLOCK * max(1, -(-len(cs) // HINT_BLOCK))
        cs += ["math.nan"] * (size - len(cs))
        ss += ["math.nan"] * (size - len(ss))
        return f"({', '.join(cs)},)", f"({', '.join(ss)},)"

    def _accumulation(self, integrands, accs, weights, var, pad, indent, L, buffer=False):
        """The loop acc_k += weights[i] f_k(var_i) over the nodes _n{L} (loop invariants
        hoisted before it); with ``buffer``, over the _m{L} nodes and then weights of the C
        rule's buffer _b{L} (see :meth:`_c_rule`)."""
        hoisted, body = self.block(integrands, [(acc, f"+= _wi{L} *") for acc in accs],
                                   indent + 1, var)
        if buffer:
            return hoisted + [f"{pad}for _i{L} in range(_m{L}):",
                              f"{pad}    {self.pr(var)} = _b{L}[_i{L}]",
                              f"{pad}    _wi{L} = _b{L}[_m{L} + _i{L}]"] + body
        return hoisted + [f"{pad}for _i{L} in range(_n{L}.shape[0]):",
                          f"{pad}    {self.pr(var)} = _n{L}[_i{L}]",
                          f"{pad}    _wi{L} = {weights}[_i{L}]"] + body

    def _c_rule(self, kind, pts, lower, pad, L):
        """The call of a quadrature rule through its C ABI (:mod:`replica.engine._rules_c`):
        the hints on the kernel's stack, the nodes and weights in the buffer _b{L} (freed
        after the loop), their number in _m{L} (-1 without memory)."""
        nh = len(pts)
        lines = [f"{pad}_h{L} = _stack_f64({2 * nh + 1})"]
        for j, (c, s_) in enumerate(pts):
            lines.append(f"{pad}_h{L}[{j}] = float({self.pr(c)})")
            lines.append(f"{pad}_h{L}[{nh + j}] = float({self.pr(s_)})")
        lines.append(f"{pad}_b{L} = _rule_c(_h{L}, {nh}, _dp(gl_x), _dp(gl_w), gl_x.shape[0], "
                     f"{lower}, ZMAX, BASE_WIDTH, {kind})")
        lines.append(f"{pad}_m{L} = int(_h{L}[{2 * nh}])")
        return lines

    def _tilt_group(self, lines, members, accs, var, g, pad, indent, L, start):
        """The tilted averages of one (variable, hints, exponent) group: the lines after the
        rule's in ``lines`` (from ``start`` on), which are moved into the pass loop.

        Each pass evaluates only the exponent g at its nodes (mass e^(g + ln phi), shifted by
        its maximum: nothing underflows) and asks ``_tilt_next`` whether the mass is resolved;
        the tilted integrands f_k are evaluated once, on the accepted pass's nodes, and
        accumulated with the masses in one loop (no per-integrand arrays).
        """
        tilted = [m for m in members if isinstance(m, TiltedAvg)]
        lines.append(f"{pad}_G{L} = np.empty(_n{L}.shape[0])")
        hoisted, body = self.block([g], [(f"_G{L}[_i{L}]", "=")], indent + 1, var)
        lines.extend(hoisted)
        lines.append(f"{pad}for _i{L} in range(_n{L}.shape[0]):")
        lines.append(f"{pad}    {self.pr(var)} = _n{L}[_i{L}]")
        lines.extend(body)
        lines += [f"{pad}_M{L} = -math.inf",
                  f"{pad}for _i{L} in range(_n{L}.shape[0]):",
                  f"{pad}    _G{L}[_i{L}] += _P{L}[_i{L}]",
                  f"{pad}    if _G{L}[_i{L}] > _M{L} or _G{L}[_i{L}] != _G{L}[_i{L}]:",
                  f"{pad}        _M{L} = _G{L}[_i{L}]",
                  f"{pad}_E{L} = np.empty(_n{L}.shape[0])",
                  f"{pad}_S{L} = 0.0",
                  f"{pad}for _i{L} in range(_n{L}.shape[0]):",
                  f"{pad}    _E{L}[_i{L}] = _w{L}[_i{L}] * math.exp(_G{L}[_i{L}] - _M{L})",
                  f"{pad}    _S{L} += _E{L}[_i{L}]"]
        # the tilt moves the mass: a narrow mass, or one still at the window's ends, is
        # integrated again with a hint at its mean and width (see _tilt_next)
        group = ["    " + ln for ln in lines[start:]]
        del lines[start:]
        out = [f"{pad}_try{L} = 0", f"{pad}_hc{L} = math.inf", f"{pad}_hs{L} = 1.0",
               f"{pad}_prev{L} = False", f"{pad}while True:"]
        out += group
        out += [f"{pad}    _done{L}, _prev{L}, _lo{L}, _hi{L}, _hc{L}, _hs{L} = "
                f"_tilt_next(_n{L}, _E{L}, _S{L}, _try{L}, _prev{L}, _lo{L}, _hi{L})",
                f"{pad}    if _done{L}:",
                f"{pad}        break",
                f"{pad}    _try{L} += 1"]
        # the tilted integrands on the accepted pass: sum_i E_i f_k(u_i) / S
        t_accs = [acc for m, acc in zip(members, accs) if isinstance(m, TiltedAvg)]
        for m, acc in zip(members, accs):
            out.append(f"{pad}{acc} = " + ("0.0" if isinstance(m, TiltedAvg)
                                            else f"_M{L} + math.log(_S{L})"))
        if tilted:
            out += self._accumulation([m.integrand for m in tilted], t_accs, f"_E{L}", var,
                                      pad, indent, L)
            out += [f"{pad}{acc} /= _S{L}" for acc in t_accs]
        # a mass still at the window's ends or on too few nodes after the last pass is not
        # integrated: NaN (the solver reports a non-finite point), never a number
        out += [f"{pad}if not _prev{L}:"]
        out += [f"{pad}    {acc} = math.nan" for acc in accs]
        return out

    def block(self, exprs, targets, indent, loopvar):
        """Source lines computing ``targets`` (pairs (name, assignment operator)) from
        ``exprs`` at nesting depth ``indent``: every top-level average's quadrature loop, then
        the common subexpressions; returns (hoisted, lines), ``hoisted`` being the lines that
        do not depend on ``loopvar`` (the enclosing loop's variable) and go before that loop."""
        pad = "    " * indent
        lines = []
        subs = {}
        dependent = {loopvar} if loopvar is not None else set()
        for (kind, var, pts, g), members in _average_groups(exprs).items():
            self.level += 1
            L = self.level
            accs = []
            for _ in members:
                self.n_acc += 1
                accs.append(f"_A{self.n_acc}")
            start = len(lines)
            lines += self._group_rule(kind, pts, g, pad, L)
            if kind in ("gauss", "trunc"):
                lines += self._group_sums(members, accs, var, kind == "trunc" or len(pts) > 0,
                                          pad, indent, L)
            else:
                lines.extend(self._tilt_group(lines, members, accs, var, g, pad, indent, L, start))
            for m, acc in zip(members, accs):
                s_ = sp.Symbol(acc)
                subs[m] = s_
                dependent.add(s_)
        exprs2 = [sp.sympify(e).xreplace(subs) for e in exprs]
        return self._assignments(exprs2, targets, lines, dependent, indent, loopvar)

    def _group_rule(self, kind, pts, g, pad, L):
        """The lines setting the nodes _n{L} and weights _w{L} of one group of averages."""
        lines = []
        if kind == "trunc":
            lines += self._c_rule(_TRUNC, pts, f"float({self.pr(g)})", pad, L)
        elif kind == "tilt":
            # first pass: the declared hints on a window that contains them (or
            # Gauss-Hermite without hints); later passes add a hint at the tilted mass
            # found by the previous pass, on a window that contains it (see tilt_next)
            # _C0, _D0: the declared hints (first pass); _C, _D: with the hint at the
            # mass found by the previous pass in the first free slot (same length)
            c0, s0 = self._hints(pts, ("math.nan", "math.nan"))
            c1, s1 = self._hints(pts, (f"_hc{L}", f"_hs{L}"))
            lines.append(f"{pad}_C{L} = {c1}")
            lines.append(f"{pad}_D{L} = {s1}")
            # (the Gauss-Legendre passes carry ln phi(z) in _P, added to the exponent:
            # no Gaussian weight underflows on a window far in the tail)
            lines.append(f"{pad}if _try{L} == 0:")
            if len(pts):
                lines.append(f"{pad}    _C0{L} = {c0}")
                lines.append(f"{pad}    _D0{L} = {s0}")
                lines.append(f"{pad}    _lo{L}, _hi{L} = _tilt_window(_C0{L}, _D0{L})")
                lines.append(f"{pad}    _n{L}, _w{L}, _P{L} = _rule_on_log(_lo{L}, _hi{L}, "
                             f"_C0{L}, _D0{L}, gl_x, gl_w, BASE_WIDTH)")
            else:
                lines.append(f"{pad}    _lo{L}, _hi{L} = -ZMAX, ZMAX")
                lines.append(f"{pad}    _n{L}, _w{L}, _P{L} = gh_x, gh_w, "
                             f"np.zeros(gh_x.shape[0])")
            lines.append(f"{pad}else:")
            lines.append(f"{pad}    _n{L}, _w{L}, _P{L} = _rule_on_log(_lo{L}, _hi{L}, _C{L}, "
                         f"_D{L}, gl_x, gl_w, BASE_WIDTH)")
        elif len(pts):
            lines += self._c_rule(_PANEL, pts, "0.0", pad, L)
        else:
            lines.append(f"{pad}_n{L}, _w{L} = gh_x, gh_w")
        return lines

    def _group_sums(self, members, accs, var, c_rule, pad, indent, L):
        """The weighted sums of a group of plain or truncated Gaussian averages (NaN where
        the composite rule could not be built)."""
        lines = [f"{pad}{acc} = 0.0" for acc in accs]
        lines += self._accumulation([m.integrand for m in members], accs, f"_w{L}", var, pad,
                                    indent, L, buffer=c_rule)
        if c_rule:
            lines.append(f"{pad}_free(_b{L})")
            lines.append(f"{pad}if _m{L} < 0:")
            lines += [f"{pad}    {acc} = math.nan" for acc in accs]
        return lines

    def _assignments(self, exprs, targets, lines, dependent, indent, loopvar):
        """Append to ``lines`` the common subexpressions of ``exprs`` (averages replaced by
        their accumulators) and the assignments of ``targets``; (hoisted, lines)."""
        pad = "    " * indent
        # logH(a) and GH(a) with the same argument come from one erfcx evaluation
        pair_args, pair_syms = [], []

        def pair(a):
            if a not in pair_args:
                self.n_acc += 1
                pair_args.append(a)
                pair_syms.append((sp.Symbol(f"_lh{self.n_acc}"), sp.Symbol(f"_gh{self.n_acc}")))
            return pair_syms[pair_args.index(a)]

        exprs3 = [e.replace(lambda x: isinstance(x, (logH, GH)),
                            lambda x: pair(x.args[0])[0 if isinstance(x, logH) else 1])
                  for e in exprs]
        k = len(pair_args)
        reps, reduced = sp.cse(pair_args + exprs3, symbols=self.symgen, order="none")
        red_args, red_exprs = reduced[:k], reduced[k:]
        defs = {s: ("rep", rhs) for s, rhs in reps}
        for a, (lh, gh) in zip(red_args, pair_syms):
            defs[lh] = ("pair", a, lh, gh)
            defs[gh] = ("pair", a, lh, gh)
        done = set()
        hoisted = []
        ppad = "    " * max(indent - 1, 0)

        def emit(sym):
            if sym in done or sym not in defs:
                return
            d = defs[sym]
            rhs = d[1]
            for dep in sorted(rhs.free_symbols, key=lambda t: t.name):
                emit(dep)
            if d[0] == "rep":
                targets_ = [sym]
                line = f"{self.pr(sym)} = {self.pr(rhs)}"
            else:
                targets_ = [d[2], d[3]]
                line = f"{self.pr(d[2])}, {self.pr(d[3])} = _sf.logH_GH({self.pr(rhs)})"
            done.update(targets_)
            if loopvar is not None and not (rhs.free_symbols & dependent):
                hoisted.append(ppad + line)
            else:
                dependent.update(targets_)
                lines.append(pad + line)

        for (tgt, op), e in zip(targets, red_exprs):
            for dep in sorted(e.free_symbols, key=lambda t: t.name):
                emit(dep)
            lines.append(f"{pad}{tgt} {op} ({self.pr(e)})")
        return hoisted, lines


def _average_groups(exprs):
    """The top-level averages of ``exprs`` grouped by what their quadrature rule depends on:
    {(kind, variable, points, g): [averages]}, in order of first appearance (averages over
    one variable with one rule share one loop)."""
    avgs = []
    for e in exprs:
        for a in top_level_averages(e):
            if a not in avgs:
                avgs.append(a)
    groups = {}
    for a in avgs:
        if isinstance(a, GaussAvg):
            key = ("gauss", a.var, a.args[2], None)
        elif isinstance(a, TruncAvg):
            key = ("trunc", a.var, a.args[3], a.lower)
        else:
            key = ("tilt", a.var, sp.Tuple(*[sp.Tuple(c, s_) for c, s_ in a.points]),
                   a.exponent)
        groups.setdefault(key, []).append(a)
    return groups


def generate_source(outputs, theta_syms, ctrl_syms, name="kernel"):
    """Python source of a Numba kernel evaluating ``outputs`` (see module docstring)."""
    allsyms = list(theta_syms) + list(ctrl_syms)
    rename = {s: sp.Symbol(_safe(s.name, i)) for i, s in enumerate(allsyms)}
    # integration variables: rename too (they may clash with user names)
    loopvars = set()
    for e in outputs:
        for a in sp.sympify(e).atoms(*AVERAGES):
            loopvars.add(a.var)
    for j, v in enumerate(sorted(loopvars, key=lambda s: s.name)):
        rename[v] = sp.Symbol(_safe(v.name, len(allsyms) + j))
    outs = [sp.sympify(e).xreplace(rename) for e in outputs]
    stray = set().union(*[e.free_symbols for e in outs]) - set(rename.values())
    stray = {s for s in stray if not s.name.startswith("v")}
    if stray:
        raise ValueError(f"expressions contain symbols that are neither order parameters nor "
                         f"controls: {sorted(map(str, stray))}")
    gen = _Generator()
    _, body = gen.block(outs, [(f"out[{k}]", "=") for k in range(len(outs))], 1, None)
    doc = (f'"""Generated by replica.codegen. Arguments: theta = '
           f'{[s.name for s in theta_syms]}, ctrl = {[s.name for s in ctrl_syms]}; '
           f'{len(outputs)} outputs."""')
    head = [
        "import math",
        "import numpy as np",
        "import numba",
        "from replica.engine import _numba_special as _sf",
        "from replica.engine._sig import KERNEL_SIG",
        "from replica.engine._rules_c import rule_c as _rule_c, c_free as _free, "
        "stack_f64 as _stack_f64, data_ptr as _dp",
        "from replica.engine.quadrature import tilt_next as _tilt_next, "
        "tilt_window as _tilt_window, rule_on_log as _rule_on_log, ZMAX, BASE_WIDTH",
        "",
        "",
        "@numba.cfunc(KERNEL_SIG, cache=True, nogil=True, fastmath=False, error_model='numpy')",
        f"def {name}(theta, ctrl, gl_x, gl_w, gh_x, gh_w, out):",
        f"    {doc}",
    ]
    # the argument sizes, for the Python entry's checks (replica.engine._newton.Kernel)
    head[-3:-3] = [f"N_THETA, N_CTRL, N_OUT = {len(theta_syms)}, {len(ctrl_syms)}, "
                   f"{len(outputs)}", "", ""]
    unpack = [f"    {rename[s].name} = theta[{i}]" for i, s in enumerate(theta_syms)]
    unpack += [f"    {rename[s].name} = ctrl[{i}]" for i, s in enumerate(ctrl_syms)]
    return "\n".join(head + unpack + body + ["    return out", ""])





_LOADED = {}


def compile_kernel(outputs, theta_syms, ctrl_syms):
    """Compile ``outputs`` into a Numba module (cached on disk).

    Returns the module: ``kernel`` evaluates the outputs, ``newton`` runs the damped Newton
    iteration of :mod:`replica.solvers` entirely in compiled code (outputs laid out as in
    :meth:`replica.freeentropy.FreeEntropy.kernel_outputs`).
    """
    src = generate_source(outputs, theta_syms, ctrl_syms)
    key = hashlib.sha256((src + _runtime_hash()).encode()).hexdigest()[:24]
    if key in _LOADED:
        return _LOADED[key]
    path = cache_dir() / f"k_{key}.py"
    if not path.exists() or path.read_text() != src:
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(src)
        os.replace(tmp, path)
    return _load(key, path)


def _load(key, path):
    modname = f"_replica_kernel_{key}"
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    spec.loader.exec_module(mod)
    from ._newton import Kernel
    # the cfunc, callable from Python with its argument sizes checked
    mod.kernel = Kernel(mod.kernel, (mod.N_THETA, mod.N_CTRL, mod.N_OUT))
    _LOADED[key] = mod
    return mod


#: Files whose content decides the generated source of a free entropy (its derivatives and
#: their printing): the index from a free entropy's content hash to its kernel depends on them.
_DERIVATION_FILES = ("freeentropy.py", "gauss.py", "special.py", "channels.py")


def _index_path(content_key):
    h = hashlib.sha256((content_key + _runtime_hash() + sp.__version__).encode())
    for name in _DERIVATION_FILES:
        h.update((_HERE / name).read_bytes())
    return cache_dir() / f"fe_{h.hexdigest()[:24]}.txt"


def indexed_kernel(content_key):
    """The kernel module generated earlier for a free entropy of this content hash (see
    :meth:`replica.freeentropy.FreeEntropy.key`), or None: a warm start then does no SymPy
    differentiation or code generation."""
    idx = _index_path(content_key)
    try:
        name = idx.read_text().strip()
    except OSError:
        return None
    path = cache_dir() / name
    if not (name.startswith("k_") and name.endswith(".py") and path.exists()):
        return None
    key = name[2:-3]
    return _LOADED.get(key) or _load(key, path)


def index_kernel(content_key, module):
    """Record that ``module`` is the kernel of the free entropy with this content hash."""
    idx = _index_path(content_key)
    tmp = idx.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(Path(module.__file__).name)
    os.replace(tmp, idx)


# the independent backends live in .backends (re-exported: replica.codegen.evaluate_*)
from .backends import evaluate_mpmath, evaluate_numpy  # noqa: E402
