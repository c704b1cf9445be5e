"""Models: a prior and a channel with parameter values.

>>> from replica import models
>>> m = models.perceptron(weights="spherical", kappa=0.5)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
import numpy as np
import sympy as sp

from ..engine import channels as _channels
from ..engine import priors as _priors
from ..engine.errors import ModelError
from ..engine.compiled import (CompiledFreeEntropy, check_assumptions, check_finite,
                               check_positive, compiled_free_entropy)
from ..engine.freeentropy import FreeEntropy
from ..engine.channel_terminal import channel_terminal, jamming_terminal
from ..engine.krsb import ParisiProblem, check_k
from ..engine.problem import SaddleProblem
from ..engine.sphere import spherical_entropy
from ..spinglass.ising import ising_spin_glass
from .builders import rs_free_entropy, rs_replicon, rsb1_free_entropy

__all__ = ["Model", "perceptron", "compiled_construction", "ising_spin_glass"]

#: "1rsb": m fixed (a control, given to solve); "1rsb-m": m optimised (an order parameter).
ANSATZE = ("rs", "1rsb", "1rsb-m", "1rsb-jamming")


_COMPILED = {}
_CONSTRUCTIONS = {}


def compiled_construction(build, model) -> CompiledFreeEntropy:
    """``CompiledFreeEntropy(build(prior, channel))``, compiled once per build x prior x channel.

    For the free entropies built on top of a model (Franz-Parisi, equilibrium vertices).  The
    key is the content of the prior and the channel, never their names.
    """
    key = (build, model.prior.key, model.channel.key)
    cfe = _CONSTRUCTIONS.get(key)
    if cfe is None:
        cfe = _CONSTRUCTIONS[key] = compiled_free_entropy(build(model.prior, model.channel))
    return cfe


def _compiled(prior, channel, ansatz):
    key = (prior.key, channel.key, ansatz)
    cfe = _COMPILED.get(key)
    if cfe is None:
        if ansatz == "rs":
            fe = rs_free_entropy(prior, channel)
        elif ansatz == "1rsb":
            fe = rsb1_free_entropy(prior, channel)
        elif ansatz == "1rsb-m":
            fe = rsb1_free_entropy(prior, channel, optimize_m=True)
        elif ansatz == "1rsb-jamming":
            from .jamming import jamming_free_entropy
            fe = jamming_free_entropy(prior, channel)
        else:  # pragma: no cover - guarded by Model.compiled
            raise ModelError(f"Unknown ansatz {ansatz!r}; known: {ANSATZE}")
        cfe = _COMPILED[key] = compiled_free_entropy(fe)
    return cfe


@dataclass(frozen=True, eq=False)
class Model:
    """A prior x channel model with numeric parameter values (everything but alpha).

    Attributes
    ----------
    name : str
    prior : replica.priors.Prior
    channel : replica.channels.Channel
    params : dict
        Values of the channel parameters by name (e.g. ``{"kappa": 0.5}``).
    """

    name: str
    prior: _priors.Prior
    channel: _channels.Channel
    params: dict

    def compiled(self, ansatz="rs") -> CompiledFreeEntropy:
        if ansatz not in ANSATZE:
            raise ValueError(f"Unknown ansatz {ansatz!r}; known: {ANSATZE}")
        return _compiled(self.prior, self.channel, ansatz)

    #: A bare number given to solve/sweep/find_zero is the load alpha.
    primary_control = "alpha"

    def saddle_problem(self, controls, ansatz=None, k=None):
        """The engine's view of the model (:class:`replica.engine.problem.SaddleProblem`).

        ``controls`` holds alpha, [m for ``ansatz="1rsb"``] and, optionally, new values of the
        model's parameters; control values are checked (finite, alpha > 0, 0 < m <= 1).
        ``ansatz="krsb"`` (with ``k``) and ``"frsb"`` give a
        :class:`~replica.engine.krsb.ParisiProblem` (spherical weights: the prior's entropy
        of the ladder plus alpha times the channel's Parisi recursion; :func:`_parisi_problem`).
        """
        ansatz = ansatz or "rs"
        values = dict(controls)
        alpha = values.pop("alpha", None)
        if alpha is None:
            raise ModelError(f"{self.name}: alpha is required (the model's load P/N)")
        if ansatz in PARISI_ANSATZE:
            if "m" in values:
                raise ModelError(f"{self.name}: ansatz={ansatz!r} optimises its Parisi "
                                 "parameters; m is for ansatz='1rsb' (m fixed)")
            model = self.with_params(**values) if values else self
            return _parisi_problem(model, _check_alpha(alpha),
                                   check_k(ansatz, k, model.name, FULL_K_MAX), ansatz)
        if k is not None:
            raise ModelError(f"{self.name}: k = {k!r} is for ansatz='krsb'; ansatz {ansatz!r} "
                             "takes none")
        m = values.pop("m", None)
        if (ansatz == "1rsb") != (m is not None):
            raise ModelError("the Parisi parameter m is required for ansatz='1rsb' and only "
                             f"there (ansatz={ansatz!r}, m={m!r})")
        model = self.with_params(**values) if values else self
        cfe = model.compiled(ansatz)
        ctrl = model.controls(alpha, m)
        # the replicon from the model's own blocks (a compiled kernel is shared by every
        # construction of the same phi, whatever replicon it carries)
        return SaddleProblem(cfe, dict(zip(cfe.input_names, ctrl)), label=model.name,
                             check=_check_control, primary="alpha",
                             replicon=rs_replicon(model.prior, model.channel)
                             if ansatz == "rs" else None)

    def free_entropy(self, ansatz="rs") -> FreeEntropy:
        """The symbolic free entropy (phi, its derivatives) of the model."""
        return self.compiled(ansatz).fe

    def with_params(self, **params) -> "Model":
        """A copy with some parameter values changed."""
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            raise ValueError(f"unknown parameters {unknown} for model {self.name!r}; "
                             f"known: {sorted(self.params)}")
        new = dict(self.params)
        symbols = {s.name: s for s in (*self.channel.params, *self.prior.params)}
        for k, v in params.items():
            new[k] = check_assumptions(symbols[k], _check_finite(k, v))
        return Model(self.name, self.prior, self.channel, new)

    def controls(self, alpha, m=None):
        """The control vector: alpha, [m for 1RSB at fixed m], then the parameters of the channel
        and of the prior sorted by name."""
        alpha = _check_alpha(alpha)
        head = [alpha]
        if m is not None:
            m = _check_finite("m", m)
            if not 0 < m <= 1:
                raise ValueError(f"the Parisi parameter m must be in (0, 1], got {m}")
            head.append(m)
        return np.array(head + [self.params[k] for k in sorted(self.params)])

    def domains(self, ansatz="rs"):
        return self.compiled(ansatz).domains

    def __repr__(self):
        ps = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Model({self.name!r}, weights={self.prior.name!r}, {ps})"

    @property
    def weights(self) -> str:
        """Name of the weights prior."""
        return self.prior.name


#: The ansatze solved by the Parisi recursion of the channel (k-RSB, full RSB).
PARISI_ANSATZE = ("krsb", "frsb")
#: The highest rung of the k-ladder of ansatz="frsb".
FULL_K_MAX = 12


def _parisi_problem(model, alpha, k, ansatz):
    """The k-RSB problem of a perceptron with spherical weights:

        phi = S(q, m) + alpha F_root,

    S the spherical entropy of the ladder (:func:`replica.engine.sphere.spherical_entropy`),
    F_root the Parisi recursion of the stability's cavity field with A(q) = q, no field and
    the terminal ln Z_out(h, 1 - q_k) of the channel
    (:class:`~replica.engine.channel_terminal.ChannelTerminal`).  k = 0 is the RS free
    entropy, k = 1 the 1RSB one with m optimised.  The k-step optimum is the minimum of phi
    over ladders (as RS's q and 1RSB's m are minima of the engine's symbolic phi)."""
    if not model.prior.is_spherical:
        raise ModelError(f"{model.name}: ansatz={ansatz!r} is implemented for spherical "
                         f"weights; the prior {model.prior.name!r} needs the recursion of its "
                         "conjugate field as well (not yet)")
    if model.prior.params:
        raise ModelError(f"{model.name}: a spherical prior with parameters "
                         f"{[s.name for s in model.prior.params]} is not supported at k-RSB")
    terminal = channel_terminal(model.channel, model.params)

    def derivatives(q, m, rec):
        return {"alpha": rec.F_root}            # the envelope theorem

    return ParisiProblem(label=model.name, terminal=terminal, A=_identity, dA=_one,
                         theta=None, h0=0.0, k=k, values={"alpha": alpha, **model.params},
                         primary="alpha", ansatz=ansatz, minimum=True,
                         derivatives=derivatives, extra=spherical_entropy, weight=alpha)


def jamming_problem(model, alpha, k, ansatz):
    """The k-RSB problem of the jamming limit of a spherical perceptron with a one-sided hard
    channel: at q_k = 1 - eps, m_l = mu_l eps (eps -> 0), eps phi tends to

        F = S_J(q, mu) + alpha f_root,

    S_J the coefficient of the spherical entropy
    (:func:`replica.engine.sphere.spherical_entropy` with ``jamming``), f_root the Parisi
    recursion (parameters mu, unbounded) of the terminal -d(h)^2/2
    (:class:`~replica.engine.channel_terminal.JammingTerminal`, its last level closed).  In the
    SAT phase F > 0 (eps = 2 F); the jamming line is where the minimum of F over ladders
    vanishes.  k = 0: F = 1/2 - alpha E d^2 / 2 (Gardner's RS capacity); k = 1: the 1RSB
    jamming coefficient of :mod:`replica.perceptron.jamming`."""
    if not model.prior.is_spherical or model.prior.params:
        raise ModelError(f"{model.name}: the k-RSB jamming limit is implemented for spherical "
                         f"weights, not {model.prior.name!r}")
    terminal = jamming_terminal(model.channel, model.params)

    def extra(q, mu):
        return spherical_entropy(q, mu, jamming=True)

    def derivatives(q, m, rec):
        return {"alpha": rec.F_root}

    return ParisiProblem(label=f"{model.name}, jamming limit", terminal=terminal,
                         A=_identity, dA=_one, theta=None, h0=0.0, k=k,
                         values={"alpha": alpha, **model.params}, primary="alpha",
                         ansatz=ansatz, minimum=True, derivatives=derivatives, extra=extra,
                         weight=alpha, top_one=True, m_unbounded=True)


def _identity(q):
    return q


def _one(q):
    return 1.0


def _check_control(name, value):
    """alpha > 0, 0 < m <= 1, every other control finite."""
    if name == "alpha":
        return check_positive("alpha", value)
    v = check_finite(name, value)
    if name == "m" and not 0 < v <= 1:
        raise ValueError(f"the Parisi parameter m must be in (0, 1], got {value!r}")
    return v


def _check_finite(name, value):
    return check_finite(name, value)


def _check_alpha(alpha):
    return check_positive("alpha", alpha)


def perceptron(weights="spherical", kappa=None, *, channel=None, **params) -> Model:
    """The perceptron with a given weights prior and constraint channel.

    Parameters
    ----------
    weights : str or replica.priors.Prior
        A built-in prior by name (``"spherical"``: |w|^2 = N; ``"binary"``: w in {-1, +1}^N;
        ``"ternary"``, ``"ising"``, ``"gaussian"``) or a prior built by
        :func:`replica.priors.discrete` / :func:`replica.priors.density`.
    kappa : float, optional
        The margin (default 0 for the built-in margin channel).
    channel : replica.channels.Channel, optional
        A constraint channel; default the margin constraint theta(Delta - kappa).  A channel
        built by :func:`replica.channels.channel` from a user's SymPy weight works the same way.
    **params
        Values of the other parameters of the channel and of the prior, by symbol name (e.g.
        ``beta=2.0``, the field ``h=0.3`` of an Ising prior).

    Returns
    -------
    Model

    Raises
    ------
    ValueError
        Unknown weights, a missing, unknown or non-finite parameter value, a parameter value
        at which a weight of the prior's measure is not positive.

    Examples
    --------
    >>> m = perceptron(weights="binary", kappa=0.0)
    """
    if isinstance(weights, _priors.Prior):
        prior = weights
    elif isinstance(weights, str) and weights in _priors.PRIORS:
        prior = _priors.PRIORS[weights]()
    else:
        raise ValueError(f"Unknown weights {weights!r}; known: {sorted(_priors.PRIORS)} or a "
                         "replica.priors.Prior")
    ch = _channels.margin() if channel is None else channel
    if not isinstance(ch, _channels.Channel):
        raise ValueError(f"channel must be a replica.channels.Channel, got {type(ch).__name__}")
    given = dict(params)
    if kappa is not None:
        given["kappa"] = kappa
    names = sorted({s.name for s in ch.params} | {s.name for s in prior.params})
    if channel is None and "kappa" not in given:
        given["kappa"] = 0.0
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise ValueError(f"unknown parameters {unknown} for channel {ch.name!r} and prior "
                         f"{prior.name!r}; their parameters are {names}")
    missing = [nm for nm in names if nm not in given]
    if missing:
        raise ValueError(f"missing values for the parameters {missing} of channel "
                         f"{ch.name!r} / prior {prior.name!r}")
    values = {nm: _check_finite(nm, given[nm]) for nm in names}
    for sym in set(ch.params) | set(prior.params):
        check_assumptions(sym, values[sym.name])
    _check_measure(prior, values)
    return _model(prior, ch, values)


def _check_measure(prior, values):
    if prior.kind != "discrete" or not prior.params:
        return
    subs = {s: values[s.name] for s in prior.params}
    for v, c in prior.measure:
        cv = complex(sp.sympify(c).subs(subs).evalf())
        if not (cv.imag == 0 and math.isfinite(cv.real) and cv.real > 0):
            raise ValueError(f"prior {prior.name!r}: the weight {c} of the value {v} is {cv} "
                             f"at {values}; it must be positive")


_MODELS = {}


def _model(prior, ch, values):
    """Memoised Model construction (models are immutable)."""
    key = (prior.key, ch.key, tuple(sorted(values.items())))
    mdl = _MODELS.get(key)
    if mdl is None:
        if len(_MODELS) > 4096:
            _MODELS.clear()
        mdl = _MODELS[key] = Model(f"perceptron[{prior.name}, {ch.name}]", prior, ch, values)
    return mdl
