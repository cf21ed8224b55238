"""On a real consumer (RedisHuey, Redis db 10): a request only queues its mail, the
consumer tells people and sends it, and a mail refused for now is retried later."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from dankheo import create_app
from dankheo.appraisal import councils
from dankheo.appraisal.models import Council
from dankheo.domain.enums import Role
from dankheo.extensions import db as sqla
from dankheo.jobs import queue_for
from tests.appraisal.scenario import build, submitted
from tests.conftest import IsolatedClient
from tests.jobs.test_queue import Consumer
from tests.redis_required import redis_or_skip

from .conftest import text_of

REDIS_URL = os.environ.get("DANKHEO_TEST_NOTIFY_REDIS_URL", "redis://127.0.0.1:6379/10")


@pytest.fixture
def web(database_url, tmp_path, smtp_server, db):
    redis_or_skip(REDIS_URL).close()
    _inbox, port = smtp_server
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SERVER_NAME": "localhost",
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "JOBS_IMMEDIATE": False,
            "JOBS_REDIS_URL": REDIS_URL,
            "JOBS_QUEUE_NAME": f"dankheo-notify-{uuid.uuid4().hex[:8]}",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_RETRY_DELAY": 1,
            "BASE_URL": "https://dankheo.example.vn/",
        }
    )
    app.test_client_class = IsolatedClient
    yield app
    queue_for(app).huey.flush()
    with app.app_context():
        sqla.engine.dispose()


def _wait_for(inbox, n: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(inbox.messages) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"{len(inbox.messages)} of {n} mails arrived")


def test_the_request_queues_and_the_consumer_sends_with_a_retry(
    web, make, db, smtp_server
):
    inbox, _port = smtp_server
    user = make.user(role=Role.UNIT_OFFICER)
    db.session.commit()
    inbox.fail_next = 1

    resp = web.test_client().post("/auth/forgot-password", data={"email": user.email})
    assert resp.status_code == 303
    huey = queue_for(web).huey
    assert inbox.attempts == 0 and huey.pending_count() == 1  # queued, not sent

    with Consumer(web):
        _wait_for(inbox, 1)
    assert inbox.attempts == 2  # refused once (451), sent by the retry
    (mail,) = inbox.messages
    assert "https://dankheo.example.vn/auth/reset-password/" in text_of(mail)


def test_the_consumer_tells_a_council_of_its_new_round(web, make, db, smtp_server):
    inbox, _port = smtp_server
    sc = build(make)
    council_id = sc.commune_councils[0].id
    submitted(make, sc, sc.hamlets[0])
    from dankheo.appraisal.closing import close_round

    close_round(sc.commune_councils[0].open_round, actor=None)
    db.session.commit()
    members = [m.user.email for m in sc.members[council_id]]

    with web.app_context():  # as a request of the web process would
        councils.open_round(sqla.session.get(Council, council_id), actor=None)
        sqla.session.commit()
    assert inbox.messages == []

    with Consumer(web):
        _wait_for(inbox, len(members))
    assert sorted(m["To"].addresses[0].addr_spec for m in inbox.messages) == sorted(
        members
    )
    assert all(
        "https://dankheo.example.vn/appraisal/councils/" in text_of(m)
        for m in inbox.messages
    )
