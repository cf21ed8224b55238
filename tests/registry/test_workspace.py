from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dankheo.domain.enums import Role, UnitTier
from dankheo.registry.models import Exemplar, History

FULL = {
    "kind": "model",
    "name": "Hiến đất mở rộng đường thôn",
    "situation": "Đường thôn hẹp, xe cứu thương không vào được.",
    "goals": "Mở rộng 3 km đường trong năm.",
    "content": "Họp dân, vận động từng hộ, công khai thiết kế.",
    "outputs": "3 km đường, 120 hộ hiến đất.",
}


@pytest.fixture
def world(make):
    """A province with two communes, an officer for each, and a campaign."""
    province = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Thử Nghiệm")
    a = make.unit(parent=province, name="Xã Đông Hải")
    a_cell = make.unit(parent=a, tier=UnitTier.GRASSROOTS, name="Chi bộ thôn Đông")
    b = make.unit(parent=province, name="Phường Bắc Sơn")
    campaign = make.campaign(unit=province)
    officer_a = make.user(role=Role.UNIT_OFFICER, unit=a)
    officer_b = make.user(role=Role.UNIT_OFFICER, unit=b)
    make.db.session.commit()
    return type(
        "World",
        (),
        dict(
            province=province,
            a=a,
            a_cell=a_cell,
            b=b,
            campaign=campaign,
            officer_a=officer_a,
            officer_b=officer_b,
        ),
    )


def _form(world, unit, **over):
    data = dict(
        FULL,
        campaign_id=world.campaign.id,
        unit_code=unit.code,
        field_id=world.campaign.fields[0].id,
    )
    data.update(over)
    return data


def test_officer_registers_edits_submits_and_follows(client, login_as, world, db):
    login_as(world.officer_a)
    resp = client.post(
        "/registry/new",
        data=_form(
            world,
            world.a,
            money_million="15.590,5",
            households="1.185",
            tags="giảm nghèo, giảm nghèo, hiến đất",
        ),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    ex = db.session.scalar(select(Exemplar))
    assert ex.state == "draft" and ex.money_million == 15590.5 and ex.households == 1185
    assert ex.tags == "giảm nghèo, hiến đất"
    assert ex.slug == "hien-dat-mo-rong-duong-thon"
    page = client.get(f"/registry/{ex.id}").get_data(as_text=True)
    assert "Hiến đất mở rộng đường thôn" in page and "15.590,5" in page

    resp = client.post(
        f"/registry/{ex.id}/edit",
        data=_form(world, world.a, name="Tên mới", version=ex.version),
    )
    assert resp.status_code == 302
    assert client.post(f"/registry/{ex.id}/submit").status_code == 302
    db.session.rollback()
    ex = db.session.get(Exemplar, ex.id)
    assert (
        ex.state == "submitted" and ex.name == "Tên mới" and ex.submitted_at is not None
    )
    # Locked: the edit form refuses and nothing changes.
    resp = client.post(
        f"/registry/{ex.id}/edit",
        data=_form(world, world.a, name="Lén sửa", version=ex.version),
    )
    assert resp.status_code == 302
    db.session.rollback()
    assert db.session.get(Exemplar, ex.id).name == "Tên mới"
    assert (
        client.post(
            f"/registry/{ex.id}/withdraw", data={"note": "Bổ sung ảnh"}
        ).status_code
        == 302
    )
    db.session.rollback()
    hist = db.session.scalars(
        select(History).where(History.exemplar_id == ex.id).order_by(History.id)
    ).all()
    assert [(h.from_state, h.to_state) for h in hist] == [
        ("draft", "submitted"),
        ("submitted", "draft"),
    ]
    assert hist[1].note == "Bổ sung ảnh" and hist[0].actor_id == world.officer_a.id
    page = client.get(f"/registry/{ex.id}").get_data(as_text=True)
    assert "Bổ sung ảnh" in page and "Rút lại" in page


def test_parent_officer_sees_sub_unit_exemplars(client, login_as, world, make):
    ex = make.exemplar(unit=world.a_cell, campaign=world.campaign, **FULL)
    make.db.session.commit()
    login_as(world.officer_a)
    assert client.get(f"/registry/{ex.id}").status_code == 200
    assert FULL["name"] in client.get("/registry/").get_data(as_text=True)


def test_other_unit_gets_404_never_data(client, login_as, world, make):
    ex = make.exemplar(
        unit=world.a, campaign=world.campaign, **FULL, contact_phone="0912345678"
    )
    make.db.session.commit()
    login_as(world.officer_b)
    listing = client.get("/registry/").get_data(as_text=True)
    assert FULL["name"] not in listing
    for method, url in [
        ("get", f"/registry/{ex.id}"),
        ("get", f"/registry/{ex.id}/edit"),
        ("post", f"/registry/{ex.id}/edit"),
        ("post", f"/registry/{ex.id}/submit"),
        ("post", f"/registry/{ex.id}/withdraw"),
        ("post", f"/registry/{ex.id}/attachments"),
    ]:
        resp = getattr(client, method)(url)
        assert resp.status_code == 404, (method, url)
        assert "0912345678" not in resp.get_data(as_text=True)
    make.db.session.rollback()
    assert make.db.session.get(Exemplar, ex.id).state == "draft"


def test_cannot_register_for_a_unit_outside_scope(client, login_as, world, db):
    login_as(world.officer_a)
    resp = client.post("/registry/new", data=_form(world, world.b))
    assert resp.status_code == 400  # not among the choices: a form error
    assert db.session.scalar(select(Exemplar)) is None


@pytest.mark.parametrize(
    "over, message",
    [
        ({"name": ""}, "Vui lòng nhập tên mô hình, điển hình."),
        ({"name": "x" * 301}, "Tối đa 300 ký tự."),
        ({"households": "-5"}, "Không được là số âm."),
        ({"households": "nhiều"}, "Phải là số nguyên."),
        ({"money_million": "abc"}, "Không phải là số hợp lệ."),
        ({"road_km": "-0,5"}, "Không được là số âm."),
        ({"contact_email": "khong-phai-email"}, "Địa chỉ email không hợp lệ."),
        ({"contact_phone": "<script>"}, "Số điện thoại không hợp lệ."),
        ({"start_date": "2026-13-45"}, "Ngày không hợp lệ"),
        (
            {"start_date": "2026-05-01", "evaluation_date": "2026-01-01"},
            "Ngày đánh giá phải sau ngày bắt đầu.",
        ),
        ({"kind": "hacker"}, "Lựa chọn không hợp lệ."),
        ({"field_id": "999999"}, "Lựa chọn không hợp lệ."),
    ],
)
def test_bad_input_gives_a_form_error_not_a_500(
    client, login_as, world, db, over, message
):
    login_as(world.officer_a)
    resp = client.post("/registry/new", data=_form(world, world.a, **over))
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "Chưa lưu được" in body and message in body
    assert db.session.scalar(select(Exemplar)) is None


def test_bad_edit_keeps_what_was_saved(client, login_as, world, make):
    ex = make.exemplar(unit=world.a, campaign=world.campaign, **FULL)
    make.db.session.commit()
    login_as(world.officer_a)
    resp = client.post(
        f"/registry/{ex.id}/edit",
        data=_form(world, world.a, households="-1", name="", version=ex.version),
    )
    assert resp.status_code == 400
    make.db.session.rollback()
    assert make.db.session.get(Exemplar, ex.id).name == FULL["name"]


def test_concurrent_edit_is_refused_and_keeps_typed_text(client, login_as, world, make):
    ex = make.exemplar(unit=world.a, campaign=world.campaign, **FULL)
    make.db.session.commit()
    login_as(world.officer_a)
    stale = ex.version
    assert (
        client.post(
            f"/registry/{ex.id}/edit",
            data=_form(world, world.a, name="Bản A", version=stale),
        ).status_code
        == 302
    )
    resp = client.post(
        f"/registry/{ex.id}/edit",
        data=_form(world, world.a, name="Bản B", version=stale),
    )
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)
    assert "Bản B" in body  # the user's text is still in the form
    assert "Hồ sơ vừa được người khác sửa." in body
    make.db.session.rollback()
    current = make.db.session.get(Exemplar, ex.id)
    assert current.name == "Bản A"
    # The form now carries the stored version, so saving it again goes through.
    version = re.search(r'name="version"[^>]*value="(\d+)"', body)
    assert version and int(version.group(1)) == current.version
    again = client.post(
        f"/registry/{ex.id}/edit",
        data=_form(world, world.a, name="Bản B", version=version.group(1)),
    )
    assert again.status_code == 302
    make.db.session.rollback()
    assert make.db.session.get(Exemplar, ex.id).name == "Bản B"


def test_incomplete_draft_cannot_be_submitted(client, login_as, world, make):
    ex = make.exemplar(unit=world.a, campaign=world.campaign, name="Chỉ có tên")
    make.db.session.commit()
    login_as(world.officer_a)
    resp = client.post(f"/registry/{ex.id}/submit", follow_redirects=True)
    assert "chưa đủ các mục bắt buộc" in resp.get_data(as_text=True)
    make.db.session.rollback()
    assert make.db.session.get(Exemplar, ex.id).state == "draft"


def test_filters_and_empty_state(client, login_as, world, make):
    make.exemplar(unit=world.a, campaign=world.campaign, **FULL)
    make.exemplar(
        unit=world.a, campaign=world.campaign, **dict(FULL, name="Đoàn viên giúp dân")
    )
    make.db.session.commit()
    login_as(world.officer_a)
    body = client.get("/registry/?q=doan vien").get_data(as_text=True)
    assert "Đoàn viên giúp dân" in body and FULL["name"] not in body
    body = client.get("/registry/?state=recommended").get_data(as_text=True)
    assert "Chưa có hồ sơ nào phù hợp." in body
    body = client.get("/registry/?state=nonsense&campaign=abc").get_data(as_text=True)
    assert "Đoàn viên giúp dân" in body


def test_user_without_unit_role_is_refused(client, login_as, make):
    user = make.user(role=None)
    make.db.session.commit()
    login_as(user)
    assert client.get("/registry/").status_code == 403


@pytest.mark.parametrize(
    "value", ["²", "99999999999999999999999", "-1", "0", "1e3", "١٢"]
)
def test_odd_numbers_in_the_query_string_are_ignored(client, login_as, world, value):
    login_as(world.officer_a)
    assert client.get(f"/registry/?campaign={value}&field={value}").status_code == 200


def test_bad_hidden_version_is_a_form_error(client, login_as, world, make):
    ex = make.exemplar(unit=world.a, campaign=world.campaign, **FULL)
    make.db.session.commit()
    login_as(world.officer_a)
    resp = client.post(
        f"/registry/{ex.id}/edit", data=_form(world, world.a, version="abc")
    )
    assert resp.status_code == 400


def test_unit_is_picked_by_code_with_suggestions(client, login_as, world):
    login_as(world.officer_a)
    page = client.get("/registry/new").get_data(as_text=True)
    assert f'value="{world.a.code}"' in page  # the officer's own unit by default
    assert f"{world.a_cell.code} — Chi bộ thôn Đông" in page  # suggestion of a sub-unit
    assert world.b.code not in page
    resp = client.post(
        "/registry/new",
        data=_form(world, world.a, unit_code=f"{world.a_cell.code} — Chi bộ thôn Đông"),
    )
    assert resp.status_code == 302
    resp = client.post(
        "/registry/new", data=_form(world, world.a, unit_code="KHONG-CO")
    )
    assert resp.status_code == 400 and "Không có đơn vị mã “KHONG-CO”" in resp.get_data(
        as_text=True
    )


def test_a_number_error_is_shown_once(client, login_as, world):
    login_as(world.officer_a)
    body = client.post(
        "/registry/new", data=_form(world, world.a, money_million="abc")
    ).get_data(as_text=True)
    assert body.count("Không phải là số hợp lệ.") == 1


def test_wtforms_messages_are_vietnamese(app):
    from wtforms import Form, IntegerField
    from wtforms.validators import NumberRange

    from dankheo.forms_common import WTFormsTranslations

    class F(Form):
        class Meta:
            def get_translations(self, form):
                return WTFormsTranslations()

        n = IntegerField(validators=[NumberRange(min=0, max=100)])

    with app.test_request_context("/"):
        from werkzeug.datastructures import MultiDict

        f = F(MultiDict({"n": "-5"}))
        assert not f.validate()
        assert f.n.errors == ["Giá trị phải từ 0 đến 100."]


def test_a_page_past_the_end_says_so(client, login_as, world, make):
    make.exemplar(unit=world.a, campaign=world.campaign, **FULL)
    make.db.session.commit()
    login_as(world.officer_a)
    body = client.get("/registry/?page=9999").get_data(as_text=True)
    assert "Trang này không có hồ sơ." in body and "Về trang đầu" in body
    assert "Chưa có hồ sơ nào phù hợp." not in body
