from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from dankheo.domain.enums import Role
from dankheo.registry.models import Attachment
from dankheo.registry.uploads import clean_name, path_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
OLE = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 64


def _ooxml(folder: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(f"{folder}/document.xml", "<x/>")
    return buf.getvalue()


@pytest.fixture
def draft(make, login_as):
    unit = make.unit()
    officer = make.user(role=Role.UNIT_OFFICER, unit=unit)
    ex = make.exemplar(unit=unit, name="Mô hình có tệp")
    make.db.session.commit()
    client = login_as(officer)
    return ex, client


def _upload(client, ex, data: bytes, name: str, kind="report", public=False):
    form = {"file": (io.BytesIO(data), name), "kind": kind}
    if public:
        form["is_public"] = "y"
    return client.post(
        f"/registry/{ex.id}/attachments",
        data=form,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


@pytest.mark.parametrize(
    "data, name, content_type",
    [
        (PDF, "Báo cáo thành tích Đoàn xã.pdf", "application/pdf"),
        (PNG, "ảnh-hiện-trường.PNG", "image/png"),
        (JPG, "Đường làng.jpeg", "image/jpeg"),
        (
            _ooxml("word"),
            "Biên bản họp dân.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            _ooxml("xl"),
            "Bảng kê hộ hiến đất.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (OLE, "Báo cáo cũ.doc", "application/msword"),
        (OLE, "Số liệu.xls", "application/vnd.ms-excel"),
    ],
)
def test_accepted_types_keep_the_vietnamese_name(draft, db, data, name, content_type):
    ex, client = draft
    resp = _upload(client, ex, data, name)
    assert "Đã tải lên" in resp.get_data(as_text=True)
    att = db.session.scalar(select(Attachment))
    assert att.original_name == name and att.content_type == content_type
    assert att.stored_name != name and len(att.stored_name) == 40
    stored = path_for(att)
    assert stored.read_bytes() == data
    assert "static" not in stored.parts
    dl = client.get(f"/registry/{ex.id}/attachments/{att.id}")
    assert dl.status_code == 200 and dl.data == data
    assert dl.headers["X-Content-Type-Options"] == "nosniff"
    assert dl.mimetype == content_type


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"<html><script>alert(1)</script></html>", "trang.pdf", "Chỉ nhận tệp PDF"),
        (b"MZ\x90\x00 executable", "virus.exe", "Chỉ nhận tệp PDF"),
        (PNG, "anh.pdf", "không khớp với phần mở rộng"),
        (PDF, "bao-cao.html", "không khớp với phần mở rộng"),
        (b"PK\x03\x04 not really a zip", "x.docx", "Chỉ nhận tệp PDF"),
        (b"", "rong.pdf", "Tệp rỗng."),
        (OLE, "macro.ppt", "Chỉ nhận tệp PDF"),
    ],
)
def test_rejected_files_give_a_message(draft, db, data, name, message):
    ex, client = draft
    resp = _upload(client, ex, data, name)
    assert message in resp.get_data(as_text=True)
    assert db.session.scalar(select(Attachment)) is None


def test_oversize_is_refused(app, draft, db):
    ex, client = draft
    app.config["UPLOAD_MAX_BYTES"] = 1024
    try:
        resp = _upload(client, ex, PDF + b"0" * 2048, "lon.pdf")
    finally:
        app.config["UPLOAD_MAX_BYTES"] = 20 * 1024 * 1024
    assert "Tệp quá lớn" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Attachment)) is None


def test_request_over_max_content_length_is_a_413_page(app, draft):
    ex, client = draft
    app.config["MAX_CONTENT_LENGTH"] = 512
    try:
        resp = client.post(
            f"/registry/{ex.id}/attachments",
            data={"file": (io.BytesIO(PDF + b"0" * 4096), "x.pdf"), "kind": "report"},
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 21 * 1024 * 1024
    assert resp.status_code == 413 and "Tệp quá lớn" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\Báo cáo.pdf", "Báo cáo.pdf"),
        ("/tmp/Đ.pdf", "Đ.pdf"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ("Ba\u0301o ca\u0301o.pdf", "Báo cáo.pdf"),  # NFD from macOS becomes NFC
        ("...", ""),
    ],
)
def test_path_tricks_are_cleaned(raw, expected):
    assert clean_name(raw) == expected


def test_path_trick_upload_is_stored_safely(draft, db):
    ex, client = draft
    _upload(client, ex, PDF, "../../../../instance/secret_key.pdf")
    att = db.session.scalar(select(Attachment))
    assert att.original_name == "secret_key.pdf"
    assert path_for(att).name == att.stored_name


def test_only_photos_can_be_public_and_delete_works(draft, db):
    ex, client = draft
    _upload(client, ex, PDF, "bao-cao.pdf", kind="report", public=True)
    _upload(client, ex, PNG, "anh.png", kind="photo", public=True)
    atts = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [a.is_public for a in atts] == [False, True]
    path = path_for(atts[0])
    resp = client.post(
        f"/registry/{ex.id}/attachments/{atts[0].id}/delete", follow_redirects=True
    )
    assert "Đã xóa tệp" in resp.get_data(as_text=True)
    assert not path.exists()
    assert len(db.session.scalars(select(Attachment)).all()) == 1


def test_no_upload_after_submit(draft, make):
    ex, client = draft
    from dankheo.registry.operations import update_exemplar

    update_exemplar(
        ex,
        actor=None,
        expected_version=ex.version,
        data={"situation": "a", "goals": "b", "content": "c", "outputs": "d"},
    )
    make.db.session.commit()
    assert client.post(f"/registry/{ex.id}/submit").status_code == 302
    resp = client.post(
        f"/registry/{ex.id}/attachments",
        data={"file": (io.BytesIO(PDF), "x.pdf"), "kind": "report"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 403


def test_file_of_a_rolled_back_upload_is_removed(draft, db):
    ex, _client = draft
    from dankheo.registry.attachments import add_attachment
    from dankheo.registry.uploads import path_for_name, storage_root

    before = set(storage_root().rglob("*")) if storage_root().exists() else set()
    att = add_attachment(ex, actor=None, stream=io.BytesIO(PDF), filename="a.pdf")
    path = path_for_name(att.stored_name)
    assert path.exists()
    db.session.rollback()
    assert not path.exists()
    after = {p for p in storage_root().rglob("*") if p.is_file()}
    assert after <= before


def test_file_of_a_committed_upload_stays(draft, db):
    ex, _client = draft
    from dankheo.registry.attachments import add_attachment
    from dankheo.registry.uploads import path_for_name

    att = add_attachment(ex, actor=None, stream=io.BytesIO(PDF), filename="a.pdf")
    db.session.commit()
    db.session.rollback()  # a later rollback leaves committed files alone
    assert path_for_name(att.stored_name).exists()
