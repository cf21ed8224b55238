"""The audit page: secretariat only, scoped to its subtree (administrators see all),
filters, newest first, and the same rows as XLSX with formulas neutralised."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from dankheo.actors import acting_as
from dankheo.audit.export import safe_cell
from dankheo.domain.enums import Role, UnitTier


@pytest.fixture
def two_provinces(make, db):
    east = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Đông")
    west = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Tây")
    sec_east = make.user(role=Role.SECRETARIAT, unit=east, username="thuky-dong")
    sec_west = make.user(role=Role.SECRETARIAT, unit=west, username="thuky-tay")
    with acting_as(sec_east):
        commune = make.unit(parent=east, name="Xã Bình Minh")
        make.campaign(unit=east, name='=HYPERLINK("http://x")')
    with acting_as(sec_west):
        make.campaign(unit=west, name="Đợt của tỉnh Tây")
    db.session.commit()
    return east, west, sec_east, sec_west, commune


def _text(resp) -> str:
    """The records table (the filter's unit suggestions also name units), or the page."""
    page = resp.get_data(as_text=True)
    if "<table" in page:
        return page[page.index("<table") : page.index("</table>")]
    return page


def test_only_the_secretariat_opens_the_page(client, login_as, make, db):
    officer = make.user(role=Role.UNIT_OFFICER)
    db.session.commit()
    login_as(officer)
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/export.xlsx").status_code == 403


def test_a_secretariat_sees_its_subtree_only(client, login_as, two_provinces):
    east, west, sec_east, _sec_west, commune = two_provinces
    login_as(sec_east)
    resp = client.get("/admin/audit/")
    assert resp.status_code == 200
    page = _text(resp)
    assert "Xã Bình Minh" in page
    assert "Đợt của tỉnh Tây" not in page
    assert "Nhật ký thao tác" in resp.get_data(as_text=True)


def test_an_administrator_sees_everything(client, login_as, make, db, two_provinces):
    root = make.unit(tier=UnitTier.CENTRAL, name="Trung ương thử")
    admin = make.user(role=Role.ADMIN, unit=root)
    db.session.commit()
    login_as(admin)
    page = _text(client.get("/admin/audit/"))
    assert "Đợt của tỉnh Tây" in page and "Xã Bình Minh" in page


def test_filters_and_order(client, login_as, two_provinces):
    _east, _west, sec_east, _sec_west, commune = two_provinces
    login_as(sec_east)
    page = _text(client.get("/admin/audit/?object_type=unit"))
    assert "Xã Bình Minh" in page and "HYPERLINK" not in page
    page = _text(client.get("/admin/audit/?object_type=campaign&action=created"))
    assert "HYPERLINK" in page and "Xã Bình Minh" not in page
    page = _text(client.get(f"/admin/audit/?unit={commune.code}"))
    assert "Xã Bình Minh" in page and "HYPERLINK" not in page
    page = _text(client.get("/admin/audit/?actor=thuky-dong&object_type=unit"))
    assert "Xã Bình Minh" in page
    page = _text(client.get("/admin/audit/?actor=nobody"))
    assert "Không có bản ghi nào phù hợp" in page
    tomorrow = date.today() + timedelta(days=2)
    page = _text(client.get(f"/admin/audit/?date_from={tomorrow.isoformat()}"))
    assert "Không có bản ghi nào phù hợp" in page
    page = _text(client.get(f"/admin/audit/?date_to={tomorrow.isoformat()}"))
    assert "Xã Bình Minh" in page
    # Newest first: the campaign (created after the commune) comes first.
    page = _text(client.get("/admin/audit/"))
    assert page.index("HYPERLINK") < page.index("Xã Bình Minh")


def test_bad_filters_are_a_400_not_a_500(client, login_as, two_provinces):
    _east, west, sec_east, *_ = two_provinces
    login_as(sec_east)
    assert client.get("/admin/audit/?exemplar=abc").status_code == 400
    assert client.get("/admin/audit/?date_from=2026-13-45").status_code == 400
    # A unit outside the scope is refused, not silently widened.
    resp = client.get(f"/admin/audit/?unit={west.code}")
    assert resp.status_code == 400
    assert client.get("/admin/audit/?object_type=vote").status_code == 400


def test_export_is_the_filtered_rows_with_formulas_neutralised(
    client, login_as, two_provinces
):
    _east, _west, sec_east, *_ = two_provinces
    login_as(sec_east)
    resp = client.get("/admin/audit/export.xlsx?object_type=campaign")
    assert resp.status_code == 200
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Số thứ tự"
    labels = [r[6] for r in rows[1:]]
    assert labels == ['\'=HYPERLINK("http://x") (2026)']
    assert all("Tây" not in str(r) for r in rows)
    assert len(rows[1][9]) == 64  # the record's hash travels with it


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+84 912", "'+84 912"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Xã\x00 Đông\x1f", "Xã Đông"),
        ("Bình thường", "Bình thường"),
        (12, 12),
        ({"a": [1, "=x"]}, '{"a": [1, "=x"]}'),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected
