"""No N+1 on list pages: the number of SQL statements a list page runs does not grow
with the number of rows it shows (counted with ``before_cursor_execute``)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from dankheo.domain.enums import Role
from dankheo.showcase import counts


@pytest.fixture
def count_statements(db):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)

    def run(client, url: str) -> int:
        counts.clear_counts_cache()
        assert client.get(url).status_code == 200, url
        seen.clear()
        counts.clear_counts_cache()
        resp = client.get(url)
        assert resp.status_code == 200, url
        return len(seen)

    yield run
    event.remove(db.engine, "before_cursor_execute", record)


def _fill(publish, make, n: int, start: int) -> None:
    for i in range(start, n):
        unit = make.unit(parent=publish.province, name=f"Xã {i}")
        state = ("recommended", "commended", "submitted")[i % 3]
        publish(state, name=f"Mô hình {i}", unit=unit)
        make.user(role=Role.UNIT_OFFICER, unit=unit)


PUBLIC = ["/showcase", "/", "/api/v1/exemplars?limit=100"]
ADMIN = ["/admin/units", "/admin/users", "/admin/", "/registry/"]


def test_list_pages_run_as_many_statements_for_100_rows_as_for_10(
    app, client, publish, make, db, login_as, count_statements
):
    app.config["PAGE_SIZE"] = 100
    publish.setup()
    admin = make.user(role=Role.ADMIN, unit=publish.province)
    secretariat = make.user(role=Role.SECRETARIAT, unit=publish.province)
    _fill(publish, make, 10, 0)
    db.session.commit()
    campaign = publish.campaign
    lists = [f"/admin/lists/campaigns/{campaign.id}"]
    few = {url: count_statements(client, url) for url in PUBLIC}
    login_as(admin)
    few |= {url: count_statements(client, url) for url in ADMIN}
    login_as(secretariat)
    few |= {url: count_statements(client, url) for url in lists}

    _fill(publish, make, 100, 10)
    db.session.commit()
    client.post("/auth/logout")
    assert "Mô hình 99" in client.get("/showcase").get_data(as_text=True)
    many = {url: count_statements(client, url) for url in PUBLIC}
    login_as(admin)
    many |= {url: count_statements(client, url) for url in ADMIN}
    login_as(secretariat)
    many |= {url: count_statements(client, url) for url in lists}
    assert many == few
    # The pages did show the rows: 67 public entries of 100.
    assert len(client.get("/api/v1/exemplars?limit=100").get_json()["items"]) == 67
