"""CSV and XLSX downloads of the showcase, through the product's one writer
(:mod:`dankheo.spreadsheets`): formulas neutralised, characters XML cannot carry
dropped, numbers finite, memory flat whatever the size.

A filtered download streams (rows are read in batches on a connection of its own
while the response is sent, so no worker timeout or buffer is involved); the full
list is a prebuilt file (:mod:`.opendata`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response, url_for
from flask_babel import gettext as _
from sqlalchemy import Row, Select, select
from sqlalchemy.engine import Engine

from .. import csv_export, spreadsheets
from ..appraisal.models import Commendation
from ..campaigns.models import Campaign, CommendationForm, Field
from ..db import transaction_intent
from ..domain.enums import ExemplarKind
from ..domain.metrics import METRIC_KEYS, METRICS
from ..domain.workflow import State
from ..extensions import db
from ..registry.models import Exemplar
from ..spreadsheets_sql import DATE, INTEGER, LABEL, NUMBER, TIMESTAMP, Column
from ..units.models import Unit
from . import listing, search
from .listing import Filters

CSV_MIMETYPE = spreadsheets.CSV_MIMETYPE
XLSX_MIMETYPE = spreadsheets.XLSX_MIMETYPE
CSV_NAME = "mo-hinh-dien-hinh.csv"
XLSX_NAME = "mo-hinh-dien-hinh.xlsx"


def csv_response(
    filename: str, header: list[str], rows: Iterable[Iterable]
) -> Response:
    """A streamed CSV download. ``rows`` must not need the request context: it is
    iterated after the view returns."""
    return spreadsheets.csv_response(filename, header, rows)


def csv_file_response(filename: str, chunks: Iterable[bytes]) -> Response:
    """A streamed CSV download of a file already written (BOM and header included)."""
    return spreadsheets.csv_response(filename, (), (), chunks=chunks)


def xlsx_response(
    filename: str, sheets: Iterable[tuple[str, list[str], Iterable[Sequence[Any]]]]
) -> Response:
    """An XLSX download with one sheet per (title, header, rows)."""
    return spreadsheets.xlsx_response(
        filename,
        (
            spreadsheets.Sheet(title, rows, header=header)
            for title, header, rows in sheets
        ),
    )


def export_header() -> list[str]:
    return [
        _("Mã"),
        _("Tên mô hình, điển hình"),
        _("Loại"),
        _("Kết quả"),
        _("Đợt thi đua"),
        _("Năm"),
        _("Lĩnh vực"),
        _("Đơn vị"),
        _("Địa chỉ"),
        _("Ngày công bố"),
        _("Hình thức khen thưởng"),
        _("Số quyết định"),
        _("Ngày quyết định"),
        *[f"{_(m.label)} ({_(m.unit)})" for m in METRICS],
        _("Đường dẫn"),
    ]


def _statement(f: Filters, by_id: bool) -> Select:
    stmt = export_statement(f)
    if by_id:
        stmt = stmt.order_by(None).order_by(Exemplar.id)
    return stmt


def export_csv(f: Filters, *, by_id: bool = False) -> csv_export.CsvExport:
    """The CSV file of :func:`export_rows` (same bytes), written by the database: the
    cleaning rules as SQL (:mod:`dankheo.spreadsheets_sql`). Iterated after the view
    returns, like the rows; ``.rows`` counts what was written."""
    kinds = {k: _(ExemplarKind(k).label) for k in ExemplarKind.values()}
    states = {s.value: _(s.label) for s in State}
    prefix = url_for("showcase.index", _external=True)
    stmt = _statement(f, by_id)
    c = stmt.selected_columns
    number = {m.key: NUMBER if m.decimal else INTEGER for m in METRICS}
    cols = [
        Column(c.id, INTEGER),
        Column(c.name),
        Column(c.kind, LABEL, kinds),
        Column(c.state, LABEL, states),
        Column(c.campaign_name),
        Column(c.year, INTEGER),
        Column(c.field_name),
        Column(c.unit_name),
        Column(c.address),
        Column(c.published_at, TIMESTAMP),
        Column(c.form_name),
        Column(c.decision_number),
        Column(c.decision_date, DATE),
        *[Column(c[m.key], number[m.key]) for m in METRICS],
        Column((c.id, "-", c.slug), prefix=f"{prefix}/"),
    ]
    return csv_export.CsvExport(db.engine, export_header(), stmt, cols)


def full_csv_parts(n: int, *, min_rows: int = 1) -> list[csv_export.CsvExport]:
    """The full file (:func:`export_csv` of every public entry, by code) as up to
    ``n`` exports of consecutive ranges of codes with about as many rows each (and
    ``min_rows`` at least, unless there is one), the first with the header: written
    at once by as many readers and joined in order, they make the file's bytes."""
    whole = export_csv(Filters(), by_id=True)
    total = listing.count_public(Filters())
    public = select(Exemplar.id).where(search.public_condition()).order_by(Exemplar.id)
    n = max(1, min(n, total // max(1, min_rows)))
    bounds: list[int] = []
    for k in range(1, n):
        bound = db.session.scalar(public.offset(total * k // n).limit(1))
        if bound is not None and (not bounds or bound > bounds[-1]):
            bounds.append(bound)
    edges: list[int | None] = [None, *bounds, None]
    return [
        whole.part(
            *([Exemplar.id >= low] if low is not None else []),
            *([Exemplar.id < high] if high is not None else []),
            header=low is None,
        )
        for low, high in zip(edges, edges[1:], strict=False)
    ]


def export_rows(f: Filters, *, by_id: bool = False) -> Iterator[Sequence[Any]]:
    """Rows for the downloads. Everything that needs the request (labels in the
    visitor's language, the site's address) is computed here, before streaming.

    A filtered download keeps the list's order; the full file (``by_id``) is in the
    order of the codes, which reads the table in its own order (about twice as fast
    on SQLite as following the publication-date index row by row)."""
    kinds = {k: _(ExemplarKind(k).label) for k in ExemplarKind.values()}
    states = {s.value: _(s.label) for s in State}
    prefix = url_for("showcase.index", _external=True)
    stmt = _statement(f, by_id)
    engine = db.engine

    def rows():
        # Plain tuples in the statement's column order (no attribute lookups per cell).
        for (
            ident,
            slug,
            name,
            kind,
            state,
            campaign_name,
            year,
            field_name,
            unit_name,
            address,
            published_at,
            form_name,
            decision_number,
            decision_date,
            *metrics,
        ) in stream_rows(engine, stmt):
            yield [
                ident,
                name,
                kinds.get(kind, kind),
                states.get(state, state),
                campaign_name,
                year,
                field_name,
                unit_name,
                address,
                published_at,
                form_name,
                decision_number,
                decision_date,
                *metrics,
                f"{prefix}/{ident}-{slug}",
            ]

    return rows()


# -- the rows ------------------------------------------------------------------------


def export_statement(f: Filters) -> listing.AnySelect:
    """Flat rows of the public list for CSV/XLSX (Core columns, no ORM objects)."""
    stmt = (
        select(
            Exemplar.id,
            Exemplar.slug,
            Exemplar.name,
            Exemplar.kind,
            Exemplar.state,
            Campaign.name.label("campaign_name"),
            Campaign.year,
            Field.name.label("field_name"),
            Unit.name.label("unit_name"),
            Exemplar.address,
            Exemplar.published_at,
            CommendationForm.name.label("form_name"),
            Commendation.decision_number,
            Commendation.decision_date,
            *[getattr(Exemplar, m) for m in METRIC_KEYS],
        )
        .select_from(Exemplar)
        .join(Campaign, Campaign.id == Exemplar.campaign_id)
        .join(Unit, Unit.id == Exemplar.unit_id)
        .outerjoin(Field, Field.id == Exemplar.field_id)
        .outerjoin(
            Commendation,
            (Commendation.exemplar_id == Exemplar.id)
            & Commendation.annulled_at.is_(None),
        )
        .outerjoin(CommendationForm, CommendationForm.id == Commendation.form_id)
        .where(*listing.filter_conditions(f))
    )
    return listing.ordered(stmt, listing.effective_order(f)[0])


def stream_rows(
    engine: Engine, stmt: listing.AnySelect, batch: int = 1000
) -> Iterator[Row[Any]]:
    """Run ``stmt`` on a connection of its own and yield its rows in batches (a
    server-side cursor on PostgreSQL), so memory stays flat whatever the size. It needs
    no application context: a streamed response runs it after the view has returned.
    The connection is read-only (a deferred transaction on SQLite) and is released when
    the download ends or is abandoned."""
    with transaction_intent(write=False), engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(
            stmt
        )
        yield from result
