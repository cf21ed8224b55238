"""Bulk registration from Excel and CSV: template, preview with Excel row numbers,
duplicates, all-or-nothing, scope."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dankheo.registry import bulk
from dankheo.registry.models import Exemplar

from .bulk_helpers import csv_bytes, fill_template, row, tree, xlsx


def _count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Exemplar.id)))


def _upload(client, campaign, body: bytes, name="ho-so.xlsx", lang=""):
    return client.post(
        f"/registry/import/{lang}",
        data={"campaign_id": campaign.id, "file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


def _job_page(client, resp):
    assert resp.status_code == 303, resp.get_data(as_text=True)[:800]
    return resp.headers["Location"], client.get(resp.headers["Location"]).get_data(
        as_text=True
    )


def test_template_round_trip(client, make, login_as, db):
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    resp = client.get(f"/registry/import/template.xlsx?campaign={campaign.id}")
    assert resp.status_code == 200 and resp.mimetype == bulk.XLSX
    wb = load_workbook(io.BytesIO(resp.data))
    sheet = wb.worksheets[0]
    assert [c.value for c in sheet[2]][:4] == [
        "Mã đơn vị",
        "Loại",
        "Lĩnh vực",
        "Tên mô hình, điển hình",
    ]
    dropdowns = {
        str(v.sqref).split(":")[0][0] for v in sheet.data_validations.dataValidation
    }
    assert dropdowns == {"A", "B", "C", "E"}
    allowed = wb.worksheets[1]
    units = [c.value for c in allowed["A"] if c.value]
    assert units == ["Mã đơn vị", "QN-HG"]  # only the officer's subtree
    assert "Kinh tế" in [c.value for c in allowed["C"]]

    body = fill_template(
        resp.data,
        [row("Hiến đất làm đường"), row("Dân vận số", kind="Điển hình tập thể")],
    )
    location, page = _job_page(client, _upload(client, campaign, body))
    assert "Tệp hợp lệ" in page and "Dân vận số" in page
    assert _count(db) == 0  # the preview writes nothing
    resp = client.post(location + "/confirm")
    assert resp.status_code == 303
    page = client.get(location).get_data(as_text=True)
    assert "Đã nhập 2 hồ sơ" in page
    db.session.rollback()
    rows = db.session.scalars(select(Exemplar).order_by(Exemplar.id)).all()
    assert [e.name for e in rows] == ["Hiến đất làm đường", "Dân vận số"]
    first = rows[0]
    assert first.state == "draft" and first.created_by_id == officer.id
    assert first.households == 1250 and first.money_million == 15590.5
    assert first.start_date == date(2026, 2, 5) and first.field.name == "Kinh tế"
    assert first.slug == "hien-dat-lam-duong" and "hong gai" in first.search_text
    assert rows[1].kind == "collective"


def test_every_error_is_reported_with_its_excel_row(client, make, login_as, db):
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    body = xlsx(
        [
            row("Tốt"),  # row 3
            row("", unit="QN-XX"),  # row 4: unknown unit, missing name
            row("B", unit="QN-TY"),  # row 5: outside the officer's subtree
            row("C", kind="Phong trào", field="Thể thao"),  # row 6
            row("D", is_continuing="Có lẽ", start_date="31/02/2026"),  # row 7
            row("E", households="12,5", money_million="-3", contact_phone="abc"),
            row("F", contact_email="khong-phai-email", evaluation_date="01/01/2026"),
            row("x" * 301),  # row 10
        ],
        title="Danh sách đăng ký năm 2026",
    )
    location, page = _job_page(client, _upload(client, campaign, body))
    assert "Chưa nhập" in page
    record = _record(client, location)
    found = {(e["row"], e["column"], e["message"]) for e in record.errors}
    expected = {
        (4, "Mã đơn vị", "Không có đơn vị mã “%(value)s”."),
        (4, "Tên mô hình, điển hình", "Chưa nhập."),
        (5, "Mã đơn vị", "Đơn vị “%(value)s” nằm ngoài phạm vi của bạn."),
        (6, "Loại", "Loại không hợp lệ: “%(value)s”."),
        (6, "Lĩnh vực", "Lĩnh vực “%(value)s” không có trong đợt đăng ký này."),
        (7, "Mới / tiếp nối", "Chỉ ghi “Mới” hoặc “Tiếp nối”, không phải “%(value)s”."),
        (
            7,
            "Ngày bắt đầu",
            "Ngày không hợp lệ: “%(value)s” (ghi ngày/tháng/năm, ví dụ 25/10/2026).",
        ),
        (8, "Hộ dân được vận động (hộ)", "Phải là số nguyên: “%(value)s”."),
        (8, "Kinh phí huy động (triệu đồng)", "Không được là số âm: “%(value)s”."),
        (8, "Điện thoại", "Số điện thoại không hợp lệ: “%(value)s”."),
        (9, "Email", "Email không hợp lệ: “%(value)s”."),
        (9, "Ngày đánh giá", "Ngày đánh giá phải sau ngày bắt đầu."),
        (10, "Tên mô hình, điển hình", "Dài quá %(max)s ký tự (có %(length)s)."),
    }
    assert found == expected
    assert record.error_count == len(expected)
    # The page shows the row number and the message in Vietnamese.
    assert "<td>5</td><td>Mã đơn vị</td>" in page
    assert "Đơn vị “QN-TY” nằm ngoài phạm vi của bạn." in page
    assert _count(db) == 0


def test_errors_read_in_english_too(client, make, login_as):
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    body = xlsx([row("A", unit="QN-XX")])
    location, _page = _job_page(client, _upload(client, campaign, body))
    page = client.get(location + "?lang=en").get_data(as_text=True)
    assert "No unit with code “QN-XX”." in page


def _record(client, location):
    from dankheo.jobs import queue_for, records

    return records.load(queue_for(client.application).huey, location.rsplit("/", 1)[1])


def test_duplicates_in_the_file_and_against_the_database(client, make, login_as, db):
    _p, commune, _o, officer, campaign = tree(make)
    make.exemplar(unit=commune, campaign=campaign, name="Hiến Đất  làm đường")
    db.session.commit()
    login_as(officer)
    body = xlsx([row("hien dat lam duong"), row("Mô hình mới"), row("MÔ HÌNH MỚI")])
    location, page = _job_page(client, _upload(client, campaign, body))
    errors = {(e["row"], e["message"]) for e in _record(client, location).errors}
    assert (4, "Trùng với dòng %(other)s của tệp (cùng đơn vị, cùng tên).") in errors
    assert "Trùng với dòng 3 của tệp" in page
    # Database duplicates are looked for once the file itself is clean.
    body = xlsx([row("Mô hình mới"), row("HIẾN ĐẤT LÀM ĐƯỜNG")])
    location, page = _job_page(client, _upload(client, campaign, body))
    errors = _record(client, location).errors
    assert [(e["row"], e["column"]) for e in errors] == [(3, "Tên mô hình, điển hình")]
    assert "Đơn vị đã đăng ký mô hình, điển hình" in page
    assert _count(db) == 1


def test_csv_with_bom_semicolons_title_row_and_trailing_empty_rows(
    client, make, login_as, db
):
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    body = (
        b"\xef\xbb\xbfDanh s\xc3\xa1ch;;\r\n"
        + csv_bytes(
            [row("Một", start_date="45000"), row("Hai", households="2.705")], bom=False
        )
        + b";;;\r\n;;\r\n"
    )
    location, page = _job_page(client, _upload(client, campaign, body, "ds.csv"))
    assert "Tệp hợp lệ: 2 dòng" in page
    client.post(location + "/confirm")
    db.session.rollback()
    one, two = db.session.scalars(select(Exemplar).order_by(Exemplar.id)).all()
    assert one.start_date == date(2023, 3, 15)  # Excel serial 45000
    assert two.households == 2705


def test_csv_with_commas_and_no_bom(client, make, login_as, db):
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    body = csv_bytes([row("Một", money_million="1,5")], delimiter=",", bom=False)
    location, page = _job_page(client, _upload(client, campaign, body, "ds.csv"))
    assert "Tệp hợp lệ: 1 dòng" in page
    client.post(location + "/confirm")
    db.session.rollback()
    assert db.session.scalar(select(Exemplar.money_million)) == 1.5


def test_excel_serial_and_date_cells(client, make, login_as, db):
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    body = xlsx(
        [
            row("Một", start_date=45000, evaluation_date=date(2026, 11, 18)),
            row("Hai", households=1250, money_million=15590.5),
        ]
    )
    location, _page = _job_page(client, _upload(client, campaign, body))
    client.post(location + "/confirm")
    db.session.rollback()
    one, two = db.session.scalars(select(Exemplar).order_by(Exemplar.id)).all()
    assert (one.start_date, one.evaluation_date) == (
        date(2023, 3, 15),
        date(2026, 11, 18),
    )
    assert (two.households, two.money_million) == (1250, 15590.5)


def test_one_bad_row_imports_nothing(client, make, login_as, db):
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    rows = [row(f"Mô hình {i}") for i in range(50)] + [row("Sai", field="Không có")]
    location, page = _job_page(client, _upload(client, campaign, xlsx(rows)))
    assert "Chưa nhập: tệp có 1 lỗi" in page and "<td>52</td>" in page
    assert client.post(location + "/confirm").status_code == 303  # nothing to confirm
    assert _count(db) == 0


def test_the_database_is_checked_again_on_confirm(client, make, login_as, db):
    _p, commune, _o, officer, campaign = tree(make)
    login_as(officer)
    location, _page = _job_page(
        client, _upload(client, campaign, xlsx([row("Một"), row("Hai")]))
    )
    make.exemplar(unit=commune, campaign=campaign, name="Hai")
    db.session.commit()
    client.post(location + "/confirm")
    page = client.get(location).get_data(as_text=True)
    assert "Đơn vị đã đăng ký mô hình, điển hình “Hai”" in page
    assert _count(db) == 1


def test_scope_and_campaign_refusals(client, make, login_as, db):
    province, _c, other, officer, campaign = tree(make)
    login_as(officer)
    # Another province's campaign is not offered to this officer.
    foreign = make.campaign(unit=make.unit(tier="province"))
    closed = make.campaign(unit=province, year=2025, status="closed")
    db.session.commit()
    for c in (foreign, closed):
        resp = _upload(client, c, xlsx([row()]))
        assert resp.status_code == 400
    assert (
        client.get(f"/registry/import/template.xlsx?campaign={foreign.id}").status_code
        == 404
    )
    # A unit officer with no scope at all may not open the page.
    nobody = make.user(role=None, unit=other)
    db.session.commit()
    login_as(nobody)
    assert client.get("/registry/import/").status_code == 403


def test_someone_elses_import_is_not_found(client, make, login_as, db):
    _p, commune, _o, officer, campaign = tree(make)
    colleague = make.user(role="unit_officer", unit=commune)
    db.session.commit()
    login_as(officer)
    location, _page = _job_page(client, _upload(client, campaign, xlsx([row()])))
    login_as(colleague)
    assert client.get(location).status_code == 404
    assert client.post(location + "/confirm").status_code == 404


def test_refuses_files_that_unzip_too_big_before_reading(client, make, login_as, app):
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    app.config["BULK_MAX_UNZIPPED_MB"] = 1
    try:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", b"0" * (2 * 1024 * 1024))
        resp = _upload(client, campaign, buffer.getvalue())
    finally:
        app.config.pop("BULK_MAX_UNZIPPED_MB")
    assert resp.status_code == 400
    assert "lớn hơn 1 MB" in resp.get_data(as_text=True)


def test_refuses_a_declared_dimension_over_the_limit(client, make, login_as, app):
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    body = xlsx([row()])
    # Rewrite the sheet's declared dimension as a million rows.
    src, out = zipfile.ZipFile(io.BytesIO(body)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b'<dimension ref="A1:AE2"', b'<dimension ref="A1:AE1000000"'
                )
            dst.writestr(item, data)
    resp = _upload(client, campaign, out.getvalue())
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert "1000000 dòng" in page and "giới hạn là" in page


def test_other_file_types_are_refused(client, make, login_as):
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    resp = _upload(client, campaign, b"%PDF-1.4", "ho-so.pdf")
    assert resp.status_code == 400
    assert "Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv)." in resp.get_data(as_text=True)


def test_a_file_without_our_header(client, make, login_as):
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    location, page = _job_page(
        client, _upload(client, campaign, b"a;b;c\r\n1;2;3\r\n", "x.csv")
    )
    assert "Không tìm thấy dòng tiêu đề" in page


def test_a_csv_not_in_utf8_and_a_file_over_the_row_limit(client, make, login_as, app):
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    # Bytes of a legacy code page (TCVN3/Windows-1258) are not UTF-8.
    legacy = csv_bytes([row("Đường hoa")], bom=False) + b"QN-HG;M\xf4 h\xecnh\r\n"
    _location, page = _job_page(client, _upload(client, campaign, legacy, "cu.csv"))
    assert "Tệp CSV không phải mã hóa UTF-8" in page
    app.config["BULK_MAX_ROWS"] = 3
    try:
        body = csv_bytes([row(f"Số {i}") for i in range(5)])
        _location, page = _job_page(client, _upload(client, campaign, body, "dai.csv"))
    finally:
        app.config.pop("BULK_MAX_ROWS")
    assert "Tệp có hơn 3 dòng dữ liệu" in page


def test_a_job_checks_without_holding_the_write_lock(
    app, client, make, login_as, db, monkeypatch
):
    """While an import job checks its rows, another writer can take SQLite's write
    lock: loading the uploader used to begin the job's transaction as a writer."""
    import sqlite3

    from dankheo.registry.bulk import jobs, writing

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    _p, _c, _o, officer, campaign = tree(make)
    login_as(officer)
    monkeypatch.setitem(app.config, "BULK_INLINE_ROWS", 0)  # check and write are jobs
    took: list[str] = []

    def probing(real, phase):
        def checking(*args, **kwargs):
            other = sqlite3.connect(db.engine.url.database, timeout=0.2)
            try:
                other.isolation_level = None
                other.execute("BEGIN IMMEDIATE")  # "database is locked" before the fix
                other.execute("ROLLBACK")
                took.append(phase)
            finally:
                other.close()
            return real(*args, **kwargs)

        return checking

    monkeypatch.setattr(jobs, "check", probing(jobs.check, "check"))
    monkeypatch.setattr(writing, "check", probing(writing.check, "apply"))
    location, page = _job_page(client, _upload(client, campaign, xlsx([row()])))
    assert client.post(location + "/confirm").status_code == 303
    assert took == ["check", "apply"]
    assert _count(db) == 1
