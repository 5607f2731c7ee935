"""What every subcommand shares: the settings from the command line, the
environment and files, and printing session data as JSON."""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import typing as t
import warnings
from datetime import datetime

from ..config import Config
from ..sessions import (
    SecureCookieSessionInterface,
)
from ..settings import InvalidSetting, validate_config
from ..settings.ini import paste_settings, read_settings, spell_for, store_choice

__all__ = [
    "Failure",
    "Settings",
    "load_pyfile",
    "no_secret_key",
    "print_json",
    "readable",
]


class Failure(Exception):
    """Bad input data: printed as ``error: ...``, exit status 1."""


def no_secret_key(prefix: str, hint: str = "") -> Failure:
    """The one "no secret key" failure, naming the prefix in use."""
    return Failure(
        f"No secret key: pass --secret-key, set {prefix.rstrip('_')}_SECRET_KEY,"
        f" or use --pyfile, --secrets-dir, --dotenv or --ini.{hint}"
    )


class Settings:
    """The validated settings, the Config they came from, and the store an
    ``--ini`` file chooses.

    Sources, later ones winning: ``--ini`` (with its own ``secrets_dir``
    and ``env_prefix``), ``--pyfile``, ``--secrets-dir``, ``--dotenv``, the
    ``PREFIX_*`` environment variables, ``--secret-key``.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.prefix: str = args.prefix
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                config, options = self._read(args)
                #: ``(kind, arguments)`` of the interface the .ini chooses.
                self.store = store_choice(options)
                self.config = validate_config(config, spell=spell_for(config))
            except (InvalidSetting, ValueError, ImportError) as e:
                raise Failure(str(e)) from e
        for warning in caught:
            print(f"warning: {warning.message}", file=sys.stderr)
        self.source = config
        self.interface = SecureCookieSessionInterface()

    @staticmethod
    def _read(args: argparse.Namespace) -> tuple[Config, dict[str, t.Any]]:
        config, options = Config(), dict[str, t.Any]()
        if getattr(args, "ini", None):
            path, settings = paste_settings(args.ini)
            config, options = read_settings(settings, path=path)
        if getattr(args, "pyfile", None):
            load_pyfile(config, args.pyfile)
        if getattr(args, "secrets_dir", None):
            config.from_secrets_dir(args.secrets_dir)
        if getattr(args, "dotenv", None):
            config.from_dotenv(os.path.abspath(args.dotenv), args.prefix)
        config.from_prefixed_env(args.prefix)
        if getattr(args, "secret_key", None):
            config["SECRET_KEY"] = args.secret_key
        return config, options

    def require_keys(self, hint: str = "") -> list[tuple[str, str | bytes]]:
        """:meth:`keys`, or the "no secret key" failure."""
        keys = self.keys()
        if not keys:
            raise no_secret_key(self.prefix, hint)
        return keys

    def keys(self) -> list[tuple[str, str | bytes]]:
        """(label, key), current first, never shown."""
        current = self.config["SECRET_KEY"]
        if current is None:
            return []
        fallbacks = self.config["SECRET_KEY_FALLBACKS"]
        # Fallbacks are listed oldest first; number them from the newest.
        labelled = [(f"fallback #{i}", k) for i, k in enumerate(fallbacks[::-1], 1)]
        return [("current SECRET_KEY", current), *labelled]


def load_pyfile(config: Config, filename: str) -> None:
    """``config.from_pyfile``; a file that fails to run is reported with its
    name and line, never its source text, which may hold a key."""
    try:
        config.from_pyfile(filename)
    except OSError:
        raise
    except SyntaxError as e:
        raise Failure(
            f"The config file {filename!r} has a syntax error at line {e.lineno}."
        ) from None
    except Exception as e:
        line = None
        tb = e.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.endswith(filename.lstrip("./")):
                line = tb.tb_lineno
            tb = tb.tb_next
        at = f" at line {line}" if line else ""
        raise Failure(
            f"The config file {filename!r} raised {type(e).__name__}{at}."
        ) from None


def readable(value: t.Any) -> t.Any:
    """Session data as plain JSON, with the tagged types labelled."""
    if isinstance(value, dict):
        return {str(k): readable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [readable(item) for item in value]
    if isinstance(value, tuple):
        return {"(tuple)": [readable(item) for item in value]}
    if isinstance(value, bytes):
        return {"(bytes, base64)": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime):
        return {"(datetime)": value.isoformat()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return str(value) if hasattr(value, "__html__") else value
    return {f"({type(value).__name__})": str(value)}


def print_json(data: object) -> None:
    print(json.dumps(readable(data), indent=2, sort_keys=True))
