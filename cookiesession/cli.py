"""The ``cookiesession`` command (also ``python -m cookiesession``).

Subcommands: ``demo`` serves the demo app; ``decode`` shows what a session
cookie holds and whether it verifies; ``sign`` makes a cookie; ``keygen``
prints a new key; ``config`` shows the effective session settings and where
each came from. Exit status: 0 on success, 1 on bad input data (invalid
JSON, a cookie that fails to verify, a bad setting), 2 on usage errors.

Keys come from ``--secret-key``, the environment (``--prefix``, default
``FLASK``, so ``FLASK_SECRET_KEY``) or a Python file (``--pyfile``), and are
never printed, except by ``config --show-secrets``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import sys
import time
import typing as t
import warnings
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, make_server

from itsdangerous import BadData, URLSafeSerializer

from . import __version__
from .config import Config, mask_value
from .sessions import (
    MAX_COOKIE_VALUES,
    Rejected,
    SecureCookieSessionInterface,
    SessionStoreError,
    is_cookie_value,
)
from .settings import DEFAULT_CONFIG, InvalidSetting, validate_config
from .wire.cookies import find_cookie_values
from .wire.signed import peek_timestamp

__all__ = ["main"]


class _Failure(Exception):
    """Bad input data: printed as ``error: ...``, exit status 1."""


class _Settings:
    """The validated settings, and the Config they came from."""

    def __init__(self, args: argparse.Namespace) -> None:
        config = Config()
        if getattr(args, "pyfile", None):
            _load_pyfile(config, args.pyfile)
        if getattr(args, "secrets_dir", None):
            config.from_secrets_dir(args.secrets_dir)
        config.from_prefixed_env(args.prefix)
        if getattr(args, "secret_key", None):
            config["SECRET_KEY"] = args.secret_key
        self.source = config
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self.config = validate_config(config)
        except InvalidSetting as e:
            raise _Failure(str(e)) from e
        for warning in caught:
            print(f"warning: {warning.message}", file=sys.stderr)
        self.interface = SecureCookieSessionInterface()

    def keys(self) -> list[tuple[str, str | bytes]]:
        """(label, key), current first, never shown."""
        current = self.config["SECRET_KEY"]
        if current is None:
            return []
        fallbacks = self.config["SECRET_KEY_FALLBACKS"]
        # Fallbacks are listed oldest first; number them from the newest.
        labelled = [(f"fallback #{i}", k) for i, k in enumerate(fallbacks[::-1], 1)]
        return [("current SECRET_KEY", current), *labelled]


def _load_pyfile(config: Config, filename: str) -> None:
    """``config.from_pyfile``; a file that fails to run is reported with its
    name and line, never its source text, which may hold a key."""
    try:
        config.from_pyfile(filename)
    except OSError:
        raise
    except SyntaxError as e:
        raise _Failure(
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
        raise _Failure(
            f"The config file {filename!r} raised {type(e).__name__}{at}."
        ) from None


def _readable(value: t.Any) -> t.Any:
    """Session data as plain JSON, with the tagged types labelled."""
    if isinstance(value, dict):
        return {str(k): _readable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable(item) for item in value]
    if isinstance(value, tuple):
        return {"(tuple)": [_readable(item) for item in value]}
    if isinstance(value, bytes):
        return {"(bytes, base64)": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime):
        return {"(datetime)": value.isoformat()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return str(value) if hasattr(value, "__html__") else value
    return {f"({type(value).__name__})": str(value)}


def _print_json(data: object) -> None:
    print(json.dumps(_readable(data), indent=2, sort_keys=True))


def _decode_encrypted(args: argparse.Namespace, settings: _Settings, value: str) -> int:
    from .crypto import EncryptedCookieSessionInterface

    if args.unverified:
        raise _Failure("An encrypted cookie cannot be read without its key.")
    keys = settings.keys()
    if not keys:
        raise _Failure(
            f"No secret key: pass --secret-key, set {args.prefix}_SECRET_KEY,"
            " or use --pyfile or --secrets-dir."
        )
    result = EncryptedCookieSessionInterface().verify(settings, value)
    if isinstance(result, Rejected):
        if result == Rejected("invalid", "signature"):
            raise _Failure(
                f"The cookie does not open with any of the {len(keys)} configured"
                " key(s): it was sealed with another key, for another cookie"
                " name, or changed."
            )
        raise _Failure(_REJECTED.get(result, _NOT_VERIFIED).format(n=len(keys)))
    index = result.fallback
    label = "current SECRET_KEY" if index is None else keys[len(keys) - 1 - index][0]
    print(f"opened with the {label}", file=sys.stderr)
    for line in _limits(settings.config, result.data, result.issued):
        print(line, file=sys.stderr)
    _print_json(result.data)
    return 0


def _cookie_value(raw: str, name: str, encrypted: bool = False) -> str:
    raw = raw.strip()
    if raw.lower().startswith("cookie:"):
        raw = raw[len("cookie:") :].strip()
    if "=" in raw:
        values = find_cookie_values(raw, name, MAX_COOKIE_VALUES)
        if not values:
            raise _Failure(f"No {name!r} cookie in the given header.")
        raw = values[0]
    if not raw:
        raise _Failure("No cookie given.")
    if encrypted:
        if not is_cookie_value(raw) or "." in raw:
            raise _Failure("This is not an encrypted session cookie.")
        return raw
    if not _SIGNED_VALUE(raw):
        raise _Failure(
            "This is not a session cookie: a signed session cookie is"
            " PAYLOAD.TIMESTAMP.SIGNATURE in URL-safe base64."
        )
    return raw


# What the middleware accepts: itsdangerous' characters, three parts.
_SIGNED_VALUE = re.compile(
    r"\.?[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+"
).fullmatch


def _issued(value: str) -> str:
    stamp = peek_timestamp(value)
    try:
        when = datetime.fromtimestamp(stamp or 0, timezone.utc)
    except (ValueError, OverflowError, OSError):
        stamp = None
    if not stamp:
        return "issued: unknown (no valid timestamp)"
    age = int(time.time()) - stamp
    return f"issued: {when:%Y-%m-%d %H:%M:%S} UTC ({age} seconds ago)"


def _limits(
    config: t.Mapping[str, t.Any], data: dict[str, t.Any], issued: int
) -> list[str]:
    """When the session was created, and which limit ends it first."""
    now = int(time.time())
    lines = []
    created = data.get("_created")
    if isinstance(created, int) and not isinstance(created, bool):
        when = datetime.fromtimestamp(created, timezone.utc)
        lines.append(
            f"created: {when:%Y-%m-%d %H:%M:%S} UTC ({now - created} seconds ago)"
        )
    else:
        created = issued
    ends = [(issued, "PERMANENT_SESSION_LIFETIME")]
    ends.append((issued, "SESSION_IDLE_TIMEOUT"))
    ends.append((created, "SESSION_ABSOLUTE_TIMEOUT"))
    remaining = [
        (start + int(config[key].total_seconds()) - now, key)
        for start, key in ends
        if config.get(key) is not None
    ]
    seconds, key = min(remaining)
    lines.append(f"expires: in {seconds} seconds ({key})")
    return lines


def _decode(args: argparse.Namespace) -> int:
    settings = _Settings(args)
    raw = args.cookie if args.cookie not in (None, "-") else sys.stdin.read()
    name = settings.config["SESSION_COOKIE_NAME"]
    if args.encrypted:
        return _decode_encrypted(args, settings, _cookie_value(raw, name, True))
    value = _cookie_value(raw, name)
    interface = settings.interface
    if args.unverified:
        # Decoding needs no key: only checking the signature does.
        decoder = URLSafeSerializer("not used", serializer=interface.serializer)
        try:
            data = decoder.load_payload(value.rsplit(".", 2)[0].encode("ascii"))
        except BadData as e:
            raise _Failure(f"The payload cannot be decoded: {e}") from e
        print("UNVERIFIED: the signature was not checked.", file=sys.stderr)
        print(_issued(value), file=sys.stderr)
        _print_json(data)
        return 0
    keys = settings.keys()
    if not keys:
        raise _Failure(
            f"No secret key: pass --secret-key, set {args.prefix}_SECRET_KEY,"
            " or use --pyfile or --secrets-dir. --unverified shows the payload"
            " without checking it."
        )
    result = interface.verify(settings, value)
    if isinstance(result, Rejected):
        raise _Failure(_REJECTED.get(result, _NOT_VERIFIED).format(n=len(keys)))
    index = result.fallback
    label = "current SECRET_KEY" if index is None else keys[len(keys) - 1 - index][0]
    print(f"verified with the {label}", file=sys.stderr)
    print(_issued(value), file=sys.stderr)
    for line in _limits(settings.config, result.data, result.issued):
        print(line, file=sys.stderr)
    _print_json(result.data)
    return 0


_NOT_VERIFIED = (
    "The cookie does not verify with any of the {n} configured key(s): it was"
    " signed with another key, or changed."
)
_REJECTED = {
    Rejected("invalid", "payload"): (
        "The cookie verifies, but its payload is not a session (not a JSON"
        " object, or a bad '_created')."
    ),
    Rejected("expired", "lifetime"): (
        "The cookie verifies but has expired: it is older than"
        " PERMANENT_SESSION_LIFETIME (or dated in the future)."
    ),
    Rejected("expired", "idle"): (
        "The cookie verifies but has expired: it was issued longer ago than"
        " SESSION_IDLE_TIMEOUT."
    ),
    Rejected("expired", "absolute"): (
        "The cookie verifies but has expired: the session was created longer"
        " ago than SESSION_ABSOLUTE_TIMEOUT."
    ),
}


def _sign(args: argparse.Namespace) -> int:
    settings = _Settings(args)
    interface = settings.interface
    try:
        data = interface.serializer.loads(args.json)
    except (ValueError, TypeError) as e:
        raise _Failure(f"The argument is not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise _Failure("The session must be a JSON object, like '{\"user\": 1}'.")
    if not settings.keys():
        raise _Failure(
            "No secret key: pass --secret-key, set FLASK_SECRET_KEY (see"
            " --prefix) or use --pyfile."
        )
    serializer = interface.get_signing_serializer(settings)
    assert serializer is not None
    print(serializer.dumps(data))
    return 0


def _keygen(args: argparse.Namespace) -> int:
    key = secrets.token_hex(args.bytes)
    if args.export:
        print(f"export {args.prefix.rstrip('_')}_SECRET_KEY={key}")
    else:
        print(key)
    return 0


def _config(args: argparse.Namespace) -> int:
    settings = _Settings(args)
    for key in DEFAULT_CONFIG:
        value = settings.config[key]
        shown = repr(value) if args.show_secrets else mask_value(key, value)
        if isinstance(value, timedelta):
            shown = f"{int(value.total_seconds())} seconds ({value})"
        source = settings.source
        where = source.source_of(key) if key in source else "defaults"
        print(f"{key} = {shown}  ({where})")
    return 0


def _sessions(args: argparse.Namespace) -> int:
    from .redis import RedisSessionInterface

    interface = RedisSessionInterface.from_url(args.redis, key_prefix=args.key_prefix)
    try:
        if args.action == "revoke":
            count = interface.revoke_user(args.user)
            print(f"revoked {count} session(s) of {args.user!r}")
            return 0
        listed = interface.list_sessions(args.user)
    except SessionStoreError as e:
        raise _Failure(str(e)) from e
    if not listed:
        print(f"no live sessions of {args.user!r}")
    for entry in listed:
        created = datetime.fromtimestamp(entry["created"], timezone.utc)
        used = datetime.fromtimestamp(entry["last_used"], timezone.utc)
        print(
            f"created {created:%Y-%m-%d %H:%M:%S} UTC,"
            f" last used {used:%Y-%m-%d %H:%M:%S} UTC"
        )
    return 0


def _once(show: t.Callable[..., None]) -> t.Callable[..., None]:
    seen: set[str] = set()

    def show_once(message: Warning | str, *args: t.Any, **kwargs: t.Any) -> None:
        kind = re.sub(r"\d+", "N", str(message))
        if kind not in seen:
            seen.add(kind)
            show(message, *args, **kwargs)

    return show_once


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def _demo(args: argparse.Namespace) -> int:
    from .demo import make_demo_app

    settings = _Settings(args)
    config = dict(settings.config)
    if config["SECRET_KEY"] is None:
        config["SECRET_KEY"] = secrets.token_hex(32)
        print(
            f"warning: no {args.prefix}_SECRET_KEY is set: using a random key."
            " Sessions will not survive a restart; run 'cookiesession keygen'"
            f" and set {args.prefix}_SECRET_KEY to keep them.",
            file=sys.stderr,
        )
    interface = None
    if args.redis:
        from .redis import RedisSessionInterface

        interface = RedisSessionInterface.from_url(args.redis)
    app = make_demo_app(config, session_interface=interface)
    # Each kind of warning once: a full cart warns on every request.
    warnings.showwarning = _once(warnings.showwarning)
    with make_server(args.host, args.port, app, server_class=_ThreadingServer) as httpd:
        url = f"http://{args.host}:{httpd.server_port}/"
        print(f"Serving the cookiesession demo on {url}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            print("Stopped.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cookiesession",
        description="Signed-cookie sessions for WSGI apps: demo and tools.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help: str, keys: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument(
            "--prefix",
            default="FLASK",
            help="read settings from PREFIX_* environment variables (default: FLASK)",
        )
        if keys:
            sub.add_argument(
                "--pyfile", metavar="FILE", help="read settings from a Python file"
            )
            sub.add_argument(
                "--secrets-dir",
                metavar="DIR",
                help="read settings from a Docker/Kubernetes secrets folder",
            )
            sub.add_argument(
                "--secret-key",
                metavar="KEY",
                help="the key (prefer PREFIX_SECRET_KEY: arguments show in ps)",
            )
        return sub

    demo = add("demo", "Serve the demo app on the standard library's server.", False)
    demo.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    demo.add_argument("--port", type=int, default=8000, help="default: 8000")
    demo.add_argument(
        "--redis", metavar="URL", help="keep the sessions in Redis at URL"
    )
    demo.set_defaults(func=_demo)

    decode = add("decode", "Verify a session cookie and show its payload.")
    decode.add_argument(
        "cookie",
        nargs="?",
        help="the cookie value, 'name=value', or a whole Cookie header;"
        " read from standard input when omitted or '-'",
    )
    decode.add_argument(
        "--unverified",
        action="store_true",
        help="show the payload without checking the signature",
    )
    decode.add_argument(
        "--encrypted",
        action="store_true",
        help="open an encrypted cookie (EncryptedCookieSessionInterface)",
    )
    decode.set_defaults(func=_decode)

    sign = add("sign", "Make a session cookie value from a JSON object.")
    sign.add_argument("json", help='the session, e.g. \'{"user": "ann"}\'')
    sign.set_defaults(func=_sign)

    keygen = commands.add_parser(
        "keygen",
        help="Print a new random secret key.",
        description="Print a new random secret key, as hex.",
    )
    keygen.add_argument(
        "--bytes",
        type=_key_bytes,
        default=32,
        help="bytes of randomness, at least 16 (default: 32)",
    )
    keygen.add_argument(
        "--export",
        action="store_true",
        help="print a shell line: export PREFIX_SECRET_KEY=...",
    )
    keygen.add_argument("--prefix", default="FLASK", help="for --export")
    keygen.set_defaults(func=_keygen)

    sessions = commands.add_parser(
        "sessions",
        help="List or revoke a user's sessions in Redis.",
        description="List or revoke a user's sessions in Redis (the app must"
        " set RedisSessionInterface(user_key=...)).",
    )
    sessions.add_argument("action", choices=["list", "revoke"])
    sessions.add_argument("user", help="the user's id, as the app stores it")
    sessions.add_argument("--redis", metavar="URL", required=True)
    sessions.add_argument("--key-prefix", default="session:", help="default: session:")
    sessions.set_defaults(func=_sessions)

    config = add("config", "Show the session settings and where each came from.")
    config.add_argument(
        "--show-secrets", action="store_true", help="show secret values unmasked"
    )
    config.set_defaults(func=_config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    :param argv: The arguments; defaults to ``sys.argv[1:]``.

    .. versionadded:: 0.1
    """
    args = _parser().parse_args(argv)
    try:
        return t.cast(int, args.func(args))
    except (_Failure, OSError) as e:
        if isinstance(e, BrokenPipeError):
            return _closed_pipe()
        print(f"error: {e}", file=sys.stderr)
        return 1


def _closed_pipe() -> int:
    # The reader went away (``| head``): stop quietly, and keep Python from
    # complaining again when it flushes stdout at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1


def _key_bytes(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 16:
        raise argparse.ArgumentTypeError("must be at least 16")
    return number
