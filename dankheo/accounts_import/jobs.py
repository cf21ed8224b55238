"""The accounts import as a job record: the staged upload is checked (in the request
for a small file, else by a job), and once confirmed a job hashes the passwords and
writes every account, or none. The password file is sealed beside the record for its
owner's one download (:func:`dankheo.jobs.records.seal`)."""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from typing import IO

from flask import Flask
from huey import Huey

from ..auth.models import User
from ..db import transaction_intent
from ..domain import N_
from ..errors import InvalidInput, NotAllowed
from ..extensions import db
from ..jobs import (
    queue_for,
    records,
    register_handler,
    running_for_owner,
    start,
)
from ..jobs.records import JobRecord
from ..jobs.staging import (
    cleanup_staged,
    discard_staged,
    record_progress,
    stage_upload,
    staged_path,
)
from ..registry.bulk.reading import FileRefused, detect_format, estimated_rows
from .checking import Checked, check, context_for
from .columns import limit
from .writing import import_accounts, password_file

JOB_KIND = "import_accounts"


def cause_of(record: JobRecord) -> str:
    """How the audit log names the import: the file and the job."""
    return f"{record.params.get('original_name', '')} (job {record.id})"


def finish_record(record: JobRecord, checked: Checked, *, applied: bool) -> None:
    """Copy the outcome onto the record (the caller saves it, then drops the staged
    file once it is of no use: an attempt killed in between still has its file)."""
    if applied and checked.ok:
        state = "done"
        record.result["created"] = checked.written
    elif (
        record.result.pop("committing", False)
        and checked.rows
        and checked.db_duplicates == checked.rows
    ):
        # An earlier attempt committed and died before saying so: every account is in
        # the database and its password file was sealed before the commit.
        state = "done"
        record.result["created"] = checked.rows
        checked.errors, checked.error_count = [], 0
    else:
        state = "ready" if checked.ok else "invalid"
    record.state = state
    record.errors = [asdict(e) for e in checked.errors]
    record.error_count = checked.error_count
    record.result.pop("committing", None)
    record.result.update(rows=checked.rows, sample=checked.sample())


def save_finished(huey: Huey, record: JobRecord) -> None:
    records.save(huey, record)
    if record.state in ("done", "invalid"):
        discard_staged(record)


def run_job(app: Flask, record: JobRecord) -> None:
    """Background handler: check, or check, hash and write, one staged file.

    The passwords are sealed before the commit (an attempt that dies before it seals
    again when it runs again); the record says "done" once the commit is in."""
    huey = queue_for(app).huey
    apply = record.params.get("phase") == "apply"
    with app.app_context(), contextlib.ExitStack() as stack:
        try:
            # Up to the write step the job only reads: on SQLite a check of thousands
            # of rows must not hold the write lock (import_accounts takes it to write).
            refused: InvalidInput | NotAllowed | None = None
            with transaction_intent(write=False):
                try:
                    # The job acts for its uploader.
                    actor = stack.enter_context(running_for_owner(huey, record, User))
                    path = stack.enter_context(staged_path(record))
                    fmt = record.params["format"]
                    progress = record_progress(huey, record)
                    ctx = context_for(actor)
                    if apply:
                        checked, passwords = import_accounts(
                            ctx, path, fmt, progress, cause=cause_of(record)
                        )
                    else:
                        checked, passwords = check(ctx, path, fmt, progress), []
                except (InvalidInput, NotAllowed) as exc:
                    refused = exc
            if refused is not None:
                db.session.rollback()
                records.fail(huey, record, refused.template, **refused.values)
                discard_staged(record)
                db.session.commit()  # the staged file's removal (database store)
                return
            if apply and checked.ok:
                hours = limit("ACCOUNTS_PASSWORDS_HOURS")
                records.put_output(
                    huey,
                    record,
                    password_file(checked, passwords),
                    seconds=hours * 3600,
                )
                record.result["passwords_hours"] = hours
                record.state = "committing"
                record.result["committing"] = True
                records.save(huey, record)
                try:
                    db.session.commit()
                except BaseException:
                    # Nothing was created: no password file may outlive the attempt.
                    records.drop_output(huey, record)
                    raise
            else:
                db.session.rollback()
            finish_record(record, checked, applied=apply)
            save_finished(huey, record)
            db.session.commit()  # the staged file's removal (database store)
        finally:
            db.session.remove()


def start_import(*, actor: User, stream: IO[bytes], filename: str) -> JobRecord:
    """Keep the uploaded file and check it: here for a small file, else as a job."""
    ctx = context_for(actor)  # refuses an actor who may create no account
    fmt = detect_format(filename)
    record = JobRecord(
        kind=JOB_KIND,
        owner_id=actor.id,
        params={
            "stored": stage_upload(stream, fmt),
            "format": fmt,
            "original_name": filename[:200],
            "phase": "check",
        },
    )
    try:
        with staged_path(record) as path:
            rows = estimated_rows(path, fmt)
    except FileRefused as exc:
        discard_staged(record)
        raise InvalidInput(exc.error.message, field="file", **exc.error.values) from exc
    huey = queue_for().huey
    records.save(huey, record)
    if rows > limit("ACCOUNTS_INLINE_ROWS"):
        start(record)
        return record
    record.state = "running"
    with staged_path(record) as path:
        checked = check(ctx, path, fmt, record_progress(huey, record))
    finish_record(record, checked, applied=False)
    save_finished(huey, record)
    return record


def confirm_import(record: JobRecord) -> JobRecord:
    """Queue the writing: hashing the passwords takes a good part of a second per
    account, so it always runs as a job (it starts once the request has answered)."""
    if record.state != "ready":
        raise InvalidInput(N_("Tệp này không còn chờ xác nhận."))
    record.params["phase"] = "apply"
    start(record)
    return record


def take_password_file(record: JobRecord) -> bytes | None:
    """The password file, the first time it is asked for; None ever after."""
    data = records.take_output(queue_for().huey, record)
    if data is not None:
        record.result["passwords_taken"] = True
        records.save(queue_for().huey, record)
    return data


register_handler(
    JOB_KIND,
    run_job,
    cleanup=cleanup_staged,
)
