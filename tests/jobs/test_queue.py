"""Jobs on a real consumer: SqliteHuey (the embedded default) and RedisHuey (scale-out).

Each test builds its own application on the suite's database with immediate mode off,
runs a consumer thread, and follows an import from upload to rows in the database
through the job record the page and the CLI read."""

from __future__ import annotations

import io
import json
import os
import signal
import time
import uuid
from dataclasses import asdict

import pytest
from sqlalchemy import func, select

from dankheo import create_app
from dankheo.jobs import queue_for, records, recover_stale
from dankheo.registry.models import Exemplar
from tests.conftest import IsolatedClient
from tests.factories import PASSWORD
from tests.redis_required import redis_or_skip
from tests.registry.bulk_helpers import row, tree, xlsx

REDIS_URL = os.environ.get("DANKHEO_TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture(params=["sqlite", "redis"])
def storage(request):
    if request.param == "redis":
        redis_or_skip(REDIS_URL).close()
    return request.param


@pytest.fixture
def make_queue_app(storage, database_url, tmp_path, db):
    """Applications sharing one job store, as a web process and a consumer would."""
    name = f"dankheo-test-{uuid.uuid4().hex[:8]}"
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": "localhost",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "IMPORT_FOLDER": str(tmp_path / "imports"),
        "JOBS_IMMEDIATE": False,
        "JOBS_QUEUE_NAME": name,
        "BULK_INLINE_ROWS": 0,  # every file goes through the queue
    }
    if storage == "redis":
        config["JOBS_REDIS_URL"] = REDIS_URL
    else:
        config["JOBS_SQLITE_PATH"] = str(tmp_path / "jobs.sqlite3")
    apps = []

    def _make(**overrides):
        app = create_app({**config, **overrides})
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield _make
    for app in apps:
        with app.app_context():
            from dankheo.extensions import db as sqla

            sqla.engine.dispose()
    if apps:
        queue_for(apps[0]).huey.flush()


class Consumer:
    """A Huey consumer on a thread; signal handlers are put back when it stops."""

    def __init__(self, app):
        self.huey = queue_for(app).huey
        self.consumer = self.huey.create_consumer(
            workers=1,
            worker_type="thread",
            periodic=False,
            check_worker_health=False,
            initial_delay=0.05,
            max_delay=0.2,
        )

    def __enter__(self):
        self.saved = {
            s: signal.getsignal(s)
            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        }
        self.consumer.start()
        return self

    def __exit__(self, *exc):
        self.consumer.stop(graceful=True)
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)


def _wait(app, job_id, states, timeout=60.0):
    huey = queue_for(app).huey
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = records.load(huey, job_id)
        if record is not None and record.state in states:
            return record
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {states}: {record}")


def _login(client, user):
    resp = client.post(
        "/auth/login", data={"login": user.username, "password": PASSWORD}
    )
    assert resp.status_code == 302


def _count(db):
    db.session.rollback()
    return db.session.scalar(select(func.count(Exemplar.id)))


def test_an_import_runs_as_a_job_with_progress(make_queue_app, make, db, storage):
    _p, _c, _o, officer, campaign = tree(make)
    web = make_queue_app()
    client = web.test_client()
    _login(client, officer)
    body = xlsx([row(f"Mô hình số {i}") for i in range(1200)], title="Đăng ký")
    resp = client.post(
        "/registry/import/",
        data={"campaign_id": campaign.id, "file": (io.BytesIO(body), "lon.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303
    location = resp.headers["Location"]
    job_id = location.rsplit("/", 1)[1]
    # No consumer yet: the page shows a progress bar and a plain reload link.
    page = client.get(location).get_data(as_text=True)
    assert 'id="job-progress"' in page and "Tải lại trang để xem tiến độ" in page
    assert client.get(location + "/progress").get_json()["state"] == "queued"

    with Consumer(web):
        record = _wait(web, job_id, ("ready", "invalid", "failed"))
        assert record.state == "ready", record.errors[:3]
        assert (record.step, record.done, record.total) == ("check", 1200, 1200)
        assert _count(db) == 0
        page = client.get(location).get_data(as_text=True)
        assert "Tệp hợp lệ: 1.200 dòng" in page
        assert client.post(location + "/confirm").status_code == 303
        record = _wait(web, job_id, ("done", "invalid", "failed"))
    assert record.state == "done"
    assert (record.step, record.done, record.total) == ("write", 1200, 1200)
    progress = client.get(location + "/progress").get_json()
    assert progress["finished"] and progress["percent"] == 100
    assert progress["result"]["created"] == 1200
    assert _count(db) == 1200
    assert "Đã nhập 1.200 hồ sơ" in client.get(location).get_data(as_text=True)

    # The CLI reads the same record.
    with web.app_context():
        out = web.test_cli_runner().invoke(args=["jobs", "show", job_id])
    assert out.exit_code == 0 and json.loads(out.output)["state"] == "done"


def test_a_job_survives_a_restart_and_a_killed_worker(
    make_queue_app, make, db, storage
):
    _p, _c, _o, officer, campaign = tree(make)
    web = make_queue_app()
    client = web.test_client()
    _login(client, officer)
    resp = client.post(
        "/registry/import/",
        data={
            "campaign_id": campaign.id,
            "file": (io.BytesIO(xlsx([row(f"Số {i}") for i in range(40)])), "a.xlsx"),
        },
        content_type="multipart/form-data",
    )
    job_id = resp.headers["Location"].rsplit("/", 1)[1]

    # The job waits in the persistent store; a consumer started later (a new
    # process: a new application and queue object) finds it.
    consumer_app = make_queue_app()
    with Consumer(consumer_app):
        record = _wait(consumer_app, job_id, ("ready",))
    client.post(resp.headers["Location"] + "/confirm")

    # A worker took the write and died mid-run: its record says "running" and its
    # heartbeat is old; its transaction was never committed.
    huey = queue_for(web).huey
    record = records.load(huey, job_id)
    record.state, record.step, record.done = "running", "write", 20
    records.save(huey, record)
    huey.put(f"{records.PREFIX}claim:{job_id}:{record.attempt}", "1")
    huey.storage.flush_queue()
    assert recover_stale(queue_for(web), stale_seconds=3600) == []  # still beating
    record.updated_at = time.time() - 3600
    huey.put(records.PREFIX + job_id, json.dumps(asdict(record)))
    assert recover_stale(queue_for(web), stale_seconds=300) == [job_id]

    with Consumer(make_queue_app()):
        record = _wait(web, job_id, ("done", "invalid", "failed"))
    assert record.state == "done" and record.result["created"] == 40
    assert _count(db) == 40  # all of it, once


def test_a_consumer_elsewhere_imports_a_file_staged_in_the_database(
    make_queue_app, make, db, storage, tmp_path
):
    """Web process and consumer with separate folders share the staged upload through
    the database file store; it is gone once imported."""
    from dankheo.files.models import StoredFileRow

    _p, _c, _o, officer, campaign = tree(make)
    web = make_queue_app(FILE_STORE="database", IMPORT_FOLDER=str(tmp_path / "web"))
    worker = make_queue_app(
        FILE_STORE="database", IMPORT_FOLDER=str(tmp_path / "worker")
    )
    client = web.test_client()
    _login(client, officer)
    body = xlsx([row(f"Mô hình nơi khác {i}") for i in range(30)])
    resp = client.post(
        "/registry/import/",
        data={"campaign_id": campaign.id, "file": (io.BytesIO(body), "xa.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303
    location = resp.headers["Location"]
    job_id = location.rsplit("/", 1)[1]
    db.session.rollback()
    assert db.session.scalar(
        select(func.count(StoredFileRow.id)).where(StoredFileRow.area == "imports")
    )
    with Consumer(worker):
        record = _wait(worker, job_id, ("ready", "invalid", "failed"))
        assert record.state == "ready", (record.errors[:3], record.message)
        assert client.post(location + "/confirm").status_code == 303
        record = _wait(worker, job_id, ("done", "invalid", "failed"))
    assert record.state == "done"
    assert _count(db) == 30
    assert not (tmp_path / "web").exists() and not (tmp_path / "worker").exists()
    assert not db.session.scalar(select(func.count(StoredFileRow.id)))
