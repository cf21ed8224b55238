"""An issued recommended list of the small province of tests/lists, and a mail server."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dankheo.extensions import limiter
from dankheo.lists.models import IssuedList
from tests.lists.conftest import province  # noqa: F401  (the fixture)
from tests.lists.test_lists import _url
from tests.notifications.conftest import smtp, smtp_server  # noqa: F401


@pytest.fixture(autouse=True)
def _generous_limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_OBJECTION", "1000 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_OBJECTION_EMAIL", "1000 per minute")
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def issued(province, login_as, db):  # noqa: F811
    """The recommended list of the province, issued today by its secretariat."""
    client = login_as(province.secretariat)
    url, query = _url(province, "/issue")
    resp = client.post(url, query_string=query)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:800]
    db.session.rollback()
    return client, db.session.scalars(select(IssuedList)).one()
