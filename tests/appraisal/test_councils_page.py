"""The secretariat's councils page pages and searches in SQL, and its query count does not
grow with the number of councils of the stage."""

from __future__ import annotations

import re

from sqlalchemy import event

from dankheo.appraisal import councils, queries, setup
from dankheo.domain.enums import Role, UnitTier
from dankheo.extensions import db as _db
from dankheo.registry.operations import submit_exemplar


def _stage_with_councils(make, n: int, *, names=None):
    province = make.unit(tier=UnitTier.PROVINCE, name=f"Tỉnh có {n} hội đồng")
    campaign = make.campaign(unit=province)
    stage = setup.create_stage(
        campaign, {"name": "Cấp xã", "tier": "commune", "pass_label": "Đạt"}, actor=None
    )
    formed = []
    for i in range(n):
        name = names[i] if names and i < len(names) else f"Xã Số {i:03d}"
        commune = make.unit(parent=province, tier=UnitTier.COMMUNE, name=name)
        council = councils.create_council(
            stage, commune, name=f"Hội đồng {name}", actor=None
        )
        for role in ("chair", "member"):
            councils.add_member(
                council, make.user(role=None, unit=commune), role=role, actor=None
            )
        councils.open_round(council, actor=None)
        hamlet = make.unit(parent=commune, tier=UnitTier.GRASSROOTS)
        for _ in range(i % 3):
            e = make.exemplar(
                unit=hamlet,
                campaign=campaign,
                situation="Thực trạng",
                goals="Mục tiêu",
                content="Nội dung",
                outputs="Kết quả",
            )
            submit_exemplar(e, actor=None)
        formed.append(council)
    secretariat = make.user(role=Role.SECRETARIAT, unit=province)
    return stage, formed, secretariat


def _count_queries(client, url):
    count = 0

    def counter(*_args, **_kw):
        nonlocal count
        count += 1

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        resp = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    assert resp.status_code == 200
    return count, resp.get_data(as_text=True)


def test_query_count_does_not_grow_with_councils(make, db, login_as):
    small, _, sec_small = _stage_with_councils(make, 5)
    large, _, sec_large = _stage_with_councils(make, 40)
    db.session.commit()
    n_small, page = _count_queries(
        login_as(sec_small), f"/appraisal/manage/stages/{small.id}/councils"
    )
    assert "Xã Số 004" in page
    n_large, page = _count_queries(
        login_as(sec_large), f"/appraisal/manage/stages/{large.id}/councils"
    )
    assert "Xã Số 039" in page
    assert n_small == n_large


def test_pages_of_fifty_search_and_queue_sizes(make, db, login_as):
    stage, councils, sec = _stage_with_councils(make, 53, names=["Xã Đồng Tâm"])
    db.session.commit()
    sizes = queries.queue_sizes(councils)
    assert sizes == {c.id: i % 3 for i, c in enumerate(councils)}
    client = login_as(sec)
    url = f"/appraisal/manage/stages/{stage.id}/councils"
    first = client.get(url)
    assert first.status_code == 200
    body = first.get_data(as_text=True)
    assert body.count("/appraisal/manage/councils/") == 50
    assert "53 hội đồng" in body
    second = client.get(url + "?page=2")
    assert second.status_code == 200
    assert second.get_data(as_text=True).count("/appraisal/manage/councils/") == 3
    found = client.get(url + "?q=dong+TÂM")
    assert found.status_code == 200
    hits = re.findall(r"/appraisal/manage/councils/(\d+)", found.get_data(as_text=True))
    assert hits == [str(councils[0].id)]
    none = client.get(url + "?q=khongcoxanao")
    assert none.status_code == 200
    assert "/appraisal/manage/councils/" not in none.get_data(as_text=True)
