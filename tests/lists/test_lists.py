"""The official lists: what each format says, the filters and the scope."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time

import pytest
from docx import Document
from openpyxl import load_workbook

from dankheo.domain.enums import Role, UnitTier

from .conftest import bulk_recommended

BASE = "/admin/lists/campaigns/{id}"
HEADER = {
    "doc_number": "15/TTr-BDV",
    "doc_date": "2026-11-20",
    "list_date": "2026-02-05",
    "signer_title": "K/T TRƯỞNG BAN\r\nPHÓ TRƯỞNG BAN",
    "signer_name": "Lê Thị Mai",
}


def _url(p, suffix="", **args):
    return BASE.format(id=p.campaign.id) + suffix, {**HEADER, **args}


def _xlsx_text(data: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(data)).active
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def _pdf_text(data: bytes) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return out.stdout.decode()


def test_page_previews_the_recommended_list_with_counts(province, login_as):
    client = login_as(province.secretariat)
    url, args = _url(province)
    page = client.get(url, query_string=args).get_data(as_text=True)
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in page
    assert "Tổng cộng: 3 hồ sơ" in page
    assert "1 mô hình, 1 tập thể, 1 cá nhân" in page
    assert "Hiến đất mở rộng đường làng" in page
    assert "Camera an ninh khu phố" not in page  # stopped at the province
    assert "15.590,5 triệu đồng" in page and "85,5" in page
    for fmt in ("list.xlsx", "list.docx", "list.pdf", "print"):
        assert f"/{fmt}?" in page


def test_xlsx_has_header_groups_totals_and_neutralised_formulas(province, login_as):
    client = login_as(province.secretariat)
    url, args = _url(province, "/list.xlsx")
    resp = client.get(url, query_string=args)
    assert resp.status_code == 200
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    rows = _xlsx_text(resp.data)
    cells = [str(v) for row in rows for v in row if v not in (None, "")]
    assert "BAN DÂN VẬN TỈNH ỦY THỬ NGHIỆM" in cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    assert "Độc lập - Tự do - Hạnh phúc" in cells
    assert "(Kèm theo Tờ trình số 15/TTr-BDV ngày 20/11/2026)" in cells
    # Grouped by form: the commended entry under its form, the others without one.
    assert "I. Bằng khen của Chủ tịch UBND tỉnh" in cells
    assert "II. Chưa xác định hình thức khen thưởng" in cells
    assert "Cộng I: 1 (1 mô hình)" in cells
    assert "Tổng cộng: 3 (1 mô hình, 1 tập thể, 1 cá nhân)" in cells
    # Zero before day < 10 and months 1-2 (Nghị định 30/2020).
    assert "Thử Nghiệm, ngày 05 tháng 02 năm 2026" in cells
    assert "PHÓ TRƯỞNG BAN" in cells and "Lê Thị Mai" in cells
    entries = [r for r in rows if isinstance(r[0], int)]
    assert [r[0] for r in entries] == [1, 2, 3]
    assert entries[0][1] == "Hiến đất mở rộng đường làng"
    assert "15.590,5 triệu đồng" in entries[0][5]
    assert entries[0][7] == "Bằng khen của Chủ tịch UBND tỉnh"
    assert "1034/QĐ-UBND" in entries[0][8]
    assert '\'=HYPERLINK("http://x")' in [r[1] for r in entries]
    assert "Nguyễn Thị Hoa, Tổ trưởng tổ dân phố số 3" in entries[2][2]


def test_docx_is_landscape_with_a_repeated_heading_row(province, login_as):
    client = login_as(province.secretariat)
    url, args = _url(province, "/list.docx", group_by="unit")
    resp = client.get(url, query_string=args)
    assert resp.status_code == 200
    doc = Document(io.BytesIO(resp.data))
    section = doc.sections[0]
    assert section.page_width > section.page_height
    head, table, sign = doc.tables
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in head.cell(0, 1).text
    assert "BAN DÂN VẬN TỈNH ỦY THỬ NGHIỆM" in head.cell(0, 0).text
    header_tr = table._tbl.tr_lst[0]
    assert header_tr.xpath("./w:trPr/w:tblHeader")
    texts = [row.cells[0].text for row in table.rows]
    # Grouped by unit: the communes, each with its subtotal.
    assert "I. Phường Hà Lầm" in texts and "II. Xã Đồng Tâm" in texts
    assert any(t.startswith("Cộng II: 2") for t in texts)
    assert texts[-1] == "Tổng cộng: 3 (1 mô hình, 1 tập thể, 1 cá nhân)"
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in body
    assert "Lê Thị Mai" in sign.cell(0, 1).text


def test_pdf_is_landscape_with_page_numbers_and_vietnamese_text(province, login_as):
    client = login_as(province.secretariat)
    url, args = _url(province, "/list.pdf")
    resp = client.get(url, query_string=args)
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" in resp.data  # A4 landscape
    text = _pdf_text(resp.data)
    if text is None:
        if os.environ.get("DANKHEO_REQUIRE_BROWSER"):  # CI: nothing skips
            pytest.fail("pdftotext (poppler-utils) is required")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Hiến đất mở rộng đường làng" in text
    assert "Tổng cộng: 3" in text
    assert "Trang 1/1" in text


def test_print_page_is_a4_landscape_without_navigation(province, login_as):
    client = login_as(province.secretariat)
    url, args = _url(province, "/print")
    page = client.get(url, query_string=args).get_data(as_text=True)
    assert "size: A4 landscape" in page
    assert '"Trang " counter(page) "/" counter(pages)' in page
    assert "<thead>" in page and "navbar" not in page
    assert "Tổng cộng: 3 (1 mô hình, 1 tập thể, 1 cá nhân)" in page


def test_stage_list_holds_those_that_passed_the_stage(province, login_as):
    client = login_as(province.secretariat)
    first = str(province.stages[0].id)
    url, args = _url(province, "/list.xlsx", list_type="stage", stage_id=first)
    cells = [
        str(v)
        for row in _xlsx_text(client.get(url, query_string=args).data)
        for v in row
        if v
    ]
    assert "DANH SÁCH MÔ HÌNH, ĐIỂN HÌNH ĐƯỢC CÔNG NHẬN" in cells
    assert "Camera an ninh khu phố" in cells  # passed the commune, stopped later
    assert "Chợ văn minh" not in cells
    url, args = _url(
        province, "", list_type="stage", stage_id=first, outcome="not_passed"
    )
    page = client.get(url, query_string=args).get_data(as_text=True)
    assert "Chợ văn minh" in page and "Tổng cộng: 1 hồ sơ" in page


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"kind": "individual"}, {"Bà Nguyễn Thị Hoa, tổ trưởng tổ dân phố"}),
        (
            {"kind": "exemplar"},
            {"Bà Nguyễn Thị Hoa, tổ trưởng tổ dân phố", '=HYPERLINK("http://x")'},
        ),
        ({"outcome": "commended"}, {"Hiến đất mở rộng đường làng"}),
        ({"unit": "PHUONG"}, {"Bà Nguyễn Thị Hoa, tổ trưởng tổ dân phố"}),
        ({"form_id": "BANG_KHEN"}, {"Hiến đất mở rộng đường làng"}),
        (
            {"form_id": "GIAY_KHEN", "default_form_id": "GIAY_KHEN"},
            {"Bà Nguyễn Thị Hoa, tổ trưởng tổ dân phố", '=HYPERLINK("http://x")'},
        ),
    ],
)
def test_filters(province, login_as, args, expected):
    forms = {f.name.split()[0]: str(f.id) for f in province.forms}
    subst = {
        "PHUONG": province.communes[1].code,
        "BANG_KHEN": forms["Bằng"],
        "GIAY_KHEN": forms["Giấy"],
    }
    args = {k: subst.get(v, v) for k, v in args.items()}
    client = login_as(province.secretariat)
    url, query = _url(province, "/list.xlsx", **args)
    rows = _xlsx_text(client.get(url, query_string=query).data)
    names = {r[1] for r in rows if isinstance(r[0], int)}
    assert {n.removeprefix("'") for n in names} == expected


def test_empty_list_says_so(province, login_as):
    client = login_as(province.secretariat)
    url, args = _url(province, "", kind="individual", outcome="commended")
    page = client.get(url, query_string=args).get_data(as_text=True)
    assert "Không có hồ sơ nào phù hợp với bộ lọc đã chọn." in page
    assert "list.pdf" not in page


def test_refusals_name_their_field(province, login_as):
    client = login_as(province.secretariat)
    url, args = _url(
        province, "", outcome="passed"
    )  # a stage outcome, recommended list
    resp = client.get(url, query_string=args)
    assert resp.status_code == 400
    assert "Kết quả này không áp dụng" in resp.get_data(as_text=True)
    url, args = _url(province, "/list.pdf", unit="KHONG-CO")
    resp = client.get(url, query_string=args)
    assert resp.status_code == 303 and "/admin/lists/campaigns/" in resp.location


def test_scope(province, make, login_as, client):
    p = province
    officer = make.user(role=Role.UNIT_OFFICER, unit=p.communes[0])
    login_as(officer)
    assert client.get(BASE.format(id=p.campaign.id)).status_code == 403
    other = make.user(role=Role.SECRETARIAT, unit=make.unit(tier=UnitTier.PROVINCE))
    login_as(other)
    assert client.get(BASE.format(id=p.campaign.id)).status_code == 404
    assert client.get(BASE.format(id=p.campaign.id) + "/list.xlsx").status_code == 404
    # A commune's secretariat lists its own entries of the province's campaign.
    commune = make.user(role=Role.SECRETARIAT, unit=p.communes[1])
    login_as(commune)
    rows = _xlsx_text(client.get(BASE.format(id=p.campaign.id) + "/list.xlsx").data)
    names = {r[1] for r in rows if isinstance(r[0], int)}
    assert names == {"Bà Nguyễn Thị Hoa, tổ trưởng tổ dân phố"}
    assert (
        client.get(
            BASE.format(id=p.campaign.id), query_string={"unit": p.communes[0].code}
        ).status_code
        == 400
    )


def test_english(province, login_as):
    client = login_as(province.secretariat)
    url, args = _url(province, "", lang="en")
    page = client.get(url, query_string=args).get_data(as_text=True)
    assert "LIST RECOMMENDED FOR COMMENDATION" in page and "Total: 3 entries" in page


@pytest.mark.slow
def test_a_province_scale_list_renders_in_every_format(province, login_as, db):
    bulk_recommended(db, province, 919)  # + the 3 of the fixture: 922
    client = login_as(province.secretariat)
    timings = {}
    for suffix in ("", "/print", "/list.xlsx", "/list.docx", "/list.pdf"):
        url, args = _url(province, suffix, group_by="unit")
        started = time.perf_counter()
        resp = client.get(url, query_string=args)
        if suffix.startswith("/list."):
            # Past the threshold (300) the file is laid out as a job (immediate in
            # the tests) and downloaded from it.
            assert "sẽ được chuẩn bị trong nền" in resp.get_data(as_text=True)
            fmt = suffix.rsplit(".", 1)[1]
            job_url = url.rsplit("/", 1)[0] + f"/list-jobs/{fmt}"
            location = client.post(job_url, query_string=args).headers["Location"]
            resp = client.get(location + "/file")
        timings[suffix or "page"] = (time.perf_counter() - started, len(resp.data))
        assert resp.status_code == 200, suffix
        if suffix == "/list.xlsx":
            rows = _xlsx_text(resp.data)
            assert sum(isinstance(r[0], int) for r in rows) == 922
            assert any(str(r[0]).startswith("Tổng cộng: 922") for r in rows)
        if suffix == "/list.docx":
            table = Document(io.BytesIO(resp.data)).tables[1]
            assert table.rows[-1].cells[0].text.startswith("Tổng cộng: 922")
        if suffix == "/list.pdf":
            text = _pdf_text(resp.data)
            if text is not None:
                assert "Tổng cộng: 922" in text
                assert "Trang 1/" in text
    print(timings)
