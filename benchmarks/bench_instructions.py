"""Instructions per request, counted by valgrind: repeatable on a busy
machine, where timings are not.

    python benchmarks/bench_instructions.py [--baseline DIR]

Each scenario runs the middleware around a trivial app in a child Python
under ``valgrind --tool=callgrind`` twice, with 200 and 1,200 requests; the
difference over 1,000 is the cost of one request, imports and warm-up
cancelled out, and the bare app's is subtracted. ``PYTHONHASHSEED=0`` makes
both versions lay out their dicts alike. ``--baseline DIR`` counts the
package in ``DIR/cookiesession`` too (another checkout, such as the
previous release). Needs valgrind (Debian: apt-get install valgrind).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

SCENARIOS = ("untouched", "read", "write", "new")

# The child: a middleware around an app that does what the scenario says.
_DRIVER = """
import sys
scenario, n = sys.argv[1], int(sys.argv[2])
import cookiesession
from itsdangerous import URLSafeTimedSerializer

def ok(start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]

def app(environ, start_response):
    if scenario == "read":
        cookiesession.get_session(environ).get("user")
    elif scenario in ("write", "new"):
        cookiesession.get_session(environ)["counter"] = 1
    return ok(start_response)

key = "k" * 32
wrapped = app if scenario == "bare" else cookiesession.SessionMiddleware(
    app, {"SECRET_KEY": key}
)
signer = URLSafeTimedSerializer(
    key,
    salt="cookie-session",
    serializer=cookiesession.TaggedJSONSerializer(),
    signer_kwargs={"key_derivation": "hmac"},
)
cookie = None if scenario == "new" else "session=" + signer.dumps({"user": "ann"})
for _ in range(n):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/"}
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    wrapped(environ, lambda status, headers, exc_info=None: None)
"""


HERE = Path(__file__).resolve().parent


def instructions(scenario: str, requests: int, path: str) -> int:
    # The package comes from *path* alone: PYTHONPATH first, and the child
    # runs elsewhere, since "-c" puts its working directory first.
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": path}
    result = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-c",
            _DRIVER,
            scenario,
            str(requests),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        check=True,
    )
    match = re.search(r"Collected : (\d+)", result.stderr)
    assert match is not None, result.stderr[-500:]
    return int(match.group(1))


def per_request(scenario: str, path: str) -> int:
    return (
        instructions(scenario, 1200, path) - instructions(scenario, 200, path)
    ) // 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--baseline", metavar="DIR", help="also count DIR/cookiesession"
    )
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind).", file=sys.stderr)
        return 1
    versions = {"cookiesession": str(HERE.parent)}
    if args.baseline:
        versions = {"baseline": str(Path(args.baseline).resolve()), **versions}
    counts = {}
    for name, path in versions.items():
        bare = per_request("bare", path)
        counts[name] = {s: per_request(s, path) - bare for s in SCENARIOS}
    print("Instructions per request over the bare app:\n")
    columns = [*versions, *(["change"] if args.baseline else [])]
    print("| scenario | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for scenario in SCENARIOS:
        cells = [f"{counts[name][scenario]:,}" for name in versions]
        if args.baseline:
            change = (
                counts["cookiesession"][scenario] / counts["baseline"][scenario] - 1
            )
            cells.append(f"{change:+.1%}")
        print(f"| {scenario} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
