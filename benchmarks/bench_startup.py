"""Start-up time of the command line, as ratios to ``python -c "import numpy"`` (the peer).

Targets (issue: fast start): ``tracerdiff --help`` and ``--version`` within 3x the NumPy import;
``series`` and ``nernst-einstein`` under 1 s.  Each command runs ``--repeat`` times in a fresh
process; the runs are interleaved (one of each command per round, the order rotating), so that
load from other jobs on a shared machine falls on all of them alike.  The ratio of a command is
the median over rounds of (its time / the peer's time in the same round); the table also gives
the median and the best wall time, and the median CPU time (user + system) with its ratio,
which load from other jobs changes least.

    python benchmarks/bench_startup.py --repeat 31
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PY = sys.executable
TD = shutil.which("tracerdiff", path=str(Path(PY).parent)) or "tracerdiff"
PEER = "python -c 'import numpy' (peer)"

COMMANDS: dict[str, list[str]] = {
    PEER: [PY, "-c", "import numpy"],
    "tracerdiff --version": [TD, "--version"],
    "tracerdiff --help": [TD, "--help"],
    "tracerdiff fit erfc --help": [TD, "fit", "erfc", "--help"],
    "tracerdiff series ...": [
        TD,
        "series",
        "--d-bulk",
        "2.6e-8 cm^2/s",
        "--d-gb-over-delta",
        "1.5e-6 cm/s",
        "--grain-size",
        "16+-11 um",
    ],
    "tracerdiff nernst-einstein ...": [
        TD,
        "nernst-einstein",
        "--sigma",
        "1e-3 S/cm",
        "--temperature",
        "22 degC",
        "--density",
        "5e21 cm^-3",
    ],
}

#: target per command: ("ratio", x) = within x times the peer, ("seconds", s) = under s
TARGETS: dict[str, tuple[str, float]] = {
    "tracerdiff --version": ("ratio", 3.0),
    "tracerdiff --help": ("ratio", 3.0),
    "tracerdiff series ...": ("seconds", 1.0),
    "tracerdiff nernst-einstein ...": ("seconds", 1.0),
}


def run_once(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run; CPU (user + system of the process) is what a loaded
    machine changes least."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise subprocess.CalledProcessError(os.waitstatus_to_exitcode(status), argv)
    return wall, usage.ru_utime + usage.ru_stime


def measure(repeat: int) -> dict[str, list[tuple[float, float]]]:
    """``repeat`` rounds; each runs every command once, starting one later each round."""
    names = list(COMMANDS)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for _ in range(2):  # warm the file cache and the .pyc files
        for argv in COMMANDS.values():
            run_once(argv)
    for r in range(repeat):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(run_once(COMMANDS[name]))
    return times


def verdict(name: str, ratio: float, median: float) -> str:
    target = TARGETS.get(name)
    if target is None:
        return ""
    kind, limit = target
    ok = ratio <= limit if kind == "ratio" else median < limit
    return ("met" if ok else "MISSED") + (
        f" (<= {limit}x)" if kind == "ratio" else f" (< {limit} s)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=21)
    args = ap.parse_args()
    times = measure(args.repeat)
    peer = times[PEER]
    head = f"{'command':<32} {'median s':>8} {'best s':>7} {'x numpy':>7}"
    print(f"{head} {'CPU s':>6} {'x':>5}  target")
    for name, ts in times.items():
        wall = [t for t, _ in ts]
        ratio = statistics.median(t / p for (t, _), (p, _) in zip(ts, peer, strict=True))
        cpu = statistics.median(c for _, c in ts)
        cpu_ratio = statistics.median(c / q for (_, c), (_, q) in zip(ts, peer, strict=True))
        median = statistics.median(wall)
        print(
            f"{name:<32} {median:8.3f} {min(wall):7.3f} {ratio:7.2f} {cpu:6.3f} {cpu_ratio:5.2f}"
            f"  {verdict(name, ratio, median)}"
        )


if __name__ == "__main__":
    main()
