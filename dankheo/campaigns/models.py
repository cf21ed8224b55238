from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..domain.enums import CampaignStatus, UnitTier
from ..domain.objections import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, MIN_WINDOW_DAYS
from ..extensions import Model
from ..models_base import check_in
from ..units.models import Unit


class Campaign(Model):
    """One year (or period) of the movement in a unit subtree (usually a province)."""

    __tablename__ = "campaigns"
    __table_args__ = (
        check_in("status", CampaignStatus.values(), "status"),
        CheckConstraint(
            "registration_closes IS NULL OR registration_opens IS NULL"
            " OR registration_closes >= registration_opens",
            name="registration_window",
        ),
        CheckConstraint(
            f"objection_days >= {MIN_WINDOW_DAYS} AND objection_days <= {MAX_WINDOW_DAYS}",
            name="objection_days",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(index=True)
    period_label: Mapped[str | None] = mapped_column(String(100))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    registration_opens: Mapped[date | None]
    registration_closes: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=CampaignStatus.DRAFT)
    description: Mapped[str | None] = mapped_column(Text)
    #: Days objections to an issued recommended list are received (phản ánh, kiến nghị).
    objection_days: Mapped[int] = mapped_column(
        default=DEFAULT_WINDOW_DAYS, server_default=str(DEFAULT_WINDOW_DAYS)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    fields: Mapped[list[Field]] = relationship(
        back_populates="campaign",
        order_by="Field.position",
        cascade="all, delete-orphan",
    )
    commendation_forms: Mapped[list[CommendationForm]] = relationship(
        back_populates="campaign",
        order_by="CommendationForm.position",
        cascade="all, delete-orphan",
    )
    stages: Mapped[list[Stage]] = relationship(
        back_populates="campaign",
        order_by="Stage.position",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.year}>"

    @property
    def status_label(self) -> str:
        return CampaignStatus(self.status).label


class Field(Model):
    """A field of work (lĩnh vực); the standard four are seeded for each campaign."""

    __tablename__ = "fields"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    campaign: Mapped[Campaign] = relationship(back_populates="fields")

    def __repr__(self) -> str:
        return f"<Field {self.id} {self.name}>"


class CommendationForm(Model):
    """A form of commendation (hình thức khen thưởng) the campaign may grant."""

    __tablename__ = "commendation_forms"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    issuing_body: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    campaign: Mapped[Campaign] = relationship(back_populates="commendation_forms")

    def __repr__(self) -> str:
        return f"<CommendationForm {self.id} {self.name}>"


#: The columns of a stage that make its decision rule (with the recusal setting): fixed
#: once members have voted under it, and kept by the rule snapshot of every close.
RULE_FIELDS = (
    "ballot_mode",
    "base",
    "threshold_num",
    "threshold_den",
    "threshold_strict",
    "quorum_percent",
    "min_average_score",
    "quota",
    "tie_rule",
    "recuse_ancestors",
)


class Stage(Model):
    """One appraisal step of a campaign, with its decision rule as data.

    Thresholds are fractions ``threshold_num / threshold_den``; ``threshold_strict``
    means "more than" (1/2), otherwise "at least" (2/3, 70 %, 90 %). The rule itself is
    applied by :mod:`dankheo.domain.tally`.
    """

    __tablename__ = "stages"
    __table_args__ = (
        UniqueConstraint("campaign_id", "position"),
        check_in("tier", UnitTier.values(), "tier"),
        check_in("ballot_mode", ["open", "secret"], "ballot_mode"),
        check_in("base", ["present", "all"], "base"),
        check_in(
            "tie_rule",
            ["all_tied_pass", "none_tied_pass", "most_approvals", "earliest_submitted"],
            "tie_rule",
        ),
        CheckConstraint(
            "threshold_den > 0 AND threshold_num >= 0 AND threshold_num <= threshold_den",
            name="threshold",
        ),
        CheckConstraint("quorum_percent >= 0 AND quorum_percent <= 100", name="quorum"),
        CheckConstraint("quota IS NULL OR quota >= 0", name="quota"),
        CheckConstraint(
            "min_average_score IS NULL OR min_average_score >= 0", name="min_score"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(20))
    pass_label: Mapped[str] = mapped_column(String(200))
    ballot_mode: Mapped[str] = mapped_column(String(10), default="open")
    base: Mapped[str] = mapped_column(String(10), default="present")
    threshold_num: Mapped[int] = mapped_column(default=1)
    threshold_den: Mapped[int] = mapped_column(default=2)
    threshold_strict: Mapped[bool] = mapped_column(default=True)
    quorum_percent: Mapped[int] = mapped_column(default=50)
    min_average_score: Mapped[float | None]
    quota: Mapped[int | None]
    tie_rule: Mapped[str] = mapped_column(String(30), default="most_approvals")
    recuse_ancestors: Mapped[bool] = mapped_column(default=False)

    campaign: Mapped[Campaign] = relationship(back_populates="stages")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="stage",
        order_by="Criterion.position",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Stage {self.id} #{self.position} {self.tier}>"

    @property
    def max_total(self) -> int:
        return sum(c.max_points for c in self.criteria)


class Criterion(Model):
    """A rubric line of a stage, scored from 0 to ``max_points``."""

    __tablename__ = "criteria"
    __table_args__ = (CheckConstraint("max_points > 0", name="max_points"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(300))
    max_points: Mapped[int]

    stage: Mapped[Stage] = relationship(back_populates="criteria")

    def __repr__(self) -> str:
        return f"<Criterion {self.id} /{self.max_points}>"
