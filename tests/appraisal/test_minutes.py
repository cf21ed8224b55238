"""The minutes of a closed round: attendance per session, recusal per entry, the
secretary's name and the chair's."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from dankheo.appraisal import closing, voting
from dankheo.domain.enums import UnitTier

from .scenario import build, submitted


def _row(page: str, name: str) -> str:
    """The attendance row of ``name`` in the minutes page."""
    table = page.split('aria-labelledby="attendance-title"')[1].split("</table>")[0]
    return table.split(name)[1].split("</tr>")[0]


def _round_with_recused_chair(make, db):
    """The chair belongs to one hamlet: recused from its entry, votes on nothing, but
    closes the session."""
    sc = build(make, members_per_council=4)
    c1 = sc.commune_councils[0]
    other_hamlet = make.unit(
        parent=sc.communes[0], tier=UnitTier.GRASSROOTS, name="Chi bộ thôn Mới"
    )
    chair = sc.chair(c1)
    chair.user.unit = sc.hamlets[0]
    db.session.flush()
    own = submitted(make, sc, sc.hamlets[0], name="Hồ sơ thôn của chủ tịch")
    other = submitted(make, sc, other_hamlet, name="Hồ sơ thôn khác")
    crit = [c.id for c in c1.stage.criteria]
    for member in sc.members[c1.id][1:]:
        for e in (own, other):
            voting.cast_vote(
                member,
                e,
                choice="approve",
                scores=dict(zip(crit, (50, 30), strict=True)),
            )
    db.session.commit()
    return sc, c1, chair, own


def test_recused_chair_who_ran_the_session_is_present(make, db, login_as):
    sc, c1, chair, own = _round_with_recused_chair(make, db)
    secretary = next(m for m in sc.members[c1.id] if m.role == "secretary")
    client = login_as(chair.user)
    rnd = c1.open_round
    assert client.post(f"/appraisal/rounds/{rnd.id}/close").status_code == 302
    page = client.get(f"/appraisal/rounds/{rnd.id}/minutes").get_data(as_text=True)
    row = _row(page, chair.user.name)
    assert "Vắng" not in row and "Có mặt, điều hành phiên" in row
    assert "Có mặt 4 / 4" in page
    # The recusal is told on the entry it concerns, and only there.
    entry_row = page.split("Hồ sơ thôn của chủ tịch")[1].split("</tr>")[0]
    assert "Không tham gia (tránh xung đột lợi ích): " + chair.user.name in entry_row
    other_row = page.split("Hồ sơ thôn khác")[1].split("</tr>")[0]
    assert "tránh xung đột" not in other_row
    footer = page.split("minutes-signatures")[-1]
    assert secretary.user.name in footer and chair.user.name in footer
    xlsx = client.get(f"/appraisal/rounds/{rnd.id}/minutes.xlsx")
    values = [
        c
        for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(
            values_only=True
        )
        for c in row
        if c is not None
    ]
    assert "Có mặt, điều hành phiên" in values and "Vắng" not in values
    assert secretary.user.name in values
    assert any(
        isinstance(v, str) and v.endswith("xung đột lợi ích): " + chair.user.name)
        for v in values
    )


def test_member_recused_from_every_entry_is_not_absent(make, db, login_as):
    sc = build(make, members_per_council=4)
    c1 = sc.commune_councils[0]
    aside = sc.members[c1.id][3]
    aside.user.unit = sc.hamlets[0]
    db.session.flush()
    e = submitted(make, sc, sc.hamlets[0], name="Hồ sơ duy nhất")
    crit = [c.id for c in c1.stage.criteria]
    for member in sc.members[c1.id][:3]:
        voting.cast_vote(
            member, e, choice="approve", scores=dict(zip(crit, (50, 30), strict=True))
        )
    db.session.commit()
    chair = sc.chair(c1)
    rnd = c1.open_round
    closing.close_round(rnd, actor=chair.user)
    db.session.commit()
    page = login_as(chair.user).get(f"/appraisal/rounds/{rnd.id}/minutes")
    text = page.get_data(as_text=True)
    row = _row(text, aside.user.name)
    assert "Vắng" not in row
    assert "Không tham gia biểu quyết (tránh xung đột lợi ích)" in row
    assert "Có mặt 3 / 4" in text


def test_council_without_secretary_says_so(make, db, login_as):
    sc = build(make)
    c1 = sc.commune_councils[0]
    for m in sc.members[c1.id]:
        if m.role == "secretary":
            m.role = "member"
    e = submitted(make, sc, sc.hamlets[0], name="Hồ sơ không thư ký")
    crit = [c.id for c in c1.stage.criteria]
    for member in sc.members[c1.id]:
        voting.cast_vote(
            member, e, choice="approve", scores=dict(zip(crit, (50, 30), strict=True))
        )
    db.session.commit()
    chair = sc.chair(c1)
    rnd = c1.open_round
    closing.close_round(rnd, actor=chair.user)
    db.session.commit()
    page = login_as(chair.user).get(f"/appraisal/rounds/{rnd.id}/minutes")
    footer = page.get_data(as_text=True).split("minutes-signatures")[-1]
    assert "Hội đồng không có thư ký tại phiên này" in footer
    assert chair.user.name in footer
