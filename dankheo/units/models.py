from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime
from ..domain.enums import UnitKind, UnitTier
from ..domain.text import fold
from ..extensions import Model
from ..models_base import check_in


class Unit(Model):
    """A node of the administrative tree (central -> province -> ... -> grassroots).

    ``path`` is the materialised path of ids ("/1/7/42/"), so a subtree is one indexed
    prefix match on both backends; it is set by :func:`dankheo.units.operations.create_unit`.
    """

    __tablename__ = "units"
    __table_args__ = (
        check_in("tier", UnitTier.values(), "tier"),
        check_in("kind", UnitKind.values(), "kind"),
        Index("ix_units_path", "path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), default="")
    depth: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Folded name and code ("xa tien yen qn-ty") so units are found without diacritics.
    search_name: Mapped[str] = mapped_column(String(260), default="")
    tier: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Unit | None] = relationship(
        remote_side=[id], back_populates="children"
    )
    children: Mapped[list[Unit]] = relationship(
        back_populates="parent", order_by="Unit.name"
    )

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.code} {self.tier}>"

    @property
    def tier_label(self) -> str:
        return UnitTier(self.tier).label

    @property
    def kind_label(self) -> str:
        return UnitKind(self.kind).label

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit (inclusive)."""
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def is_within(self, other: Unit) -> bool:
        """True when this unit is ``other`` or one of its descendants."""
        return self.path.startswith(other.path)


class UnitVersion(Model):
    """What a unit was called, and where it sat, before a rename, move or merge.

    A row is the state that was in force from ``valid_from`` (``None``: since the unit
    was created) until ``valid_to``; the unit row itself holds the state in force now.
    Written by :mod:`dankheo.units.operations` (rename, move, merge), never edited, so
    earlier records keep the name and path they had at the time.
    """

    __tablename__ = "unit_versions"
    __table_args__ = (Index("ix_unit_versions_unit_to", "unit_id", "valid_to"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    path: Mapped[str] = mapped_column(String(400))
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Why it ended: ``rename``, ``move`` or ``merge``.
    reason: Mapped[str] = mapped_column(String(20))
    #: For ``merge``: the unit this one was merged into.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    def __repr__(self) -> str:
        return f"<UnitVersion {self.unit_id} until {self.valid_to:%Y-%m-%d}>"


@event.listens_for(Unit, "before_insert")
@event.listens_for(Unit, "before_update")
def _refresh_search_name(_mapper, _connection, target: Unit) -> None:
    target.search_name = fold(f"{target.name} {target.code}")
