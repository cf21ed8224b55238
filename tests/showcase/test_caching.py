"""What browsers and proxies may keep, and what the showcase computes only once per
change of the data."""

from __future__ import annotations

import csv
import io

import pytest

from dankheo.domain.enums import Role

PUBLIC = "public, max-age=60"
PRIVATE = "private, no-store"


@pytest.mark.parametrize("url", ["/", "/showcase", "/stats"])
def test_anonymous_pages_may_be_cached_publicly(client, publish, db, url):
    publish(name="Mô hình công khai")
    db.session.commit()
    resp = client.get(url)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == PUBLIC


@pytest.mark.parametrize("url", ["/", "/showcase", "/stats"])
def test_pages_of_a_signed_in_user_are_never_stored(
    client, publish, make, db, login_as, url
):
    publish(name="Mô hình công khai")
    user = make.user(role=Role.SECRETARIAT, name="Người Đăng Nhập")
    db.session.commit()
    login_as(user)
    resp = client.get(url)
    assert resp.status_code == 200
    # The page carries the user's name and the logout form's token.
    assert "Người Đăng Nhập" in resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == PRIVATE


def test_a_page_showing_a_flash_message_is_never_stored(client, publish, db):
    publish(name="Mô hình công khai")
    db.session.commit()
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Thông báo riêng của khách")]
    resp = client.get("/showcase")
    assert "Thông báo riêng của khách" in resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == PRIVATE
    # Shown once; the next page is the same for everyone again.
    assert client.get("/showcase").headers["Cache-Control"] == PUBLIC


def test_a_response_that_sets_the_session_cookie_is_never_stored(client, db):
    # Choosing the language writes it into the session cookie: a shared cache must not
    # hand that cookie (or the English page) to the next visitor.
    resp = client.get("/showcase?lang=en")
    assert "Set-Cookie" in resp.headers
    assert resp.headers["Cache-Control"] == PRIVATE


def _grouped(stmts: list[str]) -> list[str]:
    """Aggregations over the entries themselves (the summary tables are small and
    exact; the stage results of the funnel are left out)."""
    return [
        s
        for s in stmts
        if "GROUP BY" in s and "stage_results" not in s and "tally_" not in s
    ]


def test_home_and_statistics_never_aggregate_the_entries(
    client, publish, make, db, statements
):
    campaign = publish.setup()
    other = make.unit(parent=publish.province, name="Phường Bãi Cháy")
    publish(name="A", kind="model")
    publish("commended", name="B", kind="individual", unit=other)
    db.session.commit()
    for url in ("/", f"/stats?campaign={campaign.id}", "/stats/years.csv"):
        statements.clear()
        assert client.get(url).status_code == 200
        assert _grouped(statements) == [], url


def test_a_statistics_download_counts_only_its_own_table(
    client, publish, db, statements
):
    campaign = publish.setup()
    publish(name="A", kind="model")
    db.session.commit()
    statements.clear()
    resp = client.get(f"/stats/kind.csv?campaign={campaign.id}")
    assert resp.status_code == 200
    grouped = [s for s in statements if "GROUP BY" in s]
    assert len(grouped) == 1 and "tally_facets.kind" in grouped[0], grouped


def test_cached_statistics_follow_every_change(client, publish, db):
    publish.setup(year=2025)
    publish(name="A")
    db.session.commit()

    def years():
        body = client.get("/stats/years.csv").get_data(as_text=True).lstrip("\ufeff")
        return {r[0]: r[1:] for r in list(csv.reader(io.StringIO(body)))[1:]}

    assert years()["2025"][:2] == ["1", "1"]
    assert client.get("/").status_code == 200
    publish("submitted", name="B")
    db.session.commit()
    assert years()["2025"][:2] == ["2", "1"]
    publish.setup(year=2026)
    publish("commended", name="C", field_id=publish.campaign.fields[0].id)
    db.session.commit()
    counts = years()
    assert counts["2025"][:2] == ["2", "1"] and counts["2026"][:3] == ["1", "1", "1"]
    home = client.get("/").get_data(as_text=True)
    assert publish.campaign.fields[0].name in home


def test_statistics_follow_an_edit_that_writes_no_history(client, publish, db):
    """A returned entry being supplemented changes its field without a history row."""
    from dankheo.registry.operations import update_exemplar

    publish.setup(year=2025)
    first, second = publish.campaign.fields[0], publish.campaign.fields[1]
    e = publish("returned", name="Đang bổ sung", field_id=first.id)
    db.session.commit()

    def by_field():
        body = client.get("/stats/field.csv").get_data(as_text=True).lstrip("\ufeff")
        return {r[0]: r[1] for r in list(csv.reader(io.StringIO(body)))[1:]}

    assert by_field().get(first.name) == "1"
    update_exemplar(
        e, actor=None, data={"field_id": second.id}, expected_version=e.version
    )
    db.session.commit()
    counts = by_field()
    assert counts.get(second.name) == "1" and counts.get(first.name, "0") == "0"
