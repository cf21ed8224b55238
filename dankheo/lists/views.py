"""The secretariat's official lists: a page with filters, a paged preview and counts,
and the same list as XLSX, DOCX, a print page and a PDF.

Everything is a GET with the filters in the query string, so each download is the list
on screen. The lists read only; nothing is written, so nothing is committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from .. import clock
from ..auth.scopes import secretariat_scopes
from ..campaigns.models import Campaign
from ..domain import N_
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..forms_common import page_arg
from ..lifecycle import on_error
from ..units.queries import unit_in_scopes, unit_suggestions
from . import queries
from .document import Header, ListDocument, default_place
from .excel import XLSX, write_list_xlsx
from .forms import STAGE_OUTCOMES, IssueForm, ListForm
from .jobs import job_threshold, needs_job
from .pdf import PDF, write_list_pdf
from .proof import issued_for
from .queries import RECOMMENDED_STATES, GroupBy, ListFilters, ListType
from .word import DOCX, write_list_docx

bp = Blueprint("lists", __name__, url_prefix="/admin/lists")

#: Longest list laid out as a document (print page, DOCX, PDF); Excel has no limit.
MAX_DOCUMENT_ROWS = 5000


@bp.before_request
@login_required
def _require_secretariat():
    if not secretariat_scopes(current_user):
        abort(403)


def _scopes() -> list[str]:
    return secretariat_scopes(current_user)


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not queries.can_list(_scopes(), campaign):
        abort(404)
    return campaign


def _form(campaign: Campaign) -> ListForm:
    form = ListForm(formdata=request.args)
    form.set_choices(campaign)
    # A campaign without stages has nothing to choose; the filters refuse a stage list.
    form.stage_id.validate_choice = bool(campaign.stages)
    form.unit.suggestions = unit_suggestions(_scopes())
    args = request.args
    if not args.get("stage_id") and campaign.stages:
        form.stage_id.data = str(campaign.stages[-1].id)
    if "issuing_body" not in args:
        home = current_user.unit or campaign.unit
        form.issuing_body.data = home.name.upper()
    if "place" not in args:
        form.place.data = default_place(campaign.unit.name)
    if "list_date" not in args:
        form.list_date.data = clock.today()
    return form


def _filters(campaign: Campaign, form: ListForm) -> ListFilters:
    """The filters the form asks for, every object checked against the campaign and
    the scope; a refusal names its field."""
    if not form.validate():
        raise InvalidInput(N_("Bộ lọc chưa hợp lệ: hãy xem các mục được đánh dấu."))
    list_type = ListType(form.list_type.data)
    stages = {str(s.id): s for s in campaign.stages}
    stage = stages.get(form.stage_id.data or "")
    if list_type == ListType.STAGE and stage is None:
        raise InvalidInput(
            N_("Đợt thi đua này chưa có vòng thẩm định."), field="stage_id"
        )
    outcome = form.outcome.data or None
    allowed = (
        RECOMMENDED_STATES if list_type == ListType.RECOMMENDED else STAGE_OUTCOMES
    )
    if outcome and outcome not in [str(a) for a in allowed]:
        raise InvalidInput(
            N_("Kết quả này không áp dụng cho loại danh sách đã chọn."),
            field="outcome",
        )
    forms = {str(f.id): f for f in campaign.commendation_forms}
    unit = None
    if form.unit.data:
        unit = unit_in_scopes(form.unit.data, _scopes())
        if unit is None:
            raise InvalidInput(
                N_("Không có đơn vị mã “%(code)s” trong phạm vi của bạn."),
                field="unit",
                code=form.unit.data,
            )
    return ListFilters(
        campaign=campaign,
        list_type=list_type,
        stage=stage,
        outcome=outcome,
        form=forms.get(form.form_id.data or ""),
        default_form=forms.get(form.default_form_id.data or ""),
        unit=unit,
        kind=form.kind.data or None,
        group_by=GroupBy(form.group_by.data),
    )


def _header(form: ListForm) -> Header:
    return Header(
        issuing_body=form.issuing_body.data or "",
        doc_number=(form.doc_number.data or "").strip(),
        doc_date=form.doc_date.data,
        place=(form.place.data or "").strip(),
        list_date=form.list_date.data,
        signer_title=form.signer_title.data or "",
        signer_name=form.signer_name.data or "",
    )


def _document(campaign: Campaign, form: ListForm) -> ListDocument:
    plan = queries.plan_list(_filters(campaign, form), _scopes())
    return ListDocument(plan, _header(form))


def _bounded(doc: ListDocument) -> ListDocument:
    limit = current_app.config.get("LISTS_MAX_DOCUMENT_ROWS", MAX_DOCUMENT_ROWS)
    if doc.total > limit:
        raise InvalidInput(
            N_(
                "Danh sách có %(count)s hồ sơ, quá dài để dàn trang (tối đa %(max)s): "
                "hãy lọc bớt hoặc tải bản Excel."
            ),
            count=doc.total,
            max=limit,
        )
    return doc


def _back(campaign: Campaign) -> None:
    """A download that refuses sends the user back to the page, filters kept."""
    # Any: url_for's own keyword arguments (``_external``...) are not strings.
    filters: dict[str, Any] = request.args.to_dict()
    on_error(redirect_to=url_for("lists.campaign", campaign_id=campaign.id, **filters))


@bp.get("/")
def index():
    campaigns = queries.visible_campaigns(_scopes())
    if len(campaigns) == 1:
        return redirect(url_for("lists.campaign", campaign_id=campaigns[0].id))
    return render_template("lists/index.html", campaigns=campaigns)


@bp.get("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = _form(campaign)
    on_error("lists/campaign.html", campaign=campaign, form=form, doc=None)
    doc = _document(campaign, form)
    page = page_arg()
    per_page = current_app.config["PAGE_SIZE"]
    pages = max(1, -(-doc.total // per_page))
    page = min(page, pages)
    start = (page - 1) * per_page
    issued_lists = issued_for(campaign, _scopes())
    issue_form = IssueForm(formdata=None)
    issue_form.set_choices([i for i in issued_lists if i.in_force])
    return render_template(
        "lists/campaign.html",
        campaign=campaign,
        form=form,
        doc=doc,
        issued_lists=issued_lists,
        issue_form=issue_form,
        lines=list(doc.lines(start, start + per_page)),
        page=page,
        pages=pages,
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.get("/campaigns/<int:campaign_id>/print")
def print_list(campaign_id: int):
    campaign = _campaign(campaign_id)
    _back(campaign)
    doc = _bounded(_document(campaign, _form(campaign)))
    return render_template("lists/print.html", campaign=campaign, doc=doc)


def _download(body, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


MIMETYPES = {"xlsx": XLSX, "docx": DOCX, "pdf": PDF}


def campaign_in_scope(campaign_id: int) -> Campaign:
    """:func:`_campaign` for a background job (a refusal, not an HTTP abort)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not queries.can_list(_scopes(), campaign):
        raise NotFound()
    return campaign


def _laid_out(campaign: Campaign, fmt: str) -> ListDocument:
    doc = _document(campaign, _form(campaign))
    return doc if fmt == "xlsx" else _bounded(doc)


def render_file(
    campaign: Campaign, fmt: str, *, progress: Callable[[int, int], None] | None = None
) -> tuple[bytes, str]:
    """The list of the request's filters written whole in ``fmt`` (a background job
    replays the request here), with its file name."""
    doc = _laid_out(campaign, fmt)
    doc.progress = progress
    if fmt == "xlsx":
        data = b"".join(write_list_xlsx(doc))
    elif fmt == "docx":
        data = write_list_docx(doc)
    else:
        data = write_list_pdf(doc)
    return data, doc.filename(fmt)


def _deliver(campaign_id: int, fmt: str):
    """The file at once for a list of ordinary length; a long one is offered as a
    background job (the page that starts it)."""
    campaign = _campaign(campaign_id)
    _back(campaign)
    doc = _laid_out(campaign, fmt)
    if needs_job(doc):
        return render_template(
            "lists/prepare.html",
            campaign=campaign,
            doc=doc,
            fmt=fmt,
            threshold=job_threshold(),
            args={k: v for k, v in request.args.items() if k != "page"},
        )
    if fmt == "xlsx":
        body: Any = stream_with_context(write_list_xlsx(doc))
    elif fmt == "docx":
        body = write_list_docx(doc)
    else:
        body = write_list_pdf(doc)
    return _download(body, MIMETYPES[fmt], doc.filename(fmt))


@bp.get("/campaigns/<int:campaign_id>/list.xlsx")
def download_xlsx(campaign_id: int):
    return _deliver(campaign_id, "xlsx")


@bp.get("/campaigns/<int:campaign_id>/list.docx")
def download_docx(campaign_id: int):
    return _deliver(campaign_id, "docx")


@bp.get("/campaigns/<int:campaign_id>/list.pdf")
def download_pdf(campaign_id: int):
    return _deliver(campaign_id, "pdf")


# The issue action, the issued lists' pages and the background lists' pages are on
# this blueprint too.
from . import issued_views, job_views  # noqa: E402, F401
