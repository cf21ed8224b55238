"""`flask backup` and `flask restore`: a backup restored into a fresh instance gives back
every row and every file; a damaged backup or an occupied target is refused."""

from __future__ import annotations

import io
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from dankheo import create_app
from dankheo.domain.enums import AttachmentKind, Role
from dankheo.extensions import db as _db
from dankheo.registry.attachments import add_attachment
from dankheo.schema import create_schema

PG_URL = os.environ.get("DANKHEO_TEST_DATABASE_URL")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

pytestmark = pytest.mark.skipif(
    bool(PG_URL) and shutil.which("pg_dump") is None,
    reason="PostgreSQL backups need pg_dump",
)


@pytest.fixture
def uploads(app, tmp_path, monkeypatch) -> Path:
    """This test's own upload folder (the session's is shared by every test)."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


@pytest.fixture
def dossier(make, uploads):
    """A unit, an officer, two exemplars, history, and two Vietnamese-named files."""
    unit = make.unit(name="Xã Đông Hải")
    officer = make.user(role=Role.UNIT_OFFICER, unit=unit, name="Cán bộ Đặng Thị Ư")
    first = make.exemplar(unit=unit, name="Mô hình “Dân vận khéo” ở Đồng Tháp")
    make.exemplar(unit=unit, campaign=first.campaign, name="Mô hình thứ hai")
    add_attachment(
        first,
        actor=officer,
        stream=io.BytesIO(PDF),
        filename="Báo cáo thành tích Đoàn xã.pdf",
        kind=AttachmentKind.REPORT,
    )
    add_attachment(
        first,
        actor=officer,
        stream=io.BytesIO(PNG),
        filename="Ảnh hoạt động.png",
        kind=AttachmentKind.PHOTO,
        is_public=True,
    )
    make.db.session.commit()
    return first


@pytest.fixture
def target(tmp_path) -> Iterator[Flask]:
    """A fresh instance: its own (empty) database and upload folder."""
    if PG_URL:
        name = f"dankheo_restore_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    else:
        (tmp_path / "restored").mkdir()
        url = f"sqlite:///{tmp_path}/restored/dankheo.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "restore-test",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_FOLDER": str(tmp_path / "restored-uploads"),
        }
    )
    with app.app_context():
        create_schema(_db.engine)
    yield app
    with app.app_context():
        _db.engine.dispose()
    if PG_URL:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _invoke(app: Flask, *args: str):
    """Run a command in ``app``'s own context (not the test's pushed one)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def _backup(app: Flask, dest: Path) -> dict:
    result = _invoke(app, "backup", str(dest))
    assert result.exit_code == 0, result.output
    return json.loads((dest / "manifest.json").read_text("utf-8"))


def _all_rows(app: Flask) -> dict[str, list[tuple]]:
    with app.app_context():
        with _db.engine.connect() as conn:
            rows = {
                table.name: [
                    tuple(r)
                    for r in conn.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in _db.metadata.sorted_tables
            }
        _db.engine.dispose()
    return rows


def _all_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_round_trip_gives_back_every_row_and_every_file(
    app, db, dossier, uploads, target, tmp_path
):
    manifest = _backup(app, tmp_path / "backup")
    source_rows = _all_rows(app)
    assert all(
        source_rows[t] for t in ("units", "users", "exemplars", "attachments")
    ), "the data set must exercise the main tables"

    kind = "postgresql" if PG_URL else "sqlite"
    assert manifest["format_version"] == 1
    assert manifest["database"]["kind"] == kind
    assert manifest["tables"] == {t: len(r) for t, r in source_rows.items()}
    assert manifest["created_at"] and manifest["app_version"]
    assert "alembic_revision" in manifest
    db_file = manifest["database"]["file"]
    assert len(manifest["files"][db_file]["sha256"]) == 64
    assert len([f for f in manifest["files"] if f.startswith("uploads/")]) == 2

    result = _invoke(target, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert "dừng ứng dụng" in result.output

    assert _all_rows(target) == source_rows
    restored = Path(target.config["UPLOAD_FOLDER"])
    assert _all_files(restored) == _all_files(uploads)
    assert sorted(_all_files(uploads).values()) == sorted([PDF, PNG])


def test_backup_refuses_a_destination_that_is_not_empty(app, db, uploads, tmp_path):
    dest = tmp_path / "occupied"
    dest.mkdir()
    (dest / "ghi-chu.txt").write_text("đừng xóa")
    result = _invoke(app, "backup", str(dest))
    assert result.exit_code == 1
    assert "không trống" in result.output
    assert [p.name for p in dest.iterdir()] == ["ghi-chu.txt"]


@pytest.mark.parametrize("damaged", ["database", "upload"])
def test_restore_refuses_a_damaged_backup_naming_the_file(
    app, db, dossier, uploads, target, tmp_path, damaged
):
    manifest = _backup(app, tmp_path / "backup")
    if damaged == "database":
        name = manifest["database"]["file"]
    else:
        name = next(f for f in manifest["files"] if f.startswith("uploads/"))
    path = tmp_path / "backup" / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one bit pattern changed
    path.write_bytes(bytes(data))

    result = _invoke(target, "restore", str(tmp_path / "backup"))

    assert result.exit_code == 1
    assert "bị hỏng" in result.output and name in result.output
    assert all(not rows for rows in _all_rows(target).values())
    assert not _all_files(Path(target.config["UPLOAD_FOLDER"]))


@pytest.mark.skipif(not PG_URL, reason="pg_dump only backs up PostgreSQL")
def test_without_pg_dump_backup_says_how_to_back_up_by_hand(
    app, db, uploads, tmp_path, monkeypatch
):
    monkeypatch.setattr("dankheo.backup.common.shutil.which", lambda _name: None)
    result = _invoke(app, "backup", str(tmp_path / "backup"))
    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output and "README" in result.output
    assert not (tmp_path / "backup").exists()


def test_restore_refuses_a_backup_without_its_manifest(
    app, db, uploads, target, tmp_path
):
    _backup(app, tmp_path / "backup")
    (tmp_path / "backup" / "manifest.json").unlink()
    result = _invoke(target, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 1
    assert "manifest.json" in result.output


def test_restore_over_data_needs_force(app, db, dossier, uploads, target, tmp_path):
    _backup(app, tmp_path / "backup")
    assert _invoke(target, "restore", str(tmp_path / "backup")).exit_code == 0
    before = _all_rows(target)

    refused = _invoke(target, "restore", str(tmp_path / "backup"))
    assert refused.exit_code == 1
    assert "--force" in refused.output and "dòng" in refused.output
    assert _all_rows(target) == before

    forced = _invoke(target, "restore", "--force", str(tmp_path / "backup"))
    assert forced.exit_code == 0, forced.output
    assert _all_rows(target) == before


def test_attachments_in_the_database_store_travel_with_the_database(
    app, db, dossier, uploads, target, tmp_path, monkeypatch
):
    """With DANKHEO_FILE_STORE=database the bytes are rows: the backup holds no upload
    files, warns of none missing, and the restored instance serves them."""
    from dankheo.files import ATTACHMENTS, store_for
    from dankheo.registry.models import Attachment

    monkeypatch.setitem(app.config, "FILE_STORE", "database")
    exemplar = db.session.get(type(dossier), dossier.id)
    attachment = add_attachment(
        exemplar, actor=None, stream=io.BytesIO(PDF), filename="Tờ trình.pdf"
    )
    db.session.commit()
    stored_name = attachment.stored_name
    assert not (uploads / stored_name[:2] / stored_name).exists()

    result = _invoke(app, "backup", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert "Cảnh báo" not in result.output  # no attachment counted as missing
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text("utf-8"))
    assert manifest["tables"]["stored_files"] == 1
    # The two files of the folder store are still copied.
    assert len([f for f in manifest["files"] if f.startswith("uploads/")]) == 2

    target.config["FILE_STORE"] = "database"
    result = _invoke(target, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert "Cảnh báo" not in result.output
    with target.app_context():
        assert _db.session.scalar(
            select(Attachment.id).where(Attachment.stored_name == stored_name)
        )
        with store_for(ATTACHMENTS).open(stored_name) as fh:
            assert fh.read() == PDF
        _db.session.remove()
        _db.engine.dispose()
