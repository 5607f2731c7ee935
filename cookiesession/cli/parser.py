"""The command line's arguments."""

from __future__ import annotations

import argparse
from importlib.metadata import version

from .commands import run_config, run_demo, run_keygen, run_sessions, run_sign
from .decode import run_decode

__all__ = ["parser"]


def parser() -> argparse.ArgumentParser:
    """The parser of ``cookiesession`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="cookiesession",
        description="Signed-cookie sessions for WSGI apps: demo and tools.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version('cookiesession')}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help: str, keys: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument(
            "--prefix",
            default="FLASK",
            help="read settings from PREFIX_* environment variables (default: FLASK)",
        )
        if keys:
            sub.add_argument(
                "--pyfile", metavar="FILE", help="read settings from a Python file"
            )
            sub.add_argument(
                "--secrets-dir",
                metavar="DIR",
                help="read settings from a Docker/Kubernetes secrets folder",
            )
            _add_files(sub)
            sub.add_argument(
                "--secret-key",
                metavar="KEY",
                help="the key (prefer PREFIX_SECRET_KEY: arguments show in ps)",
            )
        return sub

    demo = add("demo", "Serve the demo app on the standard library's server.", False)
    demo.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    demo.add_argument("--port", type=int, default=8000, help="default: 8000")
    demo.add_argument(
        "--idle", metavar="D", help="an idle timeout, such as 2m (SESSION_IDLE_TIMEOUT)"
    )
    demo.add_argument(
        "--absolute",
        metavar="D",
        help="an absolute timeout, such as 10m (SESSION_ABSOLUTE_TIMEOUT)",
    )
    stores = demo.add_mutually_exclusive_group()
    stores.add_argument(
        "--encrypted",
        action="store_true",
        help="encrypted cookies (needs cookiesession[crypto])",
    )
    stores.add_argument(
        "--redis", metavar="URL", help="keep the sessions in Redis at URL"
    )
    stores.add_argument(
        "--sql",
        metavar="URL",
        help="keep the sessions in the SQL database at URL (sqlite:///demo.db)",
    )
    demo.set_defaults(func=run_demo)

    decode = add("decode", "Verify a session cookie and show its payload.")
    decode.add_argument(
        "cookie",
        nargs="?",
        help="the cookie value, 'name=value', or a whole Cookie header;"
        " read from standard input when omitted or '-'",
    )
    decode.add_argument(
        "--unverified",
        action="store_true",
        help="show the payload without checking the signature",
    )
    decode.add_argument(
        "--encrypted",
        action="store_true",
        help="open an encrypted cookie (EncryptedCookieSessionInterface)",
    )
    decode.set_defaults(func=run_decode)

    sign = add("sign", "Make a session cookie value from a JSON object.")
    sign.add_argument("json", help='the session, e.g. \'{"user": "ann"}\'')
    sign.set_defaults(func=run_sign)

    keygen = commands.add_parser(
        "keygen",
        help="Print a new random secret key.",
        description="Print a new random secret key, as hex.",
    )
    keygen.add_argument(
        "--bytes",
        type=_key_bytes,
        default=32,
        help="bytes of randomness, at least 16 (default: 32)",
    )
    keygen.add_argument(
        "--export",
        action="store_true",
        help="print a shell line: export PREFIX_SECRET_KEY=...",
    )
    keygen.add_argument("--prefix", default="FLASK", help="for --export")
    keygen.set_defaults(func=run_keygen)

    sessions = commands.add_parser(
        "sessions",
        help="List or revoke a user's stored sessions; purge or create the SQL table.",
        description="List or revoke a user's sessions in Redis or SQL (the app"
        " must set user_key=...); purge expired SQL sessions or create the SQL"
        " tables (SQL only: exit status 2 otherwise).",
    )
    sessions.add_argument("action", choices=["list", "revoke", "purge", "create-table"])
    sessions.add_argument(
        "user",
        nargs="?",
        help="for list and revoke: the user's id, as the app stores it",
    )
    store = sessions.add_mutually_exclusive_group(required=True)
    store.add_argument("--redis", metavar="URL", help="the Redis server")
    store.add_argument("--sql", metavar="URL", help="the SQL database (SQLAlchemy URL)")
    store.add_argument(
        "--ini",
        metavar="FILE[#NAME]",
        help="the store of a Pyramid .ini file (cookiesession.redis_url or sql_url)",
    )
    sessions.add_argument(
        "--key-prefix", help="Redis: default the .ini's key_prefix, or session:"
    )
    sessions.add_argument(
        "--table-name",
        help="SQL: default the .ini's table_name, or cookiesession_sessions",
    )
    sessions.add_argument(
        "--limit", type=int, default=1000, help="purge: rows per transaction (1000)"
    )
    sessions.add_argument(
        "--prefix",
        default="FLASK",
        help="with --ini: its env_prefix variables (default: FLASK)",
    )
    sessions.set_defaults(func=run_sessions)

    config = add("config", "Show the session settings and where each came from.")
    config.add_argument(
        "--show-secrets", action="store_true", help="show secret values unmasked"
    )
    config.set_defaults(func=run_config)
    return parser


def _add_files(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--dotenv",
        metavar="FILE",
        help="read PREFIX_* settings from a .env file (needs cookiesession[dotenv])",
    )
    sub.add_argument(
        "--ini",
        metavar="FILE[#NAME]",
        help="read the cookiesession.* settings of a Pyramid .ini file"
        " ([app:NAME], default main)",
    )


def _key_bytes(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 16:
        raise argparse.ArgumentTypeError("must be at least 16")
    return number
