"""Issued lists: the digest of their content, carried by every format with a QR code,
checked on the public page against today's records; annulment and replacement."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile

import pytest
from docx import Document
from sqlalchemy import select

from dankheo.appraisal.models import Commendation
from dankheo.audit.models import AuditRecord
from dankheo.domain.enums import Role
from dankheo.domain.proof import content_digest, short_digest
from dankheo.extensions import limiter
from dankheo.lists import qr
from dankheo.lists.models import IssuedList

from .test_lists import HEADER, _pdf_text, _url, _xlsx_text


def _issue(client, p, **args):
    url, query = _url(p, "/issue", **args)
    return client.post(url, query_string=query)


@pytest.fixture
def issued(province, login_as, db):
    """The recommended list of the province, issued by its secretariat."""
    client = login_as(province.secretariat)
    resp = _issue(client, province)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:800]
    db.session.rollback()
    record = db.session.scalars(select(IssuedList)).one()
    return client, record


def _verify(client, digest):
    return client.get(f"/verify/{digest}")


def test_issuing_registers_the_digest_of_the_content(issued, province, db):
    client, record = issued
    assert re.fullmatch(r"[0-9a-f]{64}", record.digest)
    assert record.digest == content_digest(record.content)
    assert record.row_count == 3 and record.status == "issued"
    assert record.title == "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"
    assert record.campaign_id == province.campaign.id
    assert record.issued_by_id == province.secretariat.id
    # What was asked for is recorded: filters, scope and the header as printed.
    assert record.filters["list_type"] == "recommended"
    assert record.filters["scopes"] == [province.root.path]
    header = record.content["header"]
    assert header["doc_number"] == "15/TTr-BDV"
    assert header["signer_title"] == ["K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"]
    assert [r["name"] for r in record.content["rows"]][0] == (
        "Hiến đất mở rộng đường làng"
    )
    page = client.get(f"/admin/lists/issued/{record.id}").get_data(as_text=True)
    assert short_digest(record.digest) in page and "<svg" in page
    audit = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "issued_list")
    ).all()
    assert [a.action for a in audit] == ["issued"]
    assert "content" not in audit[0].changes


def test_the_same_content_is_one_digest_whatever_the_language(issued, province):
    """Issuing the same list again from the English interface gives the same content,
    so the same digest, and is refused as already issued."""
    client, record = issued
    resp = _issue(client, province, lang="en")
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert short_digest(record.digest) in page
    assert "already been issued" in page


def test_every_format_carries_the_same_digest(issued, monkeypatch):
    client, record = issued
    digest, short = record.digest, short_digest(record.digest)
    base = f"/admin/lists/issued/{record.id}"

    cells = [
        str(v) for row in _xlsx_text(client.get(f"{base}/list.xlsx").data) for v in row
    ]
    assert f"Mã xác thực: {short}" in cells
    assert f"Mã đầy đủ (SHA-256): {digest}" in cells
    assert any(f"http://localhost/verify/{digest}" in c for c in cells)

    word = Document(io.BytesIO(client.get(f"{base}/list.docx").data))
    assert short in word.sections[0].footer.paragraphs[0].text
    texts = "\n".join(c.text for t in word.tables for row in t.rows for c in row.cells)
    assert digest in texts
    assert word.inline_shapes, "the QR code picture"

    payloads: list[str] = []
    make = qr.make_qr
    monkeypatch.setattr(qr, "make_qr", lambda p: payloads.append(p) or make(p))
    pdf = client.get(f"{base}/list.pdf").data
    assert payloads == [f"http://localhost/verify/{digest}"]
    text = _pdf_text(pdf)
    if text is not None:
        assert digest in text.replace(" ", "") and short in text

    payloads.clear()
    printed = client.get(f"{base}/print").get_data(as_text=True)
    assert payloads == [f"http://localhost/verify/{digest}"]
    assert f"Mã xác thực: {short}" in printed and digest in printed
    svg = re.search(r"<svg.*?</svg>", printed, re.S).group(0)
    # The same payload always makes the same symbol: the page's QR is the verify URL.
    expected = qr.svg(f"http://localhost/verify/{digest}", "x")
    assert re.sub(r"<title>.*?</title>", "", svg) == re.sub(
        r"<title>.*?</title>", "", str(expected)
    )


def test_the_pdf_page_with_the_qr_renders(issued, artifacts_dir):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed")
    client, record = issued
    pdf = client.get(f"/admin/lists/issued/{record.id}/list.pdf").data
    out = artifacts_dir / "issued-list"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-", str(out)], input=pdf, check=True
    )
    assert list(artifacts_dir.glob("issued-list*.png"))


def test_verification_of_an_unchanged_list(issued, client, province):
    _, record = issued
    client.post("/auth/logout")
    resp = _verify(client, record.digest)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Không thay đổi" in page and "Đang có hiệu lực" in page
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in page
    assert province.campaign.name in page and "BAN DÂN VẬN TỈNH ỦY THỬ NGHIỆM" in page
    for e in ("road", "hoa", "formula"):
        assert province.entries[e].name.replace('"', "&#34;") in page
    assert "Camera an ninh khu phố" not in page


def test_a_corrected_commendation_shows_as_a_change(issued, client, province, db):
    _, record = issued
    commendation = db.session.scalars(select(Commendation)).one()
    commendation.decision_number = "1099/QĐ-UBND"
    db.session.commit()
    page = _verify(client, record.digest).get_data(as_text=True)
    assert "Đã có thay đổi kể từ khi ban hành" in page
    assert "Không thay đổi" not in page
    assert "<del>1034/QĐ-UBND</del> → <ins>1099/QĐ-UBND</ins>" in page


def test_an_annulled_commendation_and_a_rejected_entry_show(
    issued, client, province, db
):
    _, record = issued
    road, hoa = province.entries["road"], province.entries["hoa"]
    db.session.delete(db.session.scalars(select(Commendation)).one())
    db.session.get(type(road), road.id).state = "recommended"
    db.session.get(type(hoa), hoa.id).state = "rejected"
    db.session.commit()
    page = _verify(client, record.digest).get_data(as_text=True)
    assert "Đã có thay đổi kể từ khi ban hành" in page
    assert "thêm 0, bớt 1, thay đổi 1 hồ sơ" in page
    # The entry taken off the list, with its state today.
    assert "hiện trạng: Không đạt" in page
    # The commendation no longer recorded: the form and decision as issued, and now.
    assert "<del>Bằng khen của Chủ tịch UBND tỉnh</del> → <ins>—</ins>" in page
    assert "<del>1034/QĐ-UBND</del>" in page


def test_unknown_and_malformed_digests(client):
    resp = _verify(client, "ab" * 32)
    assert resp.status_code == 404
    assert "Không có danh sách nào đã ban hành với mã xác thực này." in resp.get_data(
        as_text=True
    )
    resp = _verify(client, "not-a-digest")
    assert resp.status_code == 400
    assert "Mã xác thực không hợp lệ" in resp.get_data(as_text=True)
    resp = client.get("/verify", query_string={"digest": "xyz"})
    assert resp.status_code == 400
    assert client.get("/verify").status_code == 200


def test_the_form_and_the_printed_short_form_lead_to_the_list(issued, client):
    _, record = issued
    resp = client.get("/verify", query_string={"digest": short_digest(record.digest)})
    assert resp.status_code == 302
    resp = client.get(resp.headers["Location"])
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/verify/{record.digest}")


def test_annulment_needs_a_reason_and_shows_on_the_page(issued, client, db):
    admin, record = issued
    url = f"/admin/lists/issued/{record.id}/annul"
    resp = admin.post(url, data={"reason": "  "})
    assert resp.status_code == 400
    assert admin.post(url, data={"reason": "Sai số Tờ trình"}).status_code == 303
    page = _verify(client, record.digest).get_data(as_text=True)
    assert "Đã bị hủy bỏ" in page and "Sai số Tờ trình" in page
    db.session.rollback()
    actions = db.session.scalars(
        select(AuditRecord.action).where(AuditRecord.object_type == "issued_list")
    ).all()
    assert actions == ["issued", "annulled"]
    # Annulled once: a second annulment is refused.
    assert admin.post(url, data={"reason": "Lần nữa"}).status_code == 409


def test_a_later_issue_supersedes_with_its_reason(issued, client, province, db):
    admin, record = issued
    # A new Tờ trình number: new content, a new digest.
    url, query = _url(province, "/issue", doc_number="17/TTr-BDV")
    resp = admin.post(
        url,
        query_string=query,
        data={"supersedes": str(record.id), "reason": "Bổ sung số Tờ trình"},
    )
    assert resp.status_code == 303
    db.session.rollback()
    old = db.session.get(IssuedList, record.id)
    assert old.status == "superseded" and old.superseded_by is not None
    page = _verify(client, record.digest).get_data(as_text=True)
    assert "Đã được thay thế" in page and "Bổ sung số Tờ trình" in page
    assert f"/verify/{old.superseded_by.digest}" in page
    # Without a reason, nothing is issued.
    before = db.session.scalars(select(IssuedList)).all()
    url, query = _url(province, "/issue", doc_number="18/TTr-BDV")
    admin.post(url, query_string=query, data={"supersedes": str(old.superseded_by_id)})
    db.session.rollback()
    assert len(db.session.scalars(select(IssuedList)).all()) == len(before)


def test_other_secretariats_cannot_see_or_annul(issued, make, login_as, province):
    _, record = issued
    other_root = make.unit(name="Tỉnh khác")
    outsider = make.user(role=Role.SECRETARIAT, unit=other_root)
    client = login_as(outsider)
    assert client.get(f"/admin/lists/issued/{record.id}").status_code == 404
    url = f"/admin/lists/issued/{record.id}/annul"
    assert client.post(url, data={"reason": "x"}).status_code == 404


def test_the_public_lookup_has_a_budget_per_client(app, issued):
    _, record = issued
    saved = app.config["RATELIMIT_VERIFY"]
    app.config["RATELIMIT_VERIFY"] = "2 per minute"
    limiter.reset()
    try:
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = "203.0.113.77"
        assert c.get(f"/verify/{record.digest}").status_code == 200
        assert c.get("/verify").status_code == 200
        assert c.get(f"/verify/{record.digest}").status_code == 429
    finally:
        limiter.reset()
        app.config["RATELIMIT_VERIFY"] = saved


def test_the_verification_page_shows_no_contacts(province, login_as, db, client):
    road = province.entries["road"]
    road.contact_name = "Người Liên Hệ Kín"
    road.contact_phone = "0987 654 321"
    road.contact_email = "lien-he@example.vn"
    db.session.commit()
    admin = login_as(province.secretariat)
    assert _issue(admin, province).status_code == 303
    db.session.rollback()
    record = db.session.scalars(select(IssuedList)).one()
    page = _verify(client, record.digest).get_data(as_text=True)
    for secret in ("Người Liên Hệ Kín", "0987 654 321", "lien-he@example.vn"):
        assert secret not in page
        assert secret not in str(record.content)


def test_header_only_lists_zip_as_valid_files(issued):
    """The issued XLSX and DOCX are well-formed zips (a QR picture inside the DOCX)."""
    client, record = issued
    for fmt in ("xlsx", "docx"):
        data = client.get(f"/admin/lists/issued/{record.id}/list.{fmt}").data
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert z.testzip() is None
            if fmt == "docx":
                assert any(n.startswith("word/media/") for n in z.namelist())


__all__ = ["HEADER"]
