"""An objection to one entry of an issued recommended list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..domain.objections import ObjectionOutcome, ObjectionState
from ..extensions import Model
from ..lists.models import IssuedList
from ..models_base import check_in
from ..registry.models import Exemplar


class Objection(Model):
    """Lodged by a signed-in user or by a member of the public who confirms an address
    (then ``token_hash`` holds the hash of the mailed link until it is opened).

    ``email`` and ``user_id`` say who objected: they are read by the secretariat only,
    never by a public page, the API or the audit log. The evidence file, if any, was
    checked like a dossier's attachment (``registry.uploads``).
    """

    __tablename__ = "objections"
    __table_args__ = (
        check_in("state", ObjectionState.values(), "state"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ("
            + ", ".join(f"'{v}'" for v in ObjectionOutcome.values())
            + ")",
            name="outcome",
        ),
        CheckConstraint(
            "(state = 'decided') = (outcome IS NOT NULL)", name="decided_outcome"
        ),
        Index("ix_objections_campaign_state", "campaign_id", "state"),
        Index("ix_objections_exemplar", "exemplar_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    issued_list_id: Mapped[int] = mapped_column(
        ForeignKey("issued_lists.id"), index=True
    )
    exemplar_id: Mapped[int] = mapped_column(ForeignKey("exemplars.id"))
    state: Mapped[str] = mapped_column(String(20), default=ObjectionState.RECEIVED)
    outcome: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str | None] = mapped_column(String(220))
    file_stored_name: Mapped[str | None] = mapped_column(String(60))
    file_content_type: Mapped[str | None] = mapped_column(String(120))
    file_size: Mapped[int | None]
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    issued_list: Mapped[IssuedList] = relationship()
    exemplar: Mapped[Exemplar] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __repr__(self) -> str:
        return f"<Objection {self.id} exemplar={self.exemplar_id} {self.state}>"

    @property
    def state_label(self) -> str:
        return ObjectionState(self.state).label

    @property
    def outcome_label(self) -> str:
        return ObjectionOutcome(self.outcome).label if self.outcome else ""

    @property
    def stored_name(self) -> str:
        """For ``registry.uploads.send_attachment`` (the evidence file's bytes)."""
        return self.file_stored_name or ""

    @property
    def original_name(self) -> str:
        return self.file_name or ""

    @property
    def content_type(self) -> str:
        return self.file_content_type or "application/octet-stream"

    @property
    def sha256(self) -> str | None:
        return self.file_sha256
