from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..campaigns.models import Campaign, Field, Stage
from ..db import UTCDateTime, utcnow
from ..domain.enums import AttachmentKind, ExemplarKind
from ..domain.metrics import METRIC_KEYS, METRICS
from ..domain.text import search_words, slugify
from ..domain.workflow import PUBLIC_STATES, Action, State
from ..extensions import Model
from ..models_base import check_in
from ..units.models import Unit


class Exemplar(Model):
    """A registered entry: a model (mô hình) or a collective / individual exemplar.

    ``version`` is bumped by every change; edits carry the version they were made on, so
    two officers editing at once cannot overwrite each other (optimistic locking). State
    changes go through :mod:`dankheo.domain.workflow` and a guarded UPDATE.
    """

    __tablename__ = "exemplars"
    __table_args__ = (
        check_in("kind", ExemplarKind.values(), "kind"),
        check_in("state", State.values(), "state"),
        *[
            CheckConstraint(f"{key} IS NULL OR {key} >= 0", name=f"{key}_nonneg")
            for key in METRIC_KEYS
        ],
        Index("ix_exemplars_campaign_state", "campaign_id", "state"),
        Index("ix_exemplars_campaign_updated", "campaign_id", "updated_at"),
        # The newest change anywhere: part of the public counts' cache key.
        Index("ix_exemplars_updated_at", "updated_at"),
        Index("ix_exemplars_unit_campaign_state", "unit_id", "campaign_id", "state"),
        # The unit workspace: a subtree's exemplars of one campaign, newest change first.
        Index(
            "ix_exemplars_unit_campaign_updated", "unit_id", "campaign_id", "updated_at"
        ),
        Index("ix_exemplars_state_published", "state", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id"), index=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=ExemplarKind.MODEL)
    state: Mapped[str] = mapped_column(String(20), default=State.DRAFT)
    version: Mapped[int] = mapped_column(default=1)

    # The registration form (mẫu đăng ký), items 1-10.
    name: Mapped[str] = mapped_column(String(300))
    situation: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    area: Mapped[str] = mapped_column(Text, default="")
    forces: Mapped[str] = mapped_column(Text, default="")
    resources: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date | None]
    evaluation_date: Mapped[date | None]
    schedule: Mapped[str] = mapped_column(Text, default="")
    outputs: Mapped[str] = mapped_column(Text, default="")
    sustainability: Mapped[str] = mapped_column(Text, default="")

    tags: Mapped[str] = mapped_column(String(500), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    lead_name: Mapped[str] = mapped_column(String(200), default="")
    lead_position: Mapped[str] = mapped_column(String(200), default="")
    # Contact details are for the secretariat only: never on a public page or export.
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    is_continuing: Mapped[bool] = mapped_column(default=False)

    # Structured results (all optional, all >= 0).
    households: Mapped[int | None]
    money_million: Mapped[float | None] = mapped_column(Float)
    land_m2: Mapped[float | None] = mapped_column(Float)
    road_km: Mapped[float | None] = mapped_column(Float)
    person_days: Mapped[int | None]
    households_out_of_poverty: Mapped[int | None]
    trees: Mapped[int | None]
    participants: Mapped[int | None]

    # Search and URLs: both derived from the text above (see _refresh_derived).
    slug: Mapped[str] = mapped_column(String(100), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the exemplar first becomes public (recommended); the showcase sorts on it.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship()
    field: Mapped[Field | None] = relationship()
    stage: Mapped[Stage | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="exemplar",
        order_by="Attachment.id",
        cascade="all, delete-orphan",
    )
    history: Mapped[list[History]] = relationship(
        back_populates="exemplar", order_by="History.id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Exemplar {self.id} {self.state} v{self.version}>"

    @property
    def state_label(self) -> str:
        return State(self.state).label

    @property
    def kind_label(self) -> str:
        return ExemplarKind(self.kind).label

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]

    def metric_values(self) -> list[tuple]:
        """(metric, value) for every metric that has a value."""
        return [
            (m, getattr(self, m.key))
            for m in METRICS
            if getattr(self, m.key) is not None
        ]

    def searchable_text(self) -> str:
        parts = [
            self.name,
            self.situation,
            self.goals,
            self.content,
            self.area,
            self.outputs,
            self.sustainability,
            self.tags,
            self.address,
            self.lead_name,
            self.unit.name if self.unit else "",
        ]
        return search_words(" ".join(p for p in parts if p))


@event.listens_for(Exemplar, "before_insert")
@event.listens_for(Exemplar, "before_update")
def _refresh_derived(_mapper, _connection, target: Exemplar) -> None:
    target.slug = slugify(target.name)
    target.search_text = target.searchable_text()


class Attachment(Model):
    """A file of the dossier, stored outside static under a random name."""

    __tablename__ = "attachments"
    __table_args__ = (check_in("kind", AttachmentKind.values(), "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exemplar_id: Mapped[int] = mapped_column(ForeignKey("exemplars.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=AttachmentKind.OTHER)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Only public photos of a public exemplar ever appear on the showcase.
    is_public: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exemplar: Mapped[Exemplar] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.content_type} {self.size}>"

    @property
    def kind_label(self) -> str:
        return AttachmentKind(self.kind).label

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class History(Model):
    """Append-only record of every state change: who, when, from, to, note."""

    __tablename__ = "history"
    __table_args__ = (
        check_in("action", Action.values(), "action"),
        Index("ix_history_exemplar_at", "exemplar_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exemplar_id: Mapped[int] = mapped_column(ForeignKey("exemplars.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # The hash chain (dankheo.audit.chain): position, previous record's hash, own hash.
    chain_seq: Mapped[int] = mapped_column(unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    exemplar: Mapped[Exemplar] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()
    stage: Mapped[Stage | None] = relationship()

    def __repr__(self) -> str:
        return f"<History {self.exemplar_id} {self.from_state}->{self.to_state}>"

    @property
    def action_label(self) -> str:
        return Action(self.action).label


class AppendOnlyError(Exception):
    pass


@event.listens_for(History, "before_update")
@event.listens_for(History, "before_delete")
def _history_is_append_only(_mapper, _connection, target: History) -> None:
    raise AppendOnlyError(f"history is append-only: {target!r}")
