"""Counting session events: with a plain dict, and with prometheus_client
when it is installed (it is an example, not a dependency)."""

from collections import Counter

from cookiesession import SecureCookieSessionInterface

counts: Counter[str] = Counter()


def count(event, details):
    """event_hook: 'expired:idle', 'invalid:signature', 'reissued', ..."""
    reason = details.get("reason")
    counts[f"{event}:{reason}" if reason else event] += 1


interface = SecureCookieSessionInterface(event_hook=count)


def prometheus_hook():
    """The same with a labelled prometheus_client counter."""
    from prometheus_client import Counter as PromCounter

    events = PromCounter(
        "cookiesession_events_total", "Session events", ["event", "reason"]
    )

    def hook(event, details):
        events.labels(event=event, reason=details.get("reason", "")).inc()

    return hook
