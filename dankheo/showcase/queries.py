"""Queries of the public showcase. Every one of them starts from :func:`public_exemplars`
or :func:`public_condition`, so only recommended, commended and replicated entries are
ever listed, counted or exported.

Pagination is keyset ("after this sort key and id"), walking the partial indexes that
:mod:`dankheo.showcase.search` creates, so page 40,000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Integer, Select, case, cast, func, literal, select, tuple_
from sqlalchemy.orm import selectinload

from ..campaigns.models import Campaign, CommendationForm, Field
from ..db import write_intent
from ..domain.enums import ExemplarKind, UnitKind
from ..domain.workflow import State
from ..extensions import db
from ..registry.models import Attachment, Exemplar
from ..units.models import Unit
from . import search

SORTS = ("newest", "oldest", "name", "score")
MAX_PAGE_SIZE = 100


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def public_condition():
    return search.public_condition()


# -- filters -------------------------------------------------------------------------


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


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
    def from_args(cls, args) -> Filters:
        kind = args.get("kind") or None
        sort = args.get("sort") or "newest"
        return cls(
            q=(args.get("q") or "").strip()[:200],
            campaign=_int(args.get("campaign")),
            year=_int(args.get("year")),
            field=(args.get("field") or "").strip()[:200] or None,
            unit=_int(args.get("unit")),
            kind=kind if kind in ExemplarKind.values() else None,
            form=(args.get("form") or "").strip()[:200] or None,
            sort=sort if sort in SORTS else "newest",
        )

    def to_args(self, **changes) -> dict:
        """Query-string arguments for ``url_for`` (defaults left out), with ``changes``."""
        values = replace(self, **changes)
        out = {}
        for name in ("q", "campaign", "year", "field", "unit", "kind", "form"):
            value = getattr(values, name)
            if value not in (None, ""):
                out[name] = value
        if values.sort != "newest":
            out["sort"] = values.sort
        return out

    def without(self, facet: str) -> Filters:
        return replace(self, **{facet: None})

    @property
    def active(self) -> bool:
        return bool(self.to_args(sort="newest"))


def filter_conditions(f: Filters) -> list:
    """SQL conditions for ``f`` on top of the public condition."""
    conds = [public_condition()]
    if f.q:
        conds.append(search.match_condition(_dialect(), f.q))
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
        conds.append(_form_condition(f.form))
    return conds


def _form_condition(form_name: str):
    from ..appraisal.models import Commendation

    return Exemplar.id.in_(
        select(Commendation.exemplar_id)
        .join(CommendationForm, CommendationForm.id == Commendation.form_id)
        .where(CommendationForm.name == form_name)
    )


# -- the list ------------------------------------------------------------------------


def _score_column():
    """The council's average score of the stage that recommended the entry (the best
    passed stage result); individual members' scores are never read here."""
    from ..appraisal.models import StageResult
    from ..domain.tally import Outcome

    best = (
        select(func.max(StageResult.average_score))
        .where(
            StageResult.exemplar_id == Exemplar.id,
            StageResult.outcome == Outcome.PASSED.value,
        )
        .correlate(Exemplar)
        .scalar_subquery()
    )
    return func.coalesce(best, -1.0)


def _sort_columns(sort: str):
    """((sort key, id), descending) for ``sort``; every order ends on the id (unique)."""
    if sort == "name":
        slug = (
            Exemplar.slug.collate("C") if _dialect() == "postgresql" else Exemplar.slug
        )
        return (slug, Exemplar.id), False
    if sort == "score":
        return (_score_column(), Exemplar.id), True
    return (Exemplar.published_at, Exemplar.id), sort == "newest"


def encode_cursor(sort: str, key, ident: int) -> str:
    if isinstance(key, datetime):
        key = key.isoformat()
    raw = json.dumps([sort, key, ident], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str | None):
    """(key, id) from an opaque cursor, or None when absent, malformed or of another sort."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, key, ident = json.loads(raw)
        if cursor_sort != sort or not isinstance(ident, int) or isinstance(ident, bool):
            return None
        if sort == "score":
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


def public_exemplars(f: Filters) -> Select:
    """Public exemplars matching ``f`` in the requested order, with what cards show."""
    (key, ident), descending = _sort_columns(f.sort)
    order = (key.desc(), ident.desc()) if descending else (key.asc(), ident.asc())
    return (
        select(Exemplar)
        .where(*filter_conditions(f))
        .options(
            selectinload(Exemplar.unit),
            selectinload(Exemplar.campaign),
            selectinload(Exemplar.field),
        )
        .order_by(*order)
    )


@dataclass
class Page:
    items: list[Exemplar]
    next_cursor: str | None
    size: int


def public_page(f: Filters, cursor: str | None = None, size: int = 25) -> Page:
    """One page after ``cursor`` (keyset on (sort key, id)): no gaps and no repeats, even
    while new entries are published."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    (key, ident), descending = _sort_columns(f.sort)
    stmt = public_exemplars(f).add_columns(key.label("sort_key"))
    after = decode_cursor(f.sort, cursor)
    if after is not None:
        bound = tuple_(literal(after[0], key.type), literal(after[1]))
        # A row-value comparison: both backends walk the (key, id) index for it.
        stmt = stmt.where(
            tuple_(key, ident) < bound if descending else tuple_(key, ident) > bound
        )
    rows = db.session.execute(stmt.limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = (
        encode_cursor(f.sort, rows[-1].sort_key, rows[-1][0].id) if more else None
    )
    return Page([r[0] for r in rows], next_cursor, size)


def count_public(f: Filters) -> int:
    return cached(
        "count",
        f,
        lambda: db.session.scalar(
            select(func.count()).select_from(Exemplar).where(*filter_conditions(f))
        ),
    )


def get_public(exemplar_id: int) -> Exemplar | None:
    """The exemplar when it is public, with what the detail page shows."""
    return db.session.scalar(
        select(Exemplar)
        .where(Exemplar.id == exemplar_id, public_condition())
        .options(
            selectinload(Exemplar.unit),
            selectinload(Exemplar.campaign),
            selectinload(Exemplar.field),
        )
    )


def public_photos(exemplar: Exemplar) -> list[Attachment]:
    """Photos marked public of a public exemplar (nothing else is ever shown)."""
    if not exemplar.is_public:
        return []
    return list(
        db.session.scalars(
            select(Attachment)
            .where(
                Attachment.exemplar_id == exemplar.id,
                Attachment.is_public.is_(True),
                Attachment.content_type.in_(PUBLIC_IMAGE_TYPES),
            )
            .order_by(Attachment.id)
        )
    )


PUBLIC_IMAGE_TYPES = ("image/jpeg", "image/png")


def public_photo(attachment_id: int) -> Attachment | None:
    """A photo that may be served: public, an image, and its exemplar public."""
    return db.session.scalar(
        select(Attachment)
        .join(Exemplar, Exemplar.id == Attachment.exemplar_id)
        .where(
            Attachment.id == attachment_id,
            Attachment.is_public.is_(True),
            Attachment.content_type.in_(PUBLIC_IMAGE_TYPES),
            public_condition(),
        )
    )


# -- counts cache --------------------------------------------------------------------
#
# Counting a million public rows takes a second or two; the counts change only when an
# entry changes state (every change appends a history row), is created, or is
# commended. The cache key holds the newest ids of those three tables (primary-key
# lookups), so a cached count is never stale, and it is still computed afresh per
# filter combination the first time.

_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 512


def clear_counts_cache() -> None:
    _CACHE.clear()


def data_version() -> tuple:
    """Changes whenever anything the public counts depend on changes."""
    from ..appraisal.models import Commendation
    from ..registry.models import History

    # Four index lookups: cheap enough to ask every time. ``updated_at`` catches edits
    # that write no history (a returned entry being supplemented).
    newest = db.session.execute(
        select(
            select(func.max(History.id)).scalar_subquery(),
            select(func.max(Exemplar.id)).scalar_subquery(),
            select(func.max(Exemplar.updated_at)).scalar_subquery(),
            select(func.max(Commendation.id)).scalar_subquery(),
        )
    ).one()
    return (str(db.engine.url), *newest)


def cached(kind: str, f: Filters, compute):
    """``compute()`` memoised per (kind, filters, data version); only plain values are
    kept (ids and counts), never ORM objects."""
    key = (kind, replace(f, sort="newest"), data_version())
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    value = compute()
    _CACHE[key] = value
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return value


# -- facets --------------------------------------------------------------------------


@dataclass
class FacetValue:
    value: object  # None: the "not set" bucket
    label: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    name: str
    values: list[FacetValue] = field(default_factory=list)
    # For the locality facet: the chosen unit's ancestors, root first.
    trail: list[Unit] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(v.count for v in self.values)


def _basic_counts(f: Filters, facet: str) -> dict[tuple, int]:
    """Counts per (campaign, field, kind) over the list filtered by everything but
    ``facet``: one small grouped query serves the campaign, year, field and kind facets
    when their own filters are not set (they then share the same filters)."""
    return cached("basic", f.without(facet), lambda: _basic_counts_query(f, facet))


def _basic_counts_query(f: Filters, facet: str) -> dict[tuple, int]:
    stmt = (
        select(Exemplar.campaign_id, Exemplar.field_id, Exemplar.kind, func.count())
        .where(*filter_conditions(f.without(facet)))
        .group_by(Exemplar.campaign_id, Exemplar.field_id, Exemplar.kind)
    )
    return {(c, fl, k): n for c, fl, k, n in db.session.execute(stmt)}


def facet_counts(f: Filters) -> dict[str, Facet]:
    """Counts per value of every facet. Each facet is counted with all the other filters
    applied and its own left out, so its counts (the "not set" bucket included) add up to
    the list's total when it is not chosen, and the chosen value's count equals it."""
    from ..appraisal.models import Commendation

    cache: dict[str, dict[tuple, int]] = {}

    def basic(facet: str) -> dict[tuple, int]:
        # Facets whose own filter is unset share one query (filters are then equal).
        key = facet if getattr(f, facet) else ""
        if key not in cache:
            cache[key] = _basic_counts(f, facet)
        return cache[key]

    def roll(facet: str, index: int, mapper=lambda v: v) -> dict:
        out: dict = {}
        for combo, n in basic(facet).items():
            k = mapper(combo[index])
            out[k] = out.get(k, 0) + n
        return out

    campaign_ids = {combo[0] for name in ("campaign", "year") for combo in basic(name)}
    campaigns = {
        c.id: c
        for c in db.session.scalars(
            select(Campaign).where(Campaign.id.in_(campaign_ids))
        )
    }
    field_ids = {combo[1] for combo in basic("field")}
    field_names = dict(
        db.session.execute(
            select(Field.id, Field.name).where(Field.id.in_(field_ids))
        ).all()
    )
    facets: dict[str, Facet] = {}

    values = [
        FacetValue(cid, campaigns[cid].name, n, cid == f.campaign)
        for cid, n in roll("campaign", 0).items()
    ]
    values.sort(key=lambda v: (-campaigns[v.value].year, campaigns[v.value].name))
    facets["campaign"] = Facet("campaign", values)

    years = roll("year", 0, lambda cid: campaigns[cid].year)
    facets["year"] = Facet(
        "year",
        [
            FacetValue(y, str(y), n, y == f.year)
            for y, n in sorted(years.items(), reverse=True)
        ],
    )

    fields = roll("field", 1, lambda fid: field_names.get(fid))
    facets["field"] = Facet(
        "field",
        sorted(
            (
                FacetValue(name, name, n, name is not None and name == f.field)
                for name, n in fields.items()
            ),
            key=lambda v: (v.value is None, -v.count, v.label or ""),
        ),
    )

    order = {k: i for i, k in enumerate(ExemplarKind.values())}
    facets["kind"] = Facet(
        "kind",
        sorted(
            (
                FacetValue(k, ExemplarKind(k).label, n, k == f.kind)
                for k, n in roll("kind", 2).items()
            ),
            key=lambda v: order[v.value],
        ),
    )

    # Counted from the commendations' side (a third of the rows, an index lookup each);
    # the entries without one are the rest of the total.
    rows = cached(
        "forms",
        f.without("form"),
        lambda: db.session.execute(
            select(Commendation.form_id, func.count())
            .join(Exemplar, Exemplar.id == Commendation.exemplar_id)
            .where(*filter_conditions(f.without("form")))
            .group_by(Commendation.form_id)
        ).all(),
    )
    rows = list(rows)
    without_form = sum(basic("form").values()) - sum(n for _id, n in rows)
    if without_form:
        rows.append((None, without_form))
    form_names = dict(
        db.session.execute(
            select(CommendationForm.id, CommendationForm.name).where(
                CommendationForm.id.in_([r[0] for r in rows if r[0] is not None])
            )
        ).all()
    )
    forms: dict = {}
    for form_id, n in rows:
        name = form_names.get(form_id)
        forms[name] = forms.get(name, 0) + n
    facets["form"] = Facet(
        "form",
        sorted(
            (
                FacetValue(name, name, n, name is not None and name == f.form)
                for name, n in forms.items()
            ),
            key=lambda v: (v.value is None, -v.count, v.label or ""),
        ),
    )

    facets["unit"] = locality_facet(f)
    return facets


def locality_facet(f: Filters, auto_descend: bool = True) -> Facet:
    """Counts per child locality of the chosen unit (or of the top of the tree).

    Exemplars are counted per child subtree in SQL (the child's id is read from the
    registering unit's materialised path), so no list of unit ids ever leaves the
    database, however large the tree. With no locality chosen and a single top bucket
    (one province), the facet opens that bucket's children.
    """
    chosen = db.session.get(Unit, f.unit) if f.unit else None
    trail = (
        list(db.session.scalars(select(Unit).where(Unit.id.in_(chosen.ancestor_ids()))))
        if chosen
        else []
    )
    trail.sort(key=lambda u: u.depth)
    level = chosen
    while True:
        counts = _locality_counts(f.without("unit"), level)
        here = counts.get(None, 0)
        buckets = {k: n for k, n in counts.items() if k is not None}
        if not (auto_descend and chosen is None and not here and len(buckets) == 1):
            break
        only = db.session.get(Unit, next(iter(buckets)))
        if only is None or only.id == (level.id if level else None):
            break
        level = only
    names = _child_names(level)
    values = sorted(
        (FacetValue(uid, names.get(uid, ""), n, False) for uid, n in buckets.items()),
        key=lambda v: (-v.count, v.label),
    )
    if here:
        # Entries registered by the level's own unit: shown, not a link (the level's
        # link would also count its whole subtree).
        values.append(FacetValue(None, level.name if level else "", here))
    facet = Facet("unit", values, trail)
    facet.level = level  # type: ignore[attr-defined]
    return facet


def _child_of(level: Unit | None):
    """SQL: the id of the child of ``level`` (None: the roots) that ``Unit`` lies under,
    read from its path ("/1/5/9/": the segment right after ``level``'s path); NULL for
    ``level`` itself."""
    prefix = level.path if level else "/"
    depth = level.depth if level else -1
    rest = func.substr(Unit.path, len(prefix) + 1)
    if _dialect() == "postgresql":
        segment = func.split_part(rest, "/", 1)
    else:
        segment = func.substr(rest, 1, func.instr(rest, "/") - 1)
    return case((Unit.depth > depth, cast(segment, Integer)), else_=None)


def _locality_counts(f: Filters, level: Unit | None) -> dict[int | None, int]:
    """Public entries matching ``f`` per child of ``level`` (key None: ``level`` itself)."""

    def compute():
        rows = (
            select(_child_of(level).label("child"))
            .select_from(Exemplar)
            .join(Unit, Unit.id == Exemplar.unit_id)
            .where(*filter_conditions(f))
        )
        if level is not None:
            rows = rows.where(Unit.path.startswith(level.path))
        sub = rows.subquery()
        stmt = select(sub.c.child, func.count()).group_by(sub.c.child)
        return dict(db.session.execute(stmt).all())

    return cached(f"units:{level.id if level else ''}", f, compute)


def _child_names(level: Unit | None) -> dict[int, str]:
    """Names of the children of ``level`` (None: the roots), looked up afresh so a
    renamed unit shows its new name even while its counts come from the cache."""
    parent = Unit.parent_id.is_(None) if level is None else Unit.parent_id == level.id
    return dict(db.session.execute(select(Unit.id, Unit.name).where(parent)).all())


# -- featured, feed, exports ---------------------------------------------------------


def recent_public(limit: int = 6) -> list[Exemplar]:
    return list(db.session.scalars(public_exemplars(Filters()).limit(limit)))


def export_statement(f: Filters) -> Select:
    """Flat rows of the public list for CSV/XLSX (Core columns, no ORM objects)."""
    from ..appraisal.models import Commendation

    (key, ident), descending = _sort_columns(f.sort)
    order = (key.desc(), ident.desc()) if descending else (key.asc(), ident.asc())
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
            *[getattr(Exemplar, m) for m in _metric_keys()],
        )
        .select_from(Exemplar)
        .join(Campaign, Campaign.id == Exemplar.campaign_id)
        .join(Unit, Unit.id == Exemplar.unit_id)
        .outerjoin(Field, Field.id == Exemplar.field_id)
        .outerjoin(Commendation, Commendation.exemplar_id == Exemplar.id)
        .outerjoin(CommendationForm, CommendationForm.id == Commendation.form_id)
        .where(*filter_conditions(f))
        .order_by(*order)
    )
    return stmt


def stream_rows(engine, stmt: Select, batch: int = 1000) -> Iterator:
    """Run ``stmt`` on a connection of its own and yield its rows in batches (a
    server-side cursor on PostgreSQL), so memory stays flat whatever the size. It needs
    no application context: a streamed response runs it after the view has returned.
    The connection is read-only (a deferred transaction on SQLite) and is released when
    the download ends or is abandoned."""
    token = write_intent.set(False)
    try:
        with engine.connect() as conn:
            result = conn.execution_options(
                stream_results=True, yield_per=batch
            ).execute(stmt)
            yield from result
    finally:
        # Resumed in another context (a streamed response): nothing to restore there.
        with contextlib.suppress(ValueError):
            write_intent.reset(token)


def _metric_keys():
    from ..domain.metrics import METRIC_KEYS

    return METRIC_KEYS


# -- statistics ----------------------------------------------------------------------

#: States counted as "registered" in breakdowns: everything submitted at least once.
REGISTERED_STATES = tuple(s.value for s in State if s != State.DRAFT)
PUBLIC_VALUES = tuple(
    sorted(s.value for s in (State.RECOMMENDED, State.COMMENDED, State.REPLICATED))
)
COMMENDED_VALUES = (State.COMMENDED.value, State.REPLICATED.value)


@dataclass
class Row:
    key: object
    label: str
    registered: int = 0
    recommended: int = 0
    commended: int = 0


def _state_counts(campaign_id: int | None, column, *joins) -> dict:
    stmt = select(column, Exemplar.state, func.count()).select_from(Exemplar)
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    stmt = stmt.where(Exemplar.state.in_(REGISTERED_STATES))
    if campaign_id is not None:
        stmt = stmt.where(Exemplar.campaign_id == campaign_id)
    out: dict = {}
    for key, state, n in db.session.execute(stmt.group_by(column, Exemplar.state)):
        out.setdefault(key, {})[state] = n
    return out


def _rows(counts: dict, labels: dict) -> list[Row]:
    rows = []
    for key, per_state in counts.items():
        rows.append(
            Row(
                key,
                labels.get(key, ""),
                sum(per_state.values()),
                sum(n for s, n in per_state.items() if s in PUBLIC_VALUES),
                sum(n for s, n in per_state.items() if s in COMMENDED_VALUES),
            )
        )
    return rows


def _campaign_counts(kind: str, campaign: Campaign, column, *joins) -> dict:
    """:func:`_state_counts` of ``campaign`` through the counts cache: plain keys and
    numbers, labels are always looked up afresh."""
    return cached(
        kind,
        Filters(campaign=campaign.id),
        lambda: _state_counts(campaign.id, column, *joins),
    )


def breakdown_by_field(campaign: Campaign) -> list[Row]:
    counts = _campaign_counts("by_field", campaign, Exemplar.field_id)
    labels = {fld.id: fld.name for fld in campaign.fields}
    order = {fld.id: fld.position for fld in campaign.fields}
    return sorted(
        _rows(counts, labels), key=lambda r: (r.key is None, order.get(r.key, 0))
    )


def breakdown_by_kind(campaign: Campaign) -> list[Row]:
    counts = _campaign_counts("by_kind", campaign, Exemplar.kind)
    labels = {k: ExemplarKind(k).label for k in ExemplarKind.values()}
    order = {k: i for i, k in enumerate(ExemplarKind.values())}
    return sorted(_rows(counts, labels), key=lambda r: order.get(r.key, 99))


def breakdown_by_unit_kind(campaign: Campaign) -> list[Row]:
    # Not cached: editing a unit's kind moves its entries to another row without
    # appending any history, so the cache's data version would not see it.
    counts = _state_counts(campaign.id, Unit.kind, (Unit, Unit.id == Exemplar.unit_id))
    labels = {k: UnitKind(k).label for k in UnitKind.values()}
    return sorted(_rows(counts, labels), key=lambda r: (-r.registered, r.label))


def breakdown_by_locality(campaign: Campaign) -> list[Row]:
    """Per child locality of the campaign's unit (entries of the unit itself, or of a
    unit outside its subtree, in a row of their own). Rolled up in SQL from the units'
    paths: a tree of any size sends no list of ids either way."""
    top = campaign.unit

    def compute() -> dict:
        bucket = case(
            (Unit.path.startswith(top.path), func.coalesce(_child_of(top), top.id)),
            else_=top.id,
        )
        sub = (
            select(bucket.label("bucket"), Exemplar.state)
            .select_from(Exemplar)
            .join(Unit, Unit.id == Exemplar.unit_id)
            .where(
                Exemplar.campaign_id == campaign.id,
                Exemplar.state.in_(REGISTERED_STATES),
            )
            .subquery()
        )
        stmt = select(sub.c.bucket, sub.c.state, func.count()).group_by(
            sub.c.bucket, sub.c.state
        )
        out: dict = {}
        for key, state, n in db.session.execute(stmt):
            out.setdefault(key, {})[state] = n
        return out

    rolled = cached("by_locality", Filters(campaign=campaign.id), compute)
    names = _child_names(top)
    names[top.id] = top.name
    return sorted(
        _rows(rolled, names), key=lambda r: (r.key == top.id, -r.registered, r.label)
    )


def trend_by_year() -> list[Row]:
    """Every campaign's counts (cached per campaign), summed per year."""
    per_campaign = cached(
        "by_campaign", Filters(), lambda: _state_counts(None, Exemplar.campaign_id)
    )
    years = dict(db.session.execute(select(Campaign.id, Campaign.year)).all())
    counts: dict = {}
    for campaign_id, per_state in per_campaign.items():
        bucket = counts.setdefault(years[campaign_id], {})
        for state, n in per_state.items():
            bucket[state] = bucket.get(state, 0) + n
    return sorted(_rows(counts, {y: str(y) for y in counts}), key=lambda r: r.key)


def public_campaigns() -> list[Campaign]:
    """Campaigns shown to the public: every campaign past its preparation, newest first."""
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.status != "draft")
            .options(selectinload(Campaign.unit), selectinload(Campaign.fields))
            .order_by(Campaign.year.desc(), Campaign.id.desc())
        )
    )


def current_campaign() -> Campaign | None:
    """The campaign the home page shows: the newest one that has public entries, else
    the newest one past its preparation."""
    newest_public = db.session.scalar(
        select(Campaign)
        .where(
            Campaign.status != "draft",
            Campaign.id.in_(select(Exemplar.campaign_id).where(public_condition())),
        )
        .order_by(Campaign.year.desc(), Campaign.id.desc())
        .limit(1)
    )
    if newest_public is not None:
        return newest_public
    campaigns = public_campaigns()
    return campaigns[0] if campaigns else None


def field_links(limit: int = 12) -> list[FacetValue]:
    """The fields with the most public entries (the same field across campaigns shares
    its name), from the facet counts' cache."""
    per_field: dict = {}
    for (_campaign, field_id, _kind), n in _basic_counts(Filters(), "field").items():
        if field_id is not None:
            per_field[field_id] = per_field.get(field_id, 0) + n
    names = dict(db.session.execute(select(Field.id, Field.name)).all())
    per_name: dict[str, int] = {}
    for field_id, n in per_field.items():
        name = names.get(field_id)
        if name is not None:
            per_name[name] = per_name.get(name, 0) + n
    values = [FacetValue(name, name, n) for name, n in per_name.items()]
    return sorted(values, key=lambda v: (-v.count, v.label))[:limit]
