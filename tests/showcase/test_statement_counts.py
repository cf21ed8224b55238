"""No N+1 on list pages: the number of SQL statements a list page runs does not grow
with the number of rows it shows (counted with ``before_cursor_execute``)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from dankheo.coverage.models import RegistrationExpectation
from dankheo.domain.enums import Role
from dankheo.domain.workflow import State
from dankheo.duplicates.models import DuplicateFlag
from dankheo.registry.models import Exemplar
from dankheo.showcase import counts


@pytest.fixture
def count_statements(statements):
    def run(client, url: str) -> int:
        counts.clear_counts_cache()
        assert client.get(url).status_code == 200, url
        statements.clear()
        counts.clear_counts_cache()
        resp = client.get(url)
        assert resp.status_code == 200, url
        return len(statements)

    return run


def _fill(publish, make, n: int, start: int) -> None:
    for i in range(start, n):
        unit = make.unit(parent=publish.province, name=f"Xã {i}")
        state = ("recommended", "commended", "submitted")[i % 3]
        publish(state, name=f"Mô hình {i}", unit=unit)
        make.user(role=Role.UNIT_OFFICER, unit=unit)


PUBLIC = ["/showcase", "/", "/api/v1/exemplars?limit=100"]
ADMIN = ["/admin/units", "/admin/users", "/admin/", "/registry/"]


def test_list_pages_run_as_many_statements_for_100_rows_as_for_10(
    app, client, publish, make, db, login_as, count_statements, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 100)  # restored after the test
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


def _fill_appraisal(make, db, sc, n: int, start: int) -> list[int]:
    """Per row: an entry queued at the first commune council and voted on by one
    member; a new grassroots unit (an audit record, a coverage row) with an officer
    account; a recommended entry of that unit (the official list) flagged as a possible
    duplicate of the queued one."""
    from dankheo.actors import acting_as
    from dankheo.appraisal.voting import cast_vote
    from dankheo.domain.enums import UnitTier
    from dankheo.units.operations import create_unit

    from ..appraisal.scenario import submitted

    council = sc.commune_councils[0]
    secretary = sc.members[council.id][1]
    ids = []
    previous = None
    for i in range(start, n):
        e = submitted(make, sc, sc.hamlets[0], name=f"Hồ sơ số {i}")
        cast_vote(secretary, e, choice="approve")
        with acting_as(sc.secretariat):
            unit = create_unit(
                code=f"N{i}",
                name=f"Thôn mới {i}",
                tier=UnitTier.GRASSROOTS,
                kind="party",
                parent=sc.communes[0],
            )
        make.user(role=Role.UNIT_OFFICER, unit=unit)
        listed = make.exemplar(unit=unit, campaign=sc.campaign, name=f"Điển hình {i}")
        db.session.execute(
            update(Exemplar)
            .where(Exemplar.id == listed.id)
            .values(state=State.RECOMMENDED.value)
        )
        db.session.add(
            DuplicateFlag(
                first_id=previous or e.id,
                second_id=listed.id,
                kind="same_campaign",
                name_score=0.9,
                text_score=0.9,
                score=0.9,
            )
        )
        previous = listed.id
        ids.append(e.id)
    return ids


def test_work_and_admin_lists_run_as_many_statements_for_100_rows_as_for_10(
    app, client, make, db, login_as, count_statements, monkeypatch
):
    """The council's queue and tally, the secretariat's and administrator's lists and
    the printable official list: 10 rows or 100, the same statements."""
    from ..appraisal.scenario import build

    monkeypatch.setitem(app.config, "PAGE_SIZE", 100)  # restored after the test
    sc = build(make, members_per_council=3, criteria=False)
    admin = make.user(role=Role.ADMIN, unit=sc.province)
    council = sc.commune_councils[0]
    chair = sc.chair(council).user
    campaign = sc.campaign
    db.session.add(
        RegistrationExpectation(campaign_id=sc.campaign.id, tier="grassroots")
    )
    first = _fill_appraisal(make, db, sc, 10, 0)[0]
    db.session.commit()
    pages = {
        chair: [
            f"/appraisal/councils/{council.id}/",
            f"/appraisal/councils/{council.id}/tally",
        ],
        sc.secretariat: [
            f"/admin/campaigns/{campaign.id}/coverage",
            "/admin/duplicates/",
            f"/admin/lists/campaigns/{campaign.id}",
            f"/admin/lists/campaigns/{campaign.id}/print",
            f"/admin/exemplars/{first}/corrections",
        ],
        sc.officer: ["/registry/"],
        admin: ["/admin/", "/admin/units", "/admin/users", "/admin/audit/"],
    }

    def measure() -> dict[str, int]:
        found = {}
        for user, urls in pages.items():
            login_as(user)
            found |= {url: count_statements(client, url) for url in urls}
        return found

    few = measure()
    _fill_appraisal(make, db, sc, 100, 10)
    db.session.commit()
    many = measure()
    assert many == few
    # The pages did show the rows (the coverage, corrections and dashboard pages
    # show none of these names, and are counted all the same).
    # (the newest rows are on the first page of most lists; how ties sort differs
    # between the databases, hence "at least").
    markers = {"Hồ sơ số 99": 3, "Thôn mới 99": 5, "Điển hình 99": 3}
    for marker, pages_showing in markers.items():
        showing = 0
        for user, urls in pages.items():
            login_as(user)
            showing += sum(marker in client.get(u).get_data(as_text=True) for u in urls)
        assert showing >= pages_showing, (marker, showing)
