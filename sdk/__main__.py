"""``python -m sdk demo`` runs the demo."""

from __future__ import annotations

import sys

from sdk.demo import main

USAGE = "usage: python -m sdk demo"

if __name__ == "__main__":
    if sys.argv[1:] != ["demo"]:
        sys.exit(USAGE)
    main()
