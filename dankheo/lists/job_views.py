"""A long list laid out in the background: the page that starts the job, its progress
and the file, for the secretariat member who asked for it only (the routes are on the
lists blueprint; see :mod:`.jobs`)."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from ..jobs import queue_for, records
from ..jobs.records import JobRecord
from ..lifecycle import on_error
from .jobs import FORMATS, JOB_KIND, start_list_job
from .views import MIMETYPES, _campaign, _download, bp


def _record(job_id: str) -> JobRecord:
    """The current user's own list job; anything else is a 404."""
    record = records.load(queue_for().huey, job_id)
    if record is None or record.kind != JOB_KIND or record.owner_id != current_user.id:
        abort(404)
    return record


@bp.post("/campaigns/<int:campaign_id>/list-jobs/<fmt>")
def start_job(campaign_id: int, fmt: str):
    campaign = _campaign(campaign_id)
    if fmt not in FORMATS:
        abort(404)
    # Any: url_for's own keyword arguments (``_external``...) are not strings.
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    on_error(redirect_to=url_for("lists.campaign", campaign_id=campaign.id, **args))
    record = start_list_job(
        campaign=campaign,
        fmt=fmt,
        args=args,
        lang=str(get_locale() or "vi"),
        actor=current_user,
    )
    return redirect(url_for("lists.job", job_id=record.id), 303)


@bp.get("/jobs/<job_id>")
def job(job_id: str):
    record = _record(job_id)
    return render_template(
        "lists/job.html",
        record=record,
        # Expired, or unreadable (sealed under another secret key): no link to it.
        expired=record.state == "done"
        and records.output_state(queue_for().huey, record) == "gone",
    )


@bp.get("/jobs/<job_id>/progress")
def job_progress(job_id: str):
    response = jsonify(_record(job_id).to_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jobs/<job_id>/file")
def job_file(job_id: str):
    record = _record(job_id)
    data = (
        records.read_output(queue_for().huey, record)
        if record.state == "done"
        else None
    )
    if data is None:
        abort(404)
    response = _download(
        data, MIMETYPES[record.params["format"]], record.result["filename"]
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
