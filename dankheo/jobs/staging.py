"""Files a job works on: an upload kept under a random name in the import folder
(shared by every web process and consumer) until the job is done with it, and the
progress reports a job makes while it reads one."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from flask import Flask, current_app
from huey import Huey

from . import records
from .records import JobRecord

Progress = Callable[[str, int, int], None]


def import_folder(app: Flask | None = None) -> Path:
    folder = Path((app or current_app).config["IMPORT_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stage_upload(stream: IO[bytes], fmt: str) -> str:
    """Keep the uploaded file under a random name; returns that name."""
    name = f"{secrets.token_urlsafe(16)}.{fmt}"
    with open(import_folder() / name, "wb") as out:
        while chunk := stream.read(1 << 20):
            out.write(chunk)
    return name


def staged_path(record: JobRecord) -> Path:
    return import_folder() / record.params["stored"]


def discard_staged(record: JobRecord, app: Flask | None = None) -> None:
    stored = record.params.get("stored")
    if stored:
        folder = Path((app or current_app).config["IMPORT_FOLDER"])
        with contextlib.suppress(FileNotFoundError):
            os.unlink(folder / stored)


def record_progress(huey: Huey, record: JobRecord) -> Progress:
    """Progress reports onto ``record``, at most two a second (and the last one)."""
    last = [0.0]

    def progress(step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done in (0, total) or now - last[0] > 0.5:
            last[0] = now
            records.progress(huey, record, step, done, total)

    return progress
