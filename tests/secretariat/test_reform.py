"""Reforming the unit tree: rename, move, merge (with its preview), and earlier records
keeping the unit name in force in their year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dankheo.appraisal.models import Council
from dankheo.auth.models import RoleAssignment
from dankheo.db import simulated_clock
from dankheo.domain.enums import CampaignStatus, Role, UnitTier
from dankheo.errors import RuleRefused
from dankheo.registry.models import Exemplar
from dankheo.secretariat.merge import merge_units, plan_merge
from dankheo.units.history import unit_name_at_column
from dankheo.units.models import Unit, UnitVersion
from dankheo.units.operations import move_unit, rename_unit

from ..appraisal.scenario import build


@pytest.fixture
def sc(make, db):
    s = build(make)
    db.session.commit()
    return s


def _name_in_year(db, unit_id: int, year: int) -> str:
    return db.session.scalar(
        select(unit_name_at_column(Unit.id, year)).where(Unit.id == unit_id)
    )


def test_rename_keeps_the_old_name_for_earlier_years(make, db):
    unit = make.unit(name="Xã Cũ")
    with simulated_clock(datetime(2025, 7, 1, tzinfo=UTC), timedelta(0)):
        rename_unit(unit, name="Phường Mới", actor=None)
    assert unit.name == "Phường Mới"
    # Renamed in July 2025: 2025's records carry the new name.
    names = [_name_in_year(db, unit.id, year) for year in (2024, 2025, 2026)]
    assert names == ["Xã Cũ", "Phường Mới", "Phường Mới"]


def test_move_rewrites_the_subtree_paths_and_respects_tiers(sc, db):
    commune, hamlet = sc.communes[0], sc.hamlets[0]
    other = sc.communes[1]
    move_unit(hamlet, parent=other, actor=None)
    assert hamlet.path == f"{other.path}{hamlet.id}/"
    assert hamlet.parent_id == other.id
    versions = db.session.scalars(select(UnitVersion)).all()
    assert [(v.unit_id, v.parent_id, v.reason) for v in versions] == [
        (hamlet.id, commune.id, "move")
    ]
    with pytest.raises(RuleRefused):
        move_unit(
            commune, parent=hamlet, actor=None
        )  # a commune below a grassroots unit
    with pytest.raises(RuleRefused):
        move_unit(other, parent=hamlet, actor=None)  # into its own subtree


def test_merge_moves_running_records_and_keeps_closed_years(sc, make, db):
    a, b = sc.communes
    old = make.campaign(unit=sc.province, year=2024)
    kept = make.exemplar(unit=a, campaign=old)
    old.status = CampaignStatus.CLOSED  # registered in its year, closed since
    moving = make.exemplar(unit=a, campaign=sc.campaign)
    officer = make.user(role=Role.UNIT_OFFICER, unit=a)
    both = make.user(role=Role.UNIT_OFFICER, unit=b)
    make.db.session.add(RoleAssignment(user=both, role=Role.UNIT_OFFICER, unit=a))
    # B's council of stage 1 would clash with A's: the plan refuses it.
    plan = plan_merge(a, b)
    assert plan.problems
    db.session.delete(sc.commune_councils[1])
    db.session.flush()
    plan = plan_merge(a, b)
    assert plan.problems == []
    counts = dict(plan.counts)
    assert counts["Hồ sơ của đợt đang diễn ra (chuyển sang)"] == 1
    assert counts["Hồ sơ của đợt đã kết thúc (giữ ở đơn vị cũ)"] == 1
    assert counts["Vai trò trùng (bỏ đi)"] == 1
    assert counts["Hội đồng thẩm định"] == 1
    assert counts["Đơn vị trực thuộc"] == 1
    merge_units(a, b, actor=None)
    db.session.commit()
    assert db.session.get(Exemplar, moving.id).unit_id == b.id
    assert db.session.get(Exemplar, kept.id).unit_id == a.id
    assert officer.unit_id == b.id
    assert sc.commune_councils[0].unit_id == b.id
    assert sc.hamlets[0].path.startswith(b.path)
    assert not a.active
    assert (
        db.session.scalar(
            select(Council.unit_id).where(Council.id == sc.commune_councils[0].id)
        )
        == b.id
    )
    assert _name_in_year(db, a.id, 2024) == "Xã Thử 1"


def test_merge_refuses_different_tiers(sc):
    with pytest.raises(RuleRefused):
        merge_units(sc.communes[0], sc.department, actor=None)


def test_merge_preview_page_and_confirm(sc, db, login_as):
    a, b = sc.communes
    db.session.delete(sc.commune_councils[1])
    db.session.commit()
    client = login_as(sc.secretariat)
    page = client.get(f"/admin/units/{a.id}/merge?target={b.code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Xác nhận sáp nhập" in html and "Hội đồng thẩm định" in html
    resp = client.post(f"/admin/units/{a.id}/merge/{b.id}")
    assert resp.status_code == 302
    db.session.rollback()
    assert not db.session.get(Unit, a.id).active


def test_reform_pages_rename_and_move(sc, db, login_as):
    client = login_as(sc.secretariat)
    hamlet = sc.hamlets[0]
    assert client.get(f"/admin/units/{hamlet.id}/reform").status_code == 200
    resp = client.post(
        f"/admin/units/{hamlet.id}/rename", data={"rename-name": "Tổ dân phố 1"}
    )
    assert resp.status_code == 302
    resp = client.post(
        f"/admin/units/{hamlet.id}/move",
        data={"move-parent_code": sc.communes[1].code},
    )
    assert resp.status_code == 302
    db.session.rollback()
    h = db.session.get(Unit, hamlet.id)
    assert h.name == "Tổ dân phố 1" and h.parent_id == sc.communes[1].id
    bad = client.post(
        f"/admin/units/{sc.communes[0].id}/move",
        data={"move-parent_code": sc.hamlets[1].code},
    )
    assert bad.status_code == 409
    assert db.session.get(Unit, sc.communes[0].id).tier == UnitTier.COMMUNE
