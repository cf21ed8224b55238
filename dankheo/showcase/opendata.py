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

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import click
from flask import Flask, Response, current_app
from flask.cli import with_appcontext
from huey import crontab
from huey.exceptions import TaskLockedException

from .. import spreadsheets, tallies
from ..db import utcnow
from ..extensions import db
from ..files import OPEN_DATA, FileStore, send_stored, store_for
from .exports import CSV_NAME, XLSX_NAME, export_header, export_rows
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
    change made during the build leaves the files stale and they are built again."""
    version = current_version()
    built_at = utcnow()
    target = store()
    rows = 0

    def counted(it):
        nonlocal rows
        for row in it:
            rows += 1
            yield row

    with tempfile.TemporaryFile() as tmp:
        for chunk in spreadsheets.csv_chunks(
            export_header(), counted(export_rows(Filters(), by_id=True))
        ):
            tmp.write(chunk.encode("utf-8"))
        tmp.seek(0)
        target.put(CSV_NAME, tmp)
    sheet = spreadsheets.Sheet(
        "Mô hình, điển hình", export_rows(Filters(), by_id=True), header=export_header()
    )
    with spreadsheets.xlsx_file([sheet]) as src, tempfile.TemporaryFile() as tmp:
        shutil.copyfileobj(src, tmp)
        tmp.seek(0)
        target.put(XLSX_NAME, tmp)
    state = BuildState(version, built_at, rows)
    payload = {"version": version, "built_at": built_at.isoformat(), "rows": rows}
    target.put(STATE_NAME, json.dumps(payload).encode())
    log.info("open-data files built: %s rows at tally version %s", rows, version)
    return state


def build_if_due(app: Flask, *, force: bool = False) -> BuildState | None:
    """Build when the files are missing or stale and the last build is older than
    the debounce period (or at once with ``force``); returns the new state."""
    from ..notifications import run_in_app

    def work() -> BuildState | None:
        state = read_state()
        if not force:
            if not is_stale(state):
                return None
            wait = timedelta(seconds=float(app.config["OPEN_DATA_DEBOUNCE_SECONDS"]))
            if state is not None and utcnow() - state.built_at < wait:
                return None  # the next periodic check builds it
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
