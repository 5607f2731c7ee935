"""Sealed values: AES-256-GCM with keys derived by HKDF-SHA256, in
URL-safe base64. No session, no setting: bytes in, a cookie value out, and
back.

Layout of format 2 (0.3): a version byte and the issue time (8 bytes,
big-endian seconds) in clear but authenticated, then a 16-byte random salt,
the ciphertext and the 16-byte tag. Each value has its own AES key,
HKDF-SHA256 of the secret key with the salt in ``info``; a key seals one
value, so the nonce is fixed (12 zero bytes). Two seals share a key only
when their salts repeat: over 2^45 seals under one secret that is at most
2^89 pairs times 2^-128, below 2^-39.

Format 1 (0.2), still opened: the same header, then a 12-byte random nonce,
the ciphertext and the tag, under one key per secret.

The associated data is the clear header followed by the caller's context
(the cookie name), so a value opens only for the cookie it was sealed for.
Only canonical base64 opens: one value, one spelling.
"""

from __future__ import annotations

import functools
import hmac
import os
from collections.abc import Sequence

from .._extras import requires

with requires("cookiesession.crypto", "cryptography", "crypto"):
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .signed import b64decode, b64encode

__all__ = [
    "HKDF_INFO",
    "HKDF_INFO_V2",
    "VERSION",
    "VERSIONS",
    "cipher",
    "peek_issued",
    "seal",
    "unseal",
]

#: The format version written by default, the first byte of a sealed value.
VERSION = 2
#: The versions that open.
VERSIONS = (1, 2)
#: The HKDF ``info`` of format 1: one key per secret.
HKDF_INFO = b"cookiesession encrypted session v1"
#: The HKDF ``info`` prefix of format 2; the value's salt follows it.
HKDF_INFO_V2 = b"cookiesession encrypted session v2 "
STAMP = 8  # the issue time, big-endian seconds
SALT = 16  # format 2: the per-value key's salt
NONCE = 12  # format 1: AES-GCM's standard random nonce
HEADER = 1 + STAMP
TAG = 16
_FIXED_NONCE = bytes(NONCE)
# The base64 characters that cover the header: 4 per 3 bytes, rounded up.
HEADER_CHARS = -(-HEADER // 3) * 4


def cipher(secret: str | bytes, salt: bytes = b"") -> AESGCM:
    """The AES-256-GCM cipher of one secret key: format 2's key for one
    *salt*, or format 1's key (no salt)."""
    raw = secret.encode() if isinstance(secret, str) else secret
    if not salt:
        return _derived_v1(raw)
    # HKDF-Expand for one 32-byte block is one HMAC over info || 0x01.
    expand = _extracted(raw).copy()
    expand.update(HKDF_INFO_V2 + salt + b"\x01")
    return AESGCM(expand.digest())


@functools.lru_cache(maxsize=64)
def _extracted(raw: bytes) -> hmac.HMAC:
    """HMAC keyed with the HKDF-Extract of a secret key (RFC 5869, no salt:
    a zero salt), never updated itself: each use updates a copy."""
    prk = hmac.digest(bytes(32), raw, "sha256")
    return hmac.new(prk, digestmod="sha256")


@functools.lru_cache(maxsize=64)
def _derived_v1(raw: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
    return AESGCM(key.derive(raw))


def seal(
    secret: str | bytes,
    plain: bytes,
    context: bytes,
    issued: int,
    version: int = VERSION,
) -> str:
    """*plain* sealed with *secret*, stamped *issued*, bound to *context*,
    in format *version* (1 only while older servers still run)."""
    header = bytes((version,)) + issued.to_bytes(STAMP, "big")
    if version == 1:
        nonce = os.urandom(NONCE)
        body = nonce + cipher(secret).encrypt(nonce, plain, header + context)
    else:
        salt = os.urandom(SALT)
        aead = cipher(secret, salt)
        body = salt + aead.encrypt(_FIXED_NONCE, plain, header + context)
    return b64encode(header + body).decode("ascii")


def unseal(
    keys: Sequence[str | bytes], value: str, context: bytes
) -> tuple[bytes, int, int, int] | str:
    """``(plain, issued, position, version)`` of a value that opens with
    one of *keys* (*position* is that key's index), or the reason it does
    not: ``"malformed"`` (not a sealed value, or not spelt canonically) or
    ``"signature"`` (it does not authenticate: another key, another
    context, another version, a changed byte; all one failure)."""
    try:
        encoded = value.encode("ascii")
        raw = b64decode(encoded)
    except (ValueError, UnicodeEncodeError):
        return "malformed"
    if b64encode(raw) != encoded:
        return "malformed"
    version = raw[0] if raw else 0
    extra = SALT if version == 2 else NONCE
    if len(raw) < HEADER + extra + TAG + 1:
        return "malformed"
    if version not in VERSIONS:
        return "signature"
    header, salt = raw[:HEADER], raw[HEADER : HEADER + extra]
    sealed, aad = raw[HEADER + extra :], header + context
    for position, key in enumerate(keys):
        try:
            if version == 2:
                plain = cipher(key, salt).decrypt(_FIXED_NONCE, sealed, aad)
            else:
                plain = cipher(key).decrypt(salt, sealed, aad)
        except InvalidTag:
            continue
        return plain, int.from_bytes(header[1:], "big"), position, version
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
