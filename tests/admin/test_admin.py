from __future__ import annotations

import io
import logging

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from dankheo.auth.models import User
from dankheo.campaigns.models import Campaign
from dankheo.domain.enums import Role, UnitTier
from dankheo.units.models import Unit


@pytest.fixture
def sec(make, login_as):
    province = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Thử", code="T")
    other = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Khác", code="K")
    user = make.user(role=Role.SECRETARIAT, unit=province)
    make.db.session.commit()
    client = login_as(user)
    return type("S", (), dict(province=province, other=other, user=user, client=client))


def test_only_the_secretariat_enters(client, make, login_as):
    officer = make.user(role=Role.UNIT_OFFICER)
    make.db.session.commit()
    login_as(officer)
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/units").status_code == 403


def test_campaign_create_edit_and_lists(sec, db):
    c = sec.client
    resp = c.post(
        "/admin/campaigns/new",
        data={
            "name": "Dân vận khéo 2027",
            "year": "2027",
            "unit_code": sec.province.code,
            "registration_opens": "2027-01-10",
            "registration_closes": "2027-10-25",
            "status": "registration",
        },
    )
    assert resp.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert [f.name for f in campaign.fields][:1] == ["Kinh tế"] and len(
        campaign.fields
    ) == 4
    bad = c.post(
        f"/admin/campaigns/{campaign.id}",
        data={
            "name": "X",
            "year": "20x",
            "unit_code": sec.province.code,
            "status": "registration",
            "registration_opens": "2027-05-01",
            "registration_closes": "2027-01-01",
        },
    )
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "Hạn đăng ký phải sau ngày mở đăng ký." in body
    c.post(
        f"/admin/campaigns/{campaign.id}/fields", data={"field-name": "Chuyển đổi số"}
    )
    c.post(
        f"/admin/campaigns/{campaign.id}/fields", data={"field-name": "Chuyển đổi số"}
    )
    c.post(
        f"/admin/campaigns/{campaign.id}/commendation-forms",
        data={
            "cform-name": "Bằng khen của Bộ Quốc phòng",
            "cform-issuing_body": "Bộ Quốc phòng",
        },
    )
    db.session.rollback()
    campaign = db.session.get(Campaign, campaign.id)
    assert [f.name for f in campaign.fields].count("Chuyển đổi số") == 1
    assert "Bằng khen của Bộ Quốc phòng" in [
        f.name for f in campaign.commendation_forms
    ]
    page = c.get("/admin/").get_data(as_text=True)
    assert "Dân vận khéo 2027" in page


def test_campaign_outside_scope_is_404(sec, make):
    foreign = make.campaign(unit=sec.other)
    make.db.session.commit()
    assert sec.client.get(f"/admin/campaigns/{foreign.id}").status_code == 404


def test_units_tree_create_edit(sec, db):
    c = sec.client
    resp = c.post(
        f"/admin/units/{sec.province.id}/new",
        data={
            "name": "Xã Tiên Yên",
            "code": "T-TY",
            "tier": "commune",
            "kind": "party",
        },
    )
    assert resp.status_code == 302
    unit = db.session.scalar(select(Unit).where(Unit.code == "T-TY"))
    assert unit.path == f"{sec.province.path}{unit.id}/" and unit.depth == 1
    dup = c.post(
        f"/admin/units/{sec.province.id}/new",
        data={"name": "Trùng", "code": "T-TY", "tier": "commune", "kind": "party"},
    )
    assert dup.status_code == 400 and "Mã đơn vị đã được dùng." in dup.get_data(
        as_text=True
    )
    c.post(
        f"/admin/units/{unit.id}/edit",
        data={
            "name": "Xã Tiên Yên mới",
            "code": "T-TY",
            "tier": "commune",
            "kind": "front",
        },
    )
    db.session.rollback()
    unit = db.session.get(Unit, unit.id)
    assert (
        unit.name == "Xã Tiên Yên mới" and unit.kind == "front" and unit.active is False
    )
    assert "Xã Tiên Yên mới" in c.get(
        f"/admin/units?parent={sec.province.id}"
    ).get_data(as_text=True)
    assert "Xã Tiên Yên mới" in c.get("/admin/units?q=tien").get_data(as_text=True)
    assert c.get(f"/admin/units?parent={sec.other.id}").status_code == 404


def test_users_create_roles_lock_reset(sec, db):
    c = sec.client
    resp = c.post(
        "/admin/users/new",
        data={
            "username": "can.bo.xa",
            "name": "Lê Văn Bình",
            "email": "binh@example.vn",
            "unit_code": sec.province.code,
            "role": "unit_officer",
            "password": "mat-khau-dai-du",
        },
    )
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "can.bo.xa"))
    assert [r.role for r in user.roles] == ["unit_officer"]
    # The secretariat may not make administrators.
    assert (
        c.post(
            f"/admin/users/{user.id}/roles",
            data={"role": "admin", "unit_code": sec.province.code},
        ).status_code
        == 403
    )
    c.post(
        f"/admin/users/{user.id}/roles",
        data={"role": "council_member", "unit_code": sec.province.code},
    )
    db.session.rollback()
    user = db.session.get(User, user.id)
    assert sorted(r.role for r in user.roles) == ["council_member", "unit_officer"]
    c.post(f"/admin/users/{user.id}/active")
    db.session.rollback()
    assert db.session.get(User, user.id).active is False
    page = c.post(f"/admin/users/{user.id}/reset-password").get_data(as_text=True)
    assert "Mật khẩu chỉ hiển thị một lần" in page
    bad = c.post(
        "/admin/users/new",
        data={
            "username": "Có Dấu",
            "name": "",
            "unit_code": sec.province.code,
            "role": "",
            "password": "ngan",
        },
    )
    assert bad.status_code == 400
    assert "Mật khẩu phải có ít nhất 10 ký tự." in bad.get_data(as_text=True)


def _xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã đơn vị", "Tên đơn vị", "Cấp", "Loại đơn vị", "Mã đơn vị cấp trên"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def test_unit_import_all_or_nothing(sec, db):
    c = sec.client
    bad = _xlsx(
        [
            ["T-A", "Phường A", "Xã, phường, đặc khu", "Cấp ủy Đảng", "T"],
            ["T-A", "Trùng mã", "xa, phuong, dac khu", "Đoàn Thanh niên", "T"],
            ["T-B", "Xã B", "cấp sao hỏa", "Cấp ủy Đảng", "T"],
            ["T-C", "Xã C", "commune", "party", "KHONG-CO"],
            ["T-D", "Xã D", "commune", "party", "K"],
        ]
    )
    resp = c.post(
        "/admin/imports/units",
        data={"file": (bad, "don-vi.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "bị trùng trong tệp" in body and "Cấp không hợp lệ" in body
    assert (
        "Không tìm thấy đơn vị cấp trên" in body and "nằm ngoài phạm vi quản lý" in body
    )
    assert db.session.scalar(select(Unit).where(Unit.code == "T-A")) is None

    good = _xlsx(
        [
            ["T-A", "Phường A", "Xã, phường, đặc khu", "Cấp ủy Đảng", "T"],
            ["T-A1", "Chi bộ khu 1", "co so", "cap uy dang", "T-A"],
        ]
    )
    resp = c.post(
        "/admin/imports/units",
        data={"file": (good, "don-vi.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200 and "Đã nhập 2 đơn vị" in resp.get_data(as_text=True)
    a1 = db.session.scalar(select(Unit).where(Unit.code == "T-A1"))
    assert a1.tier == "grassroots" and a1.parent.code == "T-A" and a1.depth == 2
    garbage = c.post(
        "/admin/imports/units",
        data={"file": (io.BytesIO(b"not excel"), "x.xlsx")},
        content_type="multipart/form-data",
    )
    assert garbage.status_code == 400 and "Không đọc được tệp" in garbage.get_data(
        as_text=True
    )


def test_exports_round_trip(sec, make):
    make.unit(parent=sec.province, name="Xã Đầm Hà", code="T-DH")
    make.db.session.commit()
    resp = sec.client.get("/admin/exports/units.xlsx")
    wb = load_workbook(io.BytesIO(resp.data), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Mã đơn vị"
    assert ("T-DH", "Xã Đầm Hà") in {(r[0], r[1]) for r in rows}
    assert "K" not in {r[0] for r in rows}  # outside the scope
    tmpl = sec.client.get("/admin/imports/units-template.xlsx")
    assert load_workbook(io.BytesIO(tmpl.data)).active["A1"].value == "Mã đơn vị"
    users = sec.client.get("/admin/exports/users.xlsx")
    names = {
        r[0]
        for r in load_workbook(io.BytesIO(users.data)).active.iter_rows(
            values_only=True
        )
    }
    assert sec.user.username in names


def test_narrow_secretariat_cannot_take_over_a_wider_account(make, login_as, db):
    province = make.unit(tier=UnitTier.PROVINCE, code="P")
    commune = make.unit(parent=province, code="P-X")
    local_sec = make.user(role=Role.SECRETARIAT, unit=commune)
    # Based in the commune, but secretariat over the whole province.
    wide = make.user(role=Role.SECRETARIAT, unit=commune, scope=province)
    admin = make.user(role=Role.ADMIN, unit=commune, scope=commune)
    plain = make.user(role=Role.UNIT_OFFICER, unit=commune)
    make.db.session.commit()
    c = login_as(local_sec)
    for target in (wide, admin):
        assert c.get(f"/admin/users/{target.id}").status_code == 200  # may look
        assert "chỉ được xem" in c.get(f"/admin/users/{target.id}").get_data(
            as_text=True
        )
        assert c.post(f"/admin/users/{target.id}/reset-password").status_code == 403
        assert c.post(f"/admin/users/{target.id}/active").status_code == 403
        assert (
            c.post(
                f"/admin/users/{target.id}/roles",
                data={"role": "unit_officer", "unit_code": "P-X"},
            ).status_code
            == 403
        )
        rid = target.roles[0].id
        assert c.post(f"/admin/users/{target.id}/roles/{rid}/revoke").status_code == 403
    db.session.rollback()
    assert (
        db.session.get(User, wide.id).active and db.session.get(User, admin.id).active
    )
    # An account inside the scope is managed as before.
    assert c.post(f"/admin/users/{plain.id}/reset-password").status_code == 200


def test_unit_picker_suggests_units_in_scope_only(sec, make):
    make.unit(parent=sec.province, name="Xã Quảng Tân", code="T-QT")
    make.unit(parent=sec.other, name="Xã Ngoài Phạm Vi", code="K-NP")
    make.db.session.commit()
    page = sec.client.get("/admin/users/new").get_data(as_text=True)
    assert "T-QT — Xã Quảng Tân" in page and "K-NP" not in page
    resp = sec.client.post(
        "/admin/users/new",
        data={
            "username": "ngoai",
            "name": "Người ngoài",
            "unit_code": "K-NP",
            "role": "",
            "password": "mat-khau-dai-du",
        },
    )
    assert resp.status_code == 400
    assert "Không có đơn vị mã “K-NP” trong phạm vi của bạn." in resp.get_data(
        as_text=True
    )


@pytest.mark.parametrize("value", ["²", "999999999999999999999", "-3"])
def test_odd_ids_in_admin_query_strings(sec, value):
    assert sec.client.get(f"/admin/units?parent={value}").status_code == 200
    assert sec.client.get(f"/admin/users/new?unit={value}").status_code == 200


def test_a_taken_username_or_email_is_shown_on_its_field(sec, make, db):
    make.user(unit=sec.province, username="da.co")
    make.db.session.commit()
    data = {
        "username": "da.co",
        "name": "Trần Thị Hoa",
        "email": "hoa@example.vn",
        "unit_code": sec.province.code,
        "role": "",
        "password": "mat-khau-dai-du",
    }
    taken = sec.client.post("/admin/users/new", data=data)
    assert taken.status_code == 400
    assert "Tên đăng nhập đã được dùng." in taken.get_data(as_text=True)
    email = sec.client.post(
        "/admin/users/new",
        data=dict(data, username="moi", email=sec.user.email.upper()),
    )
    assert email.status_code == 400
    assert "Email đã được dùng." in email.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "moi")) is None


def test_refused_secretariat_buttons_go_back_with_the_reason(sec, make, db):
    c = sec.client
    me = f"/admin/users/{sec.user.id}"
    (own,) = sec.user.roles
    for url, reason in (
        (f"{me}/active", "Bạn không thể tự khóa tài khoản của mình."),
        (f"{me}/roles/{own.id}/revoke", "Bạn không thể tự thu hồi quyền quản trị"),
        (f"{me}/roles", "Tài khoản đã có vai trò này ở đơn vị này."),
    ):
        resp = c.post(url, data={"role": "secretariat", "unit_code": sec.province.code})
        assert resp.status_code == 303 and resp.headers["Location"] == me
        assert reason in c.get(me).get_data(as_text=True)
    db.session.rollback()
    user = db.session.get(User, sec.user.id)
    assert user.active and [r.role for r in user.roles] == ["secretariat"]
    campaign = make.campaign(unit=sec.province)
    make.db.session.commit()
    page = f"/admin/campaigns/{campaign.id}"
    dup = c.post(f"{page}/fields", data={"field-name": campaign.fields[0].name})
    assert dup.status_code == 303 and dup.headers["Location"] == f"{page}#fields"
    assert "Lĩnh vực này đã có." in c.get(page).get_data(as_text=True)


def test_secretariat_actions_are_logged_without_personal_data(sec, db, caplog):
    actor = f"by user {sec.user.id}"
    with caplog.at_level(logging.INFO):
        resp = sec.client.post(
            "/admin/users/new",
            data={
                "username": "ghi.nhat.ky",
                "name": "Nguyễn Văn Ký",
                "email": "ky@example.vn",
                "unit_code": sec.province.code,
                "role": "unit_officer",
                "password": "mat-khau-dai-du",
            },
        )
        assert resp.status_code == 302
        user = db.session.scalar(select(User).where(User.username == "ghi.nhat.ky"))
        sec.client.post(f"/admin/users/{user.id}/reset-password")
        sec.client.post(f"/admin/users/{user.id}/active")
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("dankheo.auth") and actor in r.getMessage()
    ]
    assert len(lines) == 3, lines
    assert not any("ky@example.vn" in line or "mat-khau" in line for line in lines)
