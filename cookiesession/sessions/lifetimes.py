"""Time limits, revocation and events: the rules every session interface
(signed, encrypted, Redis) applies to a session it has authenticated.

All times are whole seconds since the epoch, read from signed (or sealed,
or stored) data only.
"""

from __future__ import annotations

import logging
import time
import typing as t
from collections.abc import Callable, Mapping

from ..settings import durations_in_seconds

__all__ = [
    "EventHook",
    "Validator",
    "check_limits",
    "old_enough",
    "refresh_due",
    "report",
]

#: ``event_hook(event, details)``: told of every outcome worth counting.
EventHook = Callable[[str, dict[str, t.Any]], object]
#: ``validator(data) -> bool``: False ends the session (revocation).
Validator = Callable[[Mapping[str, t.Any]], bool]

logger = logging.getLogger("cookiesession")
events = logging.getLogger("cookiesession.events")

#: The key of the creation time in the session data.
CREATED = "_created"


def report(hook: EventHook | None, event: str, **details: t.Any) -> None:
    """Log *event* at DEBUG to ``cookiesession.events`` and tell *hook*.
    Details never hold a cookie, a session value or a key; a hook that
    raises is logged and ignored."""
    if events.isEnabledFor(logging.DEBUG):
        events.debug("%s %s", event, details)
    if hook is not None:
        try:
            hook(event, details)
        except Exception:
            logger.exception("The session event hook raised on %r; ignored.", event)


def seconds(config: Mapping[str, t.Any]) -> Mapping[str, float | None]:
    """The durations of *config* in seconds (``None`` when off): computed
    once by :func:`~cookiesession.validate_config`, or now for a plain
    mapping."""
    durations: Mapping[str, float | None] | None = getattr(config, "seconds", None)
    return durations_in_seconds(config) if durations is None else durations


def check_limits(
    config: Mapping[str, t.Any], data: dict[str, t.Any], issued: int, now: int
) -> tuple[str, str] | None:
    """``("expired", reason)`` or ``("invalid", "payload")`` when the
    session must end, else ``None``. *issued* is when its cookie was issued
    (its signature time); PERMANENT_SESSION_LIFETIME is checked by the
    signature's ``max_age`` already.

    A session without ``"_created"`` (made by Flask, or before an absolute
    timeout was set) counts from *issued*, and gets ``"_created"`` in
    *data* (not marked modified: it is written with the next write).
    """
    durations = seconds(config)
    idle = durations["SESSION_IDLE_TIMEOUT"]
    if idle is not None and now - issued > idle:
        return ("expired", "idle")
    absolute = durations["SESSION_ABSOLUTE_TIMEOUT"]
    if absolute is not None:
        created = data.get(CREATED)
        if created is None:
            created = data[CREATED] = issued
        elif type(created) is not int or created > now + leeway(config):
            return ("invalid", "payload")
        if now - created > absolute:
            return ("expired", "absolute")
    return None


def leeway(config: Mapping[str, t.Any]) -> int:
    """How far ahead of this clock, in whole seconds, a stamp may be and
    still count as now (``SESSION_CLOCK_LEEWAY``)."""
    return int(seconds(config).get("SESSION_CLOCK_LEEWAY") or 0)


def validate(validator: Validator | None, data: Mapping[str, t.Any]) -> bool | str:
    """Run the application's validator: its answer, or the class name of
    what it raised (logged): not a revocation, since the cookie is kept."""
    if validator is None:
        return True
    try:
        return bool(validator(data))
    except Exception as e:
        logger.exception(
            "The session validator raised; this request's session is empty"
            " and its cookie is kept."
        )
        return type(e).__name__


def refreshes_untouched(config: Mapping[str, t.Any]) -> bool:
    """Whether a request that never used its session may still refresh a
    permanent one: with SESSION_REFRESH_EACH_REQUEST, and only without an
    idle timeout (a request that never touches the session, an image or a
    health check, is no activity)."""
    return bool(config["SESSION_REFRESH_EACH_REQUEST"]) and (
        config.get("SESSION_IDLE_TIMEOUT") is None
    )


def refresh_due(
    config: Mapping[str, t.Any], issued: int | None, permanent: bool, used: bool
) -> bool:
    """Whether an unmodified session's cookie must be re-issued: a
    permanent session with SESSION_REFRESH_EACH_REQUEST, or a used one under
    an idle timeout; never while the cookie is younger than
    SESSION_REFRESH_AFTER."""
    if not (
        (permanent and config["SESSION_REFRESH_EACH_REQUEST"])
        or (used and config["SESSION_IDLE_TIMEOUT"] is not None)
    ):
        return False
    return old_enough(config, issued)


def old_enough(config: Mapping[str, t.Any], issued: int | None) -> bool:
    """Whether a cookie issued at *issued* (``None``: unknown) may be
    re-issued: always, unless SESSION_REFRESH_AFTER says it is too young
    (re-issued only once strictly older than that)."""
    after = seconds(config)["SESSION_REFRESH_AFTER"]
    return after is None or issued is None or time.time() - issued > after


def created_now(config: Mapping[str, t.Any], data: Mapping[str, t.Any]) -> bool:
    """Whether a write must add ``"_created"``: only with an absolute
    timeout, so cookies stay Flask's bytes when it is off."""
    return config.get("SESSION_ABSOLUTE_TIMEOUT") is not None and CREATED not in data


def make_permanent(config: Mapping[str, t.Any], session: t.Any) -> None:
    """With ``SESSION_PERMANENT``, make a new session permanent as it is
    first saved (unless the application chose otherwise)."""
    if config.get("SESSION_PERMANENT") and "_permanent" not in session.data:
        session.permanent = True
