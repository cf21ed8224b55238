"""Issuing the list on screen, and an issued list's page, documents and annulment
(secretariat only; the routes are on the lists blueprint).

An issued list is an official Vietnamese document: its title was recorded in
Vietnamese, and its files are always laid out in Vietnamese, whatever the reader's
interface language, so every copy says the same words.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..domain import N_
from ..errors import InvalidInput
from ..extensions import db
from ..lifecycle import on_error
from . import qr, queries
from .document import ListDocument
from .excel import XLSX, write_list_xlsx
from .forms import AnnulForm, IssueForm
from .models import IssuedList
from .operations import annul_issued_list, issue_list
from .pdf import PDF, write_list_pdf
from .proof import issued_document, issued_for, manages, verification_url
from .verification import check, shown
from .views import (
    _back,
    _bounded,
    _campaign,
    _download,
    _filters,
    _form,
    _header,
    _scopes,
    bp,
)
from .word import DOCX, write_list_docx


def _issued(issued_id: int) -> IssuedList:
    issued = db.session.get(IssuedList, issued_id)
    if issued is None or not manages(issued, _scopes()):
        abort(404)
    return issued


@bp.post("/campaigns/<int:campaign_id>/issue")
def issue(campaign_id: int):
    """Issue the list the query string describes (the page's filters and header)."""
    campaign = _campaign(campaign_id)
    _back(campaign)
    choices = [i for i in issued_for(campaign, _scopes()) if i.in_force]
    form = IssueForm()
    form.set_choices(choices)
    if not form.validate():
        raise InvalidInput(N_("Lựa chọn thay thế chưa hợp lệ."))
    supersedes = next((i for i in choices if str(i.id) == form.supersedes.data), None)
    scopes = _scopes()
    with force_locale("vi"):
        list_form = _form(campaign)
        filters = _filters(campaign, list_form)
        plan = queries.plan_list(filters, scopes)
        doc = _bounded(ListDocument(plan, _header(list_form)))
        issued = issue_list(
            doc,
            scopes=scopes,
            root=queries.list_root(filters, scopes),
            actor=current_user,
            supersedes=supersedes,
            reason=form.reason.data,
        )
    flash(
        _("Đã ban hành danh sách. Mã xác thực: %(short)s.", short=issued.short),
        "success",
    )
    return redirect(url_for("lists.issued", issued_id=issued.id), 303)


@bp.get("/issued/<int:issued_id>")
def issued(issued_id: int):
    issued = _issued(issued_id)
    return render_template(
        "lists/issued.html",
        issued=issued,
        check=check(issued),
        shown=shown,
        form=AnnulForm(),
        qr_svg=_qr(issued),
    )


def _qr(issued: IssuedList):
    return qr.svg(
        verification_url(issued.digest), _("Mã QR dẫn tới trang kiểm tra danh sách")
    )


@bp.post("/issued/<int:issued_id>/annul")
def annul(issued_id: int):
    issued = _issued(issued_id)
    form = AnnulForm()
    on_error(
        "lists/issued.html",
        issued=issued,
        check=check(issued),
        shown=shown,
        form=form,
        qr_svg=_qr(issued),
    )
    if not form.validate():
        raise InvalidInput(N_("Cần ghi rõ lý do."), field="reason")
    annul_issued_list(issued, reason=form.reason.data, actor=current_user)
    flash(_("Đã hủy bỏ danh sách đã ban hành."), "success")
    return redirect(url_for("lists.issued", issued_id=issued_id), 303)


def _vi_document(issued_id: int) -> ListDocument:
    return issued_document(_issued(issued_id))


@bp.get("/issued/<int:issued_id>/print")
def print_issued(issued_id: int):
    with force_locale("vi"):
        doc = _vi_document(issued_id)
        assert doc.proof is not None
        return render_template(
            "lists/print.html",
            campaign=doc.plan.filters.campaign,
            doc=doc,
            back_url=url_for("lists.issued", issued_id=issued_id),
            qr_svg=qr.svg(doc.proof.url, _("Mã QR dẫn tới trang kiểm tra danh sách")),
        )


@bp.get("/issued/<int:issued_id>/list.xlsx")
def issued_xlsx(issued_id: int) -> Response:
    with force_locale("vi"):
        doc = _vi_document(issued_id)
        body = b"".join(write_list_xlsx(doc))
    return _download(body, XLSX, doc.filename("xlsx"))


@bp.get("/issued/<int:issued_id>/list.docx")
def issued_docx(issued_id: int) -> Response:
    with force_locale("vi"):
        doc = _vi_document(issued_id)
        body = write_list_docx(doc)
    return _download(body, DOCX, doc.filename("docx"))


@bp.get("/issued/<int:issued_id>/list.pdf")
def issued_pdf(issued_id: int) -> Response:
    with force_locale("vi"):
        doc = _vi_document(issued_id)
        body = write_list_pdf(doc)
    return _download(body, PDF, doc.filename("pdf"))
