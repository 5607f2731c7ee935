"""Every in-process benchmark in one run, written as one Markdown table and
one JSON file.

    python benchmarks/run_all.py [--iterations N] [--repeat N] [--out DIR]

Each benchmark module has ``rows(iterations, repeat)``: a list of dicts
with ``benchmark``, ``scenario``, ``implementation``, ``cost_us`` (session
cost over the same app bare, in µs), ``reference`` and ``ratio`` (the cost
over the reference's, within the same run). A new benchmark adds itself to
:data:`BENCHMARKS`. The Redis benchmark is skipped when redis-server is not
installed. Compare ratios, not microseconds: these are small, noisy
machines.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_sessions import machine  # noqa: E402

#: The modules run, in order, and what each needs to run.
BENCHMARKS: dict[str, str | None] = {
    "bench_sessions": None,
    "bench_lifetimes": None,
    "bench_crypto": None,
    "bench_redis": "redis-server",
    "bench_flask": "redis-server",
    "bench_asgi": "redis-server",
    "bench_sql": None,
}
COLUMNS = ("benchmark", "scenario", "implementation", "cost_us", "reference", "ratio")


def collect(iterations: int, repeat: int) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of every benchmark that can run here, and the skipped ones."""
    rows: list[dict[str, Any]] = []
    skipped = []
    for name, needs in BENCHMARKS.items():
        if needs is not None and shutil.which(needs) is None:
            skipped.append(f"{name} (needs {needs})")
            continue
        module = importlib.import_module(name)
        rows.extend(module.rows(iterations, repeat))
    return rows, skipped


def markdown(rows: list[dict[str, Any]], skipped: list[str]) -> str:
    lines = [
        f"Machine: {machine()}.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|---" * len(COLUMNS) + "|",
    ]
    for row in rows:
        cells = ["" if row.get(c) is None else str(row[c]) for c in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    if skipped:
        lines += ["", "Skipped: " + ", ".join(skipped) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--out", type=Path, default=HERE / "results", help="default: benchmarks/results"
    )
    args = parser.parse_args(argv)
    rows, skipped = collect(args.iterations, args.repeat)
    args.out.mkdir(parents=True, exist_ok=True)
    table = markdown(rows, skipped)
    (args.out / "results.md").write_text(table, encoding="utf-8")
    (args.out / "results.json").write_text(
        json.dumps(
            {
                "machine": machine(),
                "iterations": args.iterations,
                "repeat": args.repeat,
                "rows": rows,
                "skipped": skipped,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(table)
    print(f"Written: {args.out / 'results.md'} and {args.out / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
