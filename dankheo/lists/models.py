"""Issued lists: the official lists the secretariat has issued (ban hành), each with
the digest of its content, so that anyone can check a printed copy later."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..campaigns.models import Campaign
from ..db import UTCDateTime, utcnow
from ..domain.proof import IssueStatus, short_digest
from ..extensions import Model
from ..models_base import check_in
from ..units.models import Unit


class IssuedList(Model):
    """One issued list. ``content`` is what was issued (the rows and the header as
    printed, see :mod:`dankheo.domain.proof`), ``digest`` its SHA-256; ``filters`` the
    choices and the scope it was computed with, so it can be computed again from the
    current records and compared. An issued list is never edited: it is annulled, or
    superseded by a later issue, with the reason recorded."""

    __tablename__ = "issued_lists"
    __table_args__ = (
        check_in("status", IssueStatus.values(), "status"),
        Index("ix_issued_lists_campaign", "campaign_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    #: The unit the list covers (its root), which scopes who manages it.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    subtitle: Mapped[str] = mapped_column(String(600), default="")
    issuing_body: Mapped[str] = mapped_column(String(300), default="")
    row_count: Mapped[int] = mapped_column(default=0)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=IssueStatus.ISSUED)
    #: Why it was annulled or superseded.
    reason: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("issued_lists.id"))

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    superseded_by: Mapped[IssuedList | None] = relationship(
        remote_side=[id], foreign_keys=[superseded_by_id]
    )

    def __repr__(self) -> str:
        return f"<IssuedList {self.id} {self.digest[:16]} {self.status}>"

    @property
    def short(self) -> str:
        return short_digest(self.digest)

    @property
    def status_label(self) -> str:
        return IssueStatus(self.status).label

    @property
    def in_force(self) -> bool:
        return self.status == IssueStatus.ISSUED
