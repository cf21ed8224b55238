"""Numbers and dates at the gate (dankheo.forms_common): finite, within the column, read
one way only in each language; dates a user would accept."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from dankheo.clock import today as today_local
from dankheo.forms_common import parse_local_number
from dankheo.registry.models import Exemplar

from .registry.test_workspace import _form
from .test_inputs import registry_world


@pytest.fixture
def world(make):
    return registry_world(make)


def _count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Exemplar.id)))


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        ("vi", "15.590", 15590),
        ("vi", "15.590,5", 15590.5),
        ("vi", "1.234.567,125", 1234567.125),
        ("vi", "0,5", 0.5),
        ("vi", "2 705", 2705),
        ("en", "15,590.5", 15590.5),
        ("en", "15.59", 15.59),
    ],
)
def test_local_numbers_read_one_way(app, lang, text, value):
    with app.test_request_context(f"/?lang={lang}"):
        assert float(parse_local_number(text, places=3)) == value


@pytest.mark.parametrize(
    ("lang", "text"),
    [("vi", "15.59"), ("vi", "1.5"), ("vi", "1,234.5"), ("en", "15,59")],
)
def test_ambiguous_separators_are_refused_with_a_hint(app, lang, text):
    with app.test_request_context(f"/?lang={lang}"), pytest.raises(ValueError) as exc:
        parse_local_number(text, places=3)
    assert "15" in str(exc.value.args[0])  # the hint shows both ways of writing it


@pytest.mark.parametrize(
    "text", ["inf", "-inf", "nan", "Infinity", "1e400", "1e308", "0x10", "١٢", "--1"]
)
def test_non_numbers_are_refused(app, text):
    with app.test_request_context("/"), pytest.raises(ValueError):
        parse_local_number(text, places=3)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # Defect: integer out of range on PostgreSQL (500).
        ("households", "2147483648", "2.147.483.647"),
        ("trees", "99999999999999999999999", "2.147.483.647"),
        # Defect: 1e308 saved, then the draft could never be opened again.
        ("money_million", "1e308", "Không phải là số hợp lệ"),
        # Defect: inf and 1e400 accepted, shown as ∞, written as Infinity.
        ("money_million", "inf", "Không phải là số hợp lệ"),
        ("land_m2", "1e400", "Không phải là số hợp lệ"),
        ("road_km", "nan", "Không phải là số hợp lệ"),
        # Defect: 99999999999999999999999 stored in a FLOAT column.
        ("money_million", "99999999999999999999999", "999.999.999.999,999"),
        # Defect: "15.59" silently became 1.559.
        ("money_million", "15.59", "15.590"),
        ("households", "1.5", "15.590"),
        ("money_million", "1,2345", "3 chữ số"),
    ],
)
def test_out_of_range_numbers_are_refused_in_vietnamese(
    client, login_as, world, db, field, value, message
):
    login_as(world.officer_a)
    before = _count(db)
    resp = client.post("/registry/new", data=_form(world, world.a, **{field: value}))
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert _count(db) == before


def test_local_numbers_are_stored_as_typed(client, login_as, world, db):
    login_as(world.officer_a)
    resp = client.post(
        "/registry/new",
        data=_form(
            world,
            world.a,
            money_million="15.590",
            land_m2="15.590,5",
            households="2.147.483.647",
        ),
    )
    assert resp.status_code == 302
    db.session.rollback()
    ex = db.session.scalar(select(Exemplar))
    assert (ex.money_million, ex.land_m2, ex.households) == (15590, 15590.5, 2**31 - 1)
    page = client.get(f"/registry/{ex.id}/edit").get_data(as_text=True)
    assert 'value="15.590,5"' in page


def test_plain_integer_fields_are_bounded_too(app):
    """Every IntegerField of the product (quota, year, points…), not only the metric
    fields, refuses what an INTEGER column cannot hold."""
    from dankheo.appraisal.forms import StageForm

    with app.test_request_context("/", method="POST"):
        form = StageForm(
            formdata=MultiDict({"quota": "2147483648"}), meta={"csrf": False}
        )
        form.validate()
        assert any("2.147.483.647" in str(e) for e in form.quota.errors)


def test_dates_outside_the_window_are_refused(app):
    from dankheo.admin.forms import CampaignForm

    with app.test_request_context("/", method="POST"):
        form = CampaignForm(
            formdata=MultiDict(
                {
                    "year": "2026",
                    "registration_opens": "0001-01-01",
                    "registration_closes": "2031-01-01",
                }
            ),
            meta={"csrf": False},
        )
        form.validate()
        assert form.registration_opens.errors and form.registration_closes.errors
        assert "2025–2027" in str(form.registration_closes.errors)


def test_a_decision_date_cannot_be_after_today_in_viet_nam(app):
    from dankheo.appraisal.forms import CommendationRecordForm

    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert today_local() == today
    with app.test_request_context("/", method="POST"):
        for day, ok in ((today, True), (today + timedelta(days=1), False)):
            form = CommendationRecordForm(
                formdata=MultiDict(
                    {"decision_number": "12/QĐ-UBND", "decision_date": day.isoformat()}
                ),
                meta={"csrf": False},
            )
            form.validate()
            assert bool(form.decision_date.errors) is not ok
        form = CommendationRecordForm(
            formdata=MultiDict({"decision_date": date(9999, 1, 1).isoformat()}),
            meta={"csrf": False},
        )
        form.validate()
        assert form.decision_date.errors
