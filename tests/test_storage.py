"""`flask check-storage`: files without rows and rows without files are found; only
orphan files older than the grace period are removed, rows never are."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from dankheo.registry.attachments import add_attachment
from dankheo.registry.models import Attachment
from dankheo.registry.uploads import path_for, path_for_name

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"

# A worker that stores an upload through the application, flushes its row, says which
# file it wrote, then waits to be killed before it can commit.
WORKER = """
import io, json, sys, time
from dankheo import create_app
from dankheo.extensions import db
from dankheo.registry.models import Exemplar
from dankheo.registry.attachments import add_attachment

app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    exemplar = db.session.get(Exemplar, int(sys.argv[2]))
    attachment = add_attachment(
        exemplar,
        actor=None,
        stream=io.BytesIO(bytes.fromhex(sys.argv[3])),
        filename="Báo cáo dở dang.pdf",
    )
    print(attachment.stored_name, flush=True)
    time.sleep(120)
"""


@pytest.fixture
def uploads(app, tmp_path, monkeypatch) -> Path:
    """This test's own upload folder (the session's is shared by every test)."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


@pytest.fixture
def draft(make, uploads):
    exemplar = make.exemplar(name="Mô hình có tệp")
    make.db.session.commit()
    return exemplar


def _check(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["check-storage", *args])


def _attach(db, exemplar) -> Attachment:
    attachment = add_attachment(
        exemplar, actor=None, stream=io.BytesIO(PDF), filename="Biên bản họp.pdf"
    )
    db.session.commit()
    return attachment


def test_agreeing_storage_is_reported_clean(app, db, draft, uploads):
    attachment = _attach(db, draft)
    result = _check(app, "--fix", "--grace", "0")
    assert result.exit_code == 0, result.output
    assert "khớp nhau" in result.output
    assert path_for(attachment).read_bytes() == PDF


def test_worker_killed_mid_upload_leaves_an_orphan_that_fix_removes(
    app, db, draft, uploads
):
    config = {
        "TESTING": True,
        "SECRET_KEY": "worker",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_FOLDER": str(uploads),
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, json.dumps(config), str(draft.id), PDF.hex()],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stored_name = worker.stdout.readline().strip()
        assert stored_name, worker.stderr.read() if worker.poll() is not None else ""
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        worker.stdout.close()
        worker.stderr.close()
    assert worker.returncode == -signal.SIGKILL

    db.session.rollback()
    assert not db.session.scalar(select(func.count(Attachment.id)))
    orphan = path_for_name(stored_name)
    assert orphan.read_bytes() == PDF

    listed = _check(app)
    assert listed.exit_code == 1
    assert orphan.relative_to(uploads).as_posix() in listed.output

    # The default grace period protects what may be an upload still in flight.
    young = _check(app, "--fix")
    assert young.exit_code == 1
    assert "Giữ lại 1 tệp" in young.output
    assert orphan.exists()

    fixed = _check(app, "--fix", "--grace", "0")
    assert fixed.exit_code == 0, fixed.output
    assert "Đã xóa 1 tệp" in fixed.output
    assert not orphan.exists()


def test_a_row_whose_file_is_gone_is_reported_and_kept(app, db, draft, uploads):
    kept = _attach(db, draft)
    lost = _attach(db, draft)
    path_for(lost).unlink()
    lost_id, exemplar_id = lost.id, draft.id

    result = _check(app, "--fix", "--grace", "0")

    assert result.exit_code == 1
    assert f"tệp đính kèm {lost_id} «Biên bản họp.pdf» của hồ sơ {exemplar_id}" in (
        result.output
    )
    assert f"tệp đính kèm {kept.id} " not in result.output
    db.session.rollback()
    assert db.session.get(Attachment, lost_id) is not None


def test_files_outside_the_layout_are_reported_and_left_alone(app, db, draft, uploads):
    _attach(db, draft)
    stray = uploads / "ghi-chu.txt"
    stray.write_text("tệp của quản trị viên")
    hidden = uploads / "ab" / ".abcdef.part"
    hidden.parent.mkdir(exist_ok=True)
    hidden.write_bytes(b"copy in progress")

    result = _check(app, "--fix", "--grace", "0")

    assert result.exit_code == 0, result.output
    assert "Tệp lạ" in result.output and "ghi-chu.txt" in result.output
    assert stray.exists() and hidden.exists()
