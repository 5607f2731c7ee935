"""Session settings from a Pyramid .ini file: its ``cookiesession.*`` keys.

The Pyramid driver reads them from Pyramid's settings; the command line's
``--ini FILE[#name]`` reads them from the file itself, as PasteDeploy does
(the ``[app:name]`` section, ``main`` by default, with ``%(here)s`` and the
``[DEFAULT]`` values), so both see the same settings from the same file.
"""

from __future__ import annotations

import configparser
import os
import typing as t
import warnings
from collections.abc import Callable, Mapping

from ..config import Config, Source
from .defaults import DEFAULT_CONFIG
from .validation import looks_like_a_setting

__all__ = [
    "SETTINGS_PREFIX",
    "IniConfig",
    "paste_settings",
    "read_settings",
    "spell_for",
    "store_choice",
]

#: The prefix of this package's settings in a Pyramid .ini file.
SETTINGS_PREFIX = "cookiesession."

# Keys that choose where the session settings and sessions come from.
OPTIONS = (
    "ENV_PREFIX",
    "SECRETS_DIR",
    "ENCRYPTED",
    "REDIS_URL",
    "SQL_URL",
    "KEY_PREFIX",
    "TABLE_NAME",
    "USER_KEY",
    "DEVICE_KEY",
    "ACCEPT_SIGNED",
)
# The 0.2 names, kept.
ALIASES = {"REDIS_KEY_PREFIX": "KEY_PREFIX", "REDIS_USER_KEY": "USER_KEY"}


class IniConfig(Config):
    """A config read from .ini settings: keys keep the .ini spelling in
    what it says about them."""


def spell_for(config: Mapping[str, t.Any]) -> Callable[[str], str] | None:
    """How a key of *config* is written where it came from: the .ini
    spelling for an :class:`IniConfig`, otherwise as is (``None``)."""
    if isinstance(config, IniConfig):
        return lambda key: SETTINGS_PREFIX + key.lower()
    return None


def read_settings(
    settings: Mapping[str, t.Any], *, path: str | None = None
) -> tuple[Config, dict[str, t.Any]]:
    """The session config of the ``cookiesession.*`` entries of
    *settings*, and the options that choose sources and stores
    (:data:`OPTIONS`). ``secrets_dir`` and ``env_prefix`` add a secrets
    mount and prefixed environment variables over the .ini values, in that
    order. An unknown ``cookiesession.*`` key warns."""
    config = IniConfig()
    options: dict[str, t.Any] = dict.fromkeys(OPTIONS)
    for key, value in settings.items():
        if not key.startswith(SETTINGS_PREFIX):
            continue
        name = key[len(SETTINGS_PREFIX) :].upper()
        name = ALIASES.get(name, name)
        if name in options:
            options[name] = value
            continue
        if name not in DEFAULT_CONFIG and not looks_like_a_setting(name):
            warnings.warn(
                f"Unknown .ini setting {key!r}: it is not a cookiesession"
                " setting and is ignored.",
                UserWarning,
                stacklevel=2,
            )
            continue
        config.from_source({name: value}, Source("ini", key, path=path))
    if options["SECRETS_DIR"]:
        config.from_secrets_dir(options["SECRETS_DIR"])
    if options["ENV_PREFIX"]:
        config.from_prefixed_env(options["ENV_PREFIX"])
    return config, options


def store_choice(options: Mapping[str, t.Any]) -> tuple[str, dict[str, t.Any]]:
    """Which interface the options choose, and its arguments:
    ``("encrypted", {...})``, ``("redis", {"url": ..., ...})``,
    ``("sql", {"url": ..., ...})`` or ``("signed", {})``.

    :raises ValueError: For a flag that is not true or false, or for two
        of ``encrypted``, ``redis_url`` and ``sql_url``.
    """
    chosen = [
        name
        for name, on in (
            ("encrypted", flag(options, "ENCRYPTED")),
            ("redis_url", bool(options.get("REDIS_URL"))),
            ("sql_url", bool(options.get("SQL_URL"))),
        )
        if on
    ]
    if len(chosen) > 1:
        named = " and ".join(SETTINGS_PREFIX + name for name in chosen)
        raise ValueError(
            f"{named} are both set: choose one of encrypted cookies, Redis and SQL."
        )
    kwargs: dict[str, t.Any] = {"accept_signed": flag(options, "ACCEPT_SIGNED")}
    if chosen == ["encrypted"]:
        return "encrypted", kwargs
    if not chosen:
        return "signed", {}
    kind = "redis" if chosen == ["redis_url"] else "sql"
    names = ("KEY_PREFIX",) if kind == "redis" else ("TABLE_NAME",)
    for name in (*names, "USER_KEY", "DEVICE_KEY"):
        if options.get(name):
            kwargs[name.lower()] = options[name]
    return kind, {"url": options[chosen[0].upper()], **kwargs}


def flag(options: Mapping[str, t.Any], name: str) -> bool:
    """An .ini true/false option; ``ValueError`` for anything else."""
    text = str(options.get(name) or "").strip().lower()
    if text in ("true", "yes", "on", "1", "false", "no", "off", "0", ""):
        return text in ("true", "yes", "on", "1")
    raise ValueError(
        f"Invalid .ini setting {SETTINGS_PREFIX}{name.lower()} = {text!r}:"
        " expected true or false."
    )


def paste_settings(spec: str) -> tuple[str, dict[str, str]]:
    """The file and the settings of ``FILE#name`` (PasteDeploy's notation;
    ``main`` by default): the ``[app:name]`` section with the
    ``[DEFAULT]`` values, ``%(here)s`` the file's folder.

    :raises OSError: If the file cannot be read.
    :raises ValueError: If it has no such section, or cannot be parsed.
    """
    filename, _, name = spec.partition("#")
    path = os.path.abspath(filename)
    parser = configparser.ConfigParser(
        defaults={"here": os.path.dirname(path), "__file__": path}
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        with open(path, encoding="utf-8") as file:
            parser.read_file(file)
        section = f"app:{name or 'main'}"
        if not parser.has_section(section):
            raise ValueError(f"{filename} has no [{section}] section.")
        return filename, dict(parser.items(section))
    except configparser.Error as e:
        raise ValueError(f"{filename} cannot be read as an .ini file: {e}") from None
