"""Flash messages for any framework, with Flask's semantics and layout.

Messages live in the session under ``"_flashes"`` as a list of
``(category, message)`` pairs, as Flask keeps them, so a message flashed by
a Flask, Pyramid, Bottle or bare WSGI app sharing the cookie is shown by
any of the others::

    from cookiesession import flash, get_flashed_messages

    flash(session, "Saved.")
    flash(session, "Disk almost full.", "warning")
    ...
    get_flashed_messages(session)  # ['Saved.', 'Disk almost full.']
"""

from __future__ import annotations

import typing as t
import warnings
from collections.abc import Iterable

from .sessions import Session, request_cache, session_json_serializer

__all__ = [
    "MAX_FLASHES",
    "MAX_FLASH_BYTES",
    "add_flash",
    "flash",
    "flashes",
    "get_flashed_messages",
    "take_flashes",
]

_KEY = "_flashes"
#: At most this many unread messages are kept; the oldest go first.
MAX_FLASHES = 100
#: At most this many bytes of serialised unread messages are kept, so a
#: page that flashes and never shows them cannot push the cookie past the
#: browser's limit.
MAX_FLASH_BYTES = 3 * 1024


def flash(session: Session, message: t.Any, category: str = "message") -> None:
    """Add *message* for the next page that shows flashed messages.

    :param session: The session, of any interface.
    :param message: The message; anything the session can store.
    :param category: Flask's category (Pyramid's queue); ``"message"`` by
        default.

    .. versionadded:: 0.2
    """
    add_flash(session, message, category)


def flashes(session: Session) -> list[tuple[str, t.Any]]:
    """The ``(category, message)`` pairs waiting in *session*, left in
    place.

    .. versionadded:: 0.3
    """
    stored = session.get(_KEY)
    if not isinstance(stored, list):
        return []
    return [(item[0], item[1]) for item in stored if _is_pair(item)]


def add_flash(
    session: Session,
    message: t.Any,
    category: str = "message",
    *,
    allow_duplicate: bool = True,
) -> None:
    """Add *message* under *category*: :func:`~cookiesession.flash`, and
    Pyramid's ``session.flash()`` (*allow_duplicate* false leaves a message already
    waiting in that category alone).

    .. versionadded:: 0.3
    """
    waiting = flashes(session)
    entry = (category, message)
    if not allow_duplicate and entry in waiting:
        return
    kept = [*waiting, entry]
    dropped = max(0, len(kept) - MAX_FLASHES)
    kept = kept[dropped:]
    while len(kept) > 1 and _size(kept) > MAX_FLASH_BYTES:
        kept.pop(0)
        dropped += 1
    if dropped:
        warnings.warn(
            f"{dropped} unread flash message(s) dropped, the oldest: at most"
            f" {MAX_FLASHES} messages and {MAX_FLASH_BYTES} bytes are kept"
            " until a page shows them.",
            UserWarning,
            stacklevel=3,
        )
    session[_KEY] = kept


def _size(messages: list[tuple[str, t.Any]]) -> int:
    try:
        return len(session_json_serializer.dumps(messages).encode())
    except (TypeError, ValueError):
        return len(repr(messages).encode())


def take_flashes(session: Session, category: str) -> list[t.Any]:
    """The messages of one *category*, removed from *session* (Pyramid's
    ``pop_flash``); the other categories stay.

    .. versionadded:: 0.3
    """
    waiting = flashes(session)
    taken = [message for kind, message in waiting if kind == category]
    if taken:
        rest = [item for item in waiting if item[0] != category]
        if rest:
            session[_KEY] = rest
        else:
            del session[_KEY]
    return taken


def get_flashed_messages(
    session: Session,
    with_categories: bool = False,
    category_filter: Iterable[str] = (),
) -> list[t.Any]:
    """The flashed messages, taken out of the session.

    The first call in a request removes them all from the session; later
    calls in the same request return the same messages. As in Flask, a
    *category_filter* selects what is returned, but every message is
    removed, the other categories included.

    :param session: The session, of any interface.
    :param with_categories: Return ``(category, message)`` pairs.
    :param category_filter: Only these categories.

    .. versionadded:: 0.2
    """
    cache = request_cache(session)
    flashes: list[tuple[str, t.Any]] | None = cache.get(_KEY)
    if flashes is None:
        stored = session.pop(_KEY) if _KEY in session else []
        flashes = [tuple(item) for item in stored if _is_pair(item)]
        cache[_KEY] = flashes
    if category_filter:
        wanted = set(category_filter)
        flashes = [item for item in flashes if item[0] in wanted]
    if with_categories:
        return list(flashes)
    return [message for _, message in flashes]


def _is_pair(item: object) -> bool:
    return isinstance(item, (list, tuple)) and len(item) == 2
