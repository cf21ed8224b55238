"""The input gate (dankheo.inputs): every entry point class — query strings of pages
and of the API, form fields of every form, login, JSON bodies, imported cells, file
names — cleans text one way and refuses NUL before it reaches the database."""

from __future__ import annotations

import io
import unicodedata
from types import SimpleNamespace

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from dankheo.appraisal.models import Vote
from dankheo.auth.models import User
from dankheo.campaigns.models import Field
from dankheo.domain.enums import Role, UnitTier
from dankheo.errors import InvalidInput
from dankheo.inputs import clean_text, file_name, gate, gate_cell, gate_json
from dankheo.registry.models import Exemplar
from dankheo.units.models import Unit

from .appraisal.scenario import build, submitted
from .registry.test_workspace import _form


@pytest.fixture
def world(make):
    """A commune of a province with a campaign, and the commune's officer."""
    return registry_world(make)


def registry_world(make) -> SimpleNamespace:
    province = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Thử Nghiệm")
    a = make.unit(parent=province, name="Xã Đông Hải")
    campaign = make.campaign(unit=province)
    officer_a = make.user(role=Role.UNIT_OFFICER, unit=a)
    make.db.session.commit()
    return SimpleNamespace(a=a, campaign=campaign, officer_a=officer_a)


RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: reverses what follows on screen
NFD_NAME = unicodedata.normalize("NFD", "Mô hình hiến đất")


# -- the rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "multiline", "clean"),
    [
        (NFD_NAME, True, "Mô hình hiến đất"),
        ("Chuông\x07 báo", True, "Chuông báo"),
        (f"Tên {RLO}cba", True, "Tên cba"),
        ("a\u2066b\u2069c\u200ed\u200fe\u061cf", True, "abcdef"),
        ("zero\u200bwidth\ufeff", True, "zerowidth"),
        ("c1\x85\x9fend\x7f", True, "c1end"),
        (
            "dòng 1\r\ndòng 2\rdòng 3\u2028dòng 4",
            True,
            "dòng 1\ndòng 2\ndòng 3\ndòng 4",
        ),
        ("cột\tmột\ndòng", True, "cột\tmột\ndòng"),
        ("cột\tmột\ndòng", False, "cột một dòng"),
        ("lone \ud800 surrogate \uffff", True, "lone  surrogate "),
        ("👩\u200d🌾 nông dân", True, "👩\u200d🌾 nông dân"),  # ZWJ kept
    ],
)
def test_clean_text(raw, multiline, clean):
    assert clean_text(raw, multiline=multiline) == clean


def test_gate_refuses_nul_and_overlong_values():
    with pytest.raises(InvalidInput) as exc:
        gate("a\x00b", name="name")
    assert exc.value.field == "name" and "NUL" in str(exc.value)
    with pytest.raises(InvalidInput):
        gate("x" * 11, name="q", limit=10)
    assert gate("x" * 10, limit=10) == "x" * 10


def test_json_bodies_pass_the_gate(app):
    with app.test_request_context(
        "/api/x", method="POST", json={"ten": f"A{RLO}\x07", "ds": [NFD_NAME]}
    ):
        from flask import request

        assert request.get_json() == {"ten": "A", "ds": ["Mô hình hiến đất"]}
    with pytest.raises(InvalidInput) as exc:
        gate_json({"a": {"b": ["ok", "x\x00"]}})
    assert exc.value.field == "a.b[1]"


def test_cells_and_file_names_pass_the_gate():
    assert gate_cell(f" Xã\x07 {RLO}A\n") == ("Xã A", None)
    assert gate_cell(123) == ("123", None)
    text, refused = gate_cell("T\x00")
    assert text == "T" and isinstance(refused, InvalidInput)
    assert file_name("../../etc/passwd") == "passwd"
    assert file_name("..\\..\\Báo cáo\x07.pdf") == "Báo cáo.pdf"


# -- query strings: NUL reached PostgreSQL (500) on public pages and the API -------------


@pytest.mark.parametrize(
    "url",
    [
        "/showcase?field=%00",
        "/showcase?form=a%00b",
        "/showcase?q=%00",
        "/showcase/export.csv?field=%00",
        "/stats?campaign=%00",
        "/?lang=%00",
    ],
)
def test_nul_in_a_page_query_is_refused_not_a_server_error(client, url):
    resp = client.get(url)
    assert resp.status_code == 303, resp.status_code
    follow = client.get(resp.headers["Location"])
    assert "ký tự không hợp lệ" in follow.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "name"),
    [("field=%00", "field"), ("form=a%00b", "form"), ("q=x%00", "q")],
)
def test_nul_in_an_api_query_is_a_400_naming_the_parameter(client, query, name):
    resp = client.get(f"/api/v1/exemplars?{query}")
    assert resp.status_code == 400
    assert resp.is_json and resp.json["parameter"] == name


def test_invisible_characters_in_a_query_are_dropped(client):
    assert client.get(f"/showcase?q=hi{RLO}%07%E2%80%8B").status_code == 200
    assert client.get(f"/api/v1/exemplars?field=a{RLO}").status_code == 200


def test_overlong_urls_are_414(client):
    assert client.get("/showcase?q=" + "a" * 10_000).status_code == 414
    resp = client.get("/api/v1/exemplars?q=" + "a" * 10_000)
    assert resp.status_code == 414 and resp.is_json
    assert client.get("/showcase?q=" + "a" * 3_000).status_code == 303


# -- form fields: NUL reached the database from every form ------------------------------


def test_nul_at_login_is_refused(client, make):
    user = make.user()
    make.db.session.commit()
    for data in (
        {"login": user.username + "\x00", "password": "x"},
        {"login": user.username, "password": "mat\x00khau"},
    ):
        resp = client.post("/auth/login", data=data)
        assert resp.status_code == 303


def _count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("field", ["name", "situation", "tags", "lead_name", "address"])
def test_nul_in_any_exemplar_field_is_refused_and_nothing_is_written(
    client, login_as, world, db, field
):
    login_as(world.officer_a)
    before = _count(db, Exemplar)
    resp = client.post("/registry/new", data=_form(world, world.a, **{field: "a\x00b"}))
    assert resp.status_code == 303
    assert _count(db, Exemplar) == before


def test_pasted_controls_bidi_and_nfd_are_cleaned_in_exemplar_fields(
    client, login_as, world, db
):
    """A name with \\x07 broke every XLSX; U+202E reversed titles on screen."""
    login_as(world.officer_a)
    resp = client.post(
        "/registry/new",
        data=_form(
            world,
            world.a,
            name=f"{NFD_NAME}\x07 {RLO}thôn",
            situation="dòng 1\r\n\tdòng 2\x1b",
        ),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    db.session.rollback()
    ex = db.session.scalar(select(Exemplar))
    assert ex.name == "Mô hình hiến đất thôn"
    assert ex.situation == "dòng 1\n\tdòng 2"


@pytest.fixture
def sec(make, login_as):
    province = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Thử", code="T")
    user = make.user(role=Role.SECRETARIAT, unit=province)
    campaign = make.campaign(unit=province)
    make.db.session.commit()
    client = login_as(user)
    return type(
        "S", (), dict(province=province, user=user, campaign=campaign, client=client)
    )


def test_nul_in_secretariat_forms_is_refused(sec, db):
    c = sec.client
    units, users, fields = _count(db, Unit), _count(db, User), _count(db, Field)
    unit = {"name": "Xã\x00", "code": "T-X", "tier": "commune", "kind": "party"}
    assert c.post(f"/admin/units/{sec.province.id}/new", data=unit).status_code == 303
    user = {
        "username": "can.bo",
        "name": "Lê Văn Bình",
        "position": "Chủ tịch\x00",
        "unit_code": sec.province.code,
        "role": "unit_officer",
        "password": "mat-khau-dai-du",
    }
    assert c.post("/admin/users/new", data=user).status_code == 303
    assert (
        c.post(
            f"/admin/campaigns/{sec.campaign.id}/fields", data={"field-name": "a\x00"}
        ).status_code
        == 303
    )
    assert c.get("/admin/users?q=%00").status_code == 303
    assert c.get("/admin/units?q=%00").status_code == 303
    assert (_count(db, Unit), _count(db, User), _count(db, Field)) == (
        units,
        users,
        fields,
    )


def test_nul_in_a_vote_comment_is_refused(make, db, login_as):
    sc = build(make, criteria=False)
    council = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0], name="Hồ sơ bỏ phiếu")
    db.session.commit()
    client = login_as(sc.members[council.id][1].user)
    url = f"/appraisal/councils/{council.id}/entries/{e.id}"
    resp = client.post(url, data={"choice": "approve", "comment": "tốt\x00"})
    assert resp.status_code == 303
    assert _count(db, Vote) == 0
    resp = client.post(url, data={"choice": "approve", "comment": f"tốt{RLO}\x07"})
    assert resp.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(Vote.comment)) == "tốt"


def test_passwords_are_kept_verbatim(client, make, db):
    """Hashed, never shown: normalising them would lock out an account whose password
    was set in another Unicode form."""
    from dankheo.auth.operations import create_user

    unit = make.unit()
    create_user(
        username="nfd",
        name="NFD",
        password=NFD_NAME,
        email=None,
        unit=unit,
        roles=[],
    )
    db.session.commit()
    resp = client.post("/auth/login", data={"login": "nfd", "password": NFD_NAME})
    assert resp.status_code == 302


# -- imported cells ----------------------------------------------------------------------


def test_imported_cells_pass_the_gate(sec, db):
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã", "Tên", "Cấp", "Loại", "Cấp trên"])
    ws.append(["T-N", f"{NFD_NAME} {RLO}mới", "commune", "party", "T"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    resp = sec.client.post(
        "/admin/imports/units",
        data={"file": (buf, "don-vi.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    db.session.rollback()
    unit = db.session.scalar(select(Unit).where(Unit.code == "T-N"))
    assert unit.name == "Mô hình hiến đất mới"
