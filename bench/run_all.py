"""Run every benchmark in this folder (bench_*.py) in its own process and print its figures.

Benchmarks print numbers; they never assert on time (tests don't either).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


#: What `make bench` runs: the public pages over HTTP (one table), then the import, the
#: duplicate check, the CSV export's speed and memory, and voting over HTTP (8 members at
#: once, then the close). The older in-process benchmarks run by name:
#: `python bench/run_all.py showcase registry quang_ninh`.
DEFAULT = ("http", "import", "duplicates", "export", "voting")


def main() -> int:
    failed = 0
    names = [a for a in sys.argv[1:] if not a.startswith("-")] or list(DEFAULT)
    passed_on = [a for a in sys.argv[1:] if a.startswith("-")]
    scripts = [HERE / f"bench_{name}.py" for name in names]
    for script in (s for s in scripts if s.exists()):
        print(f"\n=== {script.name} ===", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script), *passed_on], cwd=HERE.parent)
        print(
            f"--- {script.name}: exit {rc}, {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
