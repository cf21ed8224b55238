"""The council's dossier says "Có thể trùng với …" without contact details."""

from __future__ import annotations

from tests.appraisal.scenario import build, submitted


def test_dossier_shows_possible_duplicate(make, db, login_as):
    sc = build(make)
    text = {
        "situation": "Đường giao thông nông thôn hẹp, xuống cấp, mùa mưa lầy lội.",
        "content": "Chi bộ vận động từng hộ hiến đất và góp ngày công làm đường.",
        "contact_phone": "0912345678",
    }
    mine = submitted(make, sc, sc.hamlets[0], name="Hiến đất mở đường thôn Một", **text)
    other = submitted(
        make, sc, sc.hamlets[1], name="Hiến đất mở đường thôn Hai", **text
    )
    c1 = sc.commune_councils[0]
    db.session.commit()
    client = login_as(sc.members[c1.id][2].user)
    page = client.get(f"/appraisal/councils/{c1.id}/entries/{mine.id}").get_data(
        as_text=True
    )
    assert "Có thể trùng với" in page
    assert other.name in page and "Chi bộ thôn 2" in page
    assert "0912345678" not in page
    # The other commune's dossier is not this council's: named, not linked.
    assert f"/entries/{other.id}" not in page
