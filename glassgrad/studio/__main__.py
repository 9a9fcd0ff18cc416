"""``python -m glassgrad.studio [--port N] [--no-browser]``: the same as ``glassgrad studio``."""

import sys

from glassgrad.cli import main

sys.exit(main(["studio", *sys.argv[1:]]))
