"""Reading the audit log: the filtered, scoped records, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, false, or_, select

from .models import AuditRecord


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    object_type: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None
    exemplar_id: int | None = None
    #: Materialised path of a unit: records of objects in its subtree.
    unit_path: str | None = None


def _start_of(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


def audit_records(
    scopes: list[str] | None, filters: AuditFilters, tz: str = "Asia/Ho_Chi_Minh"
) -> Select:
    """Records the reader may see (``scopes``: unit paths; None: everything, for an
    administrator) that match ``filters``, newest first. Days are the reader's days
    (``tz``), not UTC's."""
    stmt = select(AuditRecord)
    if scopes is not None:
        if not scopes:
            return stmt.where(false())
        stmt = stmt.where(or_(*[AuditRecord.unit_path.startswith(p) for p in scopes]))
    if filters.actor:
        # The label is "Name (username)": a username or part of the name finds it.
        for word in filters.actor.split():
            stmt = stmt.where(
                AuditRecord.actor_label.ilike(f"%{_escape(word)}%", escape="\\")
            )
    if filters.object_type:
        stmt = stmt.where(AuditRecord.object_type == filters.object_type)
    if filters.action:
        stmt = stmt.where(AuditRecord.action == filters.action)
    if filters.date_from:
        stmt = stmt.where(AuditRecord.at >= _start_of(filters.date_from, tz))
    if filters.date_to:
        stmt = stmt.where(
            AuditRecord.at < _start_of(filters.date_to + timedelta(days=1), tz)
        )
    if filters.exemplar_id:
        stmt = stmt.where(AuditRecord.exemplar_id == filters.exemplar_id)
    if filters.unit_path:
        stmt = stmt.where(AuditRecord.unit_path.startswith(filters.unit_path))
    return stmt.order_by(AuditRecord.id.desc())


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
