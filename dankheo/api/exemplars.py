"""Read-only open data: the public exemplars as JSON, and the OpenAPI document.

Only public entries are served, through the showcase queries; the JSON carries the
public story and results, never contacts, votes, scores of members or private files.
"""

from __future__ import annotations

import re

from flask import abort, current_app, jsonify, request, url_for

from ..domain.enums import CampaignStatus, ExemplarKind, UnitTier
from ..domain.metrics import METRICS
from ..domain.workflow import PUBLIC_STATES
from ..showcase import listing as queries
from ..showcase import story
from ..showcase.listing import Filters
from .blueprint import bp

STORY_FIELDS = (
    "situation",
    "goals",
    "content",
    "area",
    "forces",
    "resources",
    "outputs",
    "sustainability",
)


def _date(value):
    return value.isoformat() if value is not None else None


def exemplar_summary(e) -> dict:
    return {
        "id": e.id,
        "name": e.name,
        "slug": e.slug,
        "url": url_for("showcase.detail", id=e.id, slug=e.slug, _external=True),
        "kind": e.kind,
        "state": e.state,
        "campaign": {
            "id": e.campaign.id,
            "name": e.campaign.name,
            "year": e.campaign.year,
        },
        "field": e.field.name if e.field else None,
        "unit": {"id": e.unit.id, "name": e.unit.name},
        "address": e.address or None,
        "published_at": _date(e.published_at),
        "metrics": {
            m.key: getattr(e, m.key) for m in METRICS if getattr(e, m.key) is not None
        },
    }


def exemplar_detail(e) -> dict:
    data = exemplar_summary(e)
    data.update({k: getattr(e, k) or "" for k in STORY_FIELDS})
    data["tags"] = e.tag_list
    data["start_date"] = _date(e.start_date)
    data["lead"] = (
        {"name": e.lead_name, "position": e.lead_position or None}
        if e.lead_name
        else None
    )
    data["stages"] = [
        {"name": s.name, "label": s.label, "passed_at": _date(s.at)}
        for s in story.passed_stages(e)
    ]
    c = story.commendation_of(e)
    data["commendation"] = (
        {
            "form": c.form.name,
            "issuing_body": c.issuing_body,
            "decision_number": c.decision_number,
            "decision_date": _date(c.decision_date),
        }
        if c is not None
        else None
    )
    data["photos"] = [
        {
            "id": p.id,
            "url": url_for("showcase.photo", attachment_id=p.id, _external=True),
        }
        for p in queries.public_photos(e)
    ]
    return data


#: Longest accepted text parameter (q, field, form), in characters.
MAX_TEXT = 200
#: Row ids are 32-bit on every database.
MAX_ID = 2**31 - 1
MAX_YEAR = 9999
_DIGITS = re.compile(r"[0-9]+")


class BadParameter(Exception):
    """A query parameter the API refuses; answered as a 400 naming it."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


def _integer(args, name: str, low: int, high: int) -> int | None:
    raw = args.get(name, "")
    if raw == "":
        return None  # absent, or left empty by a form: no filter
    number = int(raw) if _DIGITS.fullmatch(raw) and len(raw) <= 10 else None
    if number is None or not low <= number <= high:
        raise BadParameter(name, f"{name} must be an integer from {low} to {high}")
    return number


def _choice(args, name: str, allowed) -> str | None:
    raw = args.get(name, "")
    if raw == "":
        return None
    if raw not in allowed:
        raise BadParameter(name, f"{name} must be one of: {', '.join(allowed)}")
    return raw


def _text(args, name: str) -> str | None:
    raw = args.get(name, "").strip()
    if len(raw) > MAX_TEXT:
        raise BadParameter(name, f"{name} is longer than {MAX_TEXT} characters")
    return raw or None


def list_arguments(args) -> tuple[Filters, str | None, int]:
    """Filters, cursor and page size from the query string. Unlike the HTML showcase,
    which quietly drops what it cannot use, the API refuses every malformed value, so a
    client never mistakes the unfiltered list for the one it asked for."""
    f = Filters(
        q=_text(args, "q") or "",
        campaign=_integer(args, "campaign", 1, MAX_ID),
        year=_integer(args, "year", 1, MAX_YEAR),
        field=_text(args, "field"),
        unit=_integer(args, "unit", 1, MAX_ID),
        kind=_choice(args, "kind", ExemplarKind.values()),
        form=_text(args, "form"),
        sort=_choice(args, "sort", queries.SORTS) or "newest",
    )
    cursor = args.get("cursor") or None
    if cursor is not None and queries.decode_cursor(f.sort, cursor) is None:
        raise BadParameter("cursor", "cursor is not a `next` value of this sort")
    size = _integer(args, "limit", 1, queries.MAX_PAGE_SIZE)
    return f, cursor, size or current_app.config.get("PAGE_SIZE", 25)


@bp.get("/v1/exemplars")
def exemplars():
    try:
        f, cursor, size = list_arguments(request.args)
    except BadParameter as exc:
        return (
            jsonify(error="Bad Request", message=exc.message, parameter=exc.name),
            400,
        )
    page = queries.public_page(f, cursor, size)
    next_url = (
        url_for(".exemplars", cursor=page.next_cursor, _external=True, **f.to_args())
        if page.next_cursor
        else None
    )
    return jsonify(
        items=[exemplar_summary(e) for e in page.items],
        total=queries.count_public(f),
        next=page.next_cursor,
        next_url=next_url,
    )


@bp.get("/v1/exemplars/<int:exemplar_id>")
def exemplar(exemplar_id: int):
    e = queries.get_public(exemplar_id)
    if e is None:
        abort(404)
    return jsonify(exemplar_detail(e))


# -- OpenAPI -------------------------------------------------------------------------


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "parameter": {
            "type": "string",
            "description": "Tham số không hợp lệ (chỉ có ở lỗi 400)",
        },
    },
}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
NUMBER = {"type": "number", "minimum": 0}


def openapi_document() -> dict:
    """OpenAPI 3.1 description of the public API; a test validates real responses
    against these schemas, so they must match what the views return."""
    metrics = {m.key: NUMBER for m in METRICS}
    summary = {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "name",
            "slug",
            "url",
            "kind",
            "state",
            "campaign",
            "field",
            "unit",
            "address",
            "published_at",
            "metrics",
        ],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "slug": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "kind": {"type": "string", "enum": ExemplarKind.values()},
            "state": {"type": "string", "enum": sorted(s.value for s in PUBLIC_STATES)},
            "campaign": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "name", "year"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "year": {"type": "integer"},
                },
            },
            "field": _nullable({"type": "string"}),
            "unit": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "name"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
            "address": _nullable({"type": "string"}),
            "published_at": DATETIME,
            "metrics": {
                "type": "object",
                "additionalProperties": False,
                "properties": metrics,
                "description": "Kết quả định lượng (chỉ các chỉ số có số liệu).",
            },
        },
    }
    detail = {
        "type": "object",
        "additionalProperties": False,
        "required": [
            *summary["required"],
            *STORY_FIELDS,
            "tags",
            "start_date",
            "lead",
            "stages",
            "commendation",
            "photos",
        ],
        "properties": {
            **summary["properties"],
            **{k: {"type": "string"} for k in STORY_FIELDS},
            "tags": {"type": "array", "items": {"type": "string"}},
            "start_date": _nullable(DATE),
            "lead": _nullable(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "position"],
                    "properties": {
                        "name": {"type": "string"},
                        "position": _nullable({"type": "string"}),
                    },
                }
            ),
            "stages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "label", "passed_at"],
                    "properties": {
                        "name": {"type": "string"},
                        "label": {"type": "string"},
                        "passed_at": DATETIME,
                    },
                },
            },
            "commendation": _nullable(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": [
                        "form",
                        "issuing_body",
                        "decision_number",
                        "decision_date",
                    ],
                    "properties": {
                        "form": {"type": "string"},
                        "issuing_body": {"type": "string"},
                        "decision_number": {"type": "string"},
                        "decision_date": DATE,
                    },
                }
            ),
            "photos": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "url"],
                    "properties": {
                        "id": {"type": "integer"},
                        "url": {"type": "string", "format": "uri"},
                    },
                },
            },
        },
    }
    page = {
        "type": "object",
        "additionalProperties": False,
        "required": ["items", "total", "next", "next_url"],
        "properties": {
            "items": {"type": "array", "items": _ref("ExemplarSummary")},
            "total": {"type": "integer", "minimum": 0},
            "next": _nullable({"type": "string"}),
            "next_url": _nullable({"type": "string", "format": "uri"}),
        },
    }
    # The campaign endpoints live in campaigns.py; these schemas follow its responses.
    campaign = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "name", "year", "period", "status", "unit", "funnel_url"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "year": {"type": "integer"},
            "period": _nullable({"type": "string"}),
            "status": {"type": "string", "enum": CampaignStatus.values()},
            "unit": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "name", "tier"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "tier": {"type": "string", "enum": UnitTier.values()},
                },
            },
            "funnel_url": {"type": "string", "format": "uri"},
        },
    }
    count = {"type": "integer", "minimum": 0}
    funnel = {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "campaign",
            "registered",
            "stages",
            "recommended",
            "commended",
            "replicated",
        ],
        "properties": {
            "campaign": _ref("Campaign"),
            "registered": count,
            "stages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "name", "pass_label", "passed"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "pass_label": {"type": "string"},
                        "passed": count,
                    },
                },
            },
            "recommended": count,
            "commended": count,
            "replicated": count,
        },
    }

    def param(name: str, schema: dict, description: str, where: str = "query") -> dict:
        return {
            "name": name,
            "in": where,
            "required": where == "path",
            "schema": schema,
            "description": description,
        }

    errors = {"404": _json(_ref("Error"), "Không có (hoặc không công khai)")}
    ident = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    text = {"type": "string", "maxLength": MAX_TEXT}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Dân vận khéo — dữ liệu mở",
            "version": "1.0.0",
            "description": (
                "API chỉ đọc về các mô hình, điển hình “Dân vận khéo” được đề nghị khen "
                "thưởng, được khen thưởng và nhân rộng, và phễu thi đua của từng đợt. "
                "Không cần đăng nhập. Tìm kiếm không phân biệt dấu (đ = d)."
            ),
        },
        "servers": [{"url": request.host_url.rstrip("/")}],
        "paths": {
            "/api/v1/exemplars": {
                "get": {
                    "operationId": "listExemplars",
                    "summary": "Danh sách mô hình, điển hình công khai (phân trang theo con trỏ)",
                    "parameters": [
                        param("q", text, "Từ khóa, có dấu hoặc không dấu"),
                        param("field", text, "Tên lĩnh vực"),
                        param("campaign", ident, "Mã đợt thi đua"),
                        param(
                            "year",
                            {"type": "integer", "minimum": 1, "maximum": MAX_YEAR},
                            "Năm",
                        ),
                        param(
                            "unit",
                            ident,
                            "Mã đơn vị: cả đơn vị và các đơn vị trực thuộc",
                        ),
                        param(
                            "kind",
                            {"type": "string", "enum": ExemplarKind.values()},
                            "Loại",
                        ),
                        param("form", text, "Tên hình thức khen thưởng"),
                        param(
                            "sort",
                            {
                                "type": "string",
                                "enum": list(queries.SORTS),
                                "default": "newest",
                            },
                            "Thứ tự",
                        ),
                        param(
                            "cursor",
                            {"type": "string"},
                            "Giá trị `next` của trang trước",
                        ),
                        param(
                            "limit",
                            {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": queries.MAX_PAGE_SIZE,
                                "default": current_app.config.get("PAGE_SIZE", 25),
                            },
                            "Số mục mỗi trang",
                        ),
                    ],
                    "responses": {
                        "200": _json(_ref("ExemplarPage"), "Một trang kết quả"),
                        "400": _json(
                            _ref("Error"),
                            "Tham số không hợp lệ (giá trị sai kiểu, ngoài khoảng, "
                            "không có trong danh sách, hoặc con trỏ hỏng); "
                            "`parameter` nêu tên tham số. Tham số để trống coi như "
                            "không có.",
                        ),
                    },
                }
            },
            "/api/v1/exemplars/{id}": {
                "get": {
                    "operationId": "getExemplar",
                    "summary": "Một mô hình, điển hình công khai",
                    "parameters": [param("id", {"type": "integer"}, "Mã", "path")],
                    "responses": {
                        "200": _json(_ref("ExemplarDetail"), "Mô hình, điển hình"),
                        **errors,
                    },
                }
            },
            "/api/v1/campaigns": {
                "get": {
                    "operationId": "listCampaigns",
                    "summary": "Các đợt thi đua",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["campaigns"],
                                "properties": {
                                    "campaigns": {
                                        "type": "array",
                                        "items": _ref("Campaign"),
                                    }
                                },
                            },
                            "Danh sách đợt thi đua",
                        )
                    },
                }
            },
            "/api/v1/campaigns/{id}/funnel": {
                "get": {
                    "operationId": "getCampaignFunnel",
                    "summary": "Phễu thi đua của một đợt: đăng ký, từng vòng, đề nghị, khen thưởng",
                    "parameters": [
                        param("id", {"type": "integer"}, "Mã đợt thi đua", "path")
                    ],
                    "responses": {
                        "200": _json(_ref("Funnel"), "Phễu thi đua"),
                        **errors,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "ExemplarSummary": summary,
                "ExemplarDetail": detail,
                "ExemplarPage": page,
                "Campaign": campaign,
                "Funnel": funnel,
                "Error": ERROR,
            }
        },
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
