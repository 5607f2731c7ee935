"""Where a session read's and write's server time goes, from the cProfile
stats ``bench_e2e.py --profile DIR`` writes (one file per gunicorn worker).

    python benchmarks/profile_summary.py DIR [DIR ...]

For cookiesession's read and write cells, each part's time per request
over the bare cell (the profiler inflates every Python call, so read the
shares, not the microseconds), and the Python calls per request made in
cookiesession's own code. Several directories (before and after a change)
print side by side.
"""

from __future__ import annotations

import argparse
import collections
import pstats
from pathlib import Path

# The function each cell's app calls once per request: its request count.
MARKERS = {"bare": "cookiesession_bare", "read": "_read", "write": "_write"}
PARTS = ("cookiesession", "server", "HMAC, JSON, other C", "other Python")


def part_of(key: tuple[str, int, str]) -> str:
    filename = key[0]
    if "cookiesession" in filename:
        return "cookiesession"
    if "gunicorn" in filename or "socket" in key[2] or "sendall" in key[2]:
        return "server"
    if filename == "~":
        return "HMAC, JSON, other C"
    return "other Python"


def load(folder: Path, scenario: str) -> tuple[dict, int]:
    """The summed stats of a cell's workers, and its request count."""
    files = sorted(folder.glob(f"cookiesession-{scenario}-*.prof"))
    if not files:
        raise SystemExit(f"no cookiesession-{scenario}-*.prof in {folder}")
    stats = pstats.Stats(str(files[0]))
    for file in files[1:]:
        stats.add(str(file))
    table = stats.stats  # type: ignore[attr-defined]
    requests = sum(v[1] for k, v in table.items() if k[2] == MARKERS[scenario])
    return table, requests


def summary(folder: Path) -> dict[str, dict[str, float]]:
    bare, bare_n = load(folder, "bare")
    out = {}
    for scenario in ("read", "write"):
        cell, n = load(folder, scenario)
        parts: collections.Counter[str] = collections.Counter()
        for key, value in cell.items():
            parts[part_of(key)] += value[2] / n * 1e6
        for key, value in bare.items():
            parts[part_of(key)] -= value[2] / bare_n * 1e6
        calls = sum(
            v[1] for k, v in cell.items() if "cookiesession" in k[0] and k[0] != "~"
        )
        out[scenario] = {**{p: parts[p] for p in PARTS}, "calls": calls / n}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    results = {folder.name: summary(folder) for folder in args.folders}
    names = list(results)
    print("| scenario | part | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for scenario in ("read", "write"):
        totals = {n: sum(results[n][scenario][p] for p in PARTS) for n in names}
        for part in PARTS:
            cells = [
                f"{results[n][scenario][part]:.0f} µs"
                f" ({results[n][scenario][part] / totals[n]:.0%})"
                for n in names
            ]
            print(f"| {scenario} | {part} | " + " | ".join(cells) + " |")
        cells = [f"{totals[n]:.0f} µs" for n in names]
        print(f"| {scenario} | total over bare | " + " | ".join(cells) + " |")
        cells = [f"{results[n][scenario]['calls']:.0f}" for n in names]
        label = f"| {scenario} | cookiesession calls/request | "
        print(label + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
