"""Lodging an objection, confirming its address, reviewing and deciding it.

Operations flush and never commit. Log lines name objections and accounts by id, never
by address or token. The audit log records every step (the model is audited, see
:mod:`dankheo.audit.audited`); a withdrawal goes through the secretariat's correction,
so the entry's history chain records it too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from flask import current_app
from flask_babel import force_locale, gettext

from .. import clock
from ..auth.models import User
from ..auth.recovery import new_token, token_digest
from ..db import utcnow
from ..domain import N_
from ..domain.objections import (
    EVIDENCE_MAX,
    OPEN_STATES,
    REASON_MAX,
    REVIEW_MAX,
    ObjectionOutcome,
    ObjectionState,
)
from ..errors import Conflict, InvalidInput, RuleRefused
from ..extensions import db
from ..formatting import day
from ..lists.models import IssuedList
from ..locking import lock_rows
from ..outbox import absolute_url, compose, send_after_commit
from ..registry.models import Exemplar
from ..registry.uploads import store_upload
from ..secretariat.corrections import correct_pass
from .models import Objection
from .queries import entries_of, lists_taking_objections, window_of

log = logging.getLogger(__name__)


def _text(value: str | None, limit: int, field: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(N_("Cần ghi rõ lý do."), field=field)
    if len(text) > limit:
        raise InvalidInput(
            N_("Nội dung dài quá %(max)s ký tự."), field=field, max=limit
        )
    return text


def _locked(objection: Objection) -> Objection:
    """Lock the objection's row until commit and read it afresh, so two members
    stepping it at once are served one after the other: the second sees the first's
    outcome and is refused (on PostgreSQL it waits; SQLite serialises writers)."""
    found = lock_rows(Objection, Objection.id == objection.id)
    if not found:
        raise Conflict(N_("Phản ánh này đã được xử lý."))
    return found[0]


def check_window(issued: IssuedList) -> None:
    """Refuse outside the list's window, saying its dates."""
    if not lists_taking_objections(issued):
        raise RuleRefused(
            N_(
                "Danh sách này không nhận phản ánh, kiến nghị (không phải danh sách "
                "đề nghị khen thưởng đang có hiệu lực)."
            )
        )
    win = window_of(issued)
    if not win.is_open(clock.today()):
        raise RuleRefused(
            N_(
                "Thời hạn nhận phản ánh, kiến nghị đối với danh sách này là từ ngày "
                "%(opens)s đến hết ngày %(closes)s; hiện không trong thời hạn."
            ),
            opens=day(win.opens),
            closes=day(win.closes),
        )


@dataclass(frozen=True)
class _Recipient:
    """Whom the address check is mailed to (``outbox.compose`` reads these)."""

    name: str
    email: str
    language: str = "vi"


def lodge_objection(
    issued: IssuedList,
    exemplar: Exemplar,
    *,
    reason: str | None,
    evidence: str | None,
    email: str | None,
    actor: User | None,
    stream: BinaryIO | None = None,
    filename: str | None = None,
) -> Objection:
    """Record an objection to ``exemplar`` as listed in ``issued``, inside the window.

    A signed-in ``actor``'s objection is received at once. Anyone else's waits for the
    address to be confirmed: a single-use link (only its hash kept) is mailed after the
    commit and expires after ``EMAIL_TOKEN_HOURS``. The evidence file is checked and
    stored like a dossier's attachment, and removed if the transaction rolls back.
    """
    check_window(issued)
    if exemplar.id not in {r["id"] for r in entries_of(issued)}:
        raise InvalidInput(
            N_("Hồ sơ này không có trong danh sách đã ban hành."), field="entry"
        )
    reason = _text(reason, REASON_MAX, "reason", required=True)
    evidence = _text(evidence, EVIDENCE_MAX, "evidence", required=False)
    email = (email or "").strip().lower()
    if actor is None and not email:
        raise InvalidInput(N_("Cần nhập địa chỉ email để xác nhận."), field="email")
    if actor is not None and not email:
        email = (actor.email or "").lower()
    objection = Objection(
        campaign_id=issued.campaign_id,
        issued_list_id=issued.id,
        exemplar_id=exemplar.id,
        reason=reason,
        evidence=evidence,
        email=email[:200],
        user_id=actor.id if actor is not None else None,
    )
    if stream is not None and filename:
        stored = store_upload(stream, filename)
        objection.file_name = stored.original_name
        objection.file_stored_name = stored.stored_name
        objection.file_content_type = stored.content_type
        objection.file_size = stored.size
        objection.file_sha256 = stored.sha256
    now = utcnow()
    if actor is not None:
        objection.state = str(ObjectionState.RECEIVED)
        objection.received_at = now
        db.session.add(objection)
        db.session.flush()
        log.info("objection %s lodged by user %s", objection.id, actor.id)
        return objection
    token, token_hash = new_token()
    hours = int(current_app.config["EMAIL_TOKEN_HOURS"])
    objection.state = str(ObjectionState.UNVERIFIED)
    objection.token_hash = token_hash
    objection.token_expires_at = now + timedelta(hours=hours)
    db.session.add(objection)
    db.session.flush()
    with force_locale("vi"):
        mail = compose(
            _Recipient(name=gettext("Quý vị"), email=email),
            gettext("Xác nhận phản ánh, kiến nghị về danh sách đề nghị khen thưởng"),
            gettext(
                "Có phản ánh, kiến nghị về hồ sơ “%(name)s” được gửi kèm địa chỉ "
                "email này. Mở liên kết dưới đây trong %(hours)s giờ để xác nhận; "
                "chỉ khi đó phản ánh mới được chuyển đến cơ quan thường trực. Nếu "
                "không phải bạn gửi, hãy bỏ qua thư này.",
                name=exemplar.name,
                hours=hours,
            ),
            absolute_url("objections.confirm", token=token),
            gettext("Xác nhận phản ánh"),
            account=False,
        )
    send_after_commit(db.session(), mail)
    log.info("objection %s lodged, awaiting its address's confirmation", objection.id)
    return objection


def confirm_objection(token: str) -> Objection:
    """Receive the objection whose mailed link this is (once, before it expires)."""
    found = None
    if token and len(token) <= 100:
        # Locked: a second click of the link waits for the first, then finds the
        # token gone.
        rows = lock_rows(Objection, Objection.token_hash == token_digest(token))
        found = rows[0] if rows else None
    if (
        found is None
        or found.state != ObjectionState.UNVERIFIED
        or found.token_expires_at is None
        or found.token_expires_at <= utcnow()
    ):
        raise Conflict(N_("Liên kết xác nhận không hợp lệ, đã dùng hoặc đã hết hạn."))
    # A list annulled, or a window closed, since the objection was lodged.
    check_window(found.issued_list)
    found.state = str(ObjectionState.RECEIVED)
    found.received_at = utcnow()
    found.token_hash = None
    db.session.flush()
    log.info("objection %s confirmed and received", found.id)
    return found


def start_review(objection: Objection, *, note: str | None, actor: User) -> None:
    """Record that the secretariat is looking into a received objection."""
    objection = _locked(objection)
    if objection.state != ObjectionState.RECEIVED:
        raise Conflict(N_("Phản ánh này không ở trạng thái chờ xem xét."))
    objection.review = _text(note, REVIEW_MAX, "note", required=True)
    objection.state = str(ObjectionState.REVIEWING)
    objection.reviewed_at = utcnow()
    objection.reviewed_by_id = actor.id
    db.session.flush()
    log.info("objection %s under review by user %s", objection.id, actor.id)


def decide_objection(
    objection: Objection, *, outcome: str, note: str | None, actor: User
) -> None:
    """Set the outcome, with its reason.

    ``withdrawn`` takes the entry off the list through the secretariat's correction
    (:func:`~dankheo.secretariat.corrections.correct_pass`: a recommendation goes back
    to the last stage, a commendation is annulled), so the entry's history records it;
    ``corrected`` records that the entry was corrected through that page;
    ``dismissed`` changes nothing else.
    """
    objection = _locked(objection)
    if objection.state not in OPEN_STATES:
        raise Conflict(N_("Phản ánh này đã được xử lý."))
    try:
        result = ObjectionOutcome(outcome)
    except ValueError:
        raise InvalidInput(N_("Kết quả xử lý không hợp lệ."), field="outcome") from None
    note = _text(note, REVIEW_MAX, "note", required=True)
    if result == ObjectionOutcome.WITHDRAWN:
        with force_locale("vi"):  # the history is kept in Vietnamese
            why = gettext(
                "Theo phản ánh, kiến nghị số %(id)s: %(note)s",
                id=objection.id,
                note=note,
            )
        correct_pass(objection.exemplar, reason=why, actor=actor)
    now = utcnow()
    if objection.reviewed_at is None:
        objection.reviewed_at = now
        objection.reviewed_by_id = actor.id
    objection.state = str(ObjectionState.DECIDED)
    objection.outcome = str(result)
    objection.decision_note = note
    objection.decided_at = now
    objection.decided_by_id = actor.id
    db.session.flush()
    log.info(
        "objection %s decided (%s) by user %s", objection.id, result.value, actor.id
    )
