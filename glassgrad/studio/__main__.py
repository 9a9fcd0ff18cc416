"""``python -m glassgrad.studio [--port N] [--no-browser]``: the same as ``glassgrad studio``."""

import sys

from glassgrad.studio import main

sys.exit(main())
