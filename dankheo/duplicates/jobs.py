"""The back-fill as a background job (kind ``find_duplicates``): one transaction,
committed at the end, progress in the job record."""

from __future__ import annotations

from flask import Flask

from ..jobs import queue_for, records, register_handler, start
from ..jobs.records import JobRecord

JOB_KIND = "find_duplicates"


def run_job(app: Flask, record: JobRecord) -> None:
    from ..extensions import db
    from .backfill import find_duplicates

    huey = queue_for(app).huey
    with app.app_context():
        try:
            record.state = "running"
            records.save(huey, record)
            summary = find_duplicates(
                campaign_id=record.params.get("campaign_id"),
                reindex=bool(record.params.get("reindex")),
                progress=lambda step, done, total: records.progress(
                    huey, record, step, done, total
                ),
            )
            db.session.commit()
            record.state = "done"
            record.result = {
                "indexed": summary.indexed,
                "candidates": summary.candidates,
                "found": summary.found,
                "new": summary.new,
                "removed": summary.removed,
            }
            records.save(huey, record)
        finally:
            db.session.remove()


def start_scan(
    *, campaign_id: int | None, reindex: bool = False, owner_id: int | None
) -> JobRecord:
    """Queue a back-fill (after the request commits, when inside one)."""
    record = JobRecord(
        kind=JOB_KIND,
        owner_id=owner_id,
        params={"campaign_id": campaign_id, "reindex": reindex},
    )
    records.save(queue_for().huey, record)
    start(record)
    return record


register_handler(JOB_KIND, run_job)
