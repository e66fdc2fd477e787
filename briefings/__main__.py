"""``python -m briefings``: the engine's command line."""

import sys

from briefings.cli import main

sys.exit(main())
