"""A fast smoke test of the benchmark: every implementation passes its
correctness checks in every scenario, and the report is produced. One
iteration each; no timing is asserted."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))

import bench_sessions

pytestmark = pytest.mark.filterwarnings("ignore")  # the peers' own warnings


@pytest.mark.parametrize(
    "impl", [bench_sessions.Floor, *bench_sessions.PEERS], ids=lambda c: c.name
)
def test_checks_pass_for_every_implementation(impl):
    calls = bench_sessions.prepare(impl())
    assert set(calls) == set(bench_sessions.SCENARIOS)


def test_checks_catch_a_broken_implementation():
    class Broken(bench_sessions.CookieSession):
        """Reports the expected value without checking any cookie."""

        name = "broken"

        def app(self, scenario, payload=None):
            app = super().app(scenario, payload)
            if scenario != "read":
                return app

            def lying(environ, start_response):
                self.seen["user"] = "ann"
                return bench_sessions.bare_app(environ, start_response)

            return lying

    with pytest.raises(AssertionError, match="tampered"):
        bench_sessions.prepare(Broken())


def test_report(capsys):
    assert bench_sessions.main(["--iterations", "1", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "| read |" in out
    assert "Targets:" in out
    assert bench_sessions.main(["--iterations", "1", "--repeat", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["session_cost_us"]) == {
        "floor",
        "cookiesession",
        "Flask",
        "Beaker",
        "Pyramid",
        "Bottle",
    }


def test_report_against_a_baseline(tmp_path, capsys):
    """``--baseline`` times another copy of the package in the same run,
    imported under its own name so the two cannot mix."""
    package = Path(bench_sessions.cookiesession.__file__).parent
    shutil.copytree(package, tmp_path / "cookiesession")
    argv = ["--iterations", "1", "--repeat", "1", "--json"]
    assert bench_sessions.main([*argv, "--baseline", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "baseline" in report["session_cost_us"]
    assert set(report["against_baseline"]) == set(bench_sessions.SESSION_SCENARIOS)
    loaded = sys.modules["cookiesession_baseline"]
    assert loaded.__file__ == str(tmp_path / "cookiesession" / "__init__.py")
    assert (
        loaded.SessionMiddleware is not bench_sessions.cookiesession.SessionMiddleware
    )


def test_lifetimes_benchmark_runs(capsys):
    import bench_lifetimes

    assert bench_lifetimes.main(["--iterations", "1", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "| read |" in out
    assert "SESSION_REFRESH_AFTER = 60 s: 16" in out


def test_crypto_benchmark_runs(capsys):
    import bench_crypto

    assert bench_crypto.main(["--iterations", "1", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "| read |" in out
    assert "| encrypted | 2975 | 2975 |" in out


def test_redis_benchmark_runs(capsys, redis_server):
    import bench_redis

    assert bench_redis.main(["--iterations", "1", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "| read | " in out
    assert "1 trip(s)" in out


def test_flask_benchmark_runs(capsys, redis_server):
    """Every cell passes its checks (a cookie exactly for write and new, a
    static file served); the work counted is what the Flask page says."""
    import bench_flask

    assert bench_flask.main(["--iterations", "1", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    rows = {line.split(" | ")[0]: line for line in out.splitlines() if line[:2] == "| "}
    # Flask verifies every cookie, Flask-Session loads every session.
    assert rows["| untouched"].count("0 HMAC, 0 trip(s)") == 3
    assert rows["| static"].count("0 HMAC, 0 trip(s)") == 3
    assert "cookiesession Redis / Flask-Session Redis:" in out


def test_asgi_benchmark_runs(capsys, redis_server):
    """Every cell passes its checks; cookiesession's signed sessions do no
    HMAC untouched, and its Redis store one round trip per valid cookie."""
    import bench_asgi

    assert bench_asgi.main(["--iterations", "1", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    untouched = next(
        line for line in out.splitlines() if line.startswith("| untouched")
    )
    cells = untouched.split(" | ")[1:]
    assert cells[2].endswith("0 HMAC, 0 trip(s)")  # cookiesession signed
    assert cells[5].rstrip(" |").endswith("1 HMAC, 1 trip(s)")  # cookiesession Redis


def test_run_all_writes_one_table_and_one_json(tmp_path, capsys):
    """Every benchmark adds its rows to one Markdown table and one JSON
    file; one iteration each."""
    import run_all

    assert (
        run_all.main(["--iterations", "1", "--repeat", "1", "--out", str(tmp_path)])
        == 0
    )
    data = json.loads((tmp_path / "results.json").read_text())
    benchmarks = {row["benchmark"] for row in data["rows"]}
    expected = {"sessions", "lifetimes", "crypto", "sql"}
    if shutil.which("redis-server"):
        expected |= {"redis", "flask", "asgi"}
    assert benchmarks == expected
    table = (tmp_path / "results.md").read_text()
    assert table.count("\n| ") == len(data["rows"]) + 1  # the header, then a row each
    assert all(set(run_all.COLUMNS) <= set(row) for row in data["rows"])


def test_sql_benchmark_runs(capsys):
    """Every cell passes its checks on SQLite; the statements counted are
    what the SQL page says."""
    import bench_sql

    assert bench_sql.main(["--iterations", "1", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    rows = {line.split(" | ")[0]: line for line in out.splitlines() if line[:2] == "| "}
    assert rows["| untouched"].split(" | ")[1].endswith("0 statements")
    assert rows["| read"].split(" | ")[1].endswith("1 statements")


def test_sql_rows_count_statements():
    import bench_sql

    rows = {
        (row["implementation"], row["scenario"]): row for row in bench_sql.rows(1, 1)
    }
    assert rows["cookiesession SQLite", "untouched"]["statements"] == 0
    assert rows["cookiesession SQLite", "read"]["statements"] == 1
    assert {row["reference"] for row in rows.values()} == {"Flask-Session SQLite"}


def test_the_end_to_end_apps_serve_their_cells():
    """bench_e2e.py's apps (served by gunicorn there) do what each cell
    says: read with the benchmark's cookie, write a cookie."""
    import bench_server
    import e2e_apps
    from webtest import TestApp

    cookie = bench_server.cookie().partition("=")[2]
    for framework in ("cookiesession", "flask"):
        for scenario in ("bare", "read", "write"):
            client = TestApp(getattr(e2e_apps, f"{framework}_{scenario}"))
            client.set_cookie("session", cookie)
            response = client.get("/")
            assert response.text == "ok"
            assert ("Set-Cookie" in response.headers) == (scenario == "write")
