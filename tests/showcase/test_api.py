"""The JSON API answers what the OpenAPI document says, for every endpoint it lists."""

from __future__ import annotations

import jsonschema
import pytest
from jsonschema import Draft202012Validator

from dankheo.appraisal.setup import create_stage

from .conftest import PNG


def _validator(doc: dict, path: str, status: str = "200") -> Draft202012Validator:
    """A validator for one response schema, resolving $refs inside the document."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    # Refusals are problem documents (RFC 9457), served as application/problem+json.
    media = "application~1json" if status < "400" else "application~1problem+json"
    root = dict(doc)
    root["$ref"] = f"#/paths/{pointer}/get/responses/{status}/content/{media}/schema"
    return Draft202012Validator(
        root, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture
def data(publish, db):
    campaign = publish.setup()
    create_stage(
        campaign,
        {"name": "Bình xét cấp tỉnh", "tier": "province", "pass_label": "Tiêu biểu"},
        actor=None,
    )
    made = [
        publish(
            name="Dân vận khéo hiến đất", households=10, road_km=1.5, address="Thôn 1"
        ),
        publish(
            "commended",
            name="Đường hoa nông thôn mới",
            files=[("Ảnh.png", PNG, "photo", True)],
        ),
        publish(
            "replicated",
            name="Cá nhân tiêu biểu",
            kind="individual",
            lead_name="Nguyễn Văn A",
        ),
    ]
    publish("draft", name="Bản nháp")
    db.session.commit()
    return made


def test_openapi_document_is_valid_and_lists_every_endpoint(client, db):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {
        "/api/v1/exemplars",
        "/api/v1/exemplars/{id}",
        "/api/v1/exemplars/{id}/decisions",
        "/api/v1/campaigns",
        "/api/v1/campaigns/{id}/funnel",
    }
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_responses_match_the_openapi_document(client, data):
    doc = client.get("/api/openapi.json").get_json()
    page = client.get("/api/v1/exemplars").get_json()
    _validator(doc, "/api/v1/exemplars").validate(page)
    assert page["total"] == 3 and page["next"] is None
    for item in page["items"]:
        detail = client.get(f"/api/v1/exemplars/{item['id']}").get_json()
        _validator(doc, "/api/v1/exemplars/{id}").validate(detail)
    campaigns = client.get("/api/v1/campaigns").get_json()
    _validator(doc, "/api/v1/campaigns").validate(campaigns)
    assert campaigns["campaigns"]
    for c in campaigns["campaigns"]:
        funnel = client.get(f"/api/v1/campaigns/{c['id']}/funnel").get_json()
        _validator(doc, "/api/v1/campaigns/{id}/funnel").validate(funnel)
    missing = client.get("/api/v1/exemplars/999999")
    assert missing.status_code == 404
    _validator(doc, "/api/v1/exemplars/{id}", "404").validate(missing.get_json())
    bad = client.get("/api/v1/exemplars?kind=nope")
    assert bad.status_code == 400
    _validator(doc, "/api/v1/exemplars", "400").validate(bad.get_json())


def test_schema_catches_a_drifting_response(client, data):
    doc = client.get("/api/openapi.json").get_json()
    page = client.get("/api/v1/exemplars").get_json()
    page["items"][0]["contact_phone"] = "0912"
    with pytest.raises(jsonschema.ValidationError):
        _validator(doc, "/api/v1/exemplars").validate(page)


def test_cursor_pagination_and_filters(client, data):
    seen = []
    url = "/api/v1/exemplars?limit=1"
    while url:
        body = client.get(url).get_json()
        assert body["total"] == 3
        seen += [i["id"] for i in body["items"]]
        url = body["next_url"]
    assert sorted(seen) == sorted(e.id for e in data) and len(seen) == 3
    assert client.get("/api/v1/exemplars?cursor=garbage").status_code == 400
    body = client.get("/api/v1/exemplars?q=duong+hoa").get_json()
    assert [i["name"] for i in body["items"]] == ["Đường hoa nông thôn mới"]
    body = client.get("/api/v1/exemplars?kind=individual").get_json()
    assert [i["name"] for i in body["items"]] == ["Cá nhân tiêu biểu"]
    campaign_id = data[0].campaign_id
    url = f"/api/v1/exemplars?campaign={campaign_id}&field=Kinh tế"
    assert client.get(url).get_json()["total"] == 3
    assert (
        client.get(f"/api/v1/exemplars?unit={data[0].unit_id}").get_json()["total"] == 3
    )


def test_detail_carries_the_public_story(client, data):
    commended = data[1]
    body = client.get(f"/api/v1/exemplars/{commended.id}").get_json()
    assert body["commendation"]["decision_number"] == f"{commended.id}/QĐ-UBND"
    assert body["commendation"]["decision_date"] == "2026-11-18"
    assert len(body["photos"]) == 1
    assert client.get(body["photos"][0]["url"]).status_code == 200
    first = client.get(f"/api/v1/exemplars/{data[0].id}").get_json()
    assert first["metrics"] == {"households": 10, "road_km": 1.5}


BAD_PARAMETERS = [
    ("limit", "-1"),
    ("limit", "0"),
    ("limit", "abc"),
    ("limit", "101"),
    ("limit", "100000"),
    ("limit", "1.5"),
    ("campaign", "abc"),
    ("campaign", "0"),
    ("campaign", str(2**31)),
    ("year", "-5"),
    ("year", "2026abc"),
    ("unit", "-1"),
    ("unit", "99999999999999999999"),
    ("sort", "evil"),
    ("kind", "evil"),
    ("cursor", "garbage"),
    ("q", "x" * 201),
    ("field", "x" * 201),
    ("form", "x" * 201),
    ("q", "dân\x00vận"),
    ("cursor", "abc\x00"),
    ("cursor", "x" * 1001),
]


@pytest.mark.parametrize(("name", "value"), BAD_PARAMETERS)
def test_every_bad_parameter_is_a_400_naming_it(client, data, name, value):
    doc = client.get("/api/openapi.json").get_json()
    resp = client.get("/api/v1/exemplars", query_string={name: value})
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    _validator(doc, "/api/v1/exemplars", "400").validate(body)
    assert body["parameter"] == name
    assert name in body["message"]
    # The OpenAPI document refuses the same value (cursor: any string, checked later).
    spec = next(
        p
        for p in doc["paths"]["/api/v1/exemplars"]["get"]["parameters"]
        if p["name"] == name
    )
    if name != "cursor":
        typed = (
            int(value)
            if spec["schema"]["type"] == "integer" and value.lstrip("-").isdigit()
            else value
        )
        with pytest.raises(jsonschema.ValidationError):
            Draft202012Validator(spec["schema"]).validate(typed)


def test_a_cursor_of_another_sort_is_refused(client, data):
    first = client.get("/api/v1/exemplars?limit=1").get_json()
    assert first["next"]
    assert (
        client.get(f"/api/v1/exemplars?limit=1&cursor={first['next']}").status_code
        == 200
    )
    resp = client.get(f"/api/v1/exemplars?limit=1&sort=name&cursor={first['next']}")
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "cursor"


@pytest.mark.parametrize(
    "query",
    [
        "limit=1",
        "limit=100",
        "sort=score",
        "year=2026",
        "campaign=&year=&unit=&kind=&sort=&limit=&cursor=&q=",  # empty: not given
        "lang=en&utm_source=x",  # unknown parameters are ignored
    ],
)
def test_good_parameters_still_answer(client, data, query):
    resp = client.get(f"/api/v1/exemplars?{query}")
    assert resp.status_code == 200, resp.get_json()
    doc = client.get("/api/openapi.json").get_json()
    _validator(doc, "/api/v1/exemplars").validate(resp.get_json())


def test_limit_bounds_the_page(client, data):
    assert len(client.get("/api/v1/exemplars?limit=2").get_json()["items"]) == 2
    assert len(client.get("/api/v1/exemplars?limit=100").get_json()["items"]) == 3


@pytest.mark.parametrize(
    ("query", "name", "english"),
    [
        ("limit=101", "limit", "Parameter limit must be an integer from 1 to 100."),
        ("kind=x", "kind", "Parameter kind must be one of: model, collective"),
        ("q=a%00b", "q", "Parameter q contains an invalid character (NUL)."),
        ("limit=1&limit=2", "limit", "Parameter limit is invalid (it takes a single"),
        ("sort=name&cursor=abc", "cursor", "is not a `next` value of a page"),
    ],
)
def test_a_refusal_says_why_in_the_visitors_language(
    client, data, query, name, english
):
    body = client.get(f"/api/v1/exemplars?{query}").get_json()
    assert body["parameter"] == name and body["message"].startswith(f"Tham số {name}")
    body = client.get(f"/api/v1/exemplars?{query}&lang=en").get_json()
    assert body["parameter"] == name and english in body["message"]


def test_invisible_controls_are_removed_by_the_input_gate(client, data):
    """Other control characters cannot be typed: the gate drops them (dankheo/inputs.py)
    and the filter means what the visitor saw."""
    plain = client.get("/api/v1/exemplars", query_string={"field": "Kinh tế"})
    pasted = client.get(
        "/api/v1/exemplars", query_string={"field": "Kinh\x1f t\u202eế"}
    )
    assert pasted.status_code == 200
    assert pasted.get_json()["total"] == plain.get_json()["total"]


def test_blank_text_filters_are_no_filter(client, data):
    body = client.get("/api/v1/exemplars", query_string={"field": "  ", "form": " "})
    assert body.status_code == 200 and body.get_json()["total"] == 3


def test_ids_beyond_32_bits_are_simply_not_found(client, data):
    for url in ("/api/v1/exemplars/2147483648", "/api/v1/campaigns/2147483648/funnel"):
        resp = client.get(url)
        assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


def test_every_query_parameter_and_answer_comes_from_the_models(client, data):
    from dankheo.api.schemas import ExemplarDetail, ExemplarQuery

    doc = client.get("/api/openapi.json").get_json()
    params = doc["paths"]["/api/v1/exemplars"]["get"]["parameters"]
    assert [p["name"] for p in params] == list(ExemplarQuery.model_fields)
    detail = doc["components"]["schemas"]["ExemplarDetail"]
    assert set(detail["required"]) == set(ExemplarDetail.model_fields)
    assert detail["additionalProperties"] is False
