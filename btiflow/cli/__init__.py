"""The command line: thin, parse, call the library, print; exit codes live here only.

The group, its error handling and the helpers the commands share are in ``group.py``; the
commands are in modules by area (guide, cases, store, mail, archive, serve, words), each registering
itself on the group when imported. The group imports a command's module when the command is used
(``HOMES`` in ``group.py``, name → module), so a command starts without building the others. Add
a command with ``@main.command(help="clihelp.command.NAME")``, its name in ``HOMES``, and its
options and arguments with ``option`` and ``argument`` from ``helptext.py`` (help and metavars
as ``clihelp.*`` keys; the texts in the catalogue); a test runs ``--help`` on every command of
the group. Exit codes: 0 success, 1 the input has problems (printed as ``file:line:column:
message (hint)``), 2 wrong usage (click's own). ``diff`` follows diff(1) (0 same, 1 different, 2
trouble); ``migrate`` adds 3: some cases stay on their version.
"""

from btiflow.cli.group import main

__all__ = ["main"]
