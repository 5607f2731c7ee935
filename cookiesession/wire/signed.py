"""itsdangerous' ``URLSafeTimedSerializer``, tuned for a call per request.

The format, the checks and the exceptions are itsdangerous 2.2's: the same
classes (:exc:`~itsdangerous.exc.BadSignature`,
:exc:`~itsdangerous.exc.BadTimeSignature`,
:exc:`~itsdangerous.exc.SignatureExpired`,
:exc:`~itsdangerous.exc.BadPayload`) with the same messages, ``payload``
and ``date_signed``; the serializer below is a subclass, and a value made by
either one loads in the other. The tests compare both on the same inputs.
What differs is only the cost of each call:

- the signing key is derived once per secret key, not on every call;
- the keyed HMAC state is kept and copied for each message, instead of
  keying a new HMAC every time (``hmac.HMAC.copy``);
- the signature, timestamp and payload are split and decoded in one pass,
  with :mod:`binascii`, instead of through several layers of helpers;
- payloads under :data:`COMPRESS_MIN` bytes are not offered to zlib, which
  cannot make them shorter.

Anything but the serializer's own salt goes through itsdangerous unchanged.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import time
import typing as t
import zlib
from binascii import a2b_base64, b2a_base64
from collections.abc import Sequence

from itsdangerous import (
    BadPayload,
    BadSignature,
    BadTimeSignature,
    SignatureExpired,
    URLSafeTimedSerializer,
)
from itsdangerous.encoding import want_bytes
from itsdangerous.signer import HMACAlgorithm
from itsdangerous.timed import TimestampSigner

#: Payloads shorter than this are never compressed.
COMPRESS_MIN = 128


_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def lazy_sha1(string: bytes = b"") -> t.Any:
    """``hashlib.sha1``, looked up when called rather than at import, so a
    FIPS build without SHA-1 can still import the package (as Flask does)."""
    return hashlib.sha1(string)


def b64encode(data: bytes) -> bytes:
    return b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def b64decode(data: bytes) -> bytes:
    """URL-safe base64 without padding; raises :exc:`binascii.Error`."""
    return a2b_base64(data.translate(_FROM_URLSAFE) + b"=" * (-len(data) % 4))


def peek_timestamp(value: str) -> int | None:
    """The unverified issue time of a signed value, or ``None``. Trust
    nothing in it: it only decides whether verifying is worth it."""
    stamp = value.rpartition(".")[0].rpartition(".")[2]
    if not 0 < len(stamp) <= 8:
        return None
    try:
        return int.from_bytes(b64decode(stamp.encode("ascii")), "big")
    except (ValueError, UnicodeEncodeError):
        return None


class KeyedHMAC(HMACAlgorithm):
    """itsdangerous' HMAC algorithm, keeping one keyed HMAC per key and
    copying it for each message."""

    def __init__(self, digest_method: t.Any = None) -> None:
        super().__init__(digest_method)
        self._keyed: dict[bytes, hmac.HMAC] = {}

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        keyed = self._keyed.get(key)
        if keyed is None:
            # hmac's C implementation takes hashlib's own constructor, not a
            # wrapper: resolve the lazy one here, on first use.
            digest = hashlib.sha1 if self.digest_method is lazy_sha1 else None
            keyed = self._keyed[key] = hmac.new(
                key, digestmod=digest or self.digest_method
            )
        mac = keyed.copy()
        mac.update(value)
        return mac.digest()


class CachingSigner(TimestampSigner):
    """A timestamp signer whose derived keys are computed once."""

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        secret = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        cache: dict[bytes, bytes] = self.__dict__.setdefault("_derived", {})
        key = cache.get(secret)
        if key is None:
            key = cache[secret] = super().derive_key(secret)
        return key


class SessionSerializer(URLSafeTimedSerializer):
    """A ``URLSafeTimedSerializer`` with one reusable signer.

    :param secret_keys: Oldest first; the last one signs.
    :param salt: The salt.
    :param serializer: Has ``dumps(obj) -> str`` and ``loads(str)``.
    :param key_derivation: itsdangerous' key derivation name.
    :param digest_method: The hash constructor, such as ``hashlib.sha1``.
    """

    default_signer = CachingSigner

    def __init__(
        self,
        secret_keys: Sequence[str | bytes],
        salt: str,
        serializer: t.Any,
        key_derivation: str,
        digest_method: t.Any,
    ) -> None:
        super().__init__(
            [want_bytes(key) for key in secret_keys],
            salt=salt,
            serializer=serializer,
            signer_kwargs={
                "key_derivation": key_derivation,
                "digest_method": digest_method,
                "algorithm": KeyedHMAC(digest_method),
            },
        )
        self._signer = t.cast(CachingSigner, super().make_signer())
        # Newest first, the order itsdangerous tries them in.
        self._keys = [self._signer.derive_key(k) for k in reversed(self.secret_keys)]

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        if salt is None or want_bytes(salt) == want_bytes(self.salt or b""):
            return self._signer
        return t.cast(TimestampSigner, super().make_signer(salt))

    def dumps(self, obj: t.Any, salt: str | bytes | None = None) -> str:
        if salt is not None:
            return super().dumps(obj, salt)
        data = self.serializer.dumps(obj).encode("utf-8")
        prefix = b""
        if len(data) >= COMPRESS_MIN:
            compressed = zlib.compress(data)
            if len(compressed) < len(data) - 1:
                data, prefix = compressed, b"."
        stamp = int(time.time())
        value = b"%s%s.%s" % (
            prefix,
            b64encode(data),
            b64encode(stamp.to_bytes((stamp.bit_length() + 7) // 8, "big")),
        )
        signature = self._signer.algorithm.get_signature(self._keys[0], value)
        return (value + b"." + b64encode(signature)).decode("ascii")

    def loads(  # type: ignore[override]
        self,
        s: str | bytes,
        max_age: int | None = None,
        return_timestamp: bool = False,
        salt: str | bytes | None = None,
    ) -> t.Any:
        if salt is not None:
            return super().loads(s, max_age, return_timestamp, salt)
        payload, stamp, _ = self.unsign(s, max_age)
        data = self.load_payload(payload)
        if return_timestamp:
            return data, self._signer.timestamp_to_datetime(stamp)
        return data

    def unsign(
        self, s: str | bytes, max_age: int | None = None, leeway: int = 0
    ) -> tuple[bytes, int, int]:
        """``TimestampSigner.unsign`` in one pass, with itsdangerous'
        exceptions: the payload, the timestamp as an int, and which key
        verified it, counted newest first (0 is the key that signs). A
        signature dated up to *leeway* seconds ahead counts as made now;
        further ahead raises itsdangerous' ``SignatureExpired``, whose
        ``date_signed`` then lies in the future."""
        signed = s.encode("utf-8") if isinstance(s, str) else s
        value, sep, encoded_signature = signed.rpartition(b".")
        if not sep:
            raise BadSignature("No b'.' found in value")
        position = -1  # of the key that verified it; -1 for none
        try:
            signature = b64decode(encoded_signature)
        except ValueError:
            pass
        else:
            sign = self._signer.algorithm.get_signature
            for index, key in enumerate(self._keys):
                if hmac.compare_digest(signature, sign(key, value)):
                    position = index
                    break
        valid = position >= 0
        if not valid and b"." not in value:
            raise BadSignature(
                f"Signature {encoded_signature!r} does not match", payload=value
            )
        payload, sep, encoded_stamp = value.rpartition(b".")
        if not sep:
            raise BadTimeSignature("timestamp missing", payload=value)
        try:
            stamp: int | None = int.from_bytes(b64decode(encoded_stamp), "big")
        except ValueError:
            stamp = None
        if not valid:
            date_signed = None
            if stamp is not None:
                try:
                    date_signed = self._signer.timestamp_to_datetime(stamp)
                except (ValueError, OSError, OverflowError) as e:
                    raise BadTimeSignature(
                        "Malformed timestamp", payload=payload
                    ) from e
            raise BadTimeSignature(
                f"Signature {encoded_signature!r} does not match",
                payload=payload,
                date_signed=date_signed,
            )
        if stamp is None:
            raise BadTimeSignature("Malformed timestamp", payload=payload)
        if max_age is not None:
            now = int(time.time())
            age = now - stamp
            if age < 0:
                if -age > leeway:
                    raise SignatureExpired(
                        f"Signature age {age} < {-leeway} seconds",
                        payload=payload,
                        date_signed=self._signer.timestamp_to_datetime(stamp),
                    )
                stamp = now
            elif age > max_age:
                raise SignatureExpired(
                    f"Signature age {age} > {max_age} seconds",
                    payload=payload,
                    date_signed=self._signer.timestamp_to_datetime(stamp),
                )
        return payload, stamp, position

    def load_payload(
        self, payload: bytes, *args: t.Any, serializer: t.Any = None, **kwargs: t.Any
    ) -> t.Any:
        if serializer is not None or args or kwargs:
            return super().load_payload(payload, *args, serializer=serializer, **kwargs)
        compressed = payload[:1] == b"."
        try:
            data = b64decode(payload[1:] if compressed else payload)
        except ValueError as e:
            raise BadPayload(
                "Could not base64 decode the payload because of an exception",
                original_error=e,
            ) from e
        if compressed:
            try:
                data = zlib.decompress(data)
            except Exception as e:
                raise BadPayload(
                    "Could not zlib decompress the payload before decoding the payload",
                    original_error=e,
                ) from e
        try:
            return self.serializer.loads(data.decode("utf-8"))
        except Exception as e:
            raise BadPayload(
                "Could not load the payload because an exception occurred on"
                " unserializing the data.",
                original_error=e,
            ) from e


#: ``match_cookie_value(value)``: a match when *value* holds only the
#: characters URL-safe base64 and itsdangerous write (for hot paths, which
#: skip the call :func:`is_cookie_value` adds).
match_cookie_value = re.compile(r"[A-Za-z0-9_\-.]+").fullmatch


def is_cookie_value(value: str) -> bool:
    """Whether *value* holds only the characters URL-safe base64 and
    itsdangerous write. Other characters are refused before any decoding:
    base64 decoders skip them, so a changed cookie could still open.

    .. versionadded:: 0.2
    """
    return match_cookie_value(value) is not None


def is_signed_value(value: str) -> bool:
    """Whether *value* has the shape of a signed session value: only the
    characters of :func:`~cookiesession.sessions.is_cookie_value`, and a
    payload, a timestamp and a signature (two dots at least). The one
    definition the interfaces and ``cookiesession decode`` share.

    .. versionadded:: 0.3
    """
    return match_cookie_value(value) is not None and value.count(".") >= 2


@functools.lru_cache(maxsize=64)
def signing_serializer(
    keys: tuple[str | bytes, ...],
    salt: str,
    serializer: t.Any,
    key_derivation: str,
    digest_method: t.Any,
) -> SessionSerializer:
    """The :class:`SessionSerializer` of *keys* (oldest first) and the
    other parameters, built once: the derived keys and HMAC states are
    kept inside it."""
    return SessionSerializer(keys, salt, serializer, key_derivation, digest_method)
