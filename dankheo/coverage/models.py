from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.enums import UnitKind, UnitTier
from ..extensions import Model
from ..models_base import check_in


class RegistrationExpectation(Model):
    """How many exemplars a campaign expects from each unit of a tier (and kind).

    ``kind`` ``None`` applies to every kind of the tier; a row naming the kind wins
    over it. ``maximum`` ``None`` means "at least ``minimum``" (e.g. a commune 1–3,
    each organisation at least 1). Units no row matches are expected to register none.
    """

    __tablename__ = "registration_expectations"
    __table_args__ = (
        UniqueConstraint("campaign_id", "tier", "kind"),
        check_in("tier", UnitTier.values(), "tier"),
        CheckConstraint(
            "kind IS NULL OR kind IN ("
            + ", ".join(f"'{k}'" for k in UnitKind.values())
            + ")",
            name="kind",
        ),
        CheckConstraint("minimum >= 0", name="minimum"),
        CheckConstraint("maximum IS NULL OR maximum >= minimum", name="maximum"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    tier: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(20))
    minimum: Mapped[int] = mapped_column(default=1)
    maximum: Mapped[int | None]

    @property
    def tier_label(self) -> str:
        return UnitTier(self.tier).label

    @property
    def kind_label(self) -> str | None:
        return UnitKind(self.kind).label if self.kind else None

    def __repr__(self) -> str:
        return f"<RegistrationExpectation {self.campaign_id} {self.tier}/{self.kind}>"
