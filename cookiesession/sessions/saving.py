"""What every interface's save shares: turning the session into text (a
value that cannot be stored is named by its key) and the size guard."""

from __future__ import annotations

import logging
import typing as t
import warnings
from collections.abc import Mapping

from ..settings import warn
from ..wire.cookies import add_vary_cookie

if t.TYPE_CHECKING:
    from ..wire.cookies import ResponseLike
    from .interface import SessionInterface
    from .outcomes import AppLike

__all__ = ["check_cookie_size", "dumps_session", "refuse_unsaved", "unstorable_error"]

logger = logging.getLogger("cookiesession")


def dumps_session(serializer: t.Any, data: Mapping[str, t.Any]) -> str:
    """``serializer.dumps(data)``; a value that cannot be stored raises a
    :exc:`TypeError` naming its key.

    .. versionadded:: 0.2
    """
    try:
        value: str = serializer.dumps(data if type(data) is dict else dict(data))
        return value
    except (TypeError, ValueError, RecursionError) as e:
        raise unstorable_error(
            getattr(serializer, "serializer", serializer), data
        ) from e


def unstorable_error(serializer: t.Any, data: Mapping[str, t.Any]) -> Exception:
    """The :exc:`TypeError` naming the first value *serializer* cannot
    store: one message for every interface.

    .. versionadded:: 0.3
    """
    for key, value in data.items():
        try:
            serializer.dumps({key: value})
        except (TypeError, ValueError, RecursionError) as inner:
            problem = (
                "it is nested too deeply"
                if isinstance(inner, RecursionError)
                else f"{type(value).__name__} is not JSON serializable"
            )
            return TypeError(
                f"The session value for {key!r} cannot be stored: {problem}."
                " Store str, int, float, bool, None, list, dict, tuple, bytes,"
                " datetime or UUID values."
            )
    return TypeError("The session cannot be stored.")


def check_cookie_size(
    interface: SessionInterface, app: AppLike, name: str, response: ResponseLike
) -> None:
    """Warn, log and report ``oversize`` when the ``Set-Cookie`` header just
    added is over ``MAX_COOKIE_SIZE``.

    .. versionadded:: 0.2
    """
    limit = app.config["MAX_COOKIE_SIZE"]
    header = response.headerlist[-1][1]
    size = len(header) if header.isascii() else len(header.encode())
    if limit and size > limit:
        message = (
            f"The session cookie {name!r} is {size} bytes, over the {limit}-byte"
            " limit (MAX_COOKIE_SIZE): browsers may ignore it. Store less in"
            " the session."
        )
        logger.warning(message)
        interface.report("oversize", size=size, limit=limit)
        warn(message)


def refuse_unsaved(session: t.Any, response: ResponseLike) -> None:
    """Save nothing of a session that must not be saved (its validator
    raised, or its id was just replaced): warn if the application changed
    it, and vary on ``Cookie`` if it was used."""
    if session.modified:
        warnings.warn(
            f"{session.unsaved}, so its session is empty and its changes are"
            " not saved.",
            RuntimeWarning,
            stacklevel=3,
        )
    if session.accessed:
        add_vary_cookie(response)
