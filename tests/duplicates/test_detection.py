"""Flags on submit and in bulk, the secretariat's queue and decision, the council's
notice. Every score is the pure-Python one, so SQLite and PostgreSQL agree."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from dankheo.domain import similarity as sim
from dankheo.domain.enums import Role, UnitTier
from dankheo.duplicates.backfill import find_duplicates
from dankheo.duplicates.models import DuplicateFlag, DuplicateKey
from dankheo.duplicates.operations import dismiss_flag
from dankheo.errors import InvalidInput
from dankheo.registry.models import Exemplar
from dankheo.registry.operations import submit_exemplar

ROAD = {
    "name": "Hiến đất làm đường giao thông nông thôn thôn Đồng Tâm",
    "situation": "Đường giao thông nông thôn của thôn hẹp, xuống cấp, mùa mưa lầy lội.",
    "goals": "Mở rộng hai ki lô mét đường lên bốn mét, hoàn thành trong năm.",
    "content": "Chi bộ họp bàn, vận động từng hộ hiến đất và góp ngày công làm đường.",
    "outputs": "Hai ki lô mét đường bê tông, ba mươi hộ hiến đất.",
}
SEWING = {
    "name": "Phụ nữ giúp nhau thoát nghèo bằng nghề may",
    "situation": "Nhiều chị em không có việc làm ổn định sau mùa vụ.",
    "goals": "Dạy nghề may cho năm mươi chị em, mười hộ thoát nghèo.",
    "content": "Hội Phụ nữ mở lớp, liên kết doanh nghiệp bao tiêu sản phẩm.",
    "outputs": "Năm mươi chị em có việc làm, lập quỹ tiết kiệm.",
}


@pytest.fixture
def tree(make, db):
    province = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Thử")
    communes = [make.unit(parent=province, name=f"Xã Thử {i}") for i in (1, 2)]
    c2025 = make.campaign(unit=province, year=2025)
    c2026 = make.campaign(unit=province, year=2026)
    return province, communes, c2025, c2026


def _submit(make, unit, campaign, **data):
    e = make.exemplar(unit=unit, campaign=campaign, **data)
    submit_exemplar(e, actor=None)
    return e


def _flags(db):
    return db.session.scalars(select(DuplicateFlag).order_by(DuplicateFlag.id)).all()


def test_near_duplicate_names_in_one_campaign_are_flagged(tree, make, db):
    _p, (u1, u2), _c25, c26 = tree
    a = _submit(make, u1, c26, **ROAD)
    b = _submit(make, u2, c26, **{**SEWING, "name": ROAD["name"] + " mới"})
    [flag] = _flags(db)
    assert (flag.first_id, flag.second_id, flag.kind) == (a.id, b.id, "same_campaign")
    expected = sim.similarity(
        sim.fingerprint(a.name, ""), sim.fingerprint(b.name, "")
    ).name
    assert flag.name_score == expected >= sim.NAME_THRESHOLD
    assert flag.status == "open"


def test_different_texts_are_not_flagged(tree, make, db):
    _p, (u1, u2), _c25, c26 = tree
    _submit(make, u1, c26, **ROAD)
    _submit(make, u2, c26, **SEWING)
    assert _flags(db) == []


def test_same_unit_same_campaign_is_not_flagged(tree, make, db):
    _p, (u1, _u2), _c25, c26 = tree
    _submit(make, u1, c26, **ROAD)
    _submit(make, u1, c26, **ROAD)
    assert _flags(db) == []


def test_recycled_previous_year_new_entry_is_flagged_continuing_not(tree, make, db):
    _p, (u1, u2), c25, c26 = tree
    old = _submit(make, u1, c25, **ROAD)
    continuing = _submit(make, u1, c26, is_continuing=True, **ROAD)
    assert _flags(db) == []
    # Another unit copying it a year later is replication, not recycling.
    _submit(make, u2, c26, **{**ROAD, "is_continuing": False})
    assert [f.kind for f in _flags(db)] == ["same_campaign"]
    db.session.execute(delete(DuplicateFlag))
    new = _submit(make, u1, c26, is_continuing=False, **ROAD)
    kinds = {(f.kind, f.first_id, f.second_id) for f in _flags(db)}
    assert ("recycled", old.id, new.id) in kinds
    assert not any(continuing.id in (f, s) for k, f, s in kinds if k == "recycled")


def test_dismissal_is_recorded_and_sticky(tree, make, db):
    _p, (u1, u2), _c25, c26 = tree
    secretary = make.user(role=Role.SECRETARIAT, unit=tree[0])
    _submit(make, u1, c26, **ROAD)
    b = _submit(make, u2, c26, **ROAD)
    [flag] = _flags(db)
    with pytest.raises(InvalidInput):
        dismiss_flag(flag, actor=secretary, reason="  ")
    dismiss_flag(flag, actor=secretary, reason="Hai thôn khác nhau, cùng chủ trương")
    db.session.refresh(flag)
    assert flag.status == "dismissed" and flag.decided_by_id == secretary.id
    assert flag.decided_at is not None and flag.reason.startswith("Hai thôn")
    # Checked again (a resubmission, a back-fill): still dismissed, never reopened.
    db.session.execute(
        update(Exemplar).where(Exemplar.id == b.id).values(state="submitted")
    )
    find_duplicates(reindex=True)
    [again] = _flags(db)
    assert again.id == flag.id and again.status == "dismissed"


def test_cli_backfill_finds_what_submit_would_have(tree, make, db, app):
    _p, (u1, u2), c25, c26 = tree
    a = _submit(make, u1, c26, **ROAD)
    b = _submit(make, u2, c26, **ROAD)
    old = _submit(make, u2, c25, **{**ROAD, "name": "Đường làng sạch đẹp"})
    on_submit = {(f.first_id, f.second_id, f.kind, f.score) for f in _flags(db)}
    assert (a.id, b.id, "same_campaign", 1.0) in on_submit
    assert (old.id, b.id, "recycled", 1.0) in on_submit
    db.session.execute(delete(DuplicateFlag))
    db.session.execute(delete(DuplicateKey))
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["find-duplicates", "--campaign", str(c26.id)]
    )
    assert result.exit_code == 0, result.output
    assert "2 cặp có thể trùng" in result.output
    db.session.rollback()
    assert {(f.first_id, f.second_id, f.kind, f.score) for f in _flags(db)} == on_submit


def test_queue_is_scoped_and_dismiss_through_the_page(tree, make, db, login_as):
    province, (u1, u2), _c25, c26 = tree
    a = _submit(make, u1, c26, **ROAD)
    _submit(make, u2, c26, **ROAD)
    province_staff = make.user(role=Role.SECRETARIAT, unit=province)
    commune_staff = make.user(role=Role.SECRETARIAT, unit=u1)
    [flag] = _flags(db)
    db.session.commit()
    client = login_as(commune_staff)
    assert a.name not in client.get("/admin/duplicates/").get_data(as_text=True)
    assert client.get(f"/admin/duplicates/{flag.id}").status_code == 404
    client = login_as(province_staff)
    page = client.get("/admin/duplicates/").get_data(as_text=True)
    assert a.name in page
    pair = client.get(f"/admin/duplicates/{flag.id}").get_data(as_text=True)
    assert "<mark>" in pair and "Xã Thử 2" in pair
    resp = client.post(f"/admin/duplicates/{flag.id}/dismiss", data={"reason": ""})
    assert resp.status_code == 400
    resp = client.post(
        f"/admin/duplicates/{flag.id}/dismiss", data={"reason": "Hai thôn khác nhau"}
    )
    assert resp.status_code == 302
    db.session.rollback()
    assert db.session.get(DuplicateFlag, flag.id).status == "dismissed"
    assert a.name not in client.get("/admin/duplicates/").get_data(as_text=True)
    # A second decision on the same flag is refused, not a 500.
    resp = client.post(f"/admin/duplicates/{flag.id}/confirm", data={"reason": ""})
    assert resp.status_code == 409


def test_unit_officer_cannot_open_the_queue(tree, make, db, login_as):
    officer = make.user(role=Role.UNIT_OFFICER, unit=tree[1][0])
    db.session.commit()
    assert login_as(officer).get("/admin/duplicates/").status_code == 403


def test_thresholds_are_configuration(tree, make, db, app):
    _p, (u1, u2), _c25, c26 = tree
    _submit(make, u1, c26, **ROAD)
    near = {**ROAD, "outputs": SEWING["outputs"]}
    _submit(make, u2, c26, **{**near, "name": SEWING["name"]})
    [flag] = _flags(db)
    assert sim.TEXT_THRESHOLD <= flag.text_score < 1
    db.session.execute(delete(DuplicateFlag))
    app.config["DUPLICATE_TEXT_THRESHOLD"] = flag.text_score + 0.01
    try:
        find_duplicates()
        assert _flags(db) == []
    finally:
        app.config["DUPLICATE_TEXT_THRESHOLD"] = sim.TEXT_THRESHOLD


def test_backfill_runs_as_a_job(tree, make, db, app):
    from dankheo.duplicates.jobs import start_scan
    from dankheo.jobs import queue_for, records

    _p, (u1, u2), _c25, c26 = tree
    _submit(make, u1, c26, **ROAD)
    _submit(make, u2, c26, **ROAD)
    db.session.execute(delete(DuplicateFlag))
    db.session.execute(delete(DuplicateKey))
    db.session.commit()
    record = start_scan(campaign_id=c26.id, owner_id=None)  # immediate under TESTING
    done = records.load(queue_for().huey, record.id)
    assert done.state == "done" and done.result["found"] == 1
    db.session.rollback()
    assert [f.kind for f in _flags(db)] == ["same_campaign"]
