"""Read-only open data: the public exemplars as JSON.

Only public entries are served, through the showcase's listing; what each answer
carries is declared in :mod:`dankheo.api.schemas`.
"""

from __future__ import annotations

from flask import current_app, url_for

from ..errors import NotFound
from ..showcase import entry, listing
from ..showcase.listing import Filters
from ..verification.record import decision_record
from .blueprint import bp
from .schemas import ExemplarDetail, ExemplarPage, ExemplarQuery, ExemplarSummary
from .spec import operation


@bp.get("/v1/exemplars")
@operation("listExemplars", query=ExemplarQuery, ok=ExemplarPage)
def exemplars(query: ExemplarQuery) -> ExemplarPage:
    """Danh sách mô hình, điển hình công khai (phân trang theo con trỏ)"""
    f = Filters(
        q=query.q or "",
        campaign=query.campaign,
        year=query.year,
        field=query.field or None,
        unit=query.unit,
        kind=query.kind,
        form=query.form or None,
        sort=query.sort,
    )
    size = query.limit or current_app.config.get("PAGE_SIZE", 25)
    page = listing.public_page(f, query.cursor, size)
    next_url = (
        url_for(".exemplars", cursor=page.next_cursor, _external=True, **f.to_args())
        if page.next_cursor
        else None
    )
    return ExemplarPage(
        items=[ExemplarSummary.of(e) for e in page.items],
        total=listing.count_public(f),
        next=page.next_cursor,
        next_url=next_url,
    )


@bp.get("/v1/exemplars/<int:id>")
@operation(
    "getExemplar",
    ok=ExemplarDetail,
    not_found="Không có (hoặc không công khai)",
    path={"id": "Mã"},
)
def exemplar(id: int) -> ExemplarDetail:
    """Một mô hình, điển hình công khai"""
    found = entry.find(id)
    if found is None:
        raise NotFound()
    return ExemplarDetail.of_public(found, decision_record(found.exemplar))
