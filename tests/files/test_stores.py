"""Both file stores keep the same promises: what is put is read back whole, in blocks,
replaced atomically, removed; the database store commits and rolls back with the
rows, and attachments, check-storage, backup and restore work on it."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dankheo.files import (
    ATTACHMENTS,
    DatabaseFileStore,
    LocalFileStore,
    send_stored,
    store_for,
)
from dankheo.files.database import CHUNK_BYTES
from dankheo.files.models import StoredFileChunk, StoredFileRow
from dankheo.registry.attachments import add_attachment, remove_attachment
from dankheo.registry.uploads import send_attachment

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
#: More than two chunks, not a multiple of the chunk size.
BIG = hashlib.sha256(b"seed").digest() * ((CHUNK_BYTES * 5 // 2) // 32 + 7)


@pytest.fixture(params=["local", "database"])
def store(request, db, tmp_path):
    if request.param == "local":
        return LocalFileStore(tmp_path / "files", sharded=True)
    return DatabaseFileStore("test-area")


@pytest.fixture
def database_store(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "FILE_STORE", "database")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "unused"))


def test_put_open_replace_delete(store, db):
    assert not store.exists("abcdef") and store.size("abcdef") is None
    with pytest.raises(FileNotFoundError):
        store.open("abcdef")
    info = store.put("abcdef", io.BytesIO(BIG))
    db.session.commit()
    assert info.size == len(BIG) == store.size("abcdef")
    assert store.exists("abcdef")
    with store.open("abcdef") as fh:
        assert fh.read() == BIG
    with store.local_path("abcdef") as path:
        assert path.read_bytes() == BIG
    # A replacement is whole, and so is a reader opened before it.
    reader = store.open("abcdef")
    first = reader.read(10)
    store.put("abcdef", b"new bytes")
    db.session.commit()
    assert first + reader.read() == BIG
    reader.close()
    with store.open("abcdef") as fh:
        assert fh.read() == b"new bytes"
    assert [e.key for e in store.entries()] == ["abcdef"]
    before = store.stat("abcdef")
    assert before is not None and before.etag
    store.delete("abcdef")
    db.session.commit()
    assert not store.exists("abcdef") and list(store.entries()) == []
    store.delete("abcdef")  # missing: nothing happens


def test_database_store_reads_a_large_file_a_chunk_at_a_time(db):
    store = DatabaseFileStore("test-area")
    store.put("big.bin", BIG)
    db.session.commit()
    chunks = db.session.scalar(select(func.count()).select_from(StoredFileChunk))
    assert chunks == -(-len(BIG) // CHUNK_BYTES) == 3
    reader = store.open("big.bin")
    # Buffered by one chunk, not the whole file.
    assert len(reader.read(1)) == 1
    assert reader.raw._buf.nbytes < CHUNK_BYTES  # type: ignore[attr-defined]
    assert reader.read() == BIG[1:]
    reader.close()


def test_database_store_rolls_back_with_the_transaction(db):
    store = DatabaseFileStore("test-area")
    store.put("gone.pdf", PDF)
    assert store.exists("gone.pdf")
    db.session.rollback()
    assert not store.exists("gone.pdf")
    assert not db.session.scalar(select(func.count()).select_from(StoredFileRow))


def test_send_stored_answers_304_for_a_current_copy(app, store, db):
    store.put("report.pdf", PDF)
    db.session.commit()
    with app.test_request_context():
        resp = send_stored(
            store,
            "report.pdf",
            mimetype="application/pdf",
            download_name="Báo cáo.pdf",
            as_attachment=True,
        )
        assert resp is not None
        assert resp.status_code == 200 and resp.content_length == len(PDF)
        resp.direct_passthrough = False
        assert resp.get_data() == PDF
        etag, modified = resp.headers["ETag"], resp.headers["Last-Modified"]
        resp.close()
    with app.test_request_context(headers={"If-None-Match": etag}):
        again = send_stored(
            store, "report.pdf", mimetype=None, download_name="x", as_attachment=True
        )
        assert again is not None and again.status_code == 304
        again.close()
    with app.test_request_context(headers={"If-Modified-Since": modified}):
        again = send_stored(
            store, "report.pdf", mimetype=None, download_name="x", as_attachment=True
        )
        assert again is not None and again.status_code == 304
        again.close()
    with app.test_request_context():
        assert (
            send_stored(
                store, "nope.pdf", mimetype=None, download_name="x", as_attachment=True
            )
            is None
        )


def test_attachments_live_in_the_database_store(app, db, make, database_store):
    exemplar = make.exemplar(name="Mô hình lưu tệp trong cơ sở dữ liệu")
    db.session.commit()
    attachment = add_attachment(
        exemplar, actor=None, stream=io.BytesIO(PDF), filename="Biên bản.pdf"
    )
    db.session.rollback()  # the row and its bytes go together
    assert not db.session.scalar(select(func.count()).select_from(StoredFileRow))

    attachment = add_attachment(
        exemplar, actor=None, stream=io.BytesIO(PDF), filename="Biên bản.pdf"
    )
    db.session.commit()
    assert not Path(app.config["UPLOAD_FOLDER"]).exists()
    assert store_for(ATTACHMENTS).size(attachment.stored_name) == len(PDF)
    with app.test_request_context():
        resp = send_attachment(attachment, inline=False, cache="private, no-store")
        resp.direct_passthrough = False
        assert resp.get_data() == PDF
        assert resp.headers["ETag"] == f'"{attachment.sha256}"'
        resp.close()

    result = app.test_cli_runner().invoke(args=["check-storage"])
    assert result.exit_code == 0, result.output
    assert "stored_files" in result.output

    remove_attachment(attachment, actor=None)
    db.session.commit()
    assert not store_for(ATTACHMENTS).exists(attachment.stored_name)


def test_check_storage_finds_and_removes_an_orphan_in_the_database(
    app, db, database_store
):
    store_for(ATTACHMENTS).put("ab" + "0" * 38, PDF)
    db.session.commit()
    listed = app.test_cli_runner().invoke(args=["check-storage"])
    assert listed.exit_code == 1
    assert "ab" + "0" * 38 in listed.output
    fixed = app.test_cli_runner().invoke(
        args=["check-storage", "--fix", "--grace", "0"]
    )
    assert fixed.exit_code == 0, fixed.output
    db.session.rollback()
    assert not store_for(ATTACHMENTS).exists("ab" + "0" * 38)


def test_an_unknown_store_is_refused_at_start(tmp_path):
    from dankheo import create_app

    with pytest.raises(ValueError, match="DANKHEO_FILE_STORE"):
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3",
                "FILE_STORE": "s3",
            }
        )


def test_copy_files_to_database_brings_local_attachments_over(
    app, db, make, tmp_path, monkeypatch
):
    # Every area starts empty: other tests leave staged imports in the shared folder.
    for key, folder in (
        ("UPLOAD_FOLDER", "uploads"),
        ("IMPORT_FOLDER", "imports"),
        ("OPEN_DATA_FOLDER", "open-data"),
    ):
        monkeypatch.setitem(app.config, key, str(tmp_path / folder))
    exemplar = make.exemplar(name="Mô hình chuyển kho tệp")
    db.session.commit()
    attachment = add_attachment(
        exemplar, actor=None, stream=io.BytesIO(PDF), filename="Biên bản.pdf"
    )
    db.session.commit()
    monkeypatch.setitem(app.config, "FILE_STORE", "database")
    assert not store_for(ATTACHMENTS).exists(attachment.stored_name)
    for expected in ("Đã chép 1 tệp", "Đã chép 0 tệp"):  # again: nothing to do
        result = app.test_cli_runner().invoke(args=["copy-files-to-database"])
        assert result.exit_code == 0, result.output
        assert expected in result.output
    db.session.rollback()
    with store_for(ATTACHMENTS).open(attachment.stored_name) as fh:
        assert fh.read() == PDF
    assert app.test_cli_runner().invoke(args=["check-storage"]).exit_code == 0


def test_a_download_s_validators_and_bytes_are_of_one_version(app, db, monkeypatch):
    """A replacement between the lookup and the read cannot serve the new bytes
    under the old ETag and length."""
    store = DatabaseFileStore("test-area")
    store.put("open.csv", BIG)
    db.session.commit()
    real_stat = DatabaseFileStore.stat

    def replaced_after_stat(self, key):
        info = real_stat(self, key)
        self.put(key, b"a newer, shorter version")
        return info

    monkeypatch.setattr(DatabaseFileStore, "stat", replaced_after_stat)
    with app.test_request_context():
        resp = send_stored(
            store, "open.csv", mimetype=None, download_name="x", as_attachment=True
        )
        assert resp is not None
        resp.direct_passthrough = False
        body = resp.get_data()
        assert resp.headers["ETag"].strip('"') == hashlib.sha256(body).hexdigest()
        assert resp.content_length == len(body)
        resp.close()
    db.session.rollback()


def test_a_stream_whose_version_went_fails_rather_than_ends_short(db):
    from dankheo.files.database import FileReplaced

    store = DatabaseFileStore("test-area")
    store.put("open.csv", BIG)
    db.session.commit()
    reader = store.open("open.csv")  # streamed later, as a download is
    store.put("open.csv", b"rebuilt")
    db.session.commit()
    with pytest.raises(FileReplaced):
        reader.read()
    reader.close()
