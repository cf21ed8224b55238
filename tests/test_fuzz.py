"""Fuzzing the boundaries: hostile values in every form and every query parameter never
answer 500 and never leave a partial write; the API keeps its OpenAPI document.

Bounded (``max_examples``) so the whole file adds well under a minute per database.
The test client re-raises a server error, so a 500 fails the example that caused it.
"""

from __future__ import annotations

import contextvars
import io
from types import SimpleNamespace

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from dankheo.appraisal.models import Vote
from dankheo.auth.models import User
from dankheo.campaigns.models import Field
from dankheo.domain.enums import Role, UnitTier
from dankheo.registry.models import Attachment, Exemplar
from dankheo.units.models import Unit

from .appraisal.scenario import build, submitted
from .showcase.conftest import PDF, Publisher

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Values attackers sent, plus what Hypothesis makes of any Unicode text.
NASTY = st.sampled_from(
    [
        "\x00",
        "a\x00b",
        "\x07\x1b\x7f\x85",
        "\u202eevil\u202c",
        "\u2066x\u2069",
        "\ufeff\u200b",
        "inf",
        "-inf",
        "nan",
        "NaN",
        "1e308",
        "1e400",
        "-1",
        "2147483648",
        "-2147483649",
        "9" * 40,
        "15.59",
        "15.590,5",
        "0001-01-01",
        "9999-12-31",
        "2026-02-30",
        "../../etc/passwd",
        '=HYPERLINK("http://evil.example")',
        "x" * 5000,
        "",
        " ",
    ]
)
VALUES = st.one_of(NASTY, st.text(max_size=50), st.integers().map(str))
HUGE = "x" * (1024 * 1024)


def _counts(db, *models) -> tuple[int, ...]:
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


def _overrides(fields: list[str]):
    return st.dictionaries(st.sampled_from(fields), VALUES, min_size=1, max_size=4)


def _post_and_check(client, db, url, data, models):
    before = _counts(db, *models)
    resp = client.post(url, data=data)
    assert resp.status_code < 500
    if resp.status_code >= 400:
        assert _counts(db, *models) == before, (url, data)
    return resp


# -- forms -----------------------------------------------------------------------------


@pytest.fixture
def world(make, login_as):
    province = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Thử", code="T")
    commune = make.unit(parent=province, name="Xã Thử", code="T-X")
    campaign = make.campaign(unit=province)
    officer = make.user(role=Role.UNIT_OFFICER, unit=commune)
    secretariat = make.user(role=Role.SECRETARIAT, unit=province)
    make.db.session.commit()
    return SimpleNamespace(
        province=province,
        commune=commune,
        campaign=campaign,
        officer=officer,
        secretariat=secretariat,
    )


EXEMPLAR_FIELDS = [
    "name",
    "kind",
    "situation",
    "content",
    "start_date",
    "evaluation_date",
    "tags",
    "contact_phone",
    "contact_email",
    "households",
    "money_million",
    "land_m2",
    "trees",
    "campaign_id",
    "field_id",
    "unit_code",
    "version",
]


@pytest.fixture
def officer(world, login_as):
    """The commune's officer, signed in once for all the examples."""
    return login_as(world.officer)


@pytest.fixture
def secretariat(world, login_as):
    return login_as(world.secretariat)


@FUZZ
@given(over=_overrides(EXEMPLAR_FIELDS))
def test_exemplar_form(officer, db, world, over):
    client = officer
    data = {
        "campaign_id": world.campaign.id,
        "unit_code": world.commune.code,
        "field_id": world.campaign.fields[0].id,
        "kind": "model",
        "name": "Mô hình",
        **over,
    }
    _post_and_check(client, db, "/registry/new", data, [Exemplar])


SECRETARIAT_FORMS = {
    "unit": (
        "/admin/units/{province}/new",
        {"name": "Xã", "code": "T-N", "tier": "commune", "kind": "party"},
        [Unit],
    ),
    "user": (
        "/admin/users/new",
        {
            "username": "can.bo",
            "name": "Cán bộ",
            "position": "Chủ tịch",
            "email": "a@example.vn",
            "unit_code": "T",
            "role": "unit_officer",
            "password": "mat-khau-dai-du",
        },
        [User],
    ),
    "field": (
        "/admin/campaigns/{campaign}/fields",
        {"field-name": "Lĩnh vực"},
        [Field],
    ),
    "campaign": (
        "/admin/campaigns/new",
        {
            "name": "Đợt",
            "year": "2026",
            "unit_code": "T",
            "registration_opens": "2026-01-01",
            "registration_closes": "2026-12-31",
            "status": "registration",
        },
        [Field],
    ),
}


@FUZZ
@given(
    form=st.sampled_from(sorted(SECRETARIAT_FORMS)),
    over=st.dictionaries(
        st.sampled_from(
            [
                "name",
                "code",
                "tier",
                "kind",
                "username",
                "position",
                "email",
                "unit_code",
                "role",
                "field-name",
                "year",
                "registration_opens",
                "registration_closes",
                "description",
            ]
        ),
        VALUES,
        min_size=1,
        max_size=4,
    ),
)
def test_secretariat_forms(secretariat, db, world, form, over):
    client = secretariat
    url, base, models = SECRETARIAT_FORMS[form]
    url = url.format(province=world.province.id, campaign=world.campaign.id)
    _post_and_check(client, db, url, {**base, **over}, models)


@FUZZ
@given(login=VALUES, password=VALUES)
def test_login_form(client, db, world, login, password):
    resp = client.post("/auth/login", data={"login": login, "password": password})
    assert resp.status_code < 500


@pytest.fixture
def ballot(make, db):
    """A member and the entry they vote on (set up once for all the examples)."""
    sc = build(make, criteria=False)
    council = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0], name="Hồ sơ fuzz")
    db.session.commit()
    return SimpleNamespace(
        member=sc.members[council.id][1],
        url=f"/appraisal/councils/{council.id}/entries/{e.id}",
    )


@pytest.fixture
def voter(ballot, login_as):
    return login_as(ballot.member.user)


@FUZZ
@given(over=_overrides(["choice", "comment", "next"]))
def test_vote_form(db, voter, ballot, over):
    client = voter
    _post_and_check(client, db, ballot.url, {"choice": "approve", **over}, [Vote])


def test_huge_and_duplicated_fields(officer, db, world):
    base = [
        ("campaign_id", world.campaign.id),
        ("unit_code", world.commune.code),
        ("field_id", world.campaign.fields[0].id),
        ("kind", "model"),
    ]
    before = _counts(db, Exemplar)
    # 1 MB: over the gate's length (or Werkzeug's form memory limit).
    resp = officer.post("/registry/new", data=MultiDict([*base, ("name", HUGE)]))
    assert resp.status_code in (303, 413)
    # Duplicated: a NUL in the second value is refused all the same.
    resp = officer.post(
        "/registry/new", data=MultiDict([*base, ("name", "A"), ("name", "\x00")])
    )
    assert resp.status_code == 303
    assert _counts(db, Exemplar) == before
    # Duplicated: the first value is the one read.
    resp = officer.post(
        "/registry/new",
        data=MultiDict([*base, ("name", "A"), ("trees", "1"), ("trees", "x")]),
    )
    assert resp.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(Exemplar.trees)) == 1


def test_malformed_multipart_and_hostile_file_names(client, login_as, db, world, make):
    login_as(world.officer)
    e = make.exemplar(unit=world.commune, campaign=world.campaign)
    db.session.commit()
    url = f"/registry/{e.id}/attachments"
    for body, ctype in (
        (b'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\n', "x"),
        (b"garbage", "multipart/form-data; boundary=x"),
        (b"--x--", "multipart/form-data"),
        (b"\x00" * 100, "multipart/form-data; boundary=\x00"),
    ):
        resp = client.post(url, data=body, content_type=ctype)
        assert resp.status_code < 500
    for name in (
        "../../etc/passwd.pdf",
        "..\\..\\win.pdf",
        "a\x00b.pdf",
        "\u202efdp.exe",
    ):
        resp = client.post(
            url,
            data={"file": (io.BytesIO(PDF), name), "kind": "report"},
            content_type="multipart/form-data",
        )
        assert resp.status_code < 500
    db.session.rollback()
    for original in db.session.scalars(select(Attachment.original_name)):
        assert "/" not in original and "\\" not in original and "\x00" not in original
        assert "\u202e" not in original
    upload = client.post(
        "/admin/imports/units",
        data={"file": (io.BytesIO(b"PK\x03\x04garbage"), "../x.xlsx")},
        content_type="multipart/form-data",
    )
    assert upload.status_code < 500


# -- query strings -----------------------------------------------------------------------

PUBLIC_PAGES = [
    "/",
    "/showcase",
    "/showcase/export.csv",
    "/showcase/export.xlsx",
    "/showcase/feed.atom",
    "/stats",
    "/stats/field.csv",
    "/stats/export.xlsx",
    "/api/v1/exemplars",
    "/api/v1/campaigns",
    "/auth/login",
]
PRIVATE_PAGES = [
    "/registry/",
    "/admin/units",
    "/admin/users",
    "/admin/users/new",
    "/appraisal/",
]
PARAMS = [
    "q",
    "field",
    "form",
    "campaign",
    "year",
    "unit",
    "kind",
    "sort",
    "cursor",
    "limit",
    "page",
    "state",
    "status",
    "tab",
    "parent",
    "lang",
    "next",
]
QUERY = st.lists(st.tuples(st.sampled_from(PARAMS), VALUES), min_size=1, max_size=5)


@pytest.fixture
def public(make, db):
    publish = Publisher(make, db)
    publish(name="Mô hình công khai", households=3, money_million=1.5)
    publish("commended", name="Điển hình được khen")
    db.session.commit()
    return publish


@FUZZ
@given(url=st.sampled_from(PUBLIC_PAGES), query=QUERY)
def test_public_query_parameters(client, public, url, query):
    resp = client.get(url, query_string=query)
    assert resp.status_code < 500


@FUZZ
@given(url=st.sampled_from(PRIVATE_PAGES), query=QUERY)
def test_private_query_parameters(secretariat, url, query):
    resp = secretariat.get(url, query_string=query)
    assert resp.status_code < 500


def test_very_long_urls_are_414(client):
    for url in ("/showcase?q=" + "a" * 20_000, "/showcase/" + "a" * 20_000):
        assert client.get(url).status_code == 414
    assert client.get("/api/v1/exemplars?q=" + "é" * 9_000).status_code == 414


# -- the API against its OpenAPI document (schemathesis) --------------------------------


class IsolatedWSGI:
    """The app, each request in a fresh context (as tests.conftest.IsolatedClient does),
    so the test's own app context and session are not shared with the requests."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        from dankheo.extensions import db

        db.session.commit()
        # The WSGI client does not decode compressed bodies: ask for plain ones.
        environ.pop("HTTP_ACCEPT_ENCODING", None)
        return contextvars.Context().run(
            lambda: list(self.app(environ, start_response))
        )


def test_api_follows_its_openapi_document(app, public):
    """Every operation of the served document, with generated parameters: no server
    error, and every response matches the document's schema for it."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", IsolatedWSGI(app))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:

        @settings(
            max_examples=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy())
        def call(case):
            case.call_and_validate(
                checks=[not_a_server_error, response_schema_conformance]
            )

        call()
