"""``python -m validate``: run the validation suite (see :mod:`validate.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
