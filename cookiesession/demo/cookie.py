"""What the browser holds: the session cookie of a request, shown to its
owner without ever putting a replayable value in the page (the cookie is
``HttpOnly``, so scripts on the page must not find it there either)."""

from __future__ import annotations

import html
import typing as t
import zlib
from collections.abc import Mapping

from ..sessions import SessionInterface
from ..wire.cookies import find_cookie_values
from ..wire.signed import b64decode

__all__ = ["browser_view"]

#: How far a compressed payload is inflated for display.
_MAX_SHOWN = 16 * 1024

_SIGNED = """<p id="signed">The session is <strong>signed, not encrypted</strong>:
the first part is the session itself, base64-encoded JSON, which anyone holding
the cookie can read; the signature (not shown) stops anyone without the key from
changing it. <code>cookiesession decode --unverified 'VALUE'</code> reads one.
Run the demo with <code>--encrypted</code> to compare.</p>"""
_SEALED = """<p id="sealed">The session is <strong>encrypted</strong>
(AES-256-GCM): the browser holds ciphertext that only a server with the key can
open or change. The session's contents never leave the server in the clear.</p>"""
_STORED = """<p id="server-side">The session lives <strong>on the server</strong>:
the cookie holds only a signed, random id, whatever the session holds. See
<a href="/devices">Your devices</a>, or run <code>cookiesession sessions list USER
--redis URL</code> (or <code>--sql URL</code>).</p>"""


def browser_view(
    interface: SessionInterface, config: Mapping[str, t.Any], cookie_header: str
) -> tuple[str, str]:
    """The session cookie as the page shows it (escaped HTML), and what it
    means for *interface*'s kind of cookie."""
    name = config["SESSION_COOKIE_NAME"]
    values = find_cookie_values(cookie_header, name, 1)
    if interface.server_side:
        explained = _STORED
    elif getattr(interface, "format_version", None) is not None:
        explained = _SEALED
    else:
        explained = _SIGNED
    if not values:
        return "No session cookie yet: one is set with the first change.", explained
    value = values[0]
    shown = html.escape(name)
    limit = config["MAX_COOKIE_SIZE"]
    explained += (
        f'<p id="cookie-size">The {shown} cookie is {len(value)} bytes'
        f" (browsers keep about {limit}).</p>"
    )
    if interface.server_side:
        return f"{shown}=[a signed id, {len(value)} characters, not shown]", explained
    if getattr(interface, "format_version", None) is not None:
        return (
            f"{shown}={html.escape(value[:24])}… ({len(value)} characters)",
            explained,
        )
    signed, _, signature = value.rpartition(".")
    reads = _payload(signed.rpartition(".")[0])
    text = f"{shown}={html.escape(signed)}.[signature, {len(signature)} characters]"
    if reads is not None:
        text += f"\n\nThe first part reads:\n{html.escape(reads)}"
    return text, explained


def _payload(encoded: str) -> str | None:
    """The JSON a signed payload holds, unverified; ``None`` if it is not
    readable."""
    compressed = encoded.startswith(".")
    try:
        raw = b64decode(encoded.removeprefix(".").encode("ascii"))
        if compressed:
            raw = zlib.decompressobj().decompress(raw, _MAX_SHOWN)
        return raw.decode("utf-8")
    except (ValueError, UnicodeError, zlib.error):
        return None
