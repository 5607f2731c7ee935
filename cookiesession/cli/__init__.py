"""The ``cookiesession`` command (also ``python -m cookiesession``).

Subcommands: ``demo`` serves the demo app; ``decode`` shows what a session
cookie holds and whether it verifies; ``sign`` makes a cookie; ``keygen``
prints a new key; ``config`` shows the effective session settings and where
each came from. Exit status: 0 on success, 1 on bad input data (invalid
JSON, a cookie that fails to verify, a bad setting), 2 on usage errors.

Keys come from ``--secret-key``, the environment (``--prefix``, default
``FLASK``, so ``FLASK_SECRET_KEY``) or a Python file (``--pyfile``), and are
never printed, except by ``config --show-secrets``.
"""

from __future__ import annotations

import os
import sys
import typing as t
from collections.abc import Sequence

from .common import Failure
from .parser import parser

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    :param argv: The arguments; defaults to ``sys.argv[1:]``.

    .. versionadded:: 0.1
    """
    args = parser().parse_args(argv)
    try:
        return t.cast(int, args.func(args))
    except (Failure, OSError) as e:
        if isinstance(e, BrokenPipeError):
            return _closed_pipe()
        print(f"error: {e}", file=sys.stderr)
        return 1


def _closed_pipe() -> int:
    # The reader went away (``| head``): stop quietly, and keep Python from
    # complaining again when it flushes stdout at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1
