"""``python -m dashboard.cli.bench``: the same as ``python -m dashboard bench``."""

import sys

from dashboard.__main__ import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(["bench", *sys.argv[1:]]))
