"""Validating a whole config: every key checked, unknown keys that look
like settings warned about, the timeouts checked against each other, and
the no-key warning (the package docstring says when it runs)."""

from __future__ import annotations

import difflib
import typing as t
from collections.abc import Callable, Mapping

from ..config import Config
from .checks import Checker
from .defaults import (
    DEFAULT_CONFIG,
    TIMEOUTS,
    ReadOnlyConfig,
)
from .notices import warn

__all__ = ["validate_config", "warn_if_no_secret_key"]

# An unknown key that starts so is a setting misspelt.
_WATCHED_PREFIXES = ("SESSION_", "SECRET_KEY", "PERMANENT_SESSION")


def nearest_setting(key: str) -> str | None:
    """The known setting *key* is a near miss of (its own upper case
    included), or ``None``."""
    upper = key.upper()
    if upper in DEFAULT_CONFIG:
        return upper
    match = difflib.get_close_matches(upper, DEFAULT_CONFIG, n=1, cutoff=0.8)
    return match[0] if match else None


def looks_like_a_setting(key: str) -> bool:
    """Whether an unknown *key* is a session setting misspelt, which
    :func:`validate_config` warns about itself."""
    return key.upper().startswith(_WATCHED_PREFIXES) or nearest_setting(key) is not None


def _warn_unknown(config: Mapping[str, t.Any], spell: Callable[[str], str]) -> None:
    for key in config:
        if not isinstance(key, str) or key in DEFAULT_CONFIG:
            continue
        if not looks_like_a_setting(key):
            continue
        nearest = nearest_setting(key)
        written, suggest = _as_written(config, key, spell)
        hint = (
            f"did you mean {suggest(nearest)}?"
            if nearest
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
    check = Checker(config)
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
        "SESSION_PERMANENT",
    ):
        out[key] = check.boolean(key)
    out["SESSION_COOKIE_SAMESITE"] = check.samesite()
    out["PERMANENT_SESSION_LIFETIME"] = check.duration("PERMANENT_SESSION_LIFETIME")
    out["MAX_COOKIE_SIZE"] = check.cookie_size()
    for key in TIMEOUTS:
        out[key] = check.duration(key, optional=True)
    out["SESSION_CLOCK_LEEWAY"] = check.duration("SESSION_CLOCK_LEEWAY", zero=True)
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


def _check_refresh(check: Checker, out: dict[str, t.Any]) -> None:
    idle, absolute = out["SESSION_IDLE_TIMEOUT"], out["SESSION_ABSOLUTE_TIMEOUT"]
    if idle is not None and absolute is not None and absolute < idle:
        warn(
            f"SESSION_ABSOLUTE_TIMEOUT ({absolute}) is shorter than"
            f" SESSION_IDLE_TIMEOUT ({idle}): the idle timeout can never apply."
        )
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


def _check_prefixes(check: Checker, out: dict[str, t.Any], name: str) -> None:
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
