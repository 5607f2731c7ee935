"""End to end: gunicorn (2 sync workers) on 127.0.0.1 serving the same app
bare, with a session read and with a session write, for cookiesession's
middleware and for Flask, loaded by wrk on loopback. What counts is the
server's CPU time per request (the workers' user + system time from
/proc, over the requests wrk completed), which the client's share of the
cores does not inflate the way it inflates latency.

    python benchmarks/bench_e2e.py [--seconds 5] [--repeat 3] [--json FILE]
                                   [--profile DIR]

Cells run in shuffled rounds; each prints its median over the rounds and
its ratio to the same framework's bare app. ``--profile DIR`` runs each
cell once more with cProfile in every worker and writes the stats there
(``python -m pstats DIR/cookiesession-write-<pid>.prof``). Needs gunicorn
(the benchmarks dependency group) and wrk (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_server import cookie, free_port, wait_for  # noqa: E402

FRAMEWORKS = ("cookiesession", "flask")
SCENARIOS = ("bare", "read", "write")
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def measure(
    framework: str, scenario: str, seconds: int, profile: Path | None = None
) -> float:
    """Server CPU µs per request of one cell."""
    port = free_port()
    # HERE for the apps, then any PYTHONPATH given (another checkout, say).
    path = os.pathsep.join(filter(None, (str(HERE), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "PYTHONPATH": path}
    if profile is not None:
        env["BENCH_PROFILE"] = str(profile / f"{framework}-{scenario}")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", "-c", str(HERE / "e2e_gunicorn.py"),
            f"e2e_apps:{framework}_{scenario}",
        ],
        cwd=HERE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(port, time.monotonic() + 30)
        url = f"http://127.0.0.1:{port}/"
        subprocess.run(  # warm up: imports, caches
            ["wrk", "-t", "1", "-c", "4", "-d", "1s", "-H", f"Cookie: {cookie()}", url],
            capture_output=True, check=True, timeout=60,
        )  # fmt: skip
        workers = _workers(server.pid)
        before = sum(_cpu_seconds(pid) for pid in workers)
        result = subprocess.run(
            ["wrk", "-t", "2", "-c", "16", "-d", f"{seconds}s",
             "-H", f"Cookie: {cookie()}", url],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        )  # fmt: skip
        cpu = sum(_cpu_seconds(pid) for pid in workers) - before
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    done = re.search(r"(\d+) requests in", result.stdout)
    if done is None or "Non-2xx" in result.stdout:
        raise RuntimeError(f"wrk failed:\n{result.stdout}")
    return cpu / int(done.group(1)) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    cells = [(f, s) for f in FRAMEWORKS for s in SCENARIOS]
    samples: dict[tuple[str, str], list[float]] = {cell: [] for cell in cells}
    for round_ in range(args.repeat):
        random.Random(round_).shuffle(cells)
        for cell in cells:
            samples[cell].append(measure(*cell, args.seconds))
    median = {cell: statistics.median(values) for cell, values in samples.items()}
    print(f"Server CPU per request (µs; median, min-max of {args.repeat} rounds):\n")
    print("| framework | scenario | CPU µs | vs bare |")
    print("|---|---|---|---|")
    for framework in FRAMEWORKS:
        for scenario in SCENARIOS:
            values = samples[framework, scenario]
            ratio = median[framework, scenario] / median[framework, "bare"]
            print(
                f"| {framework} | {scenario} | {median[framework, scenario]:.0f}"
                f" ({min(values):.0f}-{max(values):.0f}) | {ratio:.2f}x |"
            )
    if args.json is not None:
        rows = [
            {"framework": f, "scenario": s, "cpu_us": samples[f, s]} for f, s in samples
        ]
        args.json.write_text(json.dumps(rows, indent=2))
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
        for cell in samples:
            measure(*cell, args.seconds, profile=args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
