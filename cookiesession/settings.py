"""The settings the sessions read, their defaults, and their validation.

:func:`validate_config` runs once, when a
:class:`~cookiesession.SessionMiddleware` or an integration is built: a bad
value fails start-up with an :exc:`~cookiesession.InvalidSetting` naming
the key, what was given (masked if secret), where it came from and what is
accepted, instead of failing on the first request. The result is a
:class:`~cookiesession.settings.ReadOnlyConfig`: settings changed later
would skip the checks, so they cannot be changed in place.
"""

from __future__ import annotations

import difflib
import math
import re
import sys
import typing as t
import warnings
from collections.abc import Callable, Mapping
from datetime import timedelta
from types import MappingProxyType

from .config import Config, Source, mask_value
from .exceptions import InvalidSetting, InvalidSettingType, InvalidSettingValue

__all__ = [
    "DEFAULT_CONFIG",
    "InvalidSetting",
    "InvalidSettingType",
    "InvalidSettingValue",
    "ReadOnlyConfig",
    "validate_config",
]

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
        "SESSION_IDLE_TIMEOUT": None,
        "SESSION_ABSOLUTE_TIMEOUT": None,
        "SESSION_REFRESH_AFTER": None,
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
# Browsers cap cookie lifetimes at 400 days; far longer cannot even be
# written as a cookie date once added to the current time.
_BROWSER_CAP = timedelta(days=400)
_LONGEST = timedelta(days=365 * 1000)


def durations_in_seconds(config: Mapping[str, t.Any]) -> dict[str, float | None]:
    """The durations of validated settings in seconds (``None`` when off)."""
    return {
        key: None if config.get(key) is None else config[key].total_seconds()
        for key in ("PERMANENT_SESSION_LIFETIME", *_TIMEOUTS)
    }


def cookie_attributes_of(config: Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The ``set_cookie`` keyword arguments that validated settings give the
    session cookie."""
    return {
        "path": config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"],
        "domain": config["SESSION_COOKIE_DOMAIN"],
        "secure": config["SESSION_COOKIE_SECURE"],
        "httponly": config["SESSION_COOKIE_HTTPONLY"],
        "samesite": config["SESSION_COOKIE_SAMESITE"],
        "partitioned": config["SESSION_COOKIE_PARTITIONED"],
    }


class ReadOnlyConfig(dict[str, t.Any]):
    """The validated settings: a dict that refuses changes, and whose
    ``repr`` masks secrets. Build the middleware again (or call its
    ``reconfigure()``) to change them.

    .. versionadded:: 0.2
    """

    def __init__(self, values: Mapping[str, t.Any]) -> None:
        super().__init__(values)
        # Derived once here because every request reads them.
        #: The durations in seconds (``None`` when off).
        self.seconds: Mapping[str, float | None] = MappingProxyType(
            durations_in_seconds(self)
        )
        #: The ``set_cookie`` keyword arguments of the session cookie.
        self.cookie_attributes: MappingProxyType[str, t.Any] = MappingProxyType(
            cookie_attributes_of(self)
        )

    def __repr__(self) -> str:
        items = ", ".join(f"{k!r}: {mask_value(k, v)}" for k, v in self.items())
        return f"<{type(self).__name__} {{{items}}}>"

    def _refuse(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise TypeError(
            "The session settings are validated once and cannot be changed in"
            " place; build the middleware again or call its reconfigure()."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = _refuse
    setdefault = update = __ior__ = _refuse


class _Checker:
    """Validates one config: knows where each value came from."""

    def __init__(self, config: Mapping[str, t.Any]) -> None:
        self.config = config
        self.merged = {**DEFAULT_CONFIG, **config}

    def origin(self, key: str) -> Source | None:
        config = self.config
        if isinstance(config, Config) and key in config:
            return config.source(key)
        return None

    def fail(
        self, key: str, expected: str, *, type_error: bool = False, hint: str = ""
    ) -> InvalidSetting:
        cls = InvalidSettingType if type_error else InvalidSettingValue
        shown = mask_value(key, self.merged.get(key))
        origin = self.origin(key)
        source = None if origin is None else str(origin)
        return cls(key, shown, source, expected, hint, origin)

    def boolean(self, key: str) -> bool:
        value = self.merged[key]
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
        raise self.fail(
            key,
            "Expected a bool, or one of true/false, yes/no, on/off, 1/0.",
            type_error=not isinstance(value, (str, int)),
        )

    def number(self, key: str, unit: str) -> float:
        value = self.merged[key]
        expected = f"Expected a finite number of {unit}."
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.fail(key, expected, type_error=True)
        try:
            number = float(value.strip()) if isinstance(value, str) else float(value)
        except (ValueError, OverflowError):
            raise self.fail(key, expected) from None
        if not math.isfinite(number):
            raise self.fail(key, expected)
        return number

    def duration(self, key: str, optional: bool = False) -> timedelta | None:
        value = self.merged[key]
        if optional and value is None:
            return None
        if not isinstance(value, timedelta):
            try:
                value = timedelta(seconds=self.number(key, "seconds"))
            except OverflowError:
                raise self.fail(key, "Expected a duration under 1000 years.") from None
        if value <= timedelta(0):
            raise self.fail(key, "Expected a duration greater than zero.")
        if value > _LONGEST:
            raise self.fail(
                key,
                "Expected a duration under 1000 years: a longer one cannot be"
                " written as a cookie date.",
            )
        if value > _BROWSER_CAP:
            warn(
                f"{key} is {value.days} days: browsers cap cookie lifetimes at"
                " 400 days, so the cookie will expire sooner."
            )
        return value

    def secret(self, key: str) -> str | bytes | None:
        value = self.merged[key]
        if value is None or isinstance(value, (str, bytes)):
            return value or None
        raise self.fail(
            key, "Expected a str or bytes.", type_error=True, hint=self.json_hint(key)
        )

    def fallbacks(self) -> tuple[str | bytes, ...]:
        key = "SECRET_KEY_FALLBACKS"
        value = self.merged[key]
        if value is None:
            return ()
        if isinstance(value, str) and "\n" in value:
            return tuple(line for line in value.splitlines() if line)
        if isinstance(value, bytes) and b"\n" in value:
            return tuple(line for line in value.splitlines() if line)
        if isinstance(value, (str, bytes)):
            return (value,) if value else ()
        if isinstance(value, (list, tuple)):
            keys = tuple(value)
            if all(isinstance(k, (str, bytes)) and k for k in keys):
                return keys
        raise self.fail(
            key,
            "Expected a list of non-empty str or bytes keys, oldest first, or"
            " one key per line.",
            type_error=True,
            hint=self.json_hint(key),
        )

    def json_hint(self, key: str) -> str:
        origin = self.origin(key)
        var = None if origin is None else origin.variable
        if var is None:
            return ""
        value = self.merged[key]
        return (
            f" The environment variable {var} was parsed as JSON into"
            f" {type(value).__name__}; quote the value to keep it a string,"
            f" e.g. {var}='\"...\"'."
        )

    def attribute(self, key: str) -> str | None:
        value = self.merged[key]
        if value is None or value == "":
            return None
        if (
            isinstance(value, str)
            and value.isascii()
            and not _ATTR_UNSAFE.search(value)
        ):
            return value
        raise self.fail(
            key,
            "Expected None or an ASCII string without ';', ',', whitespace or"
            " control characters.",
            type_error=not isinstance(value, str),
        )

    def samesite(self) -> str | None:
        key = "SESSION_COOKIE_SAMESITE"
        value = self.merged[key]
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.strip().lower() in _SAMESITE:
            return _SAMESITE[value.strip().lower()]
        raise self.fail(
            key, "Expected 'Strict', 'Lax', 'None' (any case) or None to omit it."
        )

    def cookie_size(self) -> int:
        key = "MAX_COOKIE_SIZE"
        number = self.number(key, "bytes")
        if number < 0 or number != int(number):
            raise self.fail(key, "Expected a whole number of bytes, 0 to disable.")
        return int(number)

    def cookie_name(self) -> str:
        key = "SESSION_COOKIE_NAME"
        name = self.merged[key]
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise self.fail(
                key,
                "Expected a non-empty cookie name of letters, digits and"
                " !#$%&'*+-.^_`|~ only.",
            )
        return name


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


def _warn_unknown(config: Mapping[str, t.Any], spell: Callable[[str], str]) -> None:
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
        written, suggest = _as_written(config, key, spell)
        hint = (
            f"did you mean {suggest(match[0])}?"
            if match
            else "it is not a session setting."
        )
        warn(f"Unknown setting {written!r}: {hint}")


def _as_written(
    config: Mapping[str, t.Any], key: str, spell: Callable[[str], str]
) -> tuple[str, Callable[[str], str]]:
    """How the user wrote *key* (an environment variable, an .ini key, a
    secret file's name), and how to spell a suggestion the same way."""
    if not isinstance(config, Config):
        return spell(key), spell
    origin = config.source(key)
    var = origin.variable
    if var is not None and var.endswith(key):
        prefix = var[: -len(key)]
        return var, lambda known: prefix + known
    if origin.kind == "secrets":
        return f"{key.lower()} ({origin})", str.lower
    return spell(key), spell


def validate_config(
    config: Mapping[str, t.Any] | None = None,
    *,
    spell: Callable[[str], str] | None = None,
) -> ReadOnlyConfig:
    """Merge *config* over :data:`DEFAULT_CONFIG`, check and coerce every
    session setting, and return the result, read-only.

    Strings, as .ini files and the environment give them, are coerced:
    booleans from true/false, yes/no, on/off, 1/0 (any case); numbers from
    numeric strings; ``SECRET_KEY_FALLBACKS`` from one key per line. Other
    keys are passed through unchanged.

    :param config: A :class:`~cookiesession.Config` (errors then say where
        a bad value came from) or any mapping.
    :param spell: How warnings spell a key, for integrations whose users
        write keys differently (``cookiesession.secret_key``).
    :raises InvalidSettingValue: A value of the right type that is not
        accepted (a :exc:`ValueError`).
    :raises InvalidSettingType: A value of the wrong type (a
        :exc:`TypeError`).

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
        Returns a :class:`~cookiesession.settings.ReadOnlyConfig`; errors are
        :exc:`~cookiesession.InvalidSetting`.
    """
    config = {} if config is None else config
    _warn_unknown(config, spell or str)
    check = _Checker(config)
    out = dict(check.merged)
    out["SECRET_KEY"] = check.secret("SECRET_KEY")
    out["SECRET_KEY_FALLBACKS"] = check.fallbacks()
    out["SESSION_COOKIE_NAME"] = name = check.cookie_name()
    domain = check.attribute("SESSION_COOKIE_DOMAIN")
    # RFC 6265 ignores a leading dot; Flask and werkzeug drop it too.
    out["SESSION_COOKIE_DOMAIN"] = (domain.lstrip(".") or None) if domain else None
    out["SESSION_COOKIE_PATH"] = check.attribute("SESSION_COOKIE_PATH")
    out["APPLICATION_ROOT"] = check.attribute("APPLICATION_ROOT") or "/"
    for key in (
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_PARTITIONED",
        "SESSION_REFRESH_EACH_REQUEST",
    ):
        out[key] = check.boolean(key)
    out["SESSION_COOKIE_SAMESITE"] = check.samesite()
    out["PERMANENT_SESSION_LIFETIME"] = check.duration("PERMANENT_SESSION_LIFETIME")
    out["MAX_COOKIE_SIZE"] = check.cookie_size()
    for key in _TIMEOUTS:
        out[key] = check.duration(key, optional=True)
    _check_prefixes(check, out, name)
    _check_refresh(check, out)

    if out["SECRET_KEY_FALLBACKS"] and out["SECRET_KEY"] is None:
        warn(
            "SECRET_KEY_FALLBACKS is set but SECRET_KEY is not: sessions are"
            " disabled. Set SECRET_KEY to the new key."
        )
    if not out["SESSION_COOKIE_SECURE"]:
        if out["SESSION_COOKIE_SAMESITE"] == "None":
            warn(
                "SESSION_COOKIE_SAMESITE='None' without SESSION_COOKIE_SECURE:"
                " browsers reject such cookies. Set SESSION_COOKIE_SECURE=True."
            )
        if out["SESSION_COOKIE_PARTITIONED"]:
            warn(
                "SESSION_COOKIE_PARTITIONED without SESSION_COOKIE_SECURE:"
                " browsers reject such cookies. Set SESSION_COOKIE_SECURE=True."
            )
    return ReadOnlyConfig(out)


_TIMEOUTS = (
    "SESSION_IDLE_TIMEOUT",
    "SESSION_ABSOLUTE_TIMEOUT",
    "SESSION_REFRESH_AFTER",
)


def _check_refresh(check: _Checker, out: dict[str, t.Any]) -> None:
    after = out["SESSION_REFRESH_AFTER"]
    if after is None:
        return
    for key in ("SESSION_IDLE_TIMEOUT", "PERMANENT_SESSION_LIFETIME"):
        if out[key] is not None and after >= out[key]:
            raise check.fail(
                "SESSION_REFRESH_AFTER",
                f"Expected a duration shorter than {key} ({out[key]}): the"
                " cookie must be re-issued before it expires.",
            )


def _check_prefixes(check: _Checker, out: dict[str, t.Any], name: str) -> None:
    # Browsers silently drop a cookie whose name prefix promises what its
    # attributes do not keep, so sessions would never persist.
    lowered = name.lower()
    if not lowered.startswith(("__host-", "__secure-")):
        return
    problems = []
    if not out["SESSION_COOKIE_SECURE"]:
        problems.append("SESSION_COOKIE_SECURE=True")
    if lowered.startswith("__host-"):
        if out["SESSION_COOKIE_DOMAIN"]:
            problems.append("no SESSION_COOKIE_DOMAIN")
        if (out["SESSION_COOKIE_PATH"] or out["APPLICATION_ROOT"]) != "/":
            problems.append("the path '/'")
    if problems:
        raise check.fail(
            "SESSION_COOKIE_NAME",
            f"A cookie named {name[: name.index('-') + 1]!r}... needs "
            + ", ".join(problems)
            + "; browsers drop it otherwise.",
        )


def warn_if_no_secret_key(
    config: Mapping[str, t.Any], given: Mapping[str, t.Any] | None
) -> None:
    """Warn, once per build, that sessions are disabled, naming the
    environment variable to set when the config came from the environment.

    .. versionadded:: 0.2
    """
    if config["SECRET_KEY"]:
        return
    where = "SECRET_KEY in the configuration"
    if isinstance(given, Config):
        for key in given:
            origin = given.source(key)
            if origin.kind == "environment" and origin.prefix is not None:
                where = f"the environment variable {origin.prefix}SECRET_KEY"
                break
    warn(
        "No SECRET_KEY is set, so sessions are disabled: reading them gives an"
        f" empty session and changing them raises an error. Set {where} to a"
        " long random string; 'cookiesession keygen' prints one."
    )
