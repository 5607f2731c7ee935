"""``cookiesession decode``: what a cookie holds, and whether it verifies."""

from __future__ import annotations

import argparse
import sys
import time
import typing as t
from datetime import datetime, timezone

from itsdangerous import BadData, URLSafeSerializer

from ..sessions import MAX_COOKIE_VALUES, Rejected
from ..wire.cookies import find_cookie_values
from ..wire.signed import is_cookie_value, is_signed_value, peek_timestamp
from .common import Failure, Settings, print_json

__all__ = ["run_decode"]


def _decode_encrypted(args: argparse.Namespace, settings: Settings, value: str) -> int:
    from ..crypto import EncryptedCookieSessionInterface

    if args.unverified:
        raise Failure("An encrypted cookie cannot be read without its key.")
    keys = settings.require_keys()
    kind, kwargs = settings.store
    interface = EncryptedCookieSessionInterface(**kwargs if kind == "encrypted" else {})
    result = interface.verify(settings, value)
    if isinstance(result, Rejected):
        if result == Rejected("invalid", "signature"):
            raise Failure(
                f"The cookie does not open with any of the {len(keys)} configured"
                " key(s): it was sealed with another key, for another cookie"
                " name, or changed."
            )
        raise Failure(_REJECTED.get(result, _NOT_VERIFIED).format(n=len(keys)))
    index = result.fallback
    label = "current SECRET_KEY" if index is None else keys[len(keys) - 1 - index][0]
    print(f"opened with the {label}", file=sys.stderr)
    for line in _limits(settings.config, result.data, result.issued):
        print(line, file=sys.stderr)
    print_json(result.data)
    return 0


def _cookie_value(raw: str, name: str, encrypted: bool = False) -> str:
    raw = raw.strip()
    if raw.lower().startswith("cookie:"):
        raw = raw[len("cookie:") :].strip()
    if "=" in raw:
        values = find_cookie_values(raw, name, MAX_COOKIE_VALUES)
        if not values:
            raise Failure(f"No {name!r} cookie in the given header.")
        raw = values[0]
    if not raw:
        raise Failure("No cookie given.")
    if encrypted:
        if not is_cookie_value(raw) or "." in raw:
            raise Failure("This is not an encrypted session cookie.")
        return raw
    if not is_signed_value(raw):
        raise Failure(
            "This is not a session cookie: a signed session cookie is"
            " PAYLOAD.TIMESTAMP.SIGNATURE in URL-safe base64."
        )
    return raw


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


def run_decode(args: argparse.Namespace) -> int:
    settings = Settings(args)
    raw = args.cookie if args.cookie not in (None, "-") else sys.stdin.read()
    name = settings.config["SESSION_COOKIE_NAME"]
    if args.encrypted or settings.store[0] == "encrypted":
        return _decode_encrypted(args, settings, _cookie_value(raw, name, True))
    value = _cookie_value(raw, name)
    interface = settings.interface
    if args.unverified:
        # Decoding needs no key: only checking the signature does.
        decoder = URLSafeSerializer("not used", serializer=interface.serializer)
        try:
            data = decoder.load_payload(value.rsplit(".", 2)[0].encode("ascii"))
        except BadData as e:
            raise Failure(f"The payload cannot be decoded: {e}") from e
        print("UNVERIFIED: the signature was not checked.", file=sys.stderr)
        print(_issued(value), file=sys.stderr)
        print_json(data)
        return 0
    keys = settings.require_keys(" --unverified shows the payload without checking it.")
    result = interface.verify(settings, value)
    if isinstance(result, Rejected):
        raise Failure(_REJECTED.get(result, _NOT_VERIFIED).format(n=len(keys)))
    index = result.fallback
    label = "current SECRET_KEY" if index is None else keys[len(keys) - 1 - index][0]
    print(f"verified with the {label}", file=sys.stderr)
    print(_issued(value), file=sys.stderr)
    for line in _limits(settings.config, result.data, result.issued):
        print(line, file=sys.stderr)
    print_json(result.data)
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
