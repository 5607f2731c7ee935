"""The checks of each setting: one method per kind of value, each raising
an :exc:`~cookiesession.InvalidSetting` that names the key, the value
(masked if secret) and where it came from."""

from __future__ import annotations

import math
import re
import typing as t
from collections.abc import Mapping
from datetime import timedelta

from ..config import Config, Source, mask_value
from ..exceptions import InvalidSetting, InvalidSettingType, InvalidSettingValue
from .defaults import DEFAULT_CONFIG
from .notices import warn

__all__ = ["Checker"]

_TRUE = frozenset(("true", "yes", "on", "1"))
_FALSE = frozenset(("false", "no", "off", "0"))
_SAMESITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
# RFC 6265 cookie-name: an RFC 2616 token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Characters that would end or split a Set-Cookie attribute.
_ATTR_UNSAFE = re.compile(r"[;,\s\x00-\x1f\x7f]")
# Browsers cap cookie lifetimes at 400 days; far longer cannot even be
# written as a cookie date once added to the current time.
_BROWSER_CAP = timedelta(days=400)
_LONGEST = timedelta(days=365 * 1000)
#: The units a duration string may end in, in seconds.
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION_FORMS = (
    'Expected a duration: a timedelta, a finite number of seconds (90, "90"),'
    ' or one number and one unit ("90s", "15m", "8h", "30d").'
)


class Checker:
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

    def duration(
        self, key: str, optional: bool = False, zero: bool = False
    ) -> timedelta | None:
        """A duration: a timedelta, seconds, or one number and one unit
        (``"90s"``, ``"15m"``, ``"8h"``, ``"30d"``); *zero* allows 0."""
        value = self.merged[key]
        if optional and value is None:
            return None
        if isinstance(value, list | tuple | dict | set):
            raise self.fail(key, _DURATION_FORMS, type_error=True)
        if not isinstance(value, timedelta):
            try:
                value = timedelta(seconds=self._seconds(key, value))
            except OverflowError:
                raise self.fail(key, "Expected a duration under 1000 years.") from None
        if value < timedelta(0) or (value == timedelta(0) and not zero):
            raise self.fail(
                key,
                "Expected a duration of zero or more."
                if zero
                else "Expected a duration greater than zero.",
            )
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

    def _seconds(self, key: str, value: t.Any) -> float:
        text = value.strip() if isinstance(value, str) else ""
        unit = _UNITS.get(text[-1:].lower())
        if unit is None:
            try:
                return self.number(key, "seconds")
            except InvalidSettingValue:
                raise self.fail(key, _DURATION_FORMS) from None
        try:
            number = float(text[:-1])
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or text[:-1].strip() != text[:-1]:
            raise self.fail(key, _DURATION_FORMS)
        return number * unit

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
        expected = "Expected 'Strict', 'Lax', 'None' (any case) or None to omit it."
        if not isinstance(value, str):
            raise self.fail(key, expected, type_error=True)
        if value.strip().lower() in _SAMESITE:
            return _SAMESITE[value.strip().lower()]
        raise self.fail(key, expected)

    def cookie_size(self) -> int:
        key = "MAX_COOKIE_SIZE"
        number = self.number(key, "bytes")
        if number < 0 or number != int(number):
            raise self.fail(key, "Expected a whole number of bytes, 0 to disable.")
        return int(number)

    def cookie_name(self) -> str:
        key = "SESSION_COOKIE_NAME"
        name = self.merged[key]
        expected = (
            "Expected a non-empty cookie name of letters, digits and"
            " !#$%&'*+-.^_`|~ only."
        )
        if not isinstance(name, str):
            raise self.fail(key, expected, type_error=True)
        if not _TOKEN.fullmatch(name):
            raise self.fail(key, expected)
        return name
