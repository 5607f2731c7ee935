"""The optional dependencies: a missing one names the extra that installs
it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def requires(module: str, package: str, extra: str) -> Iterator[None]:
    """Turn an :exc:`ImportError` inside the block into one that says
    ``pip install 'cookiesession[extra]'``."""
    try:
        yield
    except ImportError as e:
        raise ImportError(
            f"{module} needs {package}: pip install 'cookiesession[{extra}]'"
        ) from e
