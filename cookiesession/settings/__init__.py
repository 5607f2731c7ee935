"""The settings the sessions read, their defaults, and their validation.

:func:`validate_config` runs once, when a
:class:`~cookiesession.SessionMiddleware` or an integration is built: a bad
value fails start-up with an :exc:`~cookiesession.InvalidSetting` naming
the key, what was given (masked if secret), where it came from and what is
accepted, instead of failing on the first request. The result is a
:class:`~cookiesession.settings.ReadOnlyConfig`: settings changed later
would skip the checks, so they cannot be changed in place.
"""

from ..exceptions import InvalidSetting, InvalidSettingType, InvalidSettingValue
from .defaults import (
    DEFAULT_CONFIG,
    ReadOnlyConfig,
    cookie_attributes_of,
    durations_in_seconds,
)
from .notices import warn
from .validation import validate_config, warn_if_no_secret_key

__all__ = [
    "DEFAULT_CONFIG",
    "InvalidSetting",
    "InvalidSettingType",
    "InvalidSettingValue",
    "ReadOnlyConfig",
    "cookie_attributes_of",
    "durations_in_seconds",
    "validate_config",
    "warn",
    "warn_if_no_secret_key",
]
