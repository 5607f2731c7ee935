"""The standalone configuration loader: :class:`Config`, with Flask's
methods and rules, and where each value came from (:class:`Source`). It
imports nothing else of the package."""

from .loader import Config
from .masking import is_secret_key, mask_value
from .sources import Source

__all__ = ["Config", "Source", "is_secret_key", "mask_value"]
