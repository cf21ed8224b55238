"""A large official list laid out in the background.

A list longer than ``LISTS_JOB_THRESHOLD`` entries (300 by default) is written as a job
(:mod:`dankheo.jobs`) instead of in the request: the page shows its progress and, once
it is done, the requester downloads the file. The file is kept in the job store itself
(the queue's SQLite file or Redis), so every web process serves it and it outlives a
restart; it expires after ``LISTS_FILE_HOURS`` (24 by default). Smaller lists are
written in the request as before.

The job lays the list out exactly as the download would have: it replays the request
(its path, filters and language) for the requester, so the same form, filters, scope
checks and writers apply (see :mod:`.views`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from flask_login import login_user

from ..actors import acting_as
from ..auth.models import User
from ..campaigns.models import Campaign
from ..domain import N_
from ..errors import DomainError, NotFound
from ..extensions import db
from ..jobs import queue_for, records, register_handler, start
from ..jobs.records import JobRecord
from .document import ListDocument

JOB_KIND = "official_list"
FORMATS = ("xlsx", "docx", "pdf")


def job_threshold() -> int:
    return int(current_app.config.get("LISTS_JOB_THRESHOLD", 300))


def needs_job(doc: ListDocument) -> bool:
    """True when the list is long enough to be laid out in the background."""
    return doc.total > job_threshold()


def start_list_job(
    *,
    campaign: Campaign,
    fmt: str,
    args: dict[str, str],
    lang: str,
    actor: User,
) -> JobRecord:
    """Queue the layout of ``campaign``'s list (the filters ``args`` of the page) in
    ``fmt`` for ``actor``; it starts once the request has committed."""
    if fmt not in FORMATS:
        raise NotFound()
    record = JobRecord(
        kind=JOB_KIND,
        owner_id=actor.id,
        params={
            "campaign_id": campaign.id,
            "campaign_name": campaign.name[:300],
            "format": fmt,
            "args": {k: v for k, v in args.items() if k != "page"},
            "lang": lang,
        },
    )
    records.save(queue_for().huey, record)
    start(record)
    return record


def _progress(huey, record: JobRecord) -> Callable[[int, int], None]:
    """Progress reports onto ``record``, at most two a second (and the last one)."""
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if done in (1, total) or now - last[0] > 0.5:
            last[0] = now
            records.progress(huey, record, "layout", done, total)

    return report


def _write(record: JobRecord, report: Callable[[int, int], None]) -> tuple[bytes, str]:
    """Lay the list out as the download view would (in the replayed request)."""
    from . import views  # the page's own form, filters and writers

    campaign = views.campaign_in_scope(record.params["campaign_id"])
    return views.render_file(campaign, record.params["format"], progress=report)


def run_job(app: Flask, record: JobRecord) -> None:
    """Background handler: lay the list out and keep the file in the job store."""
    huey = queue_for(app).huey
    params: dict[str, Any] = record.params
    query = {**params["args"], "lang": params["lang"]}
    path = f"/admin/lists/campaigns/{params['campaign_id']}/list.{params['format']}"
    with (
        app.app_context(),
        app.test_request_context(path, query_string=query),
        contextlib.ExitStack() as stack,
    ):
        try:
            owner = db.session.get(User, record.owner_id) if record.owner_id else None
            if owner is None or not owner.is_active:
                records.fail(huey, record, N_("Người yêu cầu không còn hoạt động."))
                return
            login_user(owner)  # the list is scoped to its requester
            stack.enter_context(acting_as(owner))
            record.state = "running"
            records.save(huey, record)
            try:
                data, filename = _write(record, _progress(huey, record))
            except DomainError as exc:
                records.fail(huey, record, exc.template, **exc.values)
                return
            hours = float(app.config.get("LISTS_FILE_HOURS", 24))
            records.put_output(huey, record, data, seconds=hours * 3600)
            record.result["filename"] = filename
            record.state = "done"
            records.save(huey, record)
        finally:
            db.session.rollback()  # it only read
            db.session.remove()


register_handler(
    JOB_KIND,
    run_job,
    cleanup=lambda app, record: records.drop_output(queue_for(app).huey, record),
)
