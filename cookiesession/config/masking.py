"""Telling secret keys apart, and showing their values masked."""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

__all__ = ["is_secret_key", "mask_value"]

_SECRET_MARKERS = ("SECRET", "PASSWORD", "TOKEN", "PRIVATE", "CREDENTIAL")
_MASK = "'***'"
_ABSENT: t.Any = object()


def is_secret_key(key: object) -> bool:
    """Whether a configuration key looks like it holds a secret.

    :param key: The key; anything that is not a string is not secret.

    .. versionadded:: 0.1
    """
    if not isinstance(key, str):
        return False
    upper = key.upper()
    return any(marker in upper for marker in _SECRET_MARKERS)


def _is_empty(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, (str, bytes, list, tuple, dict)) and not value


def mask_value(key: object, value: object) -> str:
    """The ``repr`` of *value*, with secrets replaced by ``'***'``.

    The value of a secret-looking *key* is masked whole (``None`` and empty
    values stay visible, since they say "not set"); inside dicts, lists and tuples, the
    values of secret-looking keys are masked at every depth.

    :param key: The key the value is stored under.
    :param value: The value to show.

    .. versionadded:: 0.1
    """
    if is_secret_key(key) and not _is_empty(value):
        return _MASK
    if isinstance(value, Mapping):
        items = ", ".join(f"{k!r}: {mask_value(k, v)}" for k, v in value.items())
        return f"{{{items}}}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(mask_value(None, v) for v in value)
        if isinstance(value, tuple):
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        return f"[{inner}]"
    return repr(value)
