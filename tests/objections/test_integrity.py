"""What the review of objections found: evidence files count as referenced by the
storage check and the backup, the objector stays out of the audit chain, the queue
follows an entry to its current unit, concurrent steps are refused cleanly, and
unconfirmed objections expire."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from dankheo.audit.models import AuditRecord
from dankheo.backup.common import _stored_names
from dankheo.domain.enums import Role
from dankheo.errors import Conflict
from dankheo.objections.models import Objection
from dankheo.objections.operations import decide_objection, start_review
from dankheo.secretariat.merge import merge_units
from dankheo.units.models import Unit
from tests.objections.test_objections import (
    PNG,
    _form,
    _lodge_received,
    _signed_in,
)


@pytest.fixture
def uploads(app, tmp_path, monkeypatch) -> Path:
    """This test's own upload folder (the session's is shared by every test)."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


def _lodge_with_file(app, db, make, province, record) -> Objection:
    client, _user = _signed_in(app, make, province)
    resp = client.post(
        f"/objections/lists/{record.id}",
        data={**_form(province.entries["hoa"]), "file": (io.BytesIO(PNG), "ảnh.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:600]
    db.session.rollback()
    return db.session.scalars(select(Objection)).one()


def test_an_evidence_file_is_no_orphan_and_is_backed_up(
    issued, app, db, make, province, uploads
):
    _, record = issued
    objection = _lodge_with_file(app, db, make, province, record)
    key = objection.file_stored_name
    assert key
    runner = app.test_cli_runner()
    checked = runner.invoke(args=["check-storage"])
    assert checked.exit_code == 0, checked.output
    assert key not in checked.output
    fixed = runner.invoke(args=["check-storage", "--fix", "--grace", "0"])
    assert fixed.exit_code == 0, fixed.output
    served = issued[0].get(f"/admin/objections/{objection.id}/file")
    assert served.status_code == 200 and served.data == PNG
    with db.engine.connect() as conn:
        names = _stored_names(conn)
    assert (f"objections.{objection.id}", key) in names


def test_the_lodging_is_audited_without_the_objector_or_the_file_name(
    issued, app, db, make, province, uploads
):
    _, record = issued
    objection = _lodge_with_file(app, db, make, province, record)
    user = objection.user
    assert user is not None
    (lodged,) = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "objection_lodged")
    ).all()
    assert lodged.object_id == objection.id
    assert lodged.actor_id is None and lodged.actor_label == ""
    assert "file_name" not in lodged.changes and "ảnh.png" not in str(lodged.changes)
    # Nothing the lodging wrote (the account itself was made before) names them.
    for row in db.session.scalars(
        select(AuditRecord).where(AuditRecord.id >= lodged.id)
    ):
        text = f"{row.actor_label} {row.changes} {row.object_label}"
        for secret in (user.name, user.username, user.email):
            assert secret not in text, (row.action, secret)


def test_the_queue_follows_an_entry_merged_into_another_unit(
    issued, app, db, make, province, login_as
):
    _, record = issued
    _lodge_received(app, make, province, record, "hoa")
    (objection,) = db.session.scalars(select(Objection)).all()
    a, b = province.communes  # hoa is an entry of b
    local = make.user(role=Role.SECRETARIAT, unit=a, scope=a)
    db.session.commit()
    client = login_as(local)
    url = f"/admin/objections/{objection.id}"
    assert client.get(url).status_code == 404  # not a's entry (yet)
    merge_units(db.session.get(Unit, b.id), db.session.get(Unit, a.id), actor=None)
    db.session.commit()
    assert url in client.get("/admin/objections/").get_data(as_text=True)
    assert client.get(url).status_code == 200
    resp = client.post(
        url + "/decide",
        data={"decide-outcome": "dismissed", "decide-note": "Không có căn cứ"},
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:600]
    db.session.rollback()
    assert db.session.get(Objection, objection.id).state == "decided"


@pytest.mark.parametrize("step", ["review", "decide"])
def test_a_step_taken_on_a_stale_read_is_a_conflict(
    issued, app, db, make, province, step
):
    """Two members opened the objection; the other one decided it first."""
    _, record = issued
    _lodge_received(app, make, province, record, "hoa")
    db.session.rollback()
    objection_id = db.session.scalars(select(Objection.id)).one()
    db.session.rollback()
    other = db.engine.connect()
    try:
        with other.begin():
            other.execute(
                update(Objection)
                .where(Objection.id == objection_id)
                .values(state="decided", outcome="dismissed", decision_note="Xong")
            )
    finally:
        other.close()
    objection = db.session.get(Objection, objection_id)
    # What this member's page read before the other's commit.
    set_committed_value(objection, "state", "received")
    with pytest.raises(Conflict):
        if step == "review":
            start_review(objection, note="Đang xem", actor=province.secretariat)
        else:
            decide_objection(
                objection, outcome="corrected", note="Sửa", actor=province.secretariat
            )
    db.session.rollback()
    after = db.session.get(Objection, objection.id)
    assert after.outcome == "dismissed" and after.decision_note == "Xong"
