"""SQL sessions, side by side: one Flask app with ``CookieSession`` on
cookiesession's SQL store and with Flask-Session's SQLAlchemy interface, on
the same SQLite file (and the same PostgreSQL server with ``--postgres``).
Cost per request over the same Flask app without sessions (µs; the best of
a few blocks, the bare app timed beside each cell), in shuffled rounds,
with the SQL statements of one request, in one run.

    python benchmarks/bench_sql.py [--iterations N] [--repeat N]
                                   [--postgres postgresql+psycopg://...]

Scenarios: ``untouched``, ``read``, ``write`` and ``new``, as in
bench_flask.py. Sessions are not permanent. Needs Flask-Session and
Flask-SQLAlchemy (the benchmarks dependency group).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import flask
import report
import sqlalchemy as sa
from bench_flask import BLOCKS, flask_app, request
from bench_sessions import session_cookie, timed

from cookiesession.flask import CookieSession
from cookiesession.sql import SqlSessionInterface

SCENARIOS = ("untouched", "read", "write", "new")


class Statements:
    """Counts the statements every engine sends."""

    count = 0

    @classmethod
    def watch(cls, engine: sa.Engine) -> None:
        def count(*args: Any) -> None:
            cls.count += 1

        sa.event.listen(engine, "before_cursor_execute", count)


def setups(databases: dict[str, str]) -> dict[str, Any]:
    from flask_session import Session
    from flask_sqlalchemy import SQLAlchemy

    def ours(url: str) -> Any:
        interface = SqlSessionInterface.from_url(url, table_name="cs_bench")
        interface.metadata.drop_all(interface.engine)
        interface.create_table()
        Statements.watch(interface.engine)
        return lambda app: CookieSession(app, session_interface=interface)

    def theirs(url: str) -> Any:
        def setup(app: flask.Flask) -> None:
            app.config.update(
                SQLALCHEMY_DATABASE_URI=url,
                SESSION_TYPE="sqlalchemy",
                SESSION_PERMANENT=False,
                SESSION_SQLALCHEMY_TABLE="fs_bench",
            )
            db = SQLAlchemy(app)
            app.config["SESSION_SQLALCHEMY"] = db
            Session(app)
            with app.app_context():
                db.drop_all()
                db.create_all()
                Statements.watch(db.engine)

        return setup

    cells = {}
    for label, url in databases.items():
        cells[f"cookiesession {label}"] = ours(url)
        cells[f"Flask-Session {label}"] = theirs(url)
    return cells


def measure(
    iterations: int, repeat: int, databases: dict[str, str]
) -> tuple[dict[Any, list[float]], dict[Any, tuple[int, int]]]:
    with tempfile.TemporaryDirectory() as static:
        bare_app = flask_app(None, static)
        calls: dict[tuple[str, str], Any] = {}
        work: dict[tuple[str, str], tuple[int, int]] = {}
        for name, setup in setups(databases).items():
            app = flask_app(setup, static)
            cookie = session_cookie(request(app, "/login", None), "session")
            assert cookie is not None, name
            for scenario in SCENARIOS:
                sent = None if scenario == "new" else cookie
                path = f"/{scenario}"
                request(app, path, sent)  # a first use ends the probation
                Statements.count = 0
                headers = request(app, path, sent)
                work[name, scenario] = (Statements.count, 0)
                writes = session_cookie(headers, "session") is not None
                assert writes == (scenario in ("write", "new")), (name, scenario)
                calls[name, scenario] = lambda a=app, p=path, c=sent: request(a, p, c)
        bare = lambda: request(bare_app, "/untouched", None)  # noqa: E731
        for operation in [*calls.values(), bare]:
            timed(operation, min(iterations, 100))
        order = [*calls]
        samples: dict[Any, list[float]] = {key: [] for key in order}
        for round_ in range(repeat):
            random.Random(round_).shuffle(order)
            for key in order:
                base = min(timed(bare, iterations) for _ in range(BLOCKS))
                cost = min(timed(calls[key], iterations) for _ in range(BLOCKS))
                samples[key].append(cost - base)
    return samples, work


def rows(iterations: int, repeat: int) -> list[dict[str, Any]]:
    """This benchmark's rows for ``run_all.py`` (on SQLite), as ratios to
    Flask-Session's, with the statements of one request."""
    with tempfile.TemporaryDirectory() as folder:
        databases = {"SQLite": f"sqlite:///{folder}/sessions.db"}
        samples, work = measure(iterations, repeat, databases)
    names = ("Flask-Session SQLite", "cookiesession SQLite")
    out = report.rows("sql", samples, work, names, SCENARIOS)
    for row in out:  # a SQL store counts statements, not HMACs
        row["statements"] = row.pop("hmacs")
        del row["round_trips"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        databases = {"SQLite": f"sqlite:///{folder}/sessions.db"}
        if args.postgres:
            databases["PostgreSQL"] = args.postgres
        samples, work = measure(args.iterations, args.repeat, databases)
    names = tuple(dict.fromkeys(name for name, _ in samples))
    pairs = tuple(
        (f"cookiesession {label}", f"Flask-Session {label}") for label in databases
    )
    report.print_report(
        "the same Flask app without sessions",
        samples,
        work,
        names,
        SCENARIOS,
        pairs,
        counted=("statements", ""),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
