"""Sealed values: AES-256-GCM with keys derived by HKDF-SHA256, in
URL-safe base64. No session, no setting: bytes in, a cookie value out, and
back.

Layout: a version byte and the issue time (8 bytes, big-endian seconds) in
clear but authenticated, then a 12-byte random nonce, the ciphertext and
the 16-byte tag. The associated data is the clear header followed by the
caller's context (the cookie name), so a value opens only for the cookie
it was sealed for.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

from .._extras import requires

with requires("cookiesession.crypto", "cryptography", "crypto"):
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .signed import b64decode, b64encode

__all__ = ["HKDF_INFO", "VERSION", "peek_issued", "seal", "unseal"]

#: The format version, the first byte of every sealed value.
VERSION = 1
#: The HKDF ``info``: binds the derived keys to this use of the secret key.
HKDF_INFO = b"cookiesession encrypted session v1"
STAMP = 8  # the issue time, big-endian seconds
NONCE = 12  # AES-GCM's standard nonce
HEADER = 1 + STAMP
TAG = 16
# The base64 characters that cover the header: 4 per 3 bytes, rounded up.
HEADER_CHARS = -(-HEADER // 3) * 4


def cipher(secret: str | bytes) -> AESGCM:
    """The AES-256-GCM cipher of one secret key, derived once."""
    return _derived(secret.encode() if isinstance(secret, str) else secret)


@functools.lru_cache(maxsize=64)
def _derived(raw: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
    return AESGCM(key.derive(raw))


def seal(secret: str | bytes, plain: bytes, context: bytes, issued: int) -> str:
    """*plain* sealed with *secret*, stamped *issued*, bound to *context*."""
    header = bytes((VERSION,)) + issued.to_bytes(STAMP, "big")
    nonce = os.urandom(NONCE)
    sealed = cipher(secret).encrypt(nonce, plain, header + context)
    return b64encode(header + nonce + sealed).decode("ascii")


def unseal(
    keys: Sequence[str | bytes], value: str, context: bytes
) -> tuple[bytes, int, int] | str:
    """``(plain, issued, position)`` of a value that opens with one of
    *keys* (*position* is that key's index), or the reason it does not:
    ``"malformed"`` (not a sealed value) or ``"signature"`` (it does not
    authenticate: another key, another context, another version, a changed
    byte; all one failure)."""
    try:
        raw = b64decode(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return "malformed"
    if len(raw) < HEADER + NONCE + TAG + 1:
        return "malformed"
    header, nonce, sealed = (
        raw[:HEADER],
        raw[HEADER : HEADER + NONCE],
        raw[HEADER + NONCE :],
    )
    aad = header + context
    for position, key in enumerate(keys):
        try:
            plain = cipher(key).decrypt(nonce, sealed, aad)
        except InvalidTag:
            continue
        if header[0] != VERSION:
            return "signature"
        return plain, int.from_bytes(header[1:], "big"), position
    return "signature"


def peek_issued(value: str) -> int | None:
    """The issue time a sealed value carries in clear (authenticated, but
    not checked here: it only decides whether to open the value)."""
    try:
        raw = b64decode(value[:HEADER_CHARS].encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    if len(raw) < HEADER:
        return None
    return int.from_bytes(raw[1:HEADER], "big")
