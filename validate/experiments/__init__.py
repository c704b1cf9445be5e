"""Experiment modules; each declares its families of experiments as data (``FAMILIES``, see
:class:`validate.family.Family`) and exposes them expanded, a tuple ``EXPERIMENTS`` (see
:mod:`validate.registry`)."""
