"""The audit log records what the secretariat and administrators do — through the
real pages and operations, none of which call the audit themselves — with actor, object,
unit and a diff; never secrets, never ballots; nothing when the transaction rolls back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dankheo.actors import acting_as
from dankheo.appraisal import closing, councils, setup
from dankheo.appraisal.models import Council
from dankheo.audit import record_event
from dankheo.audit.audited import REDACTED
from dankheo.audit.models import AuditRecord
from dankheo.auth.operations import grant_role, reset_password, revoke_role, set_active
from dankheo.campaigns.models import Campaign
from dankheo.domain.enums import Role, UnitTier
from dankheo.registry.operations import update_exemplar
from dankheo.units.models import Unit

from ..appraisal.scenario import build, submitted, vote_all
from .helpers import audit_rows


@pytest.fixture
def province(make):
    return make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Đông Hải")


@pytest.fixture
def secretary(make, province):
    return make.user(role=Role.SECRETARIAT, unit=province, name="Trần Thị Thư")


def test_a_campaign_created_and_edited_through_the_pages(
    client, login_as, db, province, secretary
):
    login_as(secretary)
    resp = client.post(
        "/admin/campaigns/new",
        data={
            "name": "Dân vận khéo 2026",
            "year": "2026",
            "unit_code": province.code,
            "status": "draft",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:400]
    campaign = db.session.scalar(select(Campaign).where(Campaign.year == 2026))
    created = audit_rows(object_type="campaign", object_id=campaign.id)
    assert [r.action for r in created] == ["created"]
    record = created[0]
    assert record.actor_id == secretary.id
    assert "Trần Thị Thư" in record.actor_label
    assert record.object_label == "Dân vận khéo 2026 (2026)"
    assert record.unit_id == province.id and record.unit_path == province.path
    assert record.changes["name"] == [None, "Dân vận khéo 2026"]
    # The standard fields and forms came with it, each its own record.
    assert len(audit_rows(object_type="field")) == 4

    resp = client.post(
        f"/admin/campaigns/{campaign.id}",
        data={
            "name": "Dân vận khéo năm 2026",
            "year": "2026",
            "unit_code": province.code,
        },
    )
    assert resp.status_code == 302
    updated = audit_rows(object_type="campaign", action="updated")
    assert len(updated) == 1
    # The status moves by its own buttons (the campaign lifecycle), not by this form.
    assert updated[0].changes == {
        "name": ["Dân vận khéo 2026", "Dân vận khéo năm 2026"],
    }


def test_a_new_unit_is_one_created_record_with_its_path(make, db, province, secretary):
    with acting_as(secretary):
        commune = make.unit(parent=province, name="Xã Tân Lập")
        db.session.commit()
    (record,) = audit_rows(object_type="unit", object_id=commune.id)
    assert record.action == "created"
    assert record.changes["path"] == [None, commune.path]
    assert record.unit_path == commune.path
    assert record.actor_id == secretary.id


def test_accounts_and_roles_never_record_secrets(make, db, province, secretary):
    with acting_as(secretary):
        officer = make.user(role=Role.UNIT_OFFICER, unit=province, username="canbo1")
        db.session.commit()
        reset_password(officer, actor=secretary)
        db.session.commit()
        set_active(officer, False, actor=secretary)
        db.session.commit()
        assignment = grant_role(officer, Role.SECRETARIAT, province, actor=secretary)
        db.session.commit()
        revoke_role(assignment, actor=secretary)
        db.session.commit()
    records = audit_rows(object_type="user", object_id=officer.id)
    assert [r.action for r in records] == [
        "created",
        "password_changed",
        "locked",
    ]
    assert records[0].changes["password_hash"] == [REDACTED, REDACTED]
    # A reset by the secretariat forces the user to choose their own password.
    assert records[1].changes["password_hash"] == [REDACTED, REDACTED]
    assert set(records[1].changes) == {"password_hash", "must_change_password"}
    assert records[1].changes["must_change_password"][1] is True
    for r in audit_rows():
        text = str(r.changes)
        assert officer.password_hash not in text
        assert officer.session_token not in text
        assert "session_token" not in r.changes
    roles = [r.action for r in audit_rows(object_type="role_assignment")]
    assert roles.count("granted") >= 2 and roles[-1] == "revoked"


def test_appraisal_setup_rounds_and_commendations(app, make, db):
    with acting_as(None):
        sc = build(make, members_per_council=3)
        council = sc.commune_councils[0]
        entry = submitted(make, sc, sc.hamlets[0], name="Hiến đất mở đường")
        db.session.commit()
    first = len(audit_rows())
    assert {"stage", "criterion", "council", "council_member", "round"} <= {
        r.object_type for r in audit_rows()
    }
    assert audit_rows(object_type="round")[0].action == "opened"

    with acting_as(sc.secretariat):
        vote_all(council, sc, entry, "aaa")
        db.session.commit()
        # Ballots are secret: no record names a vote, a score, or when members voted.
        ballots = audit_rows()[first:]
        assert ballots == []
        closing.close_round(council.open_round, actor=sc.secretariat)
        db.session.commit()
    closed = audit_rows(object_type="round", action="closed")
    assert len(closed) == 1
    assert closed[0].actor_id == sc.secretariat.id
    assert closed[0].changes["closed_at"][0] is None
    assert closed[0].unit_path == sc.communes[0].path
    assert "vote_writes" not in closed[0].changes
    assert not audit_rows(object_type="vote")

    with acting_as(sc.secretariat):
        councils.remove_member(sc.members[council.id][2], actor=sc.secretariat)
        db.session.commit()
    assert audit_rows(object_type="council_member")[-1].action == "member_removed"


def test_a_correction_of_a_dossier_leaves_contact_details_out(
    make, db, province, secretary
):
    entry = make.exemplar(unit=make.unit(parent=province), name="Mô hình cũ")
    db.session.commit()
    with acting_as(secretary):
        update_exemplar(
            entry,
            actor=secretary,
            data={"name": "Mô hình mới", "contact_phone": "0912345678"},
            expected_version=entry.version,
        )
        db.session.commit()
    (record,) = audit_rows(object_type="exemplar")
    assert record.changes == {"name": ["Mô hình cũ", "Mô hình mới"]}
    assert record.exemplar_id == entry.id
    assert "0912345678" not in str(record.changes)


def test_nothing_is_recorded_when_the_transaction_rolls_back(make, db, province):
    db.session.commit()
    before = len(audit_rows())
    make.unit(parent=province, name="Đơn vị bị hủy")
    db.session.flush()
    db.session.rollback()
    assert len(audit_rows()) == before
    assert db.session.scalar(select(Unit).where(Unit.name == "Đơn vị bị hủy")) is None


def test_an_explicit_event_for_a_bulk_import(make, db, province, secretary):
    campaign = make.campaign(unit=province)
    db.session.commit()
    with acting_as(secretary):
        record_event(
            db.session,
            "imported",
            "import",
            campaign.id,
            "dang-ky.xlsx",
            unit_id=province.id,
            changes={"rows": [None, 120]},
        )
        db.session.commit()
    (record,) = audit_rows(action="imported")
    assert record.unit_path == province.path
    assert record.changes == {"rows": [None, 120]}
    assert record.actor_id == secretary.id


def test_deleting_an_audited_object_records_its_last_values(make, db, province):
    with acting_as(None):
        sc = build(make, members_per_council=2)
        db.session.commit()
        criterion = sc.stage1.criteria[0]
        name = criterion.name
        setup.delete_criterion(criterion, actor=None)
        db.session.commit()
    deleted = audit_rows(object_type="criterion", action="deleted")
    assert len(deleted) == 1
    assert deleted[0].changes["name"] == [name, None]
    assert deleted[0].unit_path == sc.province.path


def test_records_are_scoped_to_a_council_unit(make, db):
    with acting_as(None):
        sc = build(make, members_per_council=2)
        db.session.commit()
    council: Council = sc.commune_councils[1]
    (record,) = audit_rows(object_type="council", object_id=council.id)
    assert record.unit_path == sc.communes[1].path
    assert (
        db.session.scalar(select(AuditRecord.id).where(AuditRecord.unit_path.is_(None)))
        is None
    )
