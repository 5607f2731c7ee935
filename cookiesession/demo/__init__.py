"""The demo application that ``cookiesession demo`` serves: see
:func:`make_demo_app`."""

from .app import make_demo_app

__all__ = ["make_demo_app"]
