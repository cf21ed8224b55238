"""The audit log and the heads of the hash chains.

Audit records are written by :mod:`dankheo.audit.recording` with Core ``insert()`` only
(never through the ORM), and the ORM refuses to change or delete one. They name the
object by type, id and a label taken when the record was written, and keep the unit
(id and materialised path) the object belonged to then, so the page can be scoped to a
unit subtree even after the object is gone. No foreign keys: the log outlives what it
describes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime
from ..extensions import Model
from ..registry.models import AppendOnlyError


class AuditRecord(Model):
    """One secretariat or administrator action on one object.

    ``id`` is the record's position in the audit chain (1, 2, 3 … without gaps), given
    under the chain's lock; ``changes`` maps a column to ``[before, after]``.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_unit_path", "unit_path"),
        Index("ix_audit_log_object", "object_type", "object_id"),
        Index("ix_audit_log_actor", "actor_id"),
        Index("ix_audit_log_exemplar", "exemplar_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(300), default="")
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    object_label: Mapped[str] = mapped_column(String(400), default="")
    unit_id: Mapped[int | None]
    unit_path: Mapped[str | None] = mapped_column(String(400))
    exemplar_id: Mapped[int | None]
    changes: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return (
            f"<AuditRecord {self.id} {self.action} {self.object_type}:{self.object_id}>"
        )


class ChainHead(Model):
    """The end of one hash chain: how many records it holds and the last hash.

    Appending locks this row first, so two transactions never chain onto the same
    record; verification compares the walked chain with it, so removing the newest
    records is noticed too.
    """

    __tablename__ = "chain_heads"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    length: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<ChainHead {self.name} {self.length}>"


@event.listens_for(AuditRecord, "before_update")
@event.listens_for(AuditRecord, "before_delete")
def _audit_is_append_only(_mapper, _connection, target: AuditRecord) -> None:
    raise AppendOnlyError(f"the audit log is append-only: {target!r}")
