"""The settings the sessions read, their defaults, and their validation.

:func:`validate_config` runs once, when a :class:`~cookiesession.SessionMiddleware`
or an integration is built: a bad value fails start-up with an error naming
the key, what was given (masked if secret), where it came from and what is
accepted, instead of failing on the first request.
"""

from __future__ import annotations

import difflib
import re
import typing as t
import warnings
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType

from .config import Config, mask_value

__all__ = ["DEFAULT_CONFIG", "validate_config"]

#: The session settings and their defaults, as Flask has them.
DEFAULT_CONFIG: Mapping[str, t.Any] = MappingProxyType(
    {
        "SECRET_KEY": None,
        "SECRET_KEY_FALLBACKS": None,
        "APPLICATION_ROOT": "/",
        "SESSION_COOKIE_NAME": "session",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_PATH": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_PARTITIONED": False,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "MAX_COOKIE_SIZE": 4093,
    }
)

_TRUE = frozenset(("true", "yes", "on", "1"))
_FALSE = frozenset(("false", "no", "off", "0"))
_SAMESITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
# RFC 6265 cookie-name: an RFC 2616 token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Characters that would end or split a Set-Cookie attribute.
_ATTR_UNSAFE = re.compile(r"[;,\s\x00-\x1f\x7f]")
_WATCHED_PREFIXES = ("SESSION_", "SECRET_KEY", "PERMANENT_SESSION")


def _source(config: Mapping[str, t.Any], key: str) -> str:
    if isinstance(config, Config) and key in config:
        return config.explain(key)
    return f"{key} = {mask_value(key, config.get(key))}"


def _fail(
    config: Mapping[str, t.Any],
    key: str,
    accepted: str,
    exc: type[Exception] = ValueError,
    hint: str = "",
) -> Exception:
    return exc(f"Invalid setting {key!r}: {_source(config, key)}. {accepted}{hint}")


def _bool(config: Mapping[str, t.Any], key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise _fail(
        config,
        key,
        "Expected a bool, or one of true/false, yes/no, on/off, 1/0.",
        TypeError if not isinstance(value, (str, int)) else ValueError,
    )


def _number(config: Mapping[str, t.Any], key: str, value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise _fail(config, key, "Expected a number of seconds.", TypeError)


def _secret_hint(config: Mapping[str, t.Any], key: str, value: object) -> str:
    if isinstance(config, Config) and key in config:
        where = config.explain(key)
        if "environment variable" in where:
            var = where.rsplit("environment variable ", 1)[1].rstrip(")")
            return (
                f" The environment variable {var} was parsed as JSON into"
                f" {type(value).__name__}; quote the value to keep it a string,"
                f" e.g. {var}='\"...\"'."
            )
    return ""


def _key(config: Mapping[str, t.Any], key: str, value: object) -> str | bytes | None:
    if value is None or isinstance(value, (str, bytes)):
        return value or None
    raise _fail(
        config,
        key,
        "Expected a str or bytes.",
        TypeError,
        _secret_hint(config, key, value),
    )


def _fallbacks(config: Mapping[str, t.Any], value: object) -> tuple[str | bytes, ...]:
    key = "SECRET_KEY_FALLBACKS"
    if value is None:
        return ()
    if isinstance(value, (str, bytes)):
        return (value,) if value else ()
    if isinstance(value, (list, tuple)):
        keys = tuple(value)
        if all(isinstance(k, (str, bytes)) and k for k in keys):
            return keys
    raise _fail(
        config,
        key,
        "Expected a list of non-empty str or bytes keys, oldest first.",
        TypeError,
        _secret_hint(config, key, value),
    )


def _attribute(config: Mapping[str, t.Any], key: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isascii() and not _ATTR_UNSAFE.search(value):
        return value
    raise _fail(
        config,
        key,
        "Expected None or an ASCII string without ';', ',', whitespace or"
        " control characters.",
        TypeError if not isinstance(value, str) else ValueError,
    )


def _samesite(config: Mapping[str, t.Any], value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lower() in _SAMESITE:
        return _SAMESITE[value.strip().lower()]
    raise _fail(
        config,
        "SESSION_COOKIE_SAMESITE",
        "Expected 'Strict', 'Lax', 'None' (any case) or None to omit it.",
    )


def _lifetime(config: Mapping[str, t.Any], value: object) -> timedelta:
    key = "PERMANENT_SESSION_LIFETIME"
    if not isinstance(value, timedelta):
        value = timedelta(seconds=_number(config, key, value))
    if value <= timedelta(0):
        raise _fail(config, key, "Expected a duration greater than zero.")
    return value


def _cookie_size(config: Mapping[str, t.Any], value: object) -> int:
    key = "MAX_COOKIE_SIZE"
    number = _number(config, key, value)
    if number < 0 or number != int(number):
        raise _fail(config, key, "Expected a whole number of bytes, 0 to disable.")
    return int(number)


def _warn_unknown(config: Mapping[str, t.Any]) -> None:
    for key in config:
        if not isinstance(key, str) or key in DEFAULT_CONFIG:
            continue
        upper = key.upper()
        if upper in DEFAULT_CONFIG:
            match = [upper]
        else:
            match = difflib.get_close_matches(upper, DEFAULT_CONFIG, n=1, cutoff=0.8)
            if not match and not upper.startswith(_WATCHED_PREFIXES):
                continue
        hint = f"did you mean {match[0]}?" if match else "it is not a session setting."
        warnings.warn(f"Unknown setting {key!r}: {hint}", UserWarning, stacklevel=4)


def validate_config(config: Mapping[str, t.Any] | None = None) -> dict[str, t.Any]:
    """Merge *config* over :data:`DEFAULT_CONFIG`, check and coerce every
    session setting, and return the result as a new dict.

    Strings, as .ini files and the environment give them, are coerced:
    booleans from true/false, yes/no, on/off, 1/0 (any case); numbers from
    numeric strings. Other keys are passed through unchanged.

    :param config: A :class:`~cookiesession.Config` (errors then say where
        a bad value came from) or any mapping.
    :raises ValueError: A value of the right type that is not accepted.
    :raises TypeError: A value of the wrong type.

    .. versionadded:: 0.1
    """
    config = {} if config is None else config
    _warn_unknown(config)
    merged = {**DEFAULT_CONFIG, **config}
    out = dict(merged)

    def get(key: str) -> t.Any:
        return merged[key]

    src = config if isinstance(config, Config) else merged
    out["SECRET_KEY"] = _key(src, "SECRET_KEY", get("SECRET_KEY"))
    out["SECRET_KEY_FALLBACKS"] = _fallbacks(src, get("SECRET_KEY_FALLBACKS"))
    name = get("SESSION_COOKIE_NAME")
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise _fail(
            src,
            "SESSION_COOKIE_NAME",
            "Expected a non-empty cookie name of letters, digits and"
            " !#$%&'*+-.^_`|~ only.",
        )
    out["SESSION_COOKIE_DOMAIN"] = _attribute(
        src, "SESSION_COOKIE_DOMAIN", get("SESSION_COOKIE_DOMAIN")
    )
    out["SESSION_COOKIE_PATH"] = _attribute(
        src, "SESSION_COOKIE_PATH", get("SESSION_COOKIE_PATH")
    )
    out["APPLICATION_ROOT"] = (
        _attribute(src, "APPLICATION_ROOT", get("APPLICATION_ROOT")) or "/"
    )
    for key in (
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_PARTITIONED",
        "SESSION_REFRESH_EACH_REQUEST",
    ):
        out[key] = _bool(src, key, get(key))
    out["SESSION_COOKIE_SAMESITE"] = _samesite(src, get("SESSION_COOKIE_SAMESITE"))
    out["PERMANENT_SESSION_LIFETIME"] = _lifetime(
        src, get("PERMANENT_SESSION_LIFETIME")
    )
    out["MAX_COOKIE_SIZE"] = _cookie_size(src, get("MAX_COOKIE_SIZE"))

    if out["SECRET_KEY_FALLBACKS"] and out["SECRET_KEY"] is None:
        warnings.warn(
            "SECRET_KEY_FALLBACKS is set but SECRET_KEY is not: sessions are"
            " disabled. Set SECRET_KEY to the new key.",
            UserWarning,
            stacklevel=2,
        )
    if not out["SESSION_COOKIE_SECURE"]:
        if out["SESSION_COOKIE_SAMESITE"] == "None":
            warnings.warn(
                "SESSION_COOKIE_SAMESITE='None' without SESSION_COOKIE_SECURE:"
                " browsers reject such cookies. Set SESSION_COOKIE_SECURE=True.",
                UserWarning,
                stacklevel=2,
            )
        if out["SESSION_COOKIE_PARTITIONED"]:
            warnings.warn(
                "SESSION_COOKIE_PARTITIONED without SESSION_COOKIE_SECURE:"
                " browsers reject such cookies. Set SESSION_COOKIE_SECURE=True.",
                UserWarning,
                stacklevel=2,
            )
    return out
