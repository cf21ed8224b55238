"""The flags of possible duplicates, and the candidate keys that find them cheaply."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..domain.similarity import DuplicateKind, FlagStatus
from ..extensions import Model
from ..models_base import check_in
from ..registry.models import Exemplar


class DuplicateKey(Model):
    """One LSH band key of a submitted exemplar (see :mod:`dankheo.domain.similarity`):
    two exemplars sharing a key are candidates, checked exactly before any flag."""

    __tablename__ = "duplicate_keys"
    __table_args__ = (
        # The lookup (key -> exemplars) and the self-join of the full check.
        Index("ix_duplicate_keys_key", "key", "exemplar_id"),
    )

    exemplar_id: Mapped[int] = mapped_column(
        ForeignKey("exemplars.id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    key: Mapped[int] = mapped_column(BigInteger)
    # Copies of the exemplar's campaign and unit (neither ever changes), so candidate
    # pairs are narrowed in the join itself.
    campaign_id: Mapped[int]
    unit_id: Mapped[int]

    def __repr__(self) -> str:
        return f"<DuplicateKey {self.exemplar_id} {self.band}>"


class DuplicateFlag(Model):
    """A pair of exemplars that may be one nomination twice.

    ``first`` and ``second`` are ordered by :func:`~dankheo.domain.similarity.pair_kind`
    (for ``recycled``: the earlier year first, ``second`` registered as new), so a pair
    has one row. The secretariat's decision (who, when, why) stays with the row: a
    dismissed pair is never opened again, whatever a later check finds.
    """

    __tablename__ = "duplicate_flags"
    __table_args__ = (
        UniqueConstraint("first_id", "second_id"),
        check_in("kind", DuplicateKind.values(), "kind"),
        check_in("status", FlagStatus.values(), "status"),
        CheckConstraint("first_id <> second_id", name="distinct_pair"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
        Index("ix_duplicate_flags_second", "second_id"),
        Index("ix_duplicate_flags_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("exemplars.id"))
    second_id: Mapped[int] = mapped_column(ForeignKey("exemplars.id"))
    kind: Mapped[str] = mapped_column(String(20))
    #: Exact Jaccard similarity of the names, of the texts, and the larger of the two.
    name_score: Mapped[float] = mapped_column(Float)
    text_score: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=FlagStatus.OPEN)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")

    first: Mapped[Exemplar] = relationship(foreign_keys=[first_id])
    second: Mapped[Exemplar] = relationship(foreign_keys=[second_id])
    decided_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return (
            f"<DuplicateFlag {self.first_id}~{self.second_id} {self.kind} "
            f"{self.status} {self.score:.2f}>"
        )

    @property
    def kind_label(self) -> str:
        return DuplicateKind(self.kind).label

    @property
    def status_label(self) -> str:
        return FlagStatus(self.status).label

    def other(self, exemplar_id: int) -> Exemplar:
        return self.second if exemplar_id == self.first_id else self.first
