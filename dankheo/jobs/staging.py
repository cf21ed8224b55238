"""Files a job works on: an upload kept under a random name in the file store's import
area (the local import folder, or the shared database, so a consumer on another machine
reads what this web process received) until the job is done with it, and the progress
reports a job makes while it reads one."""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from flask import Flask
from huey import Huey

from ..extensions import db
from ..files import IMPORTS, FileStore, discard_on_rollback, store_for
from . import records
from .records import JobRecord

Progress = Callable[[str, int, int], None]


def staging_store(app: Flask | None = None) -> FileStore:
    """Where uploads wait to be imported."""
    return store_for(IMPORTS, app)


def stage_upload(stream: IO[bytes], fmt: str) -> str:
    """Keep the uploaded file under a random name (in the database store, only if the
    request's transaction commits); returns that name."""
    name = f"{secrets.token_urlsafe(16)}.{fmt}"
    store = staging_store()
    store.put(name, stream)
    discard_on_rollback(store, name)
    return name


@contextlib.contextmanager
def staged_path(record: JobRecord) -> Iterator[Path]:
    """A path holding the staged file of ``record`` for the block (readers need a file
    name; from the database store it is a temporary copy)."""
    with staging_store().local_path(record.params["stored"]) as path:
        yield path


def discard_staged(record: JobRecord, app: Flask | None = None) -> None:
    """Remove the staged file (with the database store, when the session commits)."""
    stored = record.params.get("stored")
    if stored:
        staging_store(app).delete(stored)


def cleanup_staged(app: Flask, record: JobRecord) -> None:
    """A pruned record's staged file goes (the pruning task has no app context)."""
    with app.app_context():
        discard_staged(record, app)
        db.session.commit()


def record_progress(huey: Huey, record: JobRecord) -> Progress:
    """Progress reports onto ``record``, at most two a second (and the last one)."""
    last = [0.0]

    def progress(step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done in (0, total) or now - last[0] > 0.5:
            last[0] = now
            records.progress(huey, record, step, done, total)

    return progress
