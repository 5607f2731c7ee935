"""Signed-cookie sessions for any WSGI application, interchangeable with
Flask's session cookies, and a standalone configuration loader."""

from .config import Config
from .csrf import CSRFMiddleware, check_csrf_token, csrf_token
from .exceptions import (
    CookieSessionError,
    InvalidSetting,
    InvalidSettingType,
    InvalidSettingValue,
    SessionStoreError,
)
from .flash import flash, get_flashed_messages
from .middleware import SessionMiddleware, get_session
from .serializer import JSONTag, TaggedJSONSerializer
from .sessions import (
    NullSession,
    SecureCookieSessionInterface,
    Session,
    SessionInterface,
)
from .settings import DEFAULT_CONFIG, validate_config

__version__ = "0.3.0.dev0"

__all__ = [
    "DEFAULT_CONFIG",
    "CSRFMiddleware",
    "Config",
    "CookieSessionError",
    "InvalidSetting",
    "InvalidSettingType",
    "InvalidSettingValue",
    "JSONTag",
    "NullSession",
    "SecureCookieSessionInterface",
    "Session",
    "SessionInterface",
    "SessionMiddleware",
    "SessionStoreError",
    "TaggedJSONSerializer",
    "check_csrf_token",
    "csrf_token",
    "flash",
    "get_flashed_messages",
    "get_session",
    "validate_config",
]
