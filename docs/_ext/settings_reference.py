"""The ``settings-reference`` directive: one table of every session
setting, built from ``DEFAULT_CONFIG`` (the keys and defaults) and from
``validate_config`` itself (what each key accepts: the sentence its error
message gives), so the page cannot drift from the code. What each key means
and where it is explained live here; a key without them fails the build."""

from __future__ import annotations

from datetime import timedelta

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from cookiesession import InvalidSetting, validate_config
from cookiesession.settings import DEFAULT_CONFIG

#: key -> (what it does, the page that explains it)
MEANING = {
    "SECRET_KEY": (
        "Signs every cookie (and seals encrypted ones); unset or"
        " empty disables sessions.",
        "deployment",
    ),
    "SECRET_KEY_FALLBACKS": (
        "Old keys still accepted, oldest first: key rotation.",
        "deployment",
    ),
    "APPLICATION_ROOT": (
        "The cookie's path when SESSION_COOKIE_PATH is unset.",
        "sessions",
    ),
    "SESSION_COOKIE_NAME": ("The cookie's name.", "sessions"),
    "SESSION_COOKIE_DOMAIN": (
        "The cookie's Domain; None for a host-only cookie. A leading dot is dropped.",
        "sessions",
    ),
    "SESSION_COOKIE_PATH": ("The cookie's Path.", "sessions"),
    "SESSION_COOKIE_HTTPONLY": (
        "HttpOnly: scripts cannot read the cookie.",
        "security",
    ),
    "SESSION_COOKIE_SECURE": ("Secure: HTTPS only. Set it in production.", "security"),
    "SESSION_COOKIE_SAMESITE": ("SameSite.", "security"),
    "SESSION_COOKIE_PARTITIONED": (
        "Partitioned (CHIPS), for cookies in third-party frames.",
        "security",
    ),
    "PERMANENT_SESSION_LIFETIME": (
        "How long a permanent session's cookie"
        " lasts, and the oldest signature"
        " accepted.",
        "lifetimes",
    ),
    "SESSION_REFRESH_EACH_REQUEST": (
        "Re-issue a permanent session's cookie on every request (a sliding expiry).",
        "lifetimes",
    ),
    "MAX_COOKIE_SIZE": (
        "Warn when a Set-Cookie grows past this many bytes; 0 turns the check off.",
        "sessions",
    ),
    "SESSION_IDLE_TIMEOUT": (
        "End a session unused for this long; None is off.",
        "lifetimes",
    ),
    "SESSION_ABSOLUTE_TIMEOUT": (
        "End a session this long after its login, however active; None is off.",
        "lifetimes",
    ),
    "SESSION_REFRESH_AFTER": (
        "Re-issue an unchanged cookie only once it is"
        " this old; None re-issues every time.",
        "lifetimes",
    ),
    "SESSION_CLOCK_LEEWAY": (
        "How far ahead of this server's clock a stamp"
        " may be (another server's) and count as"
        " now.",
        "lifetimes",
    ),
    "SESSION_PERMANENT": ("New sessions start permanent.", "lifetimes"),
}

# Values no setting accepts: their error messages say what is accepted.
_PROBES = ("?;", -1)


def accepted(key: str) -> str:
    """What *key* accepts, in the validator's own words."""
    sentences: list[str] = []
    for probe in _PROBES:
        try:
            validate_config({"SECRET_KEY": "k", key: probe})
        except InvalidSetting as e:
            sentence = e.expected.removeprefix("Expected ")
            if sentence not in sentences:
                sentences.append(sentence)
    if not sentences:
        raise ExtensionError(f"No probe is refused for {key}: add one.")
    return " ".join(s[0].upper() + s[1:] for s in sentences)


def shown(value: object) -> str:
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
            if seconds % size == 0 and seconds >= size:
                return f"{seconds // size} {unit}"
        return f"{seconds} seconds"
    return f"``{value!r}``"


class SettingsReference(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        keys, explained = list(DEFAULT_CONFIG), set(MEANING)
        if set(keys) != explained:
            raise ExtensionError(
                "settings-reference: keys without a meaning:"
                f" {sorted(set(keys) - explained)}; meanings of no key:"
                f" {sorted(explained - set(keys))}"
            )
        lines = [".. list-table::", "    :header-rows: 1", "    :widths: 22 12 36 30"]
        lines += ["", "    * - Key", "      - Default", "      - Accepted"]
        lines += ["      - What it does"]
        for key in keys:
            meaning, page = MEANING[key]
            lines += [
                f"    * - ``{key}``",
                f"      - {shown(DEFAULT_CONFIG[key])}",
                f"      - {escape(accepted(key))}",
                f"      - {escape(meaning)} (:doc:`/{page}`)",
            ]
        container = nodes.container()
        source = StringList(lines, source="settings-reference")
        self.state.nested_parse(source, 0, container)
        return container.children


def escape(text: str) -> str:
    """Plain text inside reST: the backslash, backquote, star, pipe and
    underscore read literally."""
    for char in "\\`*|_":
        text = text.replace(char, "\\" + char)
    return text


def setup(app: object) -> dict[str, object]:
    app.add_directive("settings-reference", SettingsReference)  # type: ignore[attr-defined]
    return {"parallel_read_safe": True}
