"""The public list: what the visitor asked for (:class:`Filters`), the SQL conditions
for it, the order and its keyset cursors, one page (an entry is
:mod:`.entry`, the downloads' rows are :mod:`.exports`).

Every query here starts from :func:`dankheo.showcase.search.public_condition`, so only
recommended, commended and replicated entries are ever listed, counted or exported.
Pagination is keyset ("after this sort key and id"), walking the partial indexes that
:mod:`dankheo.showcase.search` creates, so page 40,000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    TextClause,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.orm import selectinload

from ..appraisal.models import RESULT_IN_FORCE, Commendation, StageResult
from ..campaigns.models import Campaign, CommendationForm, Field
from ..domain.enums import ExemplarKind
from ..domain.tally import Outcome
from ..domain.text import search_terms
from ..extensions import db
from ..registry.models import Exemplar
from ..units.models import Unit
from . import counts, search
from .search import public_condition

SORTS = ("relevance", "newest", "oldest", "name", "score")
#: Above this many hits a search is listed newest first instead of by relevance:
#: ranking every hit of a common word would sort a quarter of the table per page.
#: The page says so (see ``Page.relevance_capped``).
RELEVANCE_LIMIT = 2000
#: Rows along the list's order a search with many hits checks by their own text on
#: SQLite before asking the full-text index (see :func:`public_page`): a few
#: milliseconds at most, where handing over a common word's hits costs 200.
TEXT_WALK_ROWS = 2000
MAX_PAGE_SIZE = 100
#: Longest text filter kept (q, field, form), in characters.
MAX_TEXT = 200
#: Row ids are 32-bit on every database.
MAX_ID = 2**31 - 1


#: A select of any columns.
AnySelect = Select[*tuple[Any, ...]]
S = TypeVar("S", bound=AnySelect)


def dialect() -> str:
    return db.session.get_bind().dialect.name


# -- filters -------------------------------------------------------------------------


def _int(value: object) -> int | None:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


@dataclass(frozen=True)
class Filters:
    """What the visitor asked for; lives in the URL (shareable, the back button works)."""

    q: str = ""
    campaign: int | None = None
    year: int | None = None
    field: str | None = None  # a field's name: the same field across campaigns
    unit: int | None = None  # a locality: the unit and its whole subtree
    kind: str | None = None
    form: str | None = None  # a commendation form's name
    sort: str = "newest"

    FACETS = ("campaign", "year", "field", "unit", "kind", "form")

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """The page's filters: what cannot be used is quietly dropped (the API refuses
        it instead, see :mod:`dankheo.api.schemas`)."""
        kind = args.get("kind") or None
        q = (args.get("q") or "").strip()[:MAX_TEXT]
        sort = args.get("sort") or default_sort(q)
        if sort not in SORTS or (sort == "relevance" and not search.has_terms(q)):
            sort = default_sort(q)
        return cls(
            q=q,
            campaign=_int(args.get("campaign")),
            year=_int(args.get("year")),
            field=(args.get("field") or "").strip()[:MAX_TEXT] or None,
            unit=_int(args.get("unit")),
            kind=kind if kind in ExemplarKind.values() else None,
            form=(args.get("form") or "").strip()[:MAX_TEXT] or None,
            sort=sort,
        )

    def to_args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for ``url_for`` (defaults left out), with ``changes``."""
        values = replace(self, **changes)
        out = {}
        for name in ("q", "campaign", "year", "field", "unit", "kind", "form"):
            value = getattr(values, name)
            if value not in (None, ""):
                out[name] = value
        if values.sort != default_sort(values.q):
            out["sort"] = values.sort
        return out

    def without(self, facet: str) -> Filters:
        return replace(self, **{facet: None})  # type: ignore[arg-type]

    @property
    def count_key(self) -> Filters:
        """These filters as a key of the counts cache: the order never changes a count."""
        return replace(self, sort="newest")

    @property
    def active(self) -> bool:
        return bool(self.to_args(sort=default_sort(self.q)))

    @property
    def terms(self) -> list[str]:
        """The folded words searched for (what the list highlights)."""
        return search_terms(self.q)


def default_sort(q: str) -> str:
    """With words to search for, the most relevant first; otherwise the newest."""
    return "relevance" if search.has_terms(q) else "newest"


def filter_conditions(
    f: Filters, how: str = search.HITS
) -> list[ColumnElement[bool] | TextClause]:
    """SQL conditions for ``f``, the public condition first; ``how`` the search's
    condition finds its hits (see ``search.match_condition``)."""
    conds: list[ColumnElement[bool] | TextClause] = [public_condition()]
    if f.q:
        conds.append(search.match_condition(dialect(), f.q, how))
    if f.campaign:
        conds.append(Exemplar.campaign_id == f.campaign)
    if f.year:
        conds.append(
            Exemplar.campaign_id.in_(select(Campaign.id).where(Campaign.year == f.year))
        )
    if f.field:
        conds.append(
            Exemplar.field_id.in_(select(Field.id).where(Field.name == f.field))
        )
    if f.unit:
        unit_path = select(Unit.path).where(Unit.id == f.unit).scalar_subquery()
        conds.append(
            Exemplar.unit_id.in_(select(Unit.id).where(Unit.path.startswith(unit_path)))
        )
    if f.kind:
        conds.append(Exemplar.kind == f.kind)
    if f.form:
        conds.append(
            Exemplar.id.in_(
                select(Commendation.exemplar_id)
                .join(CommendationForm, CommendationForm.id == Commendation.form_id)
                .where(
                    CommendationForm.name == f.form, Commendation.annulled_at.is_(None)
                )
            )
        )
    return conds


# -- order and cursors ---------------------------------------------------------------


def _score_column() -> ColumnElement[float]:
    """The council's average score of the stage that recommended the entry (the best
    passed stage result); individual members' scores are never read here."""
    best = (
        select(func.max(StageResult.average_score))
        .where(
            StageResult.exemplar_id == Exemplar.id,
            StageResult.outcome == Outcome.PASSED.value,
            RESULT_IN_FORCE,
        )
        .correlate(Exemplar)
        .scalar_subquery()
    )
    return func.coalesce(best, -1.0)


def _sort_columns(f: Filters) -> tuple[tuple[Any, Any], bool]:
    """((sort key, id), descending) for ``f.sort``; every order ends on the id (unique)."""
    sort = f.sort
    if sort == "relevance" and not search.has_terms(f.q):
        sort = "newest"  # nothing to rank by (a query of punctuation only, say)
    if sort == "relevance":
        return (search.rank_column(dialect(), f.q), Exemplar.id), False
    if sort == "name":
        slug = (
            Exemplar.slug.collate("C") if dialect() == "postgresql" else Exemplar.slug
        )
        return (slug, Exemplar.id), False
    if sort == "score":
        return (_score_column(), Exemplar.id), True
    return (Exemplar.published_at, Exemplar.id), sort == "newest"


def ordered(stmt: S, f: Filters) -> S:
    (key, ident), descending = _sort_columns(f)
    source = getattr(key, "table", None)
    if source is not None and getattr(source, "name", "") == "ranked_hits":
        stmt = stmt.join(source, source.c.rowid == Exemplar.id)
    order = (key.desc(), ident.desc()) if descending else (key.asc(), ident.asc())
    return stmt.order_by(*order)


def encode_cursor(sort: str, key: object, ident: int) -> str:
    if isinstance(key, datetime):
        key = key.isoformat()
    raw = json.dumps([sort, key, ident], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str | None) -> tuple[Any, int] | None:
    """(key, id) from an opaque cursor, or None when absent, malformed or of another sort."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, key, ident = json.loads(raw)
        if cursor_sort != sort or not isinstance(ident, int) or isinstance(ident, bool):
            return None
        if sort in ("score", "relevance"):
            if not isinstance(key, int | float) or isinstance(key, bool):
                return None
            key = float(key)
        elif not isinstance(key, str):
            return None
        elif sort != "name":
            key = datetime.fromisoformat(key)
            if key.tzinfo is None:
                return None
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None
    return key, ident


# -- the list and one entry ----------------------------------------------------------

_CARD = (
    selectinload(Exemplar.unit),
    selectinload(Exemplar.campaign),
    selectinload(Exemplar.field),
)


def public_exemplars(f: Filters, how: str = search.HITS) -> Select[Exemplar]:
    """Public exemplars matching ``f`` in the requested order, with what cards show."""
    stmt = select(Exemplar).where(*filter_conditions(f, how)).options(*_CARD)
    return ordered(stmt, f)


@dataclass
class Page:
    items: list[Exemplar]
    next_cursor: str | None
    size: int
    #: Asked for by relevance, but too many hits: listed newest first instead.
    relevance_capped: bool = False


def effective_order(f: Filters) -> tuple[Filters, bool]:
    """``f`` with the order actually used, and whether relevance was set aside because
    the search has more than :data:`RELEVANCE_LIMIT` hits (counted through the cache)."""
    if f.sort == "relevance" and count_public(f) > RELEVANCE_LIMIT:
        return replace(f, sort="newest"), True
    return f, False


def public_page(f: Filters, cursor: str | None = None, size: int = 25) -> Page:
    """One page after ``cursor`` (keyset on (sort key, id)): no gaps and no repeats, even
    while new entries are published.

    A search with more hits than are ranked walks the list's order and checks each
    row (``search.WALK``) instead of sorting every hit. On SQLite the first
    :data:`TEXT_WALK_ROWS` rows of the walk are checked by their own text first
    (``search.TEXT``): a common word's page is found there without the full-text
    index handing over all its hits; only when they hold too few hits (a word of one
    year's entries, listed newest first) is the index asked."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    f, capped = effective_order(f)
    many_hits = capped or (
        f.sort != "relevance" and bool(f.q) and count_public(f) > RELEVANCE_LIMIT
    )
    (key, ident), descending = _sort_columns(f)
    after = decode_cursor(f.sort, cursor)
    past: list[ColumnElement[bool]] = []
    if after is not None:
        bound = tuple_(literal(after[0], key.type), literal(after[1]))
        # A row-value comparison: both backends walk the (key, id) index for it.
        past.append(
            tuple_(key, ident) < bound if descending else tuple_(key, ident) > bound
        )

    def page(how: str, *within: ColumnElement[bool]) -> list[Row[Any]]:
        stmt = public_exemplars(f, how).add_columns(key.label("sort_key"))
        stmt = stmt.where(*past, *within).limit(size + 1)
        return list(db.session.execute(stmt).all())

    rows: list[Row[Any]] | None = None
    if many_hits and dialect() == "sqlite" and f.sort != "score":
        # (Scores have no index to walk.) The walk's last row to check by text: the
        # one TEXT_WALK_ROWS along the order without the search (an index walk, no
        # row's text read; the order is never relevance here, see many_hits).
        walk = select(key, ident).where(*filter_conditions(replace(f, q="")), *past)
        last = db.session.execute(
            ordered(walk, f).offset(TEXT_WALK_ROWS - 1).limit(1)
        ).first()
        if last is None:
            rows = page(search.TEXT)  # the whole rest of the walk is short
        else:
            stop = tuple_(literal(last[0], key.type), literal(last[1]))
            found = page(
                search.TEXT,
                tuple_(key, ident) >= stop
                if descending
                else tuple_(key, ident) <= stop,
            )
            rows = found if len(found) > size else None
    if rows is None:
        rows = page(search.WALK if many_hits else search.HITS)
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = (
        encode_cursor(f.sort, rows[-1].sort_key, rows[-1][0].id) if more else None
    )
    return Page([r[0] for r in rows], next_cursor, size, capped)


def count_public(f: Filters) -> int:
    """How many public entries match ``f`` (through the counts cache)."""

    def compute() -> int:
        if search.has_terms(f.q):
            return counts.search_hits(f, filter_conditions(f)).total
        tallied = counts.total_from_tallies(f)
        if tallied is not None:
            return tallied
        stmt = select(func.count()).select_from(Exemplar).where(*filter_conditions(f))
        return db.session.scalar(stmt) or 0

    return counts.cached("count", f.count_key, compute)


def recent_public(limit: int = 6) -> list[Exemplar]:
    return list(db.session.scalars(public_exemplars(Filters()).limit(limit)))
