"""Open data on how each stage of a public exemplar was decided (counts only)."""

from __future__ import annotations

from flask import url_for

from ..errors import NotFound
from ..showcase import listing
from ..verification.record import decision_record
from .blueprint import bp
from .schemas import DecisionRecord, StageDecisionInfo
from .spec import operation


@bp.get("/v1/exemplars/<int:id>/decisions", endpoint="exemplar_decisions")
@operation(
    "getExemplarDecisions",
    ok=DecisionRecord,
    not_found="Không có (hoặc không công khai)",
    path={"id": "Mã"},
)
def exemplar_decisions(id: int) -> DecisionRecord:
    """Cách thức xét chọn một mô hình, điển hình công khai

    Mỗi vòng đã đạt: hội đồng, ngày họp, quy tắc bằng lời, số thành viên được biểu
    quyết, có mặt, không biểu quyết do xung đột lợi ích, số phiếu và điểm trung bình.
    Chỉ có số lượng, không bao giờ có ai biểu quyết thế nào.
    """
    e = listing.get_public(id)
    if e is None:
        raise NotFound()
    return DecisionRecord(
        id=e.id,
        name=e.name,
        url=url_for("showcase.detail", id=e.id, slug=e.slug, _external=True),
        decisions=[StageDecisionInfo.of(d) for d in decision_record(e)],
    )
