"""Appraisal: councils and their members, rounds, votes and scores, stage results,
commendations.

Routing is derived, not stored: the council of an exemplar is the council of its current
stage whose unit is an ancestor (or the unit itself) of the registering unit. Councils of
one stage sit at one tier, so their subtrees never overlap (see
:mod:`dankheo.campaigns.routing` and :func:`.councils.council_for`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..campaigns.models import CommendationForm, Criterion, Stage
from ..db import UTCDateTime, utcnow
from ..domain import N_
from ..domain.enums import LABELS, LabelledEnum
from ..domain.tally import Choice, Outcome
from ..extensions import Model
from ..models_base import check_in
from ..registry.models import Exemplar, History
from ..units.models import Unit


class MemberRole(LabelledEnum):
    CHAIR = "chair"
    SECRETARY = "secretary"
    MEMBER = "member"


LABELS.update(
    {
        MemberRole.CHAIR: N_("Chủ tịch hội đồng"),
        MemberRole.SECRETARY: N_("Thư ký"),
        MemberRole.MEMBER: N_("Thành viên"),
    }
)

ROLE_ORDER = {MemberRole.CHAIR: 0, MemberRole.SECRETARY: 1, MemberRole.MEMBER: 2}


class Council(Model):
    """The appraisal council of one stage at one unit (hội đồng thẩm định)."""

    __tablename__ = "councils"
    __table_args__ = (UniqueConstraint("stage_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stage: Mapped[Stage] = relationship()
    unit: Mapped[Unit] = relationship()
    members: Mapped[list[CouncilMember]] = relationship(
        back_populates="council",
        order_by="CouncilMember.id",
        cascade="all, delete-orphan",
    )
    rounds: Mapped[list[Round]] = relationship(
        back_populates="council", order_by="Round.number", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Council {self.id} stage={self.stage_id} unit={self.unit_id}>"

    @property
    def active_members(self) -> list[CouncilMember]:
        return sorted(
            (m for m in self.members if m.active),
            key=lambda m: (ROLE_ORDER[MemberRole(m.role)], m.id),
        )

    @property
    def open_round(self) -> Round | None:
        return next((r for r in self.rounds if r.closed_at is None), None)

    def member_for(self, user: User) -> CouncilMember | None:
        return next(
            (m for m in self.members if m.user_id == user.id and m.active), None
        )


class CouncilMember(Model):
    __tablename__ = "council_members"
    __table_args__ = (
        UniqueConstraint("council_id", "user_id"),
        check_in("role", MemberRole.values(), "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=MemberRole.MEMBER)
    # Members who leave keep their past votes; they stop counting from then on.
    active: Mapped[bool] = mapped_column(default=True)

    council: Mapped[Council] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<CouncilMember {self.user_id}@{self.council_id} {self.role}>"

    @property
    def role_label(self) -> str:
        return MemberRole(self.role).label

    @property
    def can_close(self) -> bool:
        return self.active and self.role in (MemberRole.CHAIR, MemberRole.SECRETARY)


class Round(Model):
    """A session of a council (phiên thẩm định). At most one is open per council (a
    partial unique index); closing is one conditional UPDATE, so it happens once."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("council_id", "number"),
        Index(
            "uq_rounds_one_open_per_council",
            "council_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        CheckConstraint("vote_writes >= 0", name="vote_writes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    number: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The day the chair plans to close the round; members are reminded before it.
    closes_on: Mapped[date | None]
    # Bumped by every vote write under the same guard as the close (see cast_votes).
    vote_writes: Mapped[int] = mapped_column(default=0)

    council: Mapped[Council] = relationship(back_populates="rounds")
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="round", order_by="Attendance.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Round {self.id} council={self.council_id} #{self.number}>"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Attendance(Model):
    """Who took part in a closed round, written at the close for the minutes."""

    __tablename__ = "round_attendance"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("council_members.id"))
    role: Mapped[str] = mapped_column(String(20))
    votes: Mapped[int] = mapped_column(default=0)

    round: Mapped[Round] = relationship(back_populates="attendance")
    member: Mapped[CouncilMember] = relationship(lazy="joined")

    @property
    def present(self) -> bool:
        return self.votes > 0


class Vote(Model):
    """One member's vote on one exemplar at one stage, editable until the round closes.

    Only votes written in a round (``round_id``) count in that round's tally: after a
    return for supplement or a round without quorum, members vote again."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("member_id", "exemplar_id", "stage_id"),
        check_in("choice", Choice.values(), "choice"),
        CheckConstraint("total_score IS NULL OR total_score >= 0", name="total_score"),
        Index("ix_votes_round_exemplar", "round_id", "exemplar_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("council_members.id"))
    exemplar_id: Mapped[int] = mapped_column(ForeignKey("exemplars.id"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    choice: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    total_score: Mapped[int | None]
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[CouncilMember] = relationship()
    exemplar: Mapped[Exemplar] = relationship()
    scores: Mapped[list[Score]] = relationship(
        back_populates="vote", cascade="all, delete-orphan", order_by="Score.id"
    )

    def __repr__(self) -> str:
        return f"<Vote {self.member_id} on {self.exemplar_id} {self.choice}>"

    @property
    def choice_label(self) -> str:
        return Choice(self.choice).label


class Score(Model):
    """Points given on one rubric criterion; 0..max is checked by the operation."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("vote_id", "criterion_id"),
        CheckConstraint("points >= 0", name="points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"), index=True)
    points: Mapped[int]

    vote: Mapped[Vote] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class ReturnMark(Model):
    """The chair's decision, before the close, to return an exemplar for supplement."""

    __tablename__ = "return_marks"
    __table_args__ = (UniqueConstraint("round_id", "exemplar_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    exemplar_id: Mapped[int] = mapped_column(ForeignKey("exemplars.id"))
    reason: Mapped[str] = mapped_column(Text)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StageResult(Model):
    """The outcome of one exemplar in one closed round: the public record of a stage.

    The showcase reads passed stages (outcome ``passed``), their labels and dates here."""

    __tablename__ = "stage_results"
    __table_args__ = (
        UniqueConstraint("exemplar_id", "round_id"),
        check_in("outcome", Outcome.values(), "outcome"),
        Index("ix_stage_results_stage_outcome", "stage_id", "outcome"),
        Index("ix_stage_results_council_outcome", "council_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exemplar_id: Mapped[int] = mapped_column(ForeignKey("exemplars.id"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    eligible: Mapped[int] = mapped_column(default=0)
    votes: Mapped[int] = mapped_column(default=0)
    approvals: Mapped[int] = mapped_column(default=0)
    rejections: Mapped[int] = mapped_column(default=0)
    abstentions: Mapped[int] = mapped_column(default=0)
    average_score: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A pass the secretariat found wrong and undid (dankheo.secretariat.corrections):
    # the row keeps what the round decided (the minutes, replay), but it is no longer
    # the exemplar's outcome; ``correction`` is the history record with the reason.
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("history.id"))

    exemplar: Mapped[Exemplar] = relationship()
    stage: Mapped[Stage] = relationship()
    council: Mapped[Council] = relationship()
    round: Mapped[Round] = relationship()
    correction: Mapped[History | None] = relationship()

    def __repr__(self) -> str:
        return f"<StageResult {self.exemplar_id} stage={self.stage_id} {self.outcome}>"

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label

    @property
    def in_force(self) -> bool:
        return self.corrected_at is None

    @property
    def passed(self) -> bool:
        return self.outcome == Outcome.PASSED


#: SQL condition: the stage result is still the exemplar's outcome (not corrected).
RESULT_IN_FORCE = StageResult.corrected_at.is_(None)


class DossierSnapshot(Model):
    """The dossier as a council saw it when it returned the exemplar; the resubmission is
    shown to members as a diff against it."""

    __tablename__ = "dossier_snapshots"
    __table_args__ = (Index("ix_dossier_snapshots_exemplar", "exemplar_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exemplar_id: Mapped[int] = mapped_column(ForeignKey("exemplars.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    data: Mapped[dict] = mapped_column(JSON)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Commendation(Model):
    """The commendation decision for a recommended exemplar.

    One decision in force per exemplar (a partial unique index); an annulled one stays
    as the public record that it was annulled, when and why. A corrected one keeps the
    reason and date of its last correction (the audit log keeps the old values).
    """

    __tablename__ = "commendations"
    __table_args__ = (
        Index(
            "uq_commendations_one_in_force",
            "exemplar_id",
            unique=True,
            sqlite_where=text("annulled_at IS NULL"),
            postgresql_where=text("annulled_at IS NULL"),
        ),
        Index("ix_commendations_form", "form_id"),
        # An entry's decisions, annulled ones too (the partial index above skips
        # them): the public page reads the newest without scanning every decision.
        Index("ix_commendations_exemplar", "exemplar_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exemplar_id: Mapped[int] = mapped_column(ForeignKey("exemplars.id"))
    form_id: Mapped[int] = mapped_column(ForeignKey("commendation_forms.id"))
    issuing_body: Mapped[str] = mapped_column(String(200))
    decision_number: Mapped[str] = mapped_column(String(60))
    decision_date: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    annulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    annul_reason: Mapped[str | None] = mapped_column(Text)
    annulled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    exemplar: Mapped[Exemplar] = relationship()
    form: Mapped[CommendationForm] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def in_force(self) -> bool:
        return self.annulled_at is None

    def __repr__(self) -> str:
        return f"<Commendation {self.exemplar_id} {self.decision_number}>"
