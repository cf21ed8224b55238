"""Accounts from Excel: template, preview with Excel row numbers, scope, duplicates,
all-or-nothing, the writing job, the password file downloaded once, the audit log."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from dankheo.audit.models import AuditRecord
from dankheo.auth.models import User
from dankheo.domain.enums import Role
from dankheo.jobs import queue_for, records
from dankheo.jobs.staging import staged_path, staging_store

from .helpers import csv_bytes, password_rows, row, tree, xlsx


def _users(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(User.id)))


def _upload(client, body: bytes, name="tai-khoan.xlsx"):
    resp = client.post(
        "/admin/users/import",
        data={"file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:800]
    location = resp.headers["Location"]
    return location, client.get(location).get_data(as_text=True)


def _record(location: str):
    return records.load(queue_for().huey, location.rstrip("/").rsplit("/", 1)[-1])


def test_template_has_dropdowns_and_the_scope_s_units(client, make, db, login_as):
    *_units, secretary = tree(make)
    login_as(secretary)
    resp = client.get("/admin/users/import/template.xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    sheet = wb.worksheets[0]
    assert [c.value for c in sheet[2]] == [
        "Mã đơn vị",
        "Vai trò",
        "Họ và tên",
        "Tên đăng nhập",
        "Email",
        "Chức vụ",
    ]
    dropdowns = {
        str(v.sqref).split(":")[0][0] for v in sheet.data_validations.dataValidation
    }
    assert dropdowns == {"A", "B"}
    allowed = wb.worksheets[1]
    roles = [c.value for c in allowed["A"] if c.value]
    # A secretariat may not give the administrator role: it is not offered.
    assert roles == [
        "Vai trò",
        "Cán bộ đơn vị",
        "Thành viên hội đồng",
        "Cơ quan thường trực",
    ]
    units = [c.value for c in allowed["B"] if c.value]
    assert units == ["Mã đơn vị", "QN", "QN-HG", "QN-HG-K1"]  # not HN
    assert "Phường Hồng Gai" in [c.value for c in allowed["C"]]


def test_preview_names_each_error_by_excel_row_and_column(client, make, db, login_as):
    *_units, secretary = tree(make)
    login_as(secretary)
    body = xlsx(
        [
            row("tot1"),  # row 3: good
            row("tot2", unit="QN-XX"),  # 4
            row("tot3", unit="HN"),  # 5: outside the secretariat's subtree
            row("tot4", role="Giám đốc"),  # 6
            row("Có Dấu", email="codau@example.vn"),  # 7
            row("tot5", email="khong-phai-email"),  # 8
            row("tot6", unit="QN-HG-K1", role="Thành viên hội đồng"),  # 9
            row("tot7", role="Quản trị hệ thống"),  # 10: a secretariat may not
            row("", name="", email=""),  # 11
        ],
        trailing=5,
    )
    location, page = _upload(client, body)
    record = _record(location)
    assert record.state == "invalid"
    found = {(e["row"], e["column"]) for e in record.errors}
    assert found == {
        (4, "Mã đơn vị"),
        (5, "Mã đơn vị"),
        (6, "Vai trò"),
        (7, "Tên đăng nhập"),
        (8, "Email"),
        (9, "Vai trò"),
        (10, "Vai trò"),
        (11, "Họ và tên"),
        (11, "Tên đăng nhập"),
    }
    assert "Không có đơn vị mã “QN-XX”." in page
    assert "Đơn vị “HN” nằm ngoài phạm vi của bạn." in page
    assert "Vai trò không hợp lệ: “Giám đốc”." in page
    assert "Hội đồng thẩm định không lập ở cấp cơ sở" in page
    assert "Bạn không có quyền giao vai trò quản trị hệ thống." in page
    assert "Chưa nhập: tệp có 9 lỗi" in page
    assert _users(db) == 1  # the secretariat only: nothing was created


def test_duplicates_in_the_file_and_in_the_database(client, make, db, login_as):
    *_units, secretary = tree(make)
    make.user(username="dacoroi")
    db.session.commit()
    login_as(secretary)
    body = csv_bytes(
        [
            row("nguyena", email="a@example.vn"),  # row 2
            row("NguyenA", email="b@example.vn"),  # 3: same name, other case
            row("khac", email="A@Example.vn"),  # 4: same e-mail, other case
        ]
    )
    location, page = _upload(client, body, "tai-khoan.csv")
    errors = {(e["row"], e["column"]): e for e in _record(location).errors}
    assert set(errors) == {(3, "Tên đăng nhập"), (4, "Email")}
    assert "Tên đăng nhập trùng với dòng 2 của tệp." in page
    assert "Email trùng với dòng 2 của tệp." in page

    location, page = _upload(
        client, csv_bytes([row("moi1"), row("DaCoRoi")], bom=False), "b.csv"
    )
    errors = _record(location).errors
    assert [(e["row"], e["column"]) for e in errors] == [(3, "Tên đăng nhập")]
    assert "Tên đăng nhập “dacoroi” đã được dùng." in page


def test_confirm_creates_every_account_downloads_passwords_once(
    client, make, db, login_as
):
    province, commune, _cell, _other, secretary = tree(make)
    login_as(secretary)
    body = csv_bytes(
        [
            row("canbo.hg"),
            row("hoidong.qn", unit="QN", role="Thành viên hội đồng", email=""),
            row("thuongtruc.hg", role="secretariat", name="Trần Thị B"),
        ],
        delimiter=";",
    )
    location, page = _upload(client, body, "tai-khoan.csv")
    assert "Tệp hợp lệ: 3 tài khoản sẵn sàng để tạo." in page
    job_id = _record(location).id
    resp = client.post(f"/admin/users/import/{job_id}/confirm")
    assert resp.status_code == 303
    page = client.get(location).get_data(as_text=True)
    assert "Đã tạo 3 tài khoản" in page
    assert "Tải tệp mật khẩu ban đầu" in page

    db.session.rollback()
    created = {
        u.username: u
        for u in db.session.scalars(select(User).where(User.id != secretary.id))
    }
    assert set(created) == {"canbo.hg", "hoidong.qn", "thuongtruc.hg"}
    assert all(u.must_change_password for u in created.values())
    assert [(r.role, r.unit_id) for r in created["hoidong.qn"].roles] == [
        (Role.COUNCIL_MEMBER, province.id)
    ]
    assert created["hoidong.qn"].email is None
    assert created["canbo.hg"].unit_id == commune.id

    # One audit record per account, the import named as its cause.
    audit = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "user")
    ).all()
    imported = [r for r in audit if r.action == "imported"]
    assert sorted(r.object_id for r in imported) == sorted(
        u.id for u in created.values()
    )
    assert all(job_id in r.changes["cause"][1] for r in imported)
    assert {r.actor_id for r in imported} == {secretary.id}
    assert not [
        r for r in audit if r.action == "created" and r.object_id != secretary.id
    ]
    role_record = next(r for r in imported if r.object_id == created["hoidong.qn"].id)
    assert role_record.changes["role"] == [None, "council_member"]
    assert "password_hash" not in str(role_record.changes)

    # Somebody else, even a secretariat of the same unit, cannot take the file.
    other = make.user(role=Role.SECRETARIAT, unit=province)
    officer = make.user(role=Role.UNIT_OFFICER, unit=commune)
    db.session.commit()
    login_as(other)
    assert (
        client.post(f"/admin/users/import/{job_id}/passwords.xlsx").status_code == 404
    )
    assert client.get(location).status_code == 404
    login_as(officer)
    assert (
        client.post(f"/admin/users/import/{job_id}/passwords.xlsx").status_code == 403
    )

    login_as(secretary)
    first = client.post(f"/admin/users/import/{job_id}/passwords.xlsx")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "private, no-store"
    passwords = password_rows(first.data)
    assert set(passwords) == set(created)
    for username, password in passwords.items():
        assert len(password) >= 12
        assert not set(password) & set("0O1lI")
        assert check_password_hash(created[username].password_hash, password)
    second = client.post(f"/admin/users/import/{job_id}/passwords.xlsx")
    assert second.status_code == 410
    text = second.get_data(as_text=True)
    assert "chỉ tải được một lần" in text and "Cấp lại mật khẩu" in text
    assert "Tải tệp mật khẩu ban đầu" not in client.get(location).get_data(as_text=True)
    # Nothing of the passwords is left in the job store.
    huey = queue_for().huey
    keys = [
        k.decode() if isinstance(k, bytes) else k for k in huey.storage.result_items()
    ]
    assert [k for k in keys if job_id in k and "sealed" in k] == []
    assert records.output_state(huey, _record(location)) == "taken"

    # The new account logs in with its first password and must choose its own.
    client.post("/auth/logout")
    resp = client.post(
        "/auth/login",
        data={"login": "canbo.hg", "password": passwords["canbo.hg"]},
    )
    assert resp.status_code == 302
    assert "/auth/password" in client.get("/registry/").headers["Location"]

    # The accounts list shows them, waiting for their own password.
    login_as(secretary)
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "canbo.hg" in listing and "Chưa đổi mật khẩu ban đầu" in listing


def test_all_or_nothing_when_the_database_changes_before_confirming(
    client, make, db, login_as
):
    *_units, secretary = tree(make)
    login_as(secretary)
    location, _page = _upload(client, xlsx([row("mot"), row("hai"), row("bon")]))
    job_id = _record(location).id
    # Between the preview and the confirmation somebody creates "hai".
    make.user(username="hai")
    db.session.commit()
    client.post(f"/admin/users/import/{job_id}/confirm")
    record = _record(location)
    assert record.state == "invalid"
    assert [(e["row"], e["column"]) for e in record.errors] == [(4, "Tên đăng nhập")], (
        record.errors
    )
    assert _users(db) == 2  # the secretariat and "hai": nothing of the file
    assert records.output_state(queue_for().huey, record) == "gone"
    # A record that is not waiting any more cannot be confirmed again.
    resp = client.post(f"/admin/users/import/{job_id}/confirm", follow_redirects=True)
    assert "Tệp này không còn chờ xác nhận." in resp.get_data(as_text=True)


def test_an_administrator_may_give_the_admin_role(client, make, db, login_as):
    province, *_rest = tree(make)
    admin = make.user(role=Role.ADMIN, unit=province, username="quantri")
    db.session.commit()
    login_as(admin)
    location, _page = _upload(client, xlsx([row("quantri2", unit="QN", role="admin")]))
    assert _record(location).state == "ready"


def test_the_password_file_waits_a_bounded_time(app, client, make, db, login_as):
    *_units, secretary = tree(make)
    login_as(secretary)
    app.config["ACCOUNTS_PASSWORDS_HOURS"] = 0
    try:
        location, _page = _upload(client, xlsx([row("mot")]))
        job_id = _record(location).id
        client.post(f"/admin/users/import/{job_id}/confirm")
    finally:
        del app.config["ACCOUNTS_PASSWORDS_HOURS"]
    huey = queue_for().huey
    assert records.output_state(huey, _record(location)) == "gone"
    assert records.prune_outputs(huey) == 1
    resp = client.post(f"/admin/users/import/{job_id}/passwords.xlsx")
    assert resp.status_code == 410


@pytest.mark.parametrize("bom", [True, False])
def test_csv_with_or_without_bom(client, make, db, login_as, bom):
    *_units, secretary = tree(make)
    login_as(secretary)
    body = csv_bytes([row("le.thi.c", name="Lê Thị Cúc")], bom=bom)
    location, page = _upload(client, body, "a.csv")
    assert _record(location).state == "ready"
    assert "Lê Thị Cúc" in page


def test_cli_imports_all_or_nothing_and_writes_a_private_password_file(
    app, make, db, tmp_path
):
    tree(make)
    runner = app.test_cli_runner()
    bad = tmp_path / "sai.xlsx"
    bad.write_bytes(xlsx([row("mot"), row("hai", unit="QN-XX")]))
    out = tmp_path / "mat-khau.xlsx"
    result = runner.invoke(args=["import-accounts", str(bad), "--passwords", str(out)])
    assert result.exit_code == 1
    assert "Dòng 4, cột “Mã đơn vị”: Không có đơn vị mã “QN-XX”." in result.output
    assert not out.exists()
    assert _users(db) == 1

    good = tmp_path / "tot.csv"
    good.write_bytes(csv_bytes([row("mot"), row("hai", role="Quản trị hệ thống")]))
    result = runner.invoke(args=["import-accounts", str(good), "--passwords", str(out)])
    assert result.exit_code == 0, result.output
    assert "Đã tạo 2 tài khoản" in result.output
    assert out.stat().st_mode & 0o777 == 0o600
    assert set(password_rows(out.read_bytes())) == {"mot", "hai"}
    assert _users(db) == 3

    # As the secretariat, the admin role is refused; an existing file is not replaced.
    again = tmp_path / "lan2.csv"
    again.write_bytes(csv_bytes([row("bon", role="Quản trị hệ thống")]))
    result = runner.invoke(
        args=["import-accounts", str(again), "--passwords", str(out)]
    )
    assert result.exit_code != 0 and "đã có" in result.output
    result = runner.invoke(
        args=[
            "import-accounts",
            str(again),
            "--passwords",
            str(tmp_path / "khac.xlsx"),
            "--as",
            "thuongtruc",
        ]
    )
    assert result.exit_code == 1
    assert "Bạn không có quyền giao vai trò quản trị hệ thống." in result.output
    assert _users(db) == 3


def test_a_job_that_lost_its_worker_runs_again(client, make, db, login_as):
    """A consumer killed while writing: the job is queued again and starts over; one
    killed after its commit is found done, its password file still waiting."""
    from dankheo.jobs import recover_stale

    *_units, secretary = tree(make)
    login_as(secretary)
    location, _page = _upload(client, xlsx([row("mot"), row("hai")]))
    huey = queue_for().huey
    record = _record(location)
    with staged_path(record) as staged:
        upload = staged.read_bytes()
    # Killed before its commit: "running", nothing written, no heartbeat since.
    record.params["phase"] = "apply"
    record.state = "running"
    records.save(huey, record)
    assert recover_stale(queue_for(), stale_seconds=-1) == [record.id]
    record = _record(location)
    assert record.state == "done" and record.result["created"] == 2
    assert _users(db) == 3

    # Killed after its commit, before saying so: running it again finds every
    # account in the database and says done, without writing twice.
    # The file is dropped only once "done" is saved: put it back as it was.
    staging_store().put(record.params["stored"], io.BytesIO(upload))
    record.state = "committing"
    record.result["committing"] = True
    records.save(huey, record)
    recover_stale(queue_for(), stale_seconds=-1)
    record = _record(location)
    assert record.state == "done" and record.result["created"] == 2
    assert _users(db) == 3
    assert records.output_state(huey, record) == "waiting"
    passwords = password_rows(
        client.post(f"/admin/users/import/{record.id}/passwords.xlsx").data
    )
    assert set(passwords) == {"mot", "hai"}


def test_a_commit_that_fails_leaves_no_accounts_and_no_password_file(
    client, make, db, login_as, monkeypatch
):
    from dankheo.accounts_import import jobs
    from dankheo.extensions import db as real_db

    class FailingCommit:
        def __getattr__(self, name):
            return getattr(real_db.session, name)

        def commit(self):
            raise RuntimeError("the disk is full")

    class FakeDb:
        session = FailingCommit()

    *_units, secretary = tree(make)
    login_as(secretary)
    location, _page = _upload(client, xlsx([row("mot"), row("hai")]))
    monkeypatch.setattr(jobs, "db", FakeDb())
    client.post(f"/admin/users/import/{_record(location).id}/confirm")
    monkeypatch.undo()
    record = _record(location)
    assert record.state == "failed"
    assert records.output_state(queue_for().huey, record) == "gone"
    assert _users(db) == 1
    assert "không có gì được lưu" in client.get(location).get_data(as_text=True)


def test_a_job_checks_without_holding_the_write_lock(
    app, client, make, db, login_as, monkeypatch
):
    """While a job checks its rows, another writer can take SQLite's write lock."""
    import sqlite3

    from dankheo.accounts_import import jobs, writing

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    _province, _commune, _cell, _other, secretary = tree(make)
    login_as(secretary)
    monkeypatch.setitem(app.config, "ACCOUNTS_INLINE_ROWS", 0)  # the check is a job
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
    location, page = _upload(client, csv_bytes([row("canbo.hg")]), "tai-khoan.csv")
    assert "Tệp hợp lệ: 1 tài khoản sẵn sàng để tạo." in page
    resp = client.post(f"/admin/users/import/{_record(location).id}/confirm")
    assert resp.status_code == 303
    assert "Đã tạo 1 tài khoản" in client.get(location).get_data(as_text=True)
    assert took == ["check", "apply"]
    assert _users(db) == 2
