"""The chair's landing page counts what waits for the council (even entries the chair is
recused from), in an open round and between rounds, and offers to open the next round."""

from __future__ import annotations

import re

from dankheo.appraisal import closing

from .scenario import build, submitted


def _card(page: str, council_name: str) -> str:
    return page.split(council_name)[1].split("</section>")[0]


def _waiting(card: str) -> int:
    found = re.search(r"(\d+) hồ sơ đang chờ", card)
    assert found, card
    return int(found.group(1))


def test_chair_sees_entries_waiting_in_open_round(make, db, login_as):
    sc = build(make)
    c1 = sc.commune_councils[0]
    chair = sc.chair(c1)
    chair.user.unit = sc.hamlets[0]  # recused from every entry of the hamlet
    for i in range(3):
        submitted(make, sc, sc.hamlets[0], name=f"Hồ sơ chờ {i}")
    db.session.commit()
    page = login_as(chair.user).get("/appraisal/").get_data(as_text=True)
    card = _card(page, c1.name)
    assert _waiting(card) == 3
    assert "Bạn không biểu quyết 3 hồ sơ" in card


def test_chair_sees_entries_submitted_between_rounds_and_can_open(make, db, login_as):
    sc = build(make)
    c1 = sc.commune_councils[0]
    chair = sc.chair(c1)
    closing.close_round(c1.open_round, actor=chair.user)
    chair.user.unit = sc.hamlets[0]
    for i in range(2):
        submitted(make, sc, sc.hamlets[0], name=f"Hồ sơ mới {i}")
    db.session.commit()
    client = login_as(chair.user)
    page = client.get("/appraisal/").get_data(as_text=True)
    card = _card(page, c1.name)
    assert "0 hồ sơ đang chờ" not in card and _waiting(card) == 2
    assert "Mở phiên thẩm định mới" in card
    assert f'action="/appraisal/councils/{c1.id}/rounds"' in card
    # The chair's own queue offers it too.
    queue = client.get(f"/appraisal/councils/{c1.id}/").get_data(as_text=True)
    assert "Mở phiên thẩm định mới" in queue
    assert client.post(f"/appraisal/councils/{c1.id}/rounds").status_code == 302
    db.session.expire_all()
    assert c1.open_round is not None
    # A plain member sees the count but no button.
    member = sc.members[c1.id][2]
    card = _card(
        login_as(member.user).get("/appraisal/").get_data(as_text=True), c1.name
    )
    assert _waiting(card) == 2 and "Mở phiên thẩm định mới" not in card
