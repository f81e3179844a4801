"""``python -m btiflow``: the same as the ``btiflow`` command."""

from btiflow.cli import main

main(prog_name="btiflow")
