"""Rows stored before the input gate (∞, 1e308, NaN, control and bidi characters): every
page that shows them renders, and ``flask repair-data`` mends them."""

from __future__ import annotations

import io
import json
from xml.etree import ElementTree as ET

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from dankheo.domain.enums import Role
from dankheo.registry.models import Exemplar
from dankheo.units.models import Unit

from .showcase.conftest import Publisher

BAD_NAME = "Mô hình\x07 \u202edảo ngược"


def _strict_json(body: bytes):
    def refuse(name):
        raise AssertionError(f"{name} is not JSON")

    return json.loads(body, parse_constant=refuse)


@pytest.fixture
def bad(make, db):
    """A public exemplar and a draft whose rows were written by SQL, as old data is."""
    publish = Publisher(make, db)
    e = publish(name="Mô hình tốt", households=5)
    draft = publish("draft", name="Bản nháp")
    officer = make.user(role=Role.UNIT_OFFICER, unit=publish.commune)
    db.session.commit()
    for ex in (e, draft):
        db.session.execute(
            text(
                "UPDATE exemplars SET money_million = :big, land_m2 = :inf, "
                "road_km = :nan, name = :name, situation = :situation WHERE id = :id"
            ),
            {
                "big": 1e308,
                "inf": float("inf"),
                "nan": float("nan"),
                "name": BAD_NAME,
                "situation": "dòng\x1b 1\x0c",
                "id": ex.id,
            },
        )
    db.session.execute(
        text("UPDATE units SET name = :name WHERE id = :id"),
        {"name": "Xã\x07 Bell", "id": publish.commune.id},
    )
    db.session.commit()
    return type("Bad", (), dict(e=e, draft=draft, officer=officer, publish=publish))


def _pages_render(client, login_as, bad):
    e, draft = bad.e, bad.draft
    for url in (
        "/",
        "/showcase",
        f"/showcase/{e.id}",
        "/stats",
        "/showcase/export.csv",
    ):
        resp = client.get(url, follow_redirects=True)
        assert resp.status_code == 200, url
    assert _strict_json(client.get("/api/v1/exemplars").data)["items"]
    detail = _strict_json(client.get(f"/api/v1/exemplars/{e.id}").data)
    assert "land_m2" not in detail["metrics"] or detail["metrics"]["land_m2"] is None
    ET.fromstring(client.get("/showcase/feed.atom").data)
    wb = load_workbook(io.BytesIO(client.get("/showcase/export.xlsx").data))
    assert wb.active.max_row == 2
    login_as(bad.officer)
    for url in (f"/registry/{draft.id}", f"/registry/{draft.id}/edit", "/registry/"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert "∞" not in resp.get_data(as_text=True)
    client.post("/auth/logout")


def test_pages_render_bad_rows_and_repair_mends_them(app, client, login_as, db, bad):
    """Defect: 1e308 made the draft's detail and edit pages answer 500 for ever; inf was
    shown as ∞ and written by the API as Infinity (not JSON); \\x07 broke the feed."""
    _pages_render(client, login_as, bad)
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["repair-data"])
    assert dry.exit_code == 0, dry.output
    assert f"exemplars #{bad.draft.id} money_million: 1e+308 → (trống)" in dry.output
    assert f"exemplars #{bad.e.id} land_m2: inf → (trống)" in dry.output
    assert "\\u0007" in dry.output and "\\u202e" in dry.output
    assert "chưa ghi gì" in dry.output
    db.session.rollback()
    assert db.session.get(Exemplar, bad.draft.id).money_million == 1e308

    done = runner.invoke(args=["repair-data", "--apply"])
    assert done.exit_code == 0, done.output
    assert "Đã sửa" in done.output
    db.session.rollback()
    db.session.expire_all()
    for ex in (
        db.session.get(Exemplar, bad.e.id),
        db.session.get(Exemplar, bad.draft.id),
    ):
        assert (ex.money_million, ex.land_m2, ex.road_km) == (None, None, None)
        assert ex.name == "Mô hình dảo ngược"
        assert ex.situation == "dòng 1"
    assert db.session.get(Unit, bad.publish.commune.id).name == "Xã Bell"
    assert "Không có giá trị nào cần sửa" in runner.invoke(args=["repair-data"]).output
    _pages_render(client, login_as, bad)
