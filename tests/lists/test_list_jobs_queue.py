"""A long list on a real consumer, with the embedded store (SQLite) and with Redis: the
file one web process's job wrote is downloaded through another (a restart, or a second
process of a scale-out), since it lives in the job store."""

from __future__ import annotations

import io
import os
import uuid

import pytest
from openpyxl import load_workbook

from dankheo import create_app
from dankheo.jobs import queue_for
from tests.conftest import IsolatedClient
from tests.jobs.test_queue import Consumer, _login, _wait
from tests.redis_required import redis_or_skip

from .conftest import bulk_recommended

REDIS_URL = os.environ.get("DANKHEO_TEST_LISTS_REDIS_URL", "redis://127.0.0.1:6379/2")


@pytest.fixture(params=["sqlite", "redis"])
def web_apps(request, database_url, tmp_path, db):
    if request.param == "redis":
        redis_or_skip(REDIS_URL).close()
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": "localhost",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "JOBS_IMMEDIATE": False,
        "JOBS_QUEUE_NAME": f"dankheo-lists-{uuid.uuid4().hex[:8]}",
        "LISTS_JOB_THRESHOLD": 10,
    }
    if request.param == "redis":
        config["JOBS_REDIS_URL"] = REDIS_URL
    else:
        config["JOBS_SQLITE_PATH"] = str(tmp_path / "jobs.sqlite3")
    apps = [create_app(dict(config)) for _ in range(2)]
    for app in apps:
        app.test_client_class = IsolatedClient
    yield apps
    for app in apps:
        with app.app_context():
            from dankheo.extensions import db as sqla

            sqla.engine.dispose()
    queue_for(apps[0]).huey.flush()


def test_list_job_on_a_consumer_is_served_by_another_process(province, db, web_apps):
    bulk_recommended(db, province, 20)
    first, second = web_apps
    client = first.test_client()
    _login(client, province.secretariat)
    url = f"/admin/lists/campaigns/{province.campaign.id}/list-jobs/xlsx"
    location = client.post(url).headers["Location"]
    job_id = location.rsplit("/", 1)[1]
    page = client.get(location).get_data(as_text=True)
    assert 'id="job-progress"' in page  # queued: the progress bar, no file yet
    assert client.get(location + "/file").status_code == 404
    with Consumer(first):
        record = _wait(first, job_id, ("done", "failed"))
    assert record.state == "done", record.message
    assert (record.done, record.total) == (23, 23)
    # Another process (or the same one after a restart) serves the file.
    other = second.test_client()
    _login(other, province.secretariat)
    resp = other.get(location + "/file")
    assert resp.status_code == 200
    rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    assert any("số 20 – vận động" in str(c) for r in rows for c in r if c)
