"""Open data on how each stage of a public exemplar was decided (counts only)."""

from __future__ import annotations

from flask import url_for

from ..errors import NotFound
from ..objections.queries import entry_public_objections
from ..showcase import entry
from ..verification.record import decision_record
from .blueprint import bp
from .objection_schemas import DecisionAnswer, ObjectionInfo
from .schemas import StageDecisionInfo
from .spec import operation


@bp.get("/v1/exemplars/<int:id>/decisions", endpoint="exemplar_decisions")
@operation(
    "getExemplarDecisions",
    ok=DecisionAnswer,
    not_found="Không có (hoặc không công khai)",
    path={"id": "Mã"},
)
def exemplar_decisions(id: int) -> DecisionAnswer:
    """Cách thức xét chọn một mô hình, điển hình công khai

    Mỗi vòng đã đạt: hội đồng, ngày họp, quy tắc bằng lời, số thành viên được biểu
    quyết, có mặt, không biểu quyết do xung đột lợi ích, số phiếu và điểm trung bình.
    Chỉ có số lượng, không bao giờ có ai biểu quyết thế nào. Kèm các phản ánh, kiến
    nghị về hồ sơ: ngày tiếp nhận, trạng thái, kết quả — không có người gửi.
    """
    found = entry.find(id)
    if found is None:
        raise NotFound()
    e = found.exemplar
    return DecisionAnswer(
        id=e.id,
        name=e.name,
        url=url_for("showcase.detail", id=e.id, slug=e.slug, _external=True),
        decisions=[StageDecisionInfo.of(d) for d in decision_record(e)],
        objections=[ObjectionInfo.of(o) for o in entry_public_objections(e.id)],
    )
