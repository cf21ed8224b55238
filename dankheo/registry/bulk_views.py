"""Bulk registration pages: the template, the upload, the preview, the confirmation.

Upload -> the file is checked (here, or by a job whose progress the page shows) ->
a preview lists every error with its Excel row number, or the first rows -> the
officer confirms -> every row is written, or none.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField

from .. import clock
from ..campaigns.models import Campaign
from ..extensions import db
from ..forms_common import int_arg, options, required
from ..jobs import queue_for, records
from ..jobs.records import JobRecord
from ..lifecycle import on_error
from . import bulk, queries

bp = Blueprint("bulk", __name__, url_prefix="/registry/import")


class ImportForm(FlaskForm):
    campaign_id = SelectField(_l("Đợt đăng ký"), coerce=int, validators=[required()])
    file = FileField(
        _l("Tệp Excel (.xlsx) hoặc CSV"),
        validators=[FileRequired(_l("Vui lòng chọn tệp."))],
        render_kw={"accept": ".xlsx,.csv"},
    )
    submit = SubmitField(_l("Tải lên và kiểm tra"))


def _campaigns() -> list[Campaign]:
    scopes = bulk.import_scopes(current_user)
    if not scopes:
        abort(403)
    return queries.open_campaigns_for(scopes, clock.today())


def _record(job_id: str) -> JobRecord:
    """The current user's own import; anything else is a 404."""
    record = records.load(queue_for().huey, job_id)
    if (
        record is None
        or record.kind != bulk.JOB_KIND
        or record.owner_id != current_user.id
    ):
        abort(404)
    return record


@bp.route("/", methods=["GET", "POST"])
@login_required
def upload():
    campaigns = _campaigns()
    form = ImportForm()
    form.campaign_id.choices = options(
        (c.id, f"{c.name} ({c.year})") for c in campaigns
    )
    context = {"form": form, "campaigns": campaigns}
    if not form.validate_on_submit():
        return render_template("registry/import.html", **context), (
            400 if form.errors else 200
        )
    campaign = next(c for c in campaigns if c.id == form.campaign_id.data)
    on_error("registry/import.html", **context)
    record = bulk.start_import(
        campaign=campaign,
        actor=current_user,
        stream=form.file.data.stream,
        filename=form.file.data.filename or "",
    )
    return redirect(url_for(".show", job_id=record.id), 303)


@bp.get("/template.xlsx")
@login_required
def template():
    campaign_id = int_arg(request.args.get("campaign"))
    campaign = next((c for c in _campaigns() if c.id == campaign_id), None)
    if campaign is None:
        abort(404)
    body = bulk.write_template(bulk.context_for(campaign, current_user))
    return Response(
        body,
        mimetype=bulk.XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="mau-dang-ky-{campaign.id}.xlsx"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/<job_id>")
@login_required
def show(job_id: str):
    record = _record(job_id)
    campaign = db.session.get(Campaign, record.params["campaign_id"])
    return render_template("registry/import_job.html", record=record, campaign=campaign)


@bp.get("/<job_id>/progress")
@login_required
def progress(job_id: str):
    response = jsonify(_record(job_id).to_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<job_id>/confirm")
@login_required
def confirm(job_id: str):
    record = _record(job_id)
    on_error(redirect_to=url_for(".show", job_id=job_id))
    record = bulk.confirm_import(record, actor=current_user)
    if record.state == "done":
        flash(
            _("Đã nhập %(n)s hồ sơ (bản nháp).", n=record.result.get("created", 0)),
            "success",
        )
    return redirect(url_for(".show", job_id=job_id), 303)
