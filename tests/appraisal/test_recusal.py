"""Recusal: the Python rule and the SQL queue condition agree, and a recused chair or
secretary neither steers nor sees the tally of their own unit's entry."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from dankheo.appraisal import councils, recusal, setup, voting
from dankheo.appraisal.models import ReturnMark
from dankheo.domain.enums import UnitTier
from dankheo.errors import NotAllowed
from dankheo.registry.models import Exemplar
from dankheo.registry.operations import submit_exemplar

from .scenario import build, submitted


def tally_cells(page: str, exemplar_id: int) -> list[str]:
    """The right-aligned cells of the entry's tally row: votes, approvals, average."""
    row = re.search(rf'<tr id="e{exemplar_id}">(.*?)</tr>', page, re.S)
    assert row, f"no tally row for entry {exemplar_id}"
    return [
        re.sub(r"<[^>]+>", " ", c).split()[0] if c.strip() else ""
        for c in re.findall(r'<td class="text-end"[^>]*>(.*?)</td>', row.group(1), re.S)
    ]


def _tree(make):
    """A province with two communes, hamlets under them, a department, and one outside
    unit; a council at the province (stage at province tier) and one at commune 1
    (stage at commune tier)."""
    p = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Đối Chiếu")
    c1 = make.unit(parent=p, tier=UnitTier.COMMUNE, name="Xã Một")
    c2 = make.unit(parent=p, tier=UnitTier.COMMUNE, name="Xã Hai")
    h11 = make.unit(parent=c1, tier=UnitTier.GRASSROOTS, name="Thôn Một Một")
    h12 = make.unit(parent=c1, tier=UnitTier.GRASSROOTS, name="Thôn Một Hai")
    h21 = make.unit(parent=c2, tier=UnitTier.GRASSROOTS, name="Thôn Hai Một")
    dept = make.unit(parent=p, tier=UnitTier.PROVINCE, name="Sở Đối Chiếu")
    outside = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Bên Ngoài")
    return p, [p, c1, c2, h11, h12, h21, dept], outside


def test_python_and_sql_recusal_agree(make, db):
    p, units, outside = _tree(make)
    c1 = units[1]
    campaign = make.campaign(unit=p)
    s_prov = setup.create_stage(
        campaign,
        {"name": "Tỉnh", "tier": "province", "pass_label": "Đạt"},
        actor=None,
    )
    s_comm = setup.create_stage(
        campaign,
        {"name": "Xã", "tier": "commune", "pass_label": "Đạt"},
        actor=None,
    )
    formed = [
        councils.create_council(s_prov, p, name="Hội đồng tỉnh", actor=None),
        councils.create_council(s_comm, c1, name="Hội đồng xã Một", actor=None),
    ]
    members = []
    for council in formed:
        for u in [*units, outside]:
            user = make.user(role=None, unit=u)
            members.append(councils.add_member(council, user, actor=None))
    entries = {}
    for council in formed:
        for u in units:
            e = make.exemplar(
                unit=u,
                campaign=campaign,
                situation="Thực trạng",
                goals="Mục tiêu",
                content="Nội dung",
                outputs="Kết quả",
            )
            submit_exemplar(e, actor=None)
            entries.setdefault(council.id, []).append(e)
        # Put every entry at this council's stage, whatever routing chose.
        db.session.execute(
            update(Exemplar)
            .where(Exemplar.id.in_([e.id for e in entries[council.id]]))
            .values(stage_id=council.stage_id)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    db.session.expire_all()
    checked = 0
    for ancestors in (False, True):
        for stage in (s_prov, s_comm):
            stage.recuse_ancestors = ancestors
        db.session.flush()
        recused_somewhere = set()
        for m in members:
            council = m.council
            in_queue = set(
                db.session.scalars(
                    select(Exemplar.id).where(recusal.queue_condition(council))
                )
            )
            member_queue = set(
                db.session.scalars(
                    select(Exemplar.id).where(recusal.member_queue_condition(m))
                )
            )
            for e in entries[council.id]:
                if e.id not in in_queue:
                    continue
                python = recusal.member_recused(m, e)
                sql = e.id not in member_queue
                assert python == sql, (
                    ancestors,
                    council.unit.name,
                    m.user.unit.name,
                    e.unit.name,
                )
                recused_somewhere.add(python)
                checked += 1
        assert recused_somewhere == {True, False}
    # every member x entry of both queues (8 members; 7 entries at the province,
    # 3 in commune 1's subtree), with the setting off and on
    assert checked == 2 * (8 * 7 + 8 * 3)


@pytest.fixture
def sc(make, db):
    s = build(make)
    db.session.commit()
    return s


def test_recused_chair_cannot_mark_or_unmark_a_return(sc, make, db):
    c1 = sc.commune_councils[0]
    rnd = c1.open_round
    own = submitted(make, sc, sc.communes[0])  # the chair's own commune
    chair = sc.chair(c1)
    with pytest.raises(NotAllowed):
        voting.mark_return(rnd, own, reason="Bổ sung ảnh", actor=chair.user)
    assert db.session.scalar(select(ReturnMark.id)) is None
    # a mark set by someone not recused cannot be lifted by the recused chair either
    voting.mark_return(rnd, own, reason="Bổ sung ảnh", actor=None)
    with pytest.raises(NotAllowed):
        voting.unmark_return(rnd, own, actor=chair.user)
    assert db.session.scalar(select(ReturnMark.id)) is not None
    # an entry of a hamlet below the commune is the chair's to return
    other = submitted(make, sc, sc.hamlets[0])
    voting.mark_return(rnd, other, reason="Bổ sung số liệu", actor=chair.user)
    voting.unmark_return(rnd, other, actor=chair.user)


def test_recused_chair_sees_no_tally_of_own_entry(sc, make, db, login_as):
    c1 = sc.commune_councils[0]
    own = submitted(make, sc, sc.communes[0], name="Hồ sơ của chính xã")
    outsiders = [
        councils.add_member(c1, make.user(role=None, unit=sc.hamlets[0]), actor=None)
        for _ in range(2)
    ]
    crit = sc.stage1.criteria
    for m in outsiders:
        voting.cast_vote(
            m, own, choice="approve", scores={crit[0].id: 57, crit[1].id: 33}
        )
    db.session.commit()
    chair = sc.chair(c1)
    client = login_as(chair.user)
    resp = client.get(f"/appraisal/councils/{c1.id}/tally")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert tally_cells(page, own.id) == ["2/2", "—", "—"]
    assert "Bạn không biểu quyết hồ sơ này" in page
    assert f"/returns/{own.id}" not in page
    resp = client.post(
        f"/appraisal/rounds/{c1.open_round.id}/returns/{own.id}",
        data={"reason": "Bổ sung"},
    )
    assert resp.status_code == 303
    assert db.session.scalar(select(ReturnMark.id)) is None
    # the secretariat is not recused and sees the live preview
    client = login_as(sc.secretariat)
    page = client.get(f"/appraisal/councils/{c1.id}/tally").get_data(as_text=True)
    cells = tally_cells(page, own.id)
    assert cells[:2] == ["2/2", "2"] and cells[2] != "—"


def test_an_entry_no_member_may_vote_on_is_flagged(sc, make, db, login_as):
    """Every member of the commune council belongs to the commune: its own entry can
    only be decided once the secretariat adds members from outside."""
    c1 = sc.commune_councils[0]
    own = submitted(make, sc, sc.communes[0], name="Mô hình của chính Đảng ủy xã")
    db.session.commit()
    page = login_as(sc.chair(c1).user).get(f"/appraisal/councils/{c1.id}/tally")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert tally_cells(body, own.id)[0] == "0/0"
    assert "cần bổ sung thành viên ngoài đơn vị đăng ký" in body
