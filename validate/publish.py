"""``python -m validate.publish OUTDIR [--readme README.md]``: publish a run's summary.

Copies ``OUTDIR/summary.json`` (written by a full ``python -m validate`` run) to
``validate/published/<profile>.json`` and regenerates the validation tables (README and docs/validation.md) from the
published summaries (see :mod:`validate.summary`). ``python -m validate.publish --table``
prints the table instead.
"""

from __future__ import annotations

import sys

from .summary import main as _summary_main


def main(argv=None) -> int:
    """Entry point; see the module docstring."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--table":
        return _summary_main(["table", *argv[1:]])
    return _summary_main(["publish", *argv])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
