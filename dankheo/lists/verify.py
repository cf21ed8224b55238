"""The public check of an issued list: ``/verify`` and ``/verify/<digest>``.

Anyone holding a printed list (or scanning its QR code) sees what was issued — title,
campaign, issuing body, date, the entries' names and units; never contacts — whether
it is still in force, and whether the records have changed since. Each lookup computes
the list again, so it has a budget per client (``RATELIMIT_VERIFY``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address

from ..domain import N_
from ..domain.proof import parse_digest
from ..errors import InvalidInput, NotFound
from ..extensions import limiter
from ..lifecycle import on_error
from .forms import VerifyForm
from .proof import issued_by_digest
from .verification import check, shown

bp = Blueprint("verify", __name__, url_prefix="/verify")


def _limit() -> str:
    return current_app.config["RATELIMIT_VERIFY"]


_budget = limiter.shared_limit(_limit, scope="verify", key_func=get_remote_address)


def _clean(text: str | None) -> str:
    digest = parse_digest(text or "")
    if digest is None:
        raise InvalidInput(
            N_(
                "Mã xác thực không hợp lệ: cần 64 ký tự từ 0–9 và a–f "
                "(hoặc ít nhất 16 ký tự đầu)."
            ),
            field="digest",
        )
    return digest


@bp.get("")
@_budget
def lookup():
    """The form; with ``?digest=`` the list it names."""
    form = VerifyForm(formdata=request.args)
    on_error("lists/verify.html", form=form, issued=None)
    if "digest" not in request.args:
        return render_template("lists/verify.html", form=form, issued=None)
    digest = _clean(form.digest.data)
    return redirect(url_for("verify.show", digest=digest))


@bp.get("/<digest>")
@_budget
def show(digest: str):
    form = VerifyForm(data={"digest": digest})
    on_error("lists/verify.html", form=form, issued=None)
    cleaned = _clean(digest)
    found = issued_by_digest(cleaned)
    if not found:
        raise NotFound(
            N_("Không có danh sách nào đã ban hành với mã xác thực này."),
            field="digest",
        )
    if len(found) > 1:
        raise InvalidInput(
            N_("Có nhiều danh sách bắt đầu bằng mã này: hãy nhập thêm ký tự."),
            field="digest",
        )
    issued = found[0]
    if issued.digest != digest:
        return redirect(url_for("verify.show", digest=issued.digest))
    return render_template(
        "lists/verify.html",
        form=VerifyForm(data={"digest": issued.digest}),
        issued=issued,
        check=check(issued),
        shown=shown,
    )
