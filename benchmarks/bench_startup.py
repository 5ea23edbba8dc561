"""Start-up time of the command line, as ratios to ``python -c "import numpy"`` (the peer).

Targets (issue: fast start): ``tracerdiff --help`` and ``--version`` within 3x the NumPy import;
``series`` and ``nernst-einstein`` under 1 s.  Each command is run ``--repeat`` times in a fresh
process and the best wall time is kept (the least disturbed by other load).

    python benchmarks/bench_startup.py --repeat 7
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

PY = sys.executable
TD = shutil.which("tracerdiff", path=str(Path(PY).parent)) or "tracerdiff"

COMMANDS: dict[str, list[str]] = {
    "python -c 'import numpy' (peer)": [PY, "-c", "import numpy"],
    "tracerdiff --version": [TD, "--version"],
    "tracerdiff --help": [TD, "--help"],
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


def best_time(argv: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    times = {name: best_time(argv, args.repeat) for name, argv in COMMANDS.items()}
    peer = next(iter(times.values()))
    print(f"{'command':<36} {'best (s)':>9} {'x numpy':>8}")
    for name, t in times.items():
        print(f"{name:<36} {t:9.3f} {t / peer:8.2f}")


if __name__ == "__main__":
    main()
