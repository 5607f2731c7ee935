"""Bar charts of the benchmarks, for the performance page: one SVG per
family (cookies, Redis, SQL, frameworks, ASGI, end to end), bars per scenario,
from the JSON that ``run_all.py`` writes (and ``bench_e2e.py --json``).

    python benchmarks/charts.py [--results benchmarks/results/results.json]
                                [--e2e FILE] [--out docs/_static/charts]

Needs matplotlib (the benchmarks dependency group).
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: Chart name -> (title, the benchmark rows it shows, the implementations).
FAMILIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "cookies": (
        "Signed cookies, per request (µs over the bare app)",
        "sessions",
        ("cookiesession", "Flask", "Beaker", "Pyramid", "Bottle"),
    ),
    "stores": (
        "Redis sessions (µs over the bare app)",
        "redis",
        ("cookiesession Redis", "Flask-Session Redis"),
    ),
    "sql": (
        "SQL sessions on SQLite, inside Flask (µs over the bare Flask request)",
        "sql",
        ("cookiesession SQLite", "Flask-Session SQLite"),
    ),
    "frameworks": (
        "Inside Flask (µs over the bare Flask request)",
        "flask",
        ("Flask", "cookiesession signed", "cookiesession Redis", "Flask-Session Redis"),
    ),
    "asgi": (
        "ASGI (µs over the bare Starlette app)",
        "asgi",
        (
            "Starlette",
            "starsessions cookie",
            "cookiesession signed",
            "starsessions Redis",
            "cookiesession Redis",
        ),
    ),
}


def bars(
    title: str, table: dict[str, dict[str, float]], names: tuple[str, ...], out: Path
) -> None:
    """One grouped bar chart: a group per scenario, a bar per name, the
    value written above each bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = list(table)
    width = 0.8 / len(names)
    figure, axes = plt.subplots(figsize=(8, 3.6))
    for index, name in enumerate(names):
        values = [max(0.0, table[s].get(name, 0.0)) for s in scenarios]
        xs = [i + (index - (len(names) - 1) / 2) * width for i in range(len(scenarios))]
        drawn = axes.bar(xs, values, width, label=name)
        axes.bar_label(drawn, fmt="%.0f", fontsize=7, padding=1)
    axes.set_xticks(range(len(scenarios)), scenarios)
    axes.set_title(title, fontsize=10)
    axes.set_ylabel("µs")
    axes.legend(fontsize=7, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, format="svg", metadata={"Date": None})
    plt.close(figure)


def from_results(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    written = []
    for chart, (title, benchmark, names) in FAMILIES.items():
        table: dict[str, dict[str, float]] = defaultdict(dict)
        for row in rows:
            if row["benchmark"] == benchmark and row["implementation"] in names:
                table[row["scenario"]][row["implementation"]] = row["cost_us"]
        if table:
            bars(title, dict(table), names, out / f"{chart}.svg")
            written.append(out / f"{chart}.svg")
    return written


def from_e2e(rows: list[dict[str, Any]], out: Path) -> Path:
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        table[row["scenario"]][row["framework"]] = statistics.median(row["cpu_us"])
    path = out / "e2e.svg"
    bars(
        "End to end: server CPU per request under gunicorn (µs)",
        dict(table),
        ("flask", "cookiesession"),
        path,
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results", type=Path, default=HERE / "results" / "results.json"
    )
    parser.add_argument("--e2e", type=Path)
    parser.add_argument(
        "--out", type=Path, default=HERE.parent / "docs" / "_static" / "charts"
    )
    args = parser.parse_args(argv)
    written = []
    if args.results.exists():
        written += from_results(json.loads(args.results.read_text())["rows"], args.out)
    if args.e2e is not None:
        written.append(from_e2e(json.loads(args.e2e.read_text()), args.out))
    for path in written:
        print(f"Written: {path}")
    return 0 if written else 1


if __name__ == "__main__":
    raise SystemExit(main())
