"""Issuing an official list, and annulling an issued one.

An issued list is recorded once and never edited: its content and digest are what was
issued. It ends by annulment, or when a later issue supersedes it; either way the
reason is recorded and the verification page shows it. The audit log records every
issue and ending (the model is audited, see :mod:`dankheo.audit.audited`).
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from .. import clock
from ..auth.models import User
from ..db import utcnow
from ..domain import N_
from ..domain.proof import IssueStatus, content_digest, short_digest
from ..errors import Conflict, InvalidInput, RuleRefused
from ..extensions import db
from ..units.models import Unit
from .document import ListDocument
from .models import IssuedList
from .proof import content_of, recorded_filters

log = logging.getLogger(__name__)

#: The longest reason kept for an annulment or a replacement.
MAX_REASON = 2000


def _reason(text: str | None) -> str:
    reason = " ".join((text or "").split())
    if not reason:
        raise InvalidInput(N_("Cần ghi rõ lý do."), field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            N_("Lý do dài quá %(max)s ký tự."), field="reason", max=MAX_REASON
        )
    return reason


def _end(issued: IssuedList, status: IssueStatus, reason: str, actor, **extra) -> None:
    """Move an issued list out of force, unless someone already did (checked on both
    backends with a conditional UPDATE, since SQLite ignores row locks)."""
    result = db.session.execute(
        update(IssuedList)
        .where(IssuedList.id == issued.id, IssuedList.status == IssueStatus.ISSUED)
        .values(
            status=str(status),
            reason=reason,
            ended_at=utcnow(),
            ended_by_id=actor.id if actor else None,
            **extra,
        )
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            N_("Danh sách này vừa được người khác hủy bỏ hoặc thay thế."),
        )


def issue_list(
    doc: ListDocument,
    *,
    scopes: list[str],
    root: Unit,
    actor: User | None,
    supersedes: IssuedList | None = None,
    reason: str | None = None,
) -> IssuedList:
    """Register ``doc`` as issued today by ``actor``: its content (read in full now),
    the SHA-256 of that content, the filters and scope it was computed with.

    The same content cannot be issued twice (one digest, one record): a new issue
    differs by its header (a new number or date). Superseding a list in force of the
    same campaign ends it, with the reason, in the same transaction.
    """
    if not doc.total:
        raise RuleRefused(N_("Danh sách trống: không có gì để ban hành."))
    if supersedes is not None:
        why = _reason(reason)
        if supersedes.campaign_id != doc.plan.filters.campaign.id:
            raise InvalidInput(
                N_("Danh sách được thay thế không thuộc đợt thi đua này."),
                field="supersedes",
            )
        if not supersedes.in_force:
            raise RuleRefused(
                N_("Danh sách được thay thế đã bị hủy bỏ hoặc thay thế trước đó.")
            )
    content = content_of(doc)
    digest = content_digest(content)
    existing = db.session.scalar(
        select(IssuedList.id).where(IssuedList.digest == digest)
    )
    if existing is not None:
        raise RuleRefused(
            N_(
                "Danh sách với đúng nội dung này đã được ban hành (mã %(short)s). "
                "Muốn ban hành lại, hãy ghi số hoặc ngày mới ở phần đầu văn bản."
            ),
            short=short_digest(digest),
        )
    issued = IssuedList(
        digest=digest,
        campaign_id=doc.plan.filters.campaign.id,
        unit_id=root.id,
        title=doc.title,
        subtitle=doc.subtitle,
        issuing_body="\n".join(doc.issuing_lines),
        row_count=doc.total,
        filters=recorded_filters(doc.plan.filters, scopes),
        content=content,
        issued_on=clock.today(),
        issued_by_id=actor.id if actor else None,
        status=str(IssueStatus.ISSUED),
    )
    db.session.add(issued)
    db.session.flush()
    if supersedes is not None:
        _end(
            supersedes,
            IssueStatus.SUPERSEDED,
            why,
            actor,
            superseded_by_id=issued.id,
        )
    log.info(
        "list %s issued (%s entries, digest %s) by user %s%s",
        issued.id,
        issued.row_count,
        digest,
        actor.id if actor else None,
        f", superseding list {supersedes.id}" if supersedes is not None else "",
    )
    return issued


def annul_issued_list(
    issued: IssuedList, *, reason: str | None, actor: User | None
) -> None:
    """End an issued list in force, with the reason (it stays verifiable: the page says
    it was annulled, when and why)."""
    why = _reason(reason)
    if not issued.in_force:
        raise RuleRefused(N_("Danh sách này đã bị hủy bỏ hoặc thay thế."))
    _end(issued, IssueStatus.ANNULLED, why, actor)
    log.info(
        "issued list %s annulled by user %s", issued.id, actor.id if actor else None
    )
