"""How the side-by-side benchmarks with counted work (bench_flask.py,
bench_asgi.py) report: the Markdown table, the verdict of each pair, and
the rows for ``run_all.py``."""

from __future__ import annotations

import statistics
from typing import Any

from bench_redis import verdict

Samples = dict[tuple[str, str], list[float]]
Work = dict[tuple[str, str], tuple[int, int]]


def rows(
    benchmark: str,
    samples: Samples,
    work: Work,
    names: tuple[str, ...],
    scenarios: tuple[str, ...],
) -> list[dict[str, Any]]:
    """One row per cell, as a ratio to the first of *names*."""
    median = {key: statistics.median(value) for key, value in samples.items()}
    return [
        {
            "benchmark": benchmark,
            "scenario": scenario,
            "implementation": name,
            "cost_us": round(median[name, scenario], 2),
            "reference": names[0],
            "ratio": round(median[name, scenario] / median[names[0], scenario], 3),
            "hmacs": work[name, scenario][0],
            "round_trips": work[name, scenario][1],
        }
        for name in names
        for scenario in scenarios
    ]


def print_report(
    what: str,
    samples: Samples,
    work: Work,
    names: tuple[str, ...],
    scenarios: tuple[str, ...],
    pairs: tuple[tuple[str, str], ...],
    counted: tuple[str, str] = ("HMAC", "trip(s)"),
) -> None:
    """The table of every cell (with the two counts of *work*, named by
    *counted*; an empty name leaves that count out), then each pair's
    ratios and verdicts."""
    rounds = len(next(iter(samples.values())))
    print(
        f"Session cost over {what} (µs: median, min-max of {rounds} shuffled"
        f" rounds) and the work of one request:\n"
    )
    print("| scenario | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for scenario in scenarios:
        cells = []
        for name in names:
            cost = samples[name, scenario]
            counts = ", ".join(
                f"{count} {label}"
                for count, label in zip(work[name, scenario], counted, strict=True)
                if label
            )
            cells.append(
                f"{statistics.median(cost):.1f} ({min(cost):.1f}-{max(cost):.1f}),"
                f" {counts}"
            )
        print(f"| {scenario} | " + " | ".join(cells) + " |")
    print()
    for ours, theirs in pairs:
        parts = []
        for scenario in scenarios:
            mine, other = samples[ours, scenario], samples[theirs, scenario]
            ratio = statistics.median(mine) / statistics.median(other)
            parts.append(f"{scenario} {ratio:.2f}x ({verdict(mine, other)})")
        print(f"{ours} / {theirs}: " + ", ".join(parts))
