"""End-to-end throughput: gunicorn (2 sync workers) on 127.0.0.1 serving a
bare app, a session read and a session write, loaded by wrk on loopback.

    python benchmarks/bench_server.py [--seconds 10] [--connections 16]

Needs gunicorn (the benchmarks dependency group) and wrk (Debian: apt-get
install wrk). Client and server share the machine's cores, so compare the
ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from server_app import KEY  # noqa: E402

from cookiesession.testing import session_cookie  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server on port {port} did not start")


def cookie() -> str:
    data = {"user": "ann", "csrf": "0" * 40}
    return "session=" + session_cookie({"SECRET_KEY": KEY}, data)


def measure(app: str, seconds: int, connections: int) -> float:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            f"server_app:{app}",
        ],
        cwd=HERE,
        env={**os.environ, "PYTHONPATH": str(HERE)},
    )
    try:
        wait_for(port, time.monotonic() + 20)
        result = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "-H",
                f"Cookie: {cookie()}",
                f"http://127.0.0.1:{port}/",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if match is None or errors is not None:
        raise RuntimeError(f"wrk failed:\n{result.stdout}")
    return float(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    rates = {
        app: measure(app, args.seconds, args.connections)
        for app in ("bare", "read", "write")
    }
    print("| app | requests/s | vs bare |")
    print("|---|---|---|")
    for app, rate in rates.items():
        print(f"| {app} | {rate:,.0f} | {rate / rates['bare']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
