"""``sign``, ``keygen``, ``config``, ``sessions`` and ``demo``."""

from __future__ import annotations

import argparse
import re
import secrets
import sys
import typing as t
import warnings
from datetime import datetime, timedelta, timezone
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, make_server

from ..config import mask_value
from ..sessions import (
    SessionStoreError,
)
from ..settings import DEFAULT_CONFIG, InvalidSetting
from .common import Failure, Settings

__all__ = ["run_config", "run_demo", "run_keygen", "run_sessions", "run_sign"]


def run_sign(args: argparse.Namespace) -> int:
    settings = Settings(args)
    interface = settings.interface
    try:
        data = interface.serializer.loads(args.json)
    except (ValueError, TypeError) as e:
        raise Failure(f"The argument is not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise Failure("The session must be a JSON object, like '{\"user\": 1}'.")
    settings.require_keys()
    serializer = interface.get_signing_serializer(settings)
    assert serializer is not None
    print(serializer.dumps(data))
    return 0


def run_keygen(args: argparse.Namespace) -> int:
    key = secrets.token_hex(args.bytes)
    if args.export:
        print(f"export {args.prefix.rstrip('_')}_SECRET_KEY={key}")
    else:
        print(key)
    return 0


def run_config(args: argparse.Namespace) -> int:
    settings = Settings(args)
    for key in DEFAULT_CONFIG:
        value = settings.config[key]
        shown = repr(value) if args.show_secrets else mask_value(key, value)
        if isinstance(value, timedelta):
            shown = f"{int(value.total_seconds())} seconds ({value})"
        source = settings.source
        where = source.source_of(key) if key in source else "defaults"
        print(f"{key} = {shown}  ({where})")
    return 0


def run_sessions(args: argparse.Namespace) -> int:
    kwargs: dict[str, t.Any] = {}
    kind, url = ("redis", args.redis) if args.redis else ("sql", args.sql)
    if args.ini:
        kind, kwargs = Settings(args).store
        if kind not in ("redis", "sql"):
            raise Failure(
                f"{args.ini} sets neither cookiesession.redis_url nor"
                " cookiesession.sql_url: its sessions are not kept in a store."
            )
        url = kwargs.pop("url")
        kwargs = {k: v for k, v in kwargs.items() if k in ("key_prefix", "table_name")}
    if args.action in ("purge", "create-table") and kind != "sql":
        print(
            f"error: sessions {args.action} is for a SQL store (--sql URL).",
            file=sys.stderr,
        )
        return 2
    if args.action in ("list", "revoke") and not args.user:
        print(f"error: sessions {args.action} needs the user's id.", file=sys.stderr)
        return 2
    if kind == "redis":
        from ..redis import RedisSessionInterface

        if args.key_prefix:
            kwargs["key_prefix"] = args.key_prefix
        interface: t.Any = RedisSessionInterface.from_url(url, **kwargs)
    else:
        from ..sql import SqlSessionInterface

        if args.table_name:
            kwargs["table_name"] = args.table_name
        interface = SqlSessionInterface.from_url(url, **kwargs)
    try:
        return _sessions(interface, args)
    except SessionStoreError as e:
        raise Failure(str(e)) from e
    finally:
        if kind == "sql":
            interface.engine.dispose()
        else:
            interface.client.close()


def _sessions(interface: t.Any, args: argparse.Namespace) -> int:
    if args.action == "create-table":
        interface.create_table()
        print(f"created {interface.table.name} and {interface.index_table.name}")
        return 0
    if args.action == "purge":
        total = 0
        while True:  # bounded batches, one transaction each
            deleted = interface.purge(limit=args.limit)
            total += deleted
            if deleted < args.limit:
                break
        print(f"purged {total} expired session(s)")
        return 0
    if args.action == "revoke":
        count = interface.revoke_user(args.user)
        print(f"revoked {count} session(s) of {args.user!r}")
        return 0
    listed = interface.list_sessions(args.user)
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


def run_demo(args: argparse.Namespace) -> int:
    from ..demo import make_demo_app

    settings = Settings(args)
    config = dict(settings.config)
    if config["SECRET_KEY"] is None:
        config["SECRET_KEY"] = secrets.token_hex(32)
        print(
            f"warning: no {args.prefix}_SECRET_KEY is set: using a random key."
            " Sessions will not survive a restart; run 'cookiesession keygen'"
            f" and set {args.prefix}_SECRET_KEY to keep them.",
            file=sys.stderr,
        )
    for flag, key in (
        ("idle", "SESSION_IDLE_TIMEOUT"),
        ("absolute", "SESSION_ABSOLUTE_TIMEOUT"),
    ):
        if getattr(args, flag) is not None:
            config[key] = getattr(args, flag)
    interface: t.Any = None
    # A store indexes sessions by user and device: the devices page.
    indexed = {"user_key": "user", "device_key": "device"}
    if args.encrypted:
        from ..crypto import EncryptedCookieSessionInterface

        interface = EncryptedCookieSessionInterface()
    elif args.redis:
        from ..redis import RedisSessionInterface

        interface = RedisSessionInterface.from_url(args.redis, **indexed)
    elif args.sql:
        from ..sql import SqlSessionInterface

        interface = SqlSessionInterface.from_url(args.sql, **indexed)
        interface.create_table()  # the demo's own tables, asked for here
    try:
        app = make_demo_app(config, session_interface=interface)
    except InvalidSetting as e:  # a bad --idle or --absolute
        raise Failure(str(e)) from e
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
