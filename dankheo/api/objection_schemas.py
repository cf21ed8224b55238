"""The decision record's answer with the objections to the exemplar: when each was
received, where it stands, its outcome and date — never who objected or what they
wrote (the model forbids any other field)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from ..objections.queries import PublicObjection
from .schemas import Answer, DecisionRecord


class ObjectionInfo(Answer):
    received_on: date = Field(description="Ngày tiếp nhận phản ánh, kiến nghị")
    state: Literal["received", "reviewing", "decided"]
    outcome: Literal["dismissed", "corrected", "withdrawn"] | None = Field(
        description="Kết quả xử lý: bác, đã đính chính hồ sơ, đưa ra khỏi danh sách"
    )
    decided_on: date | None

    @classmethod
    def of(cls, o: PublicObjection) -> ObjectionInfo:
        # Validated: only public states and known outcomes pass.
        return cls.model_validate(
            {
                "received_on": o.received_on,
                "state": o.state,
                "outcome": o.outcome,
                "decided_on": o.decided_on,
            }
        )


class DecisionAnswer(DecisionRecord):
    objections: list[ObjectionInfo] = Field(
        description="Phản ánh, kiến nghị về hồ sơ trong danh sách đề nghị đã ban hành"
    )
