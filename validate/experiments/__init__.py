"""Experiment modules; each exposes a tuple ``EXPERIMENTS`` (see :mod:`validate.registry`)."""
