"""The full open-data files (CSV and XLSX of the whole public list), built off the
request path and kept in the file store (:mod:`dankheo.files`), so every instance
serves the same file with the same validators.

When the published data changes, the tally version (``dankheo.tallies``, bumped by
the database itself on every change to what the public sees) moves on; a periodic
task compares it with the version the files were built from and queues a rebuild,
never more often than every ``OPEN_DATA_DEBOUNCE_SECONDS``. Edits the counts do not
see (a published entry's address) are caught by a rebuild at least every
``OPEN_DATA_MAX_AGE_HOURS``. A download that finds no file yet queues a build too,
and meanwhile streams the list. ``flask build-open-data`` builds them at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import click
from flask import Flask, Response, current_app
from flask.cli import with_appcontext
from huey import crontab
from huey.exceptions import TaskLockedException
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from .. import spreadsheets, tallies
from ..csv_export import CsvQuery, Database
from ..db import transaction_intent, utcnow
from ..extensions import db
from ..files import OPEN_DATA, FileStore, send_stored, store_for
from .exports import CSV_NAME, XLSX_NAME, export_header, export_rows, full_csv_parts
from .listing import Filters

log = logging.getLogger(__name__)

STATE_NAME = "state.json"
EXTENSION = "dankheo_open_data"
#: Huey key set while a build is queued (one queued build at a time).
QUEUED_KEY = "dankheo:open-data:queued"


@dataclass(frozen=True)
class BuildState:
    """What the stored files were built from: the tally version, when, how many rows."""

    version: int
    built_at: datetime
    rows: int


def store() -> FileStore:
    return store_for(OPEN_DATA)


def read_state() -> BuildState | None:
    try:
        with store().open(STATE_NAME) as fh:
            data = json.load(fh)
        return BuildState(
            int(data["version"]), datetime.fromisoformat(data["built_at"]), data["rows"]
        )
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def current_version() -> int:
    return tallies.version(db.session.connection())


def is_stale(state: BuildState | None, *, now: datetime | None = None) -> bool:
    if state is None:
        return True
    now = now or utcnow()
    max_age = timedelta(hours=float(current_app.config["OPEN_DATA_MAX_AGE_HOURS"]))
    return state.version != current_version() or now - state.built_at > max_age


def build() -> BuildState:
    """Write both files and their state into the store (the caller commits; needs a
    request context for the labels and the links). The version is read first, so a
    change made during the build leaves the files stale and they are built again.

    The rows are read and both files written to temporary files in a read-only
    transaction; only the store's writes run in a (short) write transaction, so on
    SQLite a build of minutes never holds the write lock other writers wait for."""
    with tempfile.TemporaryFile() as csv_tmp, tempfile.TemporaryFile() as xlsx_tmp:
        with transaction_intent(write=False):
            try:
                version, built_at, rows = _write_files(csv_tmp, xlsx_tmp)
            finally:
                db.session.rollback()  # nothing was written: this ends the read
        with transaction_intent(write=True):
            target = store()
            target.put(CSV_NAME, csv_tmp)
            target.put(XLSX_NAME, xlsx_tmp)
            payload = {
                "version": version,
                "built_at": built_at.isoformat(),
                "rows": rows,
            }
            target.put(STATE_NAME, json.dumps(payload).encode())
    log.info("open-data files built: %s rows at tally version %s", rows, version)
    return BuildState(version, built_at, rows)


def _write_files(csv_tmp: IO[bytes], xlsx_tmp: IO[bytes]) -> tuple[int, datetime, int]:
    """Write both files (rewound at the end); the version, the time, the row count."""
    version = current_version()
    built_at = utcnow()
    rows = write_csv(csv_tmp)
    csv_tmp.seek(0)
    sheet = spreadsheets.Sheet(
        "Mô hình, điển hình", export_rows(Filters(), by_id=True), header=export_header()
    )
    with spreadsheets.xlsx_file([sheet]) as src:
        shutil.copyfileobj(src, xlsx_tmp)
    xlsx_tmp.seek(0)
    return version, built_at, rows


#: Readers at most, whatever is configured: each holds a database connection.
MAX_CSV_READERS = 8
#: Rows a reader is started for, at least: starting one (a new interpreter that
#: imports the package) took 0.6-1 s here, the time one reader writes 100,000-
#: 170,000 rows in.
READER_ROWS = 200_000


def csv_readers(app: Flask) -> int:
    """How many readers write the full CSV at once (``OPEN_DATA_CSV_READERS``; by
    default one per core this process may run on, at most 4). One when the database
    is a single connection held in this process (SQLite in memory)."""
    if isinstance(db.engine.pool, StaticPool | SingletonThreadPool):
        return 1
    readers = int(app.config.get("OPEN_DATA_CSV_READERS") or 0)
    if readers <= 0:
        readers = min(4, len(os.sched_getaffinity(0)))
    return min(readers, MAX_CSV_READERS)


def write_csv(out: IO[bytes]) -> int:
    """The full CSV file into ``out``; the number of rows.

    Written by :func:`csv_readers` readers at once, each a range of codes
    (:func:`.exports.full_csv_parts`): this process writes the first into ``out``
    while reader processes write the others into temporary files, appended after it
    in order. Processes, not threads: SQLite does nearly all of the work, but two
    threads writing at once took as long as one and 60 % more CPU (each row hands
    the interpreter's lock back and forth, and SQLite counts its memory under a lock
    of its own); two processes take a little over half the time (figures in
    ``bench/README.md``, "CSV export").

    Each reader is a new interpreter (multiprocessing's "spawn"), not a fork: the
    job consumer runs threads, and a forked child could wait forever for a lock one
    of them held at the fork. It is handed only its part's query
    (:class:`..csv_export.CsvQuery`) and the database's address, and reads on a
    connection of its own, in a transaction of its own: a change made while they
    read leaves the files stale (the version was read first) and they are built
    again, as a change made between the CSV and the XLSX does. If this process
    fails, the readers are stopped; if a reader fails, the file fails once this
    process has written its own part."""
    parts = full_csv_parts(csv_readers(current_app), min_rows=READER_ROWS)
    if len(parts) == 1:
        for chunk in parts[0]:
            out.write(chunk)
        return parts[0].rows
    database = Database.of(db.engine, current_app.config)
    spawn = multiprocessing.get_context("spawn")
    readers: list[Any] = []
    scratch = tempfile.mkdtemp(prefix="dankheo-open-data-")
    try:
        paths = [os.path.join(scratch, f"part-{i}.csv") for i in range(len(parts))]
        for part, path in zip(parts[1:], paths[1:], strict=True):
            reader = spawn.Process(
                target=write_part, args=(database, part.query(), path), daemon=True
            )
            reader.start()
            readers.append(reader)
        for chunk in parts[0]:
            out.write(chunk)
        rows = parts[0].rows
        for reader, path in zip(readers, paths[1:], strict=True):
            reader.join()
            if reader.exitcode != 0:
                error = Path(path + ".error")
                said = error.read_text() if error.exists() else ""
                raise RuntimeError(
                    f"open-data CSV: a reader failed (exit {reader.exitcode}) {said}"
                )
            rows += int(Path(path + ".rows").read_text())
        for path in paths[1:]:
            with open(path, "rb") as part_file:
                shutil.copyfileobj(part_file, out, spreadsheets.CHUNK)
        return rows
    finally:
        for reader in readers:
            if reader.is_alive():
                reader.terminate()
            reader.join()
        shutil.rmtree(scratch, ignore_errors=True)


def write_part(database: Database, query: CsvQuery, path: str) -> None:
    """A reader's whole life: ``query`` into ``path``, its row count beside it
    (``.rows``), or what went wrong (``.error``, exit code 1). It leaves Ctrl-C to
    the build's process, which stops it, and stops by itself if that process is
    gone (killed): nobody would read its part, which it removes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    engine = None
    try:
        engine = database.engine()
        with open(path, "wb") as target:
            for chunk in query.run(engine):
                if parent is not None and not parent.is_alive():
                    target.close()
                    Path(path).unlink()
                    raise SystemExit("open-data CSV: the build's process is gone")
                target.write(chunk)
    except BaseException as exc:
        with contextlib.suppress(OSError):  # the scratch folder may be gone too
            Path(path + ".error").write_text(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if engine is not None:
            engine.dispose()
    Path(path + ".rows").write_text(str(query.rows))


def build_if_due(app: Flask, *, force: bool = False) -> BuildState | None:
    """Build when the files are missing or stale and the last build is older than
    the debounce period (or at once with ``force``); returns the new state."""
    from ..notifications import run_in_app

    def work() -> BuildState | None:
        # The checks only read: no write lock until the build stores its files.
        with transaction_intent(write=False):
            try:
                state = read_state()
                if not force:
                    if not is_stale(state):
                        return None
                    wait = timedelta(
                        seconds=float(app.config["OPEN_DATA_DEBOUNCE_SECONDS"])
                    )
                    if state is not None and utcnow() - state.built_at < wait:
                        return None  # the next periodic check builds it
            finally:
                db.session.rollback()
        return build()

    return run_in_app(app, work)


def request_build(app: Flask | None = None) -> None:
    """Queue a build unless one is already queued (any instance sharing the queue)."""
    app = app or current_app
    task = app.extensions[EXTENSION]
    from ..jobs import queue_for

    huey = queue_for(app).huey
    if huey.put_if_empty(QUEUED_KEY, "1"):
        task()


def init_app(app: Flask) -> None:
    """The build task and its periodic check on the application's queue."""
    from ..jobs import queue_for

    app.config.setdefault("OPEN_DATA_MAX_AGE_HOURS", 24)
    huey = queue_for(app).huey

    def build_alone() -> None:
        # One build at a time across consumers; a check that finds one running
        # leaves it be (the next check sees what it built).
        try:
            with huey.lock_task("dankheo.open-data-build"):
                build_if_due(app)
        except TaskLockedException:
            log.info("open-data build already running elsewhere")

    @huey.task(name="dankheo.build_open_data")
    def build_task() -> None:
        huey.get(QUEUED_KEY)  # taken off: a later change may queue another build
        build_alone()

    @huey.periodic_task(crontab(minute="*"), name="dankheo.check_open_data")
    def check_periodically() -> None:
        build_alone()

    app.extensions[EXTENSION] = build_task
    app.cli.add_command(build_open_data_command)


def prebuilt(name: str) -> Response | None:
    """The stored file ``name`` with ETag and Last-Modified (a 304 when the client's
    copy is current), or None when no build has written it yet (a build is queued)."""
    resp = send_stored(
        store(),
        name,
        mimetype=spreadsheets.XLSX_MIMETYPE if name.endswith(".xlsx") else None,
        as_attachment=True,
        download_name=name,
    )
    if resp is None:
        request_build()
        return None
    if name.endswith(".csv"):
        resp.headers["Content-Type"] = spreadsheets.CSV_MIMETYPE
    resp.headers["X-Content-Type-Options"] = "nosniff"
    # Anyone may keep it, but must ask whether it changed (a 304 costs nothing).
    resp.headers["Cache-Control"] = "public, no-cache"
    return resp


def files_info() -> dict[str, Any]:
    """For the open-data page: each file's size and build time, and the state."""
    target = store()
    return {
        "state": read_state(),
        "files": {name: target.stat(name) for name in (CSV_NAME, XLSX_NAME)},
    }


@click.command("build-open-data")
@with_appcontext
def build_open_data_command() -> None:
    """Build the full open-data files (CSV, XLSX) now, into the file store."""
    state = build_if_due(current_app._get_current_object(), force=True)  # type: ignore[attr-defined]
    assert state is not None
    click.echo(f"Đã tạo tệp dữ liệu mở: {state.rows} dòng.")
