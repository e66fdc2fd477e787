"""``python -m briefings``: the engine's command line (installed as ``newsbot-briefings``)."""

import sys

from briefings.cli import run_command_line

sys.exit(run_command_line(prog="python -m briefings"))
