"""The import as a job record: the staged upload, the check and the write run in the
request for a small file or as a background job (:mod:`dankheo.jobs`) whose
progress the page polls."""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from typing import IO

from flask import Flask

from ...auth.models import User
from ...campaigns.models import Campaign
from ...db import transaction_intent
from ...domain import N_
from ...errors import InvalidInput, NotAllowed
from ...extensions import db
from ...jobs import (
    queue_for,
    records,
    register_handler,
    running_for_owner,
    save_after_commit,
    start,
)
from ...jobs.records import JobRecord
from ...jobs.staging import (
    cleanup_staged,
    discard_staged,
    record_progress,
    stage_upload,
    staged_path,
)
from .checking import Outcome, check, context_for
from .columns import limit
from .reading import FileRefused, detect_format, estimated_rows
from .writing import import_file

JOB_KIND = "import_exemplars"


def run_record(
    record: JobRecord, actor: User | None, huey, *, apply: bool, separate_read: bool
) -> Outcome:
    """Check (and with ``apply`` write) the staged file of ``record`` in the current
    session, reporting progress on the record; the caller commits or rolls back."""
    campaign = db.session.get(Campaign, record.params["campaign_id"])
    if campaign is None:
        raise InvalidInput(N_("Không tìm thấy đợt đăng ký."))
    ctx = context_for(campaign, actor)
    fmt = record.params["format"]
    progress = record_progress(huey, record)
    # The file is read whole (into the outcome's spool) within the block.
    with staged_path(record) as path:
        if apply:
            return import_file(ctx, path, fmt, progress, separate_read=separate_read)
        return check(ctx, path, fmt, progress)


def finish_record(
    record: JobRecord, outcome: Outcome, *, applied: bool, discard: bool = True
) -> None:
    """Copy the outcome onto the record; the staged file goes once it is of no use."""
    if applied and outcome.ok:
        state = "done"
        record.result["created"] = outcome.written
        record.result.pop("committing", None)
    elif (
        record.result.pop("committing", False)
        and outcome.rows
        and outcome.db_duplicates == outcome.error_count == outcome.rows
    ):
        # An earlier attempt committed and died before saying so: every row is
        # already in the database, exactly once.
        state = "done"
        record.result["created"] = outcome.rows
        outcome.errors, outcome.error_count = [], 0
    else:
        state = "ready" if outcome.ok else "invalid"
    record.state = state
    record.errors = [asdict(e) for e in outcome.errors]
    record.error_count = outcome.error_count
    record.result.update(rows=outcome.rows, sample=outcome.sample)
    if discard and state in ("done", "invalid"):
        discard_staged(record)


def run_job(app: Flask, record: JobRecord) -> None:
    """Background handler: check, or check and write, one staged file.

    A job has no request: it opens its own app context and commits itself. The file is
    the batch: one commit after every row is in, so a job killed half-way leaves
    nothing and runs again from the start (see :func:`dankheo.jobs.recover_stale`)."""
    huey = queue_for(app).huey
    apply = record.params.get("phase") == "apply"
    with app.app_context(), contextlib.ExitStack() as stack:
        try:
            # Up to the write step the job only reads: on SQLite the check of thousands
            # of rows must not hold the write lock (import_file takes it to write).
            with transaction_intent(write=False):
                try:
                    # The job acts for its uploader.
                    actor = stack.enter_context(running_for_owner(huey, record, User))
                    outcome = run_record(
                        record, actor, huey, apply=apply, separate_read=True
                    )
                except (InvalidInput, NotAllowed) as exc:
                    db.session.rollback()
                    records.fail(huey, record, exc.template, **exc.values)
                    discard_staged(record)
                    db.session.commit()  # the database store deletes in a transaction
                    return
            try:
                if apply and outcome.ok:
                    record.state = "committing"
                    record.result["committing"] = True
                    records.save(huey, record)
                    db.session.commit()
                else:
                    db.session.rollback()
                finish_record(record, outcome, applied=apply)
                db.session.commit()  # the staged file's removal, if any
                records.save(huey, record)
            finally:
                outcome.close()
        finally:
            db.session.remove()


def start_import(
    *, campaign: Campaign, actor: User, stream: IO[bytes], filename: str
) -> JobRecord:
    """Keep the uploaded file and check it: here for a small file, else as a job.

    The XLSX limits are checked before any row is read; a refused file is not kept."""
    context_for(campaign, actor)  # refuses a closed campaign or a foreign one
    fmt = detect_format(filename)
    stored = stage_upload(stream, fmt)
    record = JobRecord(
        kind=JOB_KIND,
        owner_id=actor.id,
        params={
            "campaign_id": campaign.id,
            "stored": stored,
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
    if rows > limit("BULK_INLINE_ROWS"):
        start(record)
        return record
    record.state = "running"
    outcome = run_record(record, actor, huey, apply=False, separate_read=False)
    try:
        finish_record(record, outcome, applied=False)
    finally:
        outcome.close()
    records.save(huey, record)
    return record


def confirm_import(record: JobRecord, *, actor: User) -> JobRecord:
    """Write a checked file: here when it is small (the request commits), else as a job.

    The rows are checked again: the database may have changed since the preview."""
    if record.state != "ready":
        raise InvalidInput(N_("Tệp này không còn chờ xác nhận."))
    record.params["phase"] = "apply"
    if record.result.get("rows", 0) > limit("BULK_INLINE_ROWS"):
        start(record)
        return record
    huey = queue_for().huey
    record.state = "running"
    records.save(huey, record)
    outcome = run_record(record, actor, huey, apply=True, separate_read=False)
    try:
        if outcome.ok:
            # "done" is saved once the request's transaction has committed; if it
            # never does, the record goes stale and a consumer runs it again.
            record.state = "committing"
            record.result["committing"] = True
            records.save(huey, record)
            # The staged file stays until pruning, in case the commit fails.
            finish_record(record, outcome, applied=True, discard=False)
            save_after_commit(record)
        else:
            finish_record(record, outcome, applied=True)
            records.save(huey, record)
    finally:
        outcome.close()
    return record


register_handler(
    JOB_KIND,
    run_job,
    cleanup=cleanup_staged,
)
