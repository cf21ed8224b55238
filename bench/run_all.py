"""Run every benchmark in this folder (bench_*.py) in its own process and print its figures.

Benchmarks print numbers; they never assert on time (tests don't either).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(
            [sys.executable, str(script), *sys.argv[1:]], cwd=HERE.parent
        )
        print(
            f"--- {script.name}: exit {rc}, {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
