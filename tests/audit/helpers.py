"""Shared steps of the audit tests."""

from __future__ import annotations

from sqlalchemy import select

from dankheo.audit.models import AuditRecord
from dankheo.extensions import db
from dankheo.registry.operations import submit_exemplar, withdraw_exemplar


def audit_rows(**where) -> list[AuditRecord]:
    """Committed audit records matching ``where`` (column=value), oldest first."""
    db.session.commit()
    stmt = select(AuditRecord).order_by(AuditRecord.id)
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditRecord, column) == value)
    return list(db.session.scalars(stmt))


def some_history(make, count: int = 3):
    """``count`` exemplars, each submitted then withdrawn: 2 history records each."""
    unit = make.unit()
    campaign = make.campaign(unit=unit)
    for i in range(count):
        e = make.exemplar(
            unit=make.unit(parent=unit),
            campaign=campaign,
            name=f"Mô hình “Dân vận khéo” số {i}",
            situation="Đường làng hẹp.",
            goals="Mở rộng đường.",
            content="Vận động hiến đất.",
            outputs="2 km đường.",
        )
        submit_exemplar(e, actor=None)
        withdraw_exemplar(e, actor=None, note=f"Rút hồ sơ = {i}")
    db.session.commit()
