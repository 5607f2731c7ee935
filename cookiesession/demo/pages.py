"""The demo's HTML: one page template and the sections it is made of.
Every value shown is escaped here; nothing here touches the session."""

from __future__ import annotations

import html
import json
import time
import typing as t
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone

__all__ = ["MAX_TEXT", "THEMES", "clock_time", "devices_table", "duration", "page"]

THEMES = {"light": ("#ffffff", "#1d1d1f"), "dark": ("#1d1d1f", "#f2f2f2")}
#: The longest name or cart item accepted.
MAX_TEXT = 40

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cookiesession demo</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; background: {bg}; color: {fg}; }}
section {{ border: 1px solid #8886; border-radius: .5rem; padding: .5rem 1rem;
          margin: 1rem 0; }}
.pair {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr));
        gap: 1rem; }}
pre {{ background: #8882; padding: .5rem; overflow-x: auto; white-space: pre-wrap;
      word-break: break-all; }}
form {{ display: inline; }}
.error {{ color: #c0392b; }}
.flash {{ background: #2e86de22; border-left: 4px solid #2e86de;
          padding: .25rem .75rem; }}
td, th {{ padding: .25rem .75rem; text-align: left; }}
</style>
</head>
<body>
<h1>cookiesession demo</h1>
<nav><a href="/">Home</a>{devices_link}</nav>
{flashes}
{error}
{body}
</body>
</html>
"""


def page(
    body: str,
    *,
    theme: str = "light",
    flashes: Iterable[str] = (),
    error: str = "",
    devices_link: bool = False,
) -> str:
    """The whole page around *body* (HTML already escaped)."""
    bg, fg = THEMES.get(theme, THEMES["light"])
    shown = "".join(f'<p class="flash">{html.escape(m)}</p>' for m in flashes)
    return _PAGE.format(
        bg=bg,
        fg=fg,
        devices_link=' · <a href="/devices">Your devices</a>' if devices_link else "",
        flashes=f'<div id="flashes">{shown}</div>' if shown else "",
        error=f'<p class="error" id="error">{html.escape(error)}</p>' if error else "",
        body=body,
    )


def hidden_token(token: str) -> str:
    """The CSRF field every form carries."""
    return f'<input type="hidden" name="csrf_token" value="{html.escape(token)}">'


def account(user: str | None, permanent: bool, token: str) -> str:
    if user is None:
        return (
            f'<form method="post" action="/login">{hidden_token(token)}'
            f'<label>Name <input name="name" maxlength="{MAX_TEXT}" required>'
            "</label> "
            '<label><input type="checkbox" name="remember" value="1">'
            " Remember me</label> <button>Log in</button></form>"
        )
    kind = "remembered for 31 days" if permanent else "until the browser closes"
    return (
        f'<p>Logged in as <strong id="user">{html.escape(user)}</strong>'
        f" ({kind}).</p>"
        f'<form method="post" action="/logout">{hidden_token(token)}'
        "<button>Log out</button></form>"
    )


def cart(items: list[str], token: str) -> str:
    if items:
        rows = "".join(f"<li>{html.escape(item)}</li>" for item in items)
        shown = f'<ul id="cart">{rows}</ul>'
    else:
        shown = "<p>The cart is empty.</p>"
    return (
        f'{shown}<form method="post" action="/cart">{hidden_token(token)}'
        f'<label>Item <input name="item" maxlength="{MAX_TEXT}" required></label>'
        " <button>Add to cart</button></form>"
    )


def theme_form(theme: str, token: str) -> str:
    checked = {name: " checked" if name == theme else "" for name in THEMES}
    return (
        f'<form method="post" action="/theme">{hidden_token(token)}'
        f'<label><input type="radio" name="theme" value="light"{checked["light"]}>'
        " Light</label> "
        f'<label><input type="radio" name="theme" value="dark"{checked["dark"]}>'
        " Dark</label> <button>Save theme</button></form>"
        "<p>Every form here carries the session's CSRF token; a post without it"
        " gets <code>403 Forbidden</code>. Try <code>curl -d theme=dark"
        " http://HOST/theme</code>.</p>"
    )


def section(title: str, body: str, id: str = "") -> str:
    ident = f' id="{id}"' if id else ""
    return f"<section{ident}><h2>{html.escape(title)}</h2>{body}</section>"


def contents(data: Mapping[str, t.Any]) -> str:
    return html.escape(json.dumps(dict(data), indent=2, sort_keys=True))


def clock_time(stamp: float) -> str:
    """*stamp* (seconds since the epoch) as a UTC time of day."""
    return datetime.fromtimestamp(stamp, timezone.utc).strftime("%H:%M:%S UTC")


def duration(seconds: float) -> str:
    """A short human duration: ``"1 h 5 min"``, ``"42 s"``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def timeouts(
    idle: timedelta | None, absolute: timedelta | None, created: int | None
) -> str:
    """The session's limits, and how long each leaves, from now."""
    now = time.time()
    if idle is None and absolute is None:
        return (
            '<p id="no-timeouts">No timeouts are set: the session lasts until the'
            " browser closes (or 31 days, remembered). Run <code>cookiesession demo"
            " --idle 2m --absolute 10m</code> to watch one end.</p>"
        )
    rows = []
    if idle is not None:
        left = idle.total_seconds()
        rows.append(
            f'<li id="idle">Idle timeout: {duration(left)}. Each request that uses'
            " the session restarts it; left alone, this session ends at"
            f" {clock_time(now + left)}.</li>"
        )
    if absolute is not None:
        start = now if created is None else created
        end = start + absolute.total_seconds()
        rows.append(
            f'<li id="absolute">Absolute timeout: {duration(absolute.total_seconds())}'
            f" from the first saved change. It ends at {clock_time(end)} however"
            f" active you are: <strong>{duration(end - now)} left</strong>.</li>"
        )
    return f'<ul id="timeouts">{"".join(rows)}</ul>'


def devices_table(sessions: list[dict[str, t.Any]], token: str) -> str:
    """The device list, with a sign-out button on every other device."""
    now = time.time()
    rows = []
    for entry in sessions:
        if entry["current"]:
            action = "<strong>this device</strong>"
        else:
            handle = html.escape(entry["handle"])
            action = (
                f'<form method="post" action="/devices/revoke">{hidden_token(token)}'
                f'<input type="hidden" name="handle" value="{handle}">'
                "<button>Sign out that device</button></form>"
            )
        rows.append(
            f"<tr><td>{html.escape(str(entry['device'] or 'unknown'))}</td>"
            f"<td>{clock_time(entry['created'])}</td>"
            f"<td>{duration(now - entry['last_used'])} ago</td><td>{action}</td></tr>"
        )
    others = (
        f'<form method="post" action="/devices/others">{hidden_token(token)}'
        "<button>Sign out everywhere else</button></form>"
        if len(sessions) > 1
        else "<p>Log in from another browser to see it here.</p>"
    )
    return (
        '<table id="devices"><tr><th>Device</th><th>Signed in</th>'
        f"<th>Last used</th><th></th></tr>{''.join(rows)}</table>{others}"
    )
