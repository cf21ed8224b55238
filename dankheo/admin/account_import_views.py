"""Accounts from Excel: the template, the upload, the preview, the confirmation, the
progress of the writing job and the one download of the password file.

Upload -> the file is checked (here, or by a job) -> a preview lists every error with
its Excel row number, or the accounts -> the secretariat confirms -> a job hashes
the passwords and creates every account, or none -> the password file, once.
"""

from __future__ import annotations

from flask import Response, abort, jsonify, redirect, render_template, url_for
from flask_login import current_user

from .. import accounts_import
from ..jobs import queue_for, records
from ..jobs.records import JobRecord
from ..lifecycle import on_error
from ..spreadsheets import XLSX_MIMETYPE, attachment
from .forms import AccountImportForm
from .views import bp


def _record(job_id: str) -> JobRecord:
    """The current user's own accounts import; anything else is a 404."""
    record = records.load(queue_for().huey, job_id)
    if (
        record is None
        or record.kind != accounts_import.JOB_KIND
        or record.owner_id != current_user.id
    ):
        abort(404)
    return record


@bp.route("/users/import", methods=["GET", "POST"])
def user_import():
    form = AccountImportForm()
    if not form.validate_on_submit():
        return render_template("admin/user_import.html", form=form), (
            400 if form.errors else 200
        )
    on_error("admin/user_import.html", form=form)
    record = accounts_import.start_import(
        actor=current_user,
        stream=form.file.data.stream,
        filename=form.file.data.filename or "",
    )
    return redirect(url_for(".user_import_job", job_id=record.id), 303)


@bp.get("/users/import/template.xlsx")
def user_import_template():
    body = accounts_import.write_template(accounts_import.context_for(current_user))
    return Response(
        body,
        mimetype=XLSX_MIMETYPE,
        headers={
            "Content-Disposition": attachment("mau-nhap-tai-khoan.xlsx"),
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/users/import/<job_id>")
def user_import_job(job_id: str):
    record = _record(job_id)
    passwords = (
        records.output_state(queue_for().huey, record)
        if record.state == "done"
        else None
    )
    return render_template(
        "admin/user_import_job.html", record=record, passwords=passwords
    )


@bp.get("/users/import/<job_id>/progress")
def user_import_progress(job_id: str):
    response = jsonify(_record(job_id).to_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/users/import/<job_id>/confirm")
def user_import_confirm(job_id: str):
    record = _record(job_id)
    on_error(redirect_to=url_for(".user_import_job", job_id=job_id))
    accounts_import.confirm_import(record)
    return redirect(url_for(".user_import_job", job_id=job_id), 303)


@bp.post("/users/import/<job_id>/passwords.xlsx")
def user_import_passwords(job_id: str):
    """The password file, once (POST: taking it is a change; nothing prefetches it)."""
    record = _record(job_id)
    if record.state != "done":
        abort(404)
    body = accounts_import.take_password_file(record)
    if body is None:
        return render_template(
            "admin/user_import_passwords_gone.html", record=record
        ), 410
    return Response(
        body,
        mimetype=XLSX_MIMETYPE,
        headers={
            "Content-Disposition": attachment(f"mat-khau-ban-dau-{record.id}.xlsx"),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
