"""The CSV export's speed and memory: every public row of a generated database, through
the same code as the download: the Python writer (``exports.export_rows`` ->
``spreadsheets.csv_chunks``) and the database's (``exports.export_csv``, what the
download and the open-data file use; ``--path`` picks one).

    .venv/bin/python bench/generate.py --rows 200000 --database-url sqlite:////tmp/x.sqlite3
    .venv/bin/python bench/bench_export.py --database-url sqlite:////tmp/x.sqlite3

Prints rows/s and the process's peak RSS (``resource.getrusage``, what a worker would
hold while serving it) for the streamed export, then for the open-data build's CSV
step with one reader and with two at once, the second also from a thread as the
job consumer runs it (``opendata.write_csv``, interleaved), then
the time to build both open-data files into a scratch folder (``--build``). Without ``--database-url`` it generates
``BENCH_EXPORT_ROWS`` (200,000) rows first. Numbers only: nothing asserts on time.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "200000"))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export(app, path: str, order: str, by_id: bool) -> None:
    """One full export through ``path``: the Python writer, or the database's."""
    from dankheo.showcase import exports
    from dankheo.showcase.listing import Filters
    from dankheo.spreadsheets import csv_chunks

    with app.app_context(), app.test_request_context("/"):
        t, cpu = time.perf_counter(), time.process_time()
        size = lines = 0
        if path == "python":
            rows = exports.export_rows(Filters(), by_id=by_id)
            chunks = (c.encode() for c in csv_chunks(exports.export_header(), rows))
        else:
            chunks = iter(exports.export_csv(Filters(), by_id=by_id))
        for chunk in chunks:
            size += len(chunk)
            lines += chunk.count(b"\n")
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    n = lines - 1
    print(
        f"CSV export ({path}, {order}): {n:,} rows, {size / 1e6:,.1f} MB in "
        f"{seconds:.2f} s = {n / seconds:,.0f} rows/s ({n / cpu:,.0f} rows per "
        f"CPU-second); peak RSS {peak_mb():,.0f} MB"
    )


def write_full(app, readers: int, *, threaded: bool = False) -> None:
    """The open-data build's CSV step: the full file by ``readers`` at once (this
    process and ``readers - 1`` reader processes), to disk; with ``threaded``, from a
    worker thread while another waits, as the job consumer runs it."""
    from dankheo.showcase import opendata

    app.config["OPEN_DATA_CSV_READERS"] = readers
    found: dict[str, float] = {}

    def work() -> None:
        with (
            app.app_context(),
            app.test_request_context("/"),
            tempfile.TemporaryFile() as out,
        ):
            t = time.perf_counter()
            found["rows"] = opendata.write_csv(out)
            found["seconds"] = time.perf_counter() - t
            found["size"] = out.tell()

    cpu = time.process_time()
    if threaded:
        idle = threading.Event()
        waiting = threading.Thread(target=idle.wait)
        waiting.start()
        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        idle.set()
        waiting.join()
    else:
        work()
    cpu = time.process_time() - cpu
    n, seconds, size = int(found["rows"]), found["seconds"], found["size"]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    where = ", from a thread as in the job consumer" if threaded else ""
    print(
        f"CSV open-data file, {readers} reader(s){where}: {n:,} rows, "
        f"{size / 1e6:,.1f} MB in "
        f"{seconds:.2f} s = {n / seconds:,.0f} rows/s (CPU {cpu:.1f} s here); "
        f"peak RSS {peak_mb():,.0f} MB here, {children.ru_maxrss / 1024:,.0f} MB in "
        "the largest reader process so far"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--build", action="store_true", help="also build the files")
    parser.add_argument(
        "--path",
        choices=("both", "python", "sql"),
        default="both",
        help="the Python writer (csv_chunks), the database's (export_csv), or both",
    )
    args, _unknown = parser.parse_known_args()
    url = args.database_url
    if not url:
        from generate import generate

        url = f"sqlite:///{tempfile.gettempdir()}/dankheo-bench-export.sqlite3"
        seconds = generate(url, ROWS, 4)
        print(f"generated {ROWS:,} rows in {seconds:.1f} s")

    from dankheo import create_app

    scratch = tempfile.mkdtemp(prefix="dankheo-bench-export-")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": scratch,
            "SERVER_NAME": "bench.invalid",
        }
    )
    print(f"database: {url.split('://')[0]}; peak RSS before: {peak_mb():,.0f} MB")
    paths = ("python", "sql") if args.path == "both" else (args.path,)
    for path in paths:
        for order, by_id in (("list order", False), ("full file, by code", True)):
            export(app, path, order, by_id)
    if args.path != "python":
        for readers, threaded in ((1, False), (2, False), (2, True)) * 2:
            write_full(app, readers, threaded=threaded)
    if args.build:
        from dankheo.showcase import opendata

        t = time.perf_counter()
        state = opendata.build_if_due(app, force=True)
        assert state is not None
        print(
            f"open-data files (CSV + XLSX) built: {state.rows:,} rows in "
            f"{time.perf_counter() - t:.1f} s; peak RSS {peak_mb():,.0f} MB"
        )


if __name__ == "__main__":
    main()
