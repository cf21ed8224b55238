"""Excel files of the secretariat: the unit import template, unit and account exports,
written by the product's one writer (:mod:`dankheo.spreadsheets`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.models import RoleAssignment, User
from ..domain.enums import Role, UnitKind, UnitTier
from ..extensions import db
from ..spreadsheets import Sheet, xlsx_chunks
from ..units.imports import COLUMNS
from ..units.models import Unit
from ..units.queries import subtree_condition

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_xlsx(title: str, header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """Stream a one-sheet workbook, rows written as they come (bounded memory)."""
    return xlsx_chunks([Sheet(title, rows, header=header)])


def unit_template() -> Iterator[bytes]:
    tiers, kinds = list(UnitTier), list(UnitKind)
    examples = [
        [
            "QN-HG",
            "Phường Hồng Gai",
            _(UnitTier.COMMUNE.label),
            _(UnitKind.PARTY.label),
            "QN",
        ],
        [
            "QN-HG-K1",
            "Chi bộ khu phố 1",
            _(UnitTier.GRASSROOTS.label),
            _(UnitKind.PARTY.label),
            "QN-HG",
        ],
    ]
    allowed = [
        [
            _(tiers[i].label) if i < len(tiers) else "",
            _(kinds[i].label) if i < len(kinds) else "",
        ]
        for i in range(max(len(tiers), len(kinds)))
    ]
    return xlsx_chunks(
        [
            Sheet(
                _("Đơn vị"),
                examples,
                header=[_(c) for c in COLUMNS],
                widths=(18, 40, 22, 30, 22),
            ),
            Sheet(
                _("Giá trị hợp lệ"),
                allowed,
                header=[_("Cấp"), _("Loại đơn vị")],
            ),
        ]
    )


def unit_rows(scopes: list[str]) -> Iterator[list]:
    parent = db.aliased(Unit)
    stmt = (
        select(Unit.code, Unit.name, Unit.tier, Unit.kind, parent.code, Unit.active)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .where(subtree_condition(Unit.id, scopes))
        .order_by(Unit.path)
        .execution_options(yield_per=2000)
    )
    for code, name, tier, kind, parent_code, active in db.session.execute(stmt):
        yield [
            code,
            name,
            _(UnitTier(tier).label),
            _(UnitKind(kind).label),
            parent_code or "",
            _("Có") if active else _("Không"),
        ]


def user_rows(scopes: list[str]) -> Iterator[list]:
    stmt = (
        select(User)
        .where(subtree_condition(User.unit_id, scopes))
        .options(
            selectinload(User.unit),
            selectinload(User.roles).joinedload(RoleAssignment.unit),
        )
        .order_by(User.id)
        .execution_options(yield_per=1000)
    )
    for user in db.session.scalars(stmt):
        roles = "; ".join(
            f"{_(Role(r.role).label)} ({r.unit.code})" for r in user.roles
        )
        yield [
            user.username,
            user.name,
            user.email or "",
            user.position or "",
            user.unit.code if user.unit else "",
            roles,
            _("Có") if user.active else _("Không"),
        ]
