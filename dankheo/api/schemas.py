"""What the API accepts and answers, declared once as pydantic models.

The same models validate the query string (a refused value is a 400 naming the
parameter), build the JSON of every response, and are the schemas of the OpenAPI
document (:mod:`dankheo.api.spec`), so the document cannot drift from what is served.
pydantic writes JSON Schema 2020-12, the dialect of OpenAPI 3.1.

Only public facts appear here: no contacts, votes, members' scores or private files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from flask import url_for
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..campaigns.models import Campaign
from ..domain.enums import CampaignStatus, ExemplarKind, UnitTier
from ..domain.metrics import METRIC_KEYS
from ..domain.workflow import PUBLIC_STATES
from ..registry.models import Exemplar
from ..showcase.entry import PublicEntry
from ..showcase.listing import MAX_ID, MAX_PAGE_SIZE, MAX_TEXT, SORTS, decode_cursor
from ..verification.record import StageDecision

#: Any character of Unicode's "control" category (C0, DEL, C1), NUL included.
NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*$"
MAX_YEAR = 9999
MAX_CURSOR = 1000
_CURSOR = re.compile(r"[A-Za-z0-9_-]*")

# Literal types built from the domain's own lists, so a new kind or sort is accepted
# and documented without touching this module.
if TYPE_CHECKING:  # to a type checker they are strings
    Kind: TypeAlias = str
    Sort: TypeAlias = str
    PublicState: TypeAlias = str
    Status: TypeAlias = str
    Tier: TypeAlias = str
    MetricKey: TypeAlias = str
else:
    Kind = Literal[tuple(ExemplarKind.values())]
    Sort = Literal[SORTS]
    PublicState = Literal[tuple(sorted(s.value for s in PUBLIC_STATES))]
    Status = Literal[tuple(CampaignStatus.values())]
    Tier = Literal[tuple(UnitTier.values())]
    MetricKey = Literal[METRIC_KEYS]

#: Timestamps as Python's ISO format ("+00:00"), as the API always wrote them.
Timestamp = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Url = Annotated[str, Field(json_schema_extra={"format": "uri"})]
Count = Annotated[int, Field(ge=0)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# -- the query string ----------------------------------------------------------------


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


#: Free text: trimmed, at most MAX_TEXT characters, no control character.
Text = Annotated[
    str,
    Field(max_length=MAX_TEXT, pattern=NO_CONTROL),
    # Listed last, so it runs first: trimmed, then measured.
    BeforeValidator(_strip),
]


def _absent_is_not_null(schema: dict[str, Any]) -> None:
    """A query parameter left out is absent, never null: document each one with its
    own type (``{"type": "integer", ...}``, not ``anyOf [integer, null]``)."""
    for prop in schema.get("properties", {}).values():
        options = prop.pop("anyOf", None)
        if options is not None:
            prop.update(next(o for o in options if o.get("type") != "null"))
        if prop.get("default", ...) is None:
            del prop["default"]
        prop.pop("title", None)


class QueryParameters(BaseModel):
    """Base of a query string: unknown parameters are ignored (``lang``, trackers) and
    a parameter left empty by a form is taken as absent."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, json_schema_extra=_absent_is_not_null
    )

    @model_validator(mode="before")
    @classmethod
    def _empty_is_absent(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if v != ""}
        return data


class ExemplarQuery(QueryParameters):
    """Filters, order and page of the public list. Unlike the HTML showcase, which
    quietly drops what it cannot use, the API refuses every malformed value, so a
    client never mistakes the unfiltered list for the one it asked for."""

    q: Text | None = Field(None, description="Từ khóa, có dấu hoặc không dấu")
    field: Text | None = Field(None, description="Tên lĩnh vực")
    campaign: Id | None = Field(None, description="Mã đợt thi đua")
    year: int | None = Field(None, ge=1, le=MAX_YEAR, description="Năm")
    unit: Id | None = Field(
        None, description="Mã đơn vị: cả đơn vị và các đơn vị trực thuộc"
    )
    kind: Kind | None = Field(None, description="Loại")
    form: Text | None = Field(None, description="Tên hình thức khen thưởng")
    sort: Sort = Field("newest", description="Thứ tự")
    cursor: str | None = Field(
        None,
        max_length=MAX_CURSOR,
        description="Giá trị `next` của trang trước (cùng thứ tự)",
        json_schema_extra={"pattern": "^[A-Za-z0-9_-]*$"},
    )
    limit: int | None = Field(
        None,
        ge=1,
        le=MAX_PAGE_SIZE,
        description="Số mục mỗi trang (mặc định theo cấu hình của trang, 25)",
    )

    @field_validator("cursor")
    @classmethod
    def _cursor_of_this_sort(cls, value: str | None, info: ValidationInfo) -> Any:
        sort = info.data.get("sort", "newest")
        if value is not None and (
            not _CURSOR.fullmatch(value) or decode_cursor(sort, value) is None
        ):
            raise PydanticCustomError("cursor", "not a `next` value of this sort")
        return value


# -- responses -----------------------------------------------------------------------


class Answer(BaseModel):
    """Base of a response body: exactly the fields declared (a test checks that no
    other field, such as a contact, ever leaks into the document or the JSON)."""

    model_config = ConfigDict(extra="forbid")


class CampaignRef(Answer):
    id: int
    name: str
    year: int


class UnitRef(Answer):
    id: int
    name: str


class ExemplarSummary(Answer):
    id: int
    name: str
    slug: str
    url: Url
    kind: Kind
    state: PublicState
    campaign: CampaignRef
    field: str | None
    unit: UnitRef
    address: str | None
    published_at: Timestamp
    metrics: dict[MetricKey, NonNegativeInt | NonNegativeFloat] = Field(
        description="Kết quả định lượng (chỉ các chỉ số có số liệu)."
    )

    @classmethod
    def of(cls, e: Exemplar) -> ExemplarSummary:
        return cls(**cls.fields_of(e))

    @staticmethod
    def fields_of(e: Exemplar) -> dict[str, Any]:
        return {
            "id": e.id,
            "name": e.name,
            "slug": e.slug,
            "url": url_for("showcase.detail", id=e.id, slug=e.slug, _external=True),
            "kind": e.kind,
            "state": e.state,
            "campaign": CampaignRef(
                id=e.campaign.id, name=e.campaign.name, year=e.campaign.year
            ),
            "field": e.field.name if e.field else None,
            "unit": UnitRef(id=e.unit.id, name=e.unit.name),
            "address": e.address or None,
            "published_at": e.published_at,
            "metrics": {
                key: value
                for key in METRIC_KEYS
                if (value := getattr(e, key)) is not None and math.isfinite(value)
            },
        }


class Lead(Answer):
    name: str
    position: str | None


class StagePassed(Answer):
    name: str
    label: str
    passed_at: Timestamp


class CommendationInfo(Answer):
    form: str
    issuing_body: str
    decision_number: str
    decision_date: date


class Photo(Answer):
    id: int
    url: Url


class ExemplarDetail(ExemplarSummary):
    situation: str
    goals: str
    content: str
    area: str
    forces: str
    resources: str
    outputs: str
    sustainability: str
    tags: list[str]
    start_date: date | None
    lead: Lead | None
    stages: list[StagePassed]
    commendation: CommendationInfo | None
    photos: list[Photo]

    @classmethod
    def of_public(
        cls, found: PublicEntry, decisions: list[StageDecision]
    ) -> ExemplarDetail:
        e, commendation = found.exemplar, found.commendation
        story: dict[str, Any] = {
            name: getattr(e, name) or ""
            for name in (
                "situation",
                "goals",
                "content",
                "area",
                "forces",
                "resources",
                "outputs",
                "sustainability",
            )
        }
        return cls(
            **cls.fields_of(e),
            **story,
            tags=e.tag_list,
            start_date=e.start_date,
            lead=(
                Lead(name=e.lead_name, position=e.lead_position or None)
                if e.lead_name
                else None
            ),
            stages=[
                StagePassed(name=d.stage, label=d.pass_label, passed_at=d.decided_at)
                for d in decisions
            ],
            commendation=(
                CommendationInfo(
                    form=commendation.form.name,
                    issuing_body=commendation.issuing_body,
                    decision_number=commendation.decision_number,
                    decision_date=commendation.decision_date,
                )
                if commendation is not None
                else None
            ),
            photos=[
                Photo(
                    id=i,
                    url=url_for("showcase.photo", attachment_id=i, _external=True),
                )
                for i in found.photo_ids
            ],
        )


class ExemplarPage(Answer):
    items: list[ExemplarSummary]
    total: Count
    next: str | None
    next_url: Url | None


class UnitInfo(Answer):
    id: int
    name: str
    tier: Tier


class CampaignInfo(Answer):
    id: int
    name: str
    year: int
    period: str | None
    status: Status
    unit: UnitInfo
    funnel_url: Url

    @classmethod
    def of(cls, c: Campaign) -> CampaignInfo:
        return cls(
            id=c.id,
            name=c.name,
            year=c.year,
            period=c.period_label,
            status=c.status,
            unit=UnitInfo(id=c.unit.id, name=c.unit.name, tier=c.unit.tier),
            funnel_url=url_for("api.campaign_funnel", id=c.id, _external=True),
        )


class CampaignList(Answer):
    campaigns: list[CampaignInfo]


class FunnelStage(Answer):
    id: int
    name: str
    pass_label: str
    passed: Count


class Funnel(Answer):
    campaign: CampaignInfo
    registered: Count
    stages: list[FunnelStage]
    recommended: Count
    commended: Count
    replicated: Count


class Problem(BaseModel):
    """A refusal (RFC 9457 problem document), with the API's own ``error``,
    ``message`` and ``parameter`` names."""

    type: str = "about:blank"
    title: str
    status: int
    error: str
    detail: str | None = None
    message: str | None = None
    parameter: str | None = Field(
        None, description="Tham số không hợp lệ (chỉ có ở lỗi 400)"
    )


# -- the decision record (how each stage was decided) --------------------------------


class MinutesRef(Answer):
    round_number: Count = Field(description="Phiên số (trong hội đồng)")
    round_id: Id = Field(description="Mã phiên thẩm định, tham chiếu biên bản")


class StageDecisionInfo(Answer):
    """How one passed stage was decided: counts only, never who voted how."""

    stage: str
    pass_label: str
    council: str
    session_date: date = Field(description="Ngày kết thúc phiên (giờ Việt Nam)")
    rule: str = Field(description="Quy tắc biểu quyết bằng lời, theo ngôn ngữ hỏi")
    rule_backfilled: bool = Field(
        description="Quy tắc được ghi bổ sung từ cấu hình vòng, không ghi lúc kết thúc"
    )
    eligible: Count
    present: Count
    recused: Count
    approvals: Count
    rejections: Count
    abstentions: Count
    average_score: NonNegativeFloat | None
    max_score: Count | None
    outcome: Literal["passed"]
    minutes: MinutesRef

    @classmethod
    def of(cls, d: StageDecision) -> StageDecisionInfo:
        return cls(
            stage=d.stage,
            pass_label=d.pass_label,
            council=d.council,
            session_date=d.session_date,
            rule=d.rule,
            rule_backfilled=d.backfilled,
            eligible=d.eligible,
            present=d.present,
            recused=d.recused,
            approvals=d.approvals,
            rejections=d.rejections,
            abstentions=d.abstentions,
            average_score=d.average_score,
            max_score=d.max_score,
            outcome="passed",  # the record lists the stages an exemplar passed
            minutes=MinutesRef(round_number=d.round_number, round_id=d.round_id),
        )


class DecisionRecord(Answer):
    id: int
    name: str
    url: Url
    decisions: list[StageDecisionInfo]
