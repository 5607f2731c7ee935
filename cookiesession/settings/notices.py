"""Warnings about settings, pointed at the application's own line."""

from __future__ import annotations

import sys
import warnings

__all__ = ["warn"]


def warn(message: str) -> None:
    """A :exc:`UserWarning` that points at the first frame outside this
    package and the WSGI and framework plumbing: the user's own line."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith(
        _PLUMBING
    ):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, UserWarning, stacklevel=level + 1)


# Modules whose frames a warning skips to reach the application's own code.
_PLUMBING = (
    "cookiesession.",
    "webob",
    "webtest",
    "bottle",
    "pyramid",
    "waitress",
    "wsgiref",
    "werkzeug",
    "flask",
    "zope",
    "importlib",
)
