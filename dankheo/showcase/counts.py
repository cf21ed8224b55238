"""Counts of the showcase: read from the summary tables of :mod:`.tallies` whenever
the filters allow it, memoised per process only for what they cannot answer (a
search, or a combination no summary table carries).

Memoised values are keyed on ``tally_version``, which the database bumps in the same
transaction as every change that can alter a public count (see :mod:`.tallies`), so a
memoised count is never stale; reading the version is one primary-key lookup. Only
plain values (ids and counts) are kept, never ORM objects; names are looked up afresh.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    TextClause,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.sql.elements import KeyedColumnElement

from .. import tallies
from ..appraisal.models import Commendation
from ..campaigns.models import Campaign, CommendationForm, Field
from ..domain.workflow import PUBLIC_STATES
from ..extensions import db
from ..registry.models import Exemplar
from ..tallies import tally_facets, tally_units
from ..units.models import Unit

if TYPE_CHECKING:
    from .listing import Filters

T = TypeVar("T")

_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_CACHE_SIZE = 512


def clear_counts_cache() -> None:
    """Forget every memoised count (after tables were emptied or dropped)."""
    _CACHE.clear()


def data_version() -> tuple[Any, ...]:
    """Changes whenever anything the public counts depend on changes."""
    return (str(db.engine.url), tallies.version(db.session.connection()))


def data_version_and(also: ColumnElement[Any]) -> tuple[tuple[Any, ...], Any]:
    """:func:`data_version`, and the scalar ``also`` read in the same statement."""
    n, value = tallies.version_and(db.session.connection(), also)
    return (str(db.engine.url), n), value


def cached(kind: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` memoised per (kind, key, data version). ``key`` says what was
    counted (the filters, without the order, which never changes a count)."""
    full_key = (kind, key, data_version())
    if full_key in _CACHE:
        _CACHE.move_to_end(full_key)
        return _CACHE[full_key]
    value = compute()
    _CACHE[full_key] = value
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return value


# -- searches ------------------------------------------------------------------------


@dataclass(frozen=True)
class HitCounts:
    """A search's hits counted per (campaign, field, kind), per unit and per
    commendation form (None: no commendation in force)."""

    combos: dict[tuple[int, int | None, str], int]
    units: dict[int, int]
    forms: dict[int | None, int]

    @property
    def total(self) -> int:
        return sum(self.combos.values())


def search_hits(
    f: Filters, conditions: Sequence[ColumnElement[bool] | TextClause]
) -> HitCounts:
    """The hits of ``f`` (a search: no summary table can count it; ``conditions`` are
    its SQL) read once and counted three ways in one statement, memoised. The list's
    total and the campaign, year, field, kind, form and locality counts of the same
    filters all come from it: a common word matches a quarter of the table, and a pass
    over its hits per count (five, as before) cost five times one. The hits are a
    common table expression used three times, which both databases materialise. An
    entry has at most one commendation in force, so the join adds no rows."""

    def compute() -> HitCounts:
        hits = (
            select(
                Exemplar.campaign_id,
                Exemplar.field_id,
                Exemplar.kind,
                Exemplar.unit_id,
                Commendation.form_id,
            )
            .select_from(Exemplar)
            .outerjoin(
                Commendation,
                (Commendation.exemplar_id == Exemplar.id)
                & Commendation.annulled_at.is_(None),
            )
            .where(*conditions)
            .cte("hits")
        )
        h = hits.c
        none = null()
        stmt = union_all(
            select(
                literal(0), h.campaign_id, h.field_id, h.kind, func.count()
            ).group_by(h.campaign_id, h.field_id, h.kind),
            select(literal(1), h.unit_id, none, none, func.count()).group_by(h.unit_id),
            select(literal(2), h.form_id, none, none, func.count()).group_by(h.form_id),
        )
        out = HitCounts({}, {}, {})
        for part, a, b, c, n in db.session.execute(stmt):
            if part == 0:
                out.combos[(a, b, c)] = n
            elif part == 1:
                out.units[a] = n
            else:
                out.forms[a] = n
        return out

    return cached("hits", f.count_key, compute)


# -- the summary tables ----------------------------------------------------------------

PUBLIC_STATE_VALUES = sorted(s.value for s in PUBLIC_STATES)

#: What each summary table can filter and group on.
FACET_DIMENSIONS = frozenset({"campaign", "year", "field", "kind", "form"})
UNIT_DIMENSIONS = frozenset({"campaign", "year", "field", "kind", "unit"})


def _set_filters(f: Filters) -> set[str]:
    return {name for name in f.FACETS if getattr(f, name) not in (None, "")}


def tally_table(f: Filters, group: frozenset[str]) -> Any | None:
    """The summary table able to count ``f`` grouped by ``group`` (None: a search, or a
    combination neither table carries)."""
    if f.q:
        return None
    needed = _set_filters(f) | group
    if needed <= FACET_DIMENSIONS:
        return tally_facets
    if needed <= UNIT_DIMENSIONS:
        return tally_units
    return None


def tally_conditions(f: Filters, t: Any) -> list[ColumnElement[bool]]:
    """Conditions on a summary table for ``f`` (public entries only)."""
    conds: list[ColumnElement[bool]] = [t.c.state.in_(PUBLIC_STATE_VALUES)]
    if f.campaign:
        conds.append(t.c.campaign_id == f.campaign)
    if f.year:
        conds.append(
            t.c.campaign_id.in_(select(Campaign.id).where(Campaign.year == f.year))
        )
    if f.field:
        conds.append(t.c.field_id.in_(select(Field.id).where(Field.name == f.field)))
    if f.kind:
        conds.append(t.c.kind == f.kind)
    if f.form:
        conds.append(
            t.c.form_id.in_(
                select(CommendationForm.id).where(CommendationForm.name == f.form)
            )
        )
    if f.unit:
        unit_path = select(Unit.path).where(Unit.id == f.unit).scalar_subquery()
        conds.append(
            t.c.unit_id.in_(select(Unit.id).where(Unit.path.startswith(unit_path)))
        )
    return conds


def _nullable(column: KeyedColumnElement[Any]) -> ColumnElement[Any]:
    """0 stands for "none" in the summary tables; callers expect None."""
    return func.nullif(column, 0)


def grouped(t: Any, f: Filters, columns: list[ColumnElement[Any]]) -> Select[Any]:
    """SELECT columns..., sum(n) over ``t`` filtered by ``f``, grouped by the columns,
    leaving out groups that sum to nothing (rows emptied by moves stay at 0)."""
    total = func.sum(t.c.n)
    stmt = select(*columns, total).select_from(t).where(*tally_conditions(f, t))
    if columns:
        stmt = stmt.group_by(*columns).having(total > 0)
    return stmt


def basic_from_tallies(f: Filters) -> dict[tuple[int, int | None, str], int] | None:
    """Counts per (campaign, field, kind), or None when no summary table can say."""
    t = tally_table(f, frozenset({"campaign", "field", "kind"}))
    if t is None:
        return None
    stmt = grouped(t, f, [t.c.campaign_id, _nullable(t.c.field_id), t.c.kind])
    return {(c, fl, k): int(n) for c, fl, k, n in db.session.execute(stmt)}


def forms_from_tallies(f: Filters) -> list[tuple[int | None, int]] | None:
    """Counts per commendation form id (None: no commendation), or None."""
    t = tally_table(f, frozenset({"form"}))
    if t is None:
        return None
    stmt = grouped(t, f, [_nullable(t.c.form_id)])
    return [(form_id, int(n)) for form_id, n in db.session.execute(stmt)]


def total_from_tallies(f: Filters) -> int | None:
    t = tally_table(f, frozenset())
    if t is None:
        return None
    return int(db.session.scalar(grouped(t, f, [])) or 0)


def units_from_tallies(
    f: Filters, child: ColumnElement[int | None], level: Unit | None
) -> dict[int | None, int] | None:
    """Counts per child locality of ``level`` (``child``: SQL naming it from the unit's
    path), or None when no summary table can say."""
    t = tally_table(f, frozenset({"unit"}))
    if t is None:
        return None
    stmt = (
        select(child.label("child"), func.sum(t.c.n))
        .select_from(t)
        .join(Unit, Unit.id == t.c.unit_id)
        .where(*tally_conditions(f, t))
        .group_by(child)
        .having(func.sum(t.c.n) > 0)
    )
    if level is not None:
        stmt = stmt.where(Unit.path.startswith(level.path))
    return {c: int(n) for c, n in db.session.execute(stmt)}
