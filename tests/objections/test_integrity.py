"""What the review of objections found: evidence files count as referenced by the
storage check and the backup, the objector stays out of the audit chain, the queue
follows an entry to its current unit, concurrent steps are refused cleanly, and
unconfirmed objections expire."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from dankheo import clock
from dankheo.audit.models import AuditRecord
from dankheo.backup.common import _stored_names
from dankheo.db import utcnow
from dankheo.domain.enums import Role
from dankheo.errors import Conflict
from dankheo.files import ATTACHMENTS, store_for
from dankheo.lists.models import IssuedList
from dankheo.objections import purge
from dankheo.objections.models import Objection
from dankheo.objections.operations import decide_objection, start_review
from dankheo.secretariat.merge import merge_units
from dankheo.units.models import Unit
from tests.notifications.conftest import link_in
from tests.objections.test_objections import (
    EMAIL,
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


def _lodge_unconfirmed(app, db, record, entry, smtp, email, **files):
    anonymous = app.test_client()
    resp = anonymous.post(
        f"/objections/lists/{record.id}",
        data={**_form(entry, email=email), **files},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:600]
    link = urlsplit(link_in(smtp.to(email)[0])).path
    return anonymous, link


@pytest.mark.parametrize("change", ["closed", "annulled"])
def test_a_link_opened_after_the_window_or_the_list_ended_is_refused(
    issued, app, db, province, smtp, change
):
    _, record = issued
    anonymous, link = _lodge_unconfirmed(
        app, db, record, province.entries["hoa"], smtp, EMAIL
    )
    db.session.rollback()
    record = db.session.get(IssuedList, record.id)
    if change == "closed":
        record.issued_on = clock.today() - timedelta(days=40)
    else:
        record.status = "annulled"
    db.session.commit()
    resp = anonymous.post(link)
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)
    expected = "hiện không trong thời hạn" if change == "closed" else "không nhận"
    assert expected in body
    db.session.rollback()
    assert db.session.scalars(select(Objection.state)).one() == "unverified"


def test_expired_unconfirmed_objections_are_purged_with_their_files(
    issued, app, db, make, province, smtp, uploads
):
    _, record = issued
    _lodge_unconfirmed(
        app,
        db,
        record,
        province.entries["hoa"],
        smtp,
        EMAIL,
        file=(io.BytesIO(PNG), "ảnh.png"),
    )
    _lodge_unconfirmed(app, db, record, province.entries["formula"], smtp, "b@x.vn")
    _lodge_received(app, make, province, record, "road")
    db.session.rollback()
    stale, fresh, received = db.session.scalars(
        select(Objection).order_by(Objection.id)
    ).all()
    key = stale.file_stored_name
    assert key and store_for(ATTACHMENTS).exists(key)
    stale.token_expires_at = utcnow() - timedelta(minutes=1)
    received.token_expires_at = utcnow() - timedelta(minutes=1)  # confirmed: stays
    db.session.commit()
    assert purge.run(app) == 1
    assert purge.run(app) == 0  # safe to run again, any time
    db.session.rollback()
    left = db.session.scalars(select(Objection.id).order_by(Objection.id)).all()
    assert left == [fresh.id, received.id]
    assert not store_for(ATTACHMENTS).exists(key)
