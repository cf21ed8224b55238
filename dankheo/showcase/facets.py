"""Facet counts of the public list: per campaign, year, field, kind, commendation form
and locality, each counted with every other filter applied and its own left out, so a
facet's counts (its "not set" bucket included) add up to the list's total.

Counts go through :mod:`dankheo.showcase.counts`; names are always looked up afresh, so
a renamed unit or field shows its new name even while its counts come from the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, cast, func, select

from ..appraisal.models import Commendation
from ..campaigns.models import Campaign, CommendationForm, Field
from ..domain.enums import ExemplarKind
from ..extensions import db
from ..registry.models import Exemplar
from ..units.models import Unit
from . import counts, search
from .listing import Filters, dialect, filter_conditions


@dataclass
class FacetValue:
    value: Any  # None: the "not set" bucket
    label: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    name: str
    values: list[FacetValue] = field(default_factory=list)
    # For the locality facet: the chosen unit's ancestors, root first.
    trail: list[Unit] = field(default_factory=list)
    # For the locality facet: the unit whose children are listed (None: the roots).
    level: Unit | None = None

    @property
    def total(self) -> int:
        return sum(v.count for v in self.values)


Combos = dict[tuple[int, int | None, str], int]


def _basic_counts(f: Filters, facet: str) -> Combos:
    """Counts per (campaign, field, kind) over the list filtered by everything but
    ``facet``: one small grouped query serves the campaign, year, field and kind facets
    when their own filters are not set (they then share the same filters)."""
    rest = f.without(facet)

    def compute() -> Combos:
        if search.has_terms(rest.q):
            return counts.search_hits(rest, filter_conditions(rest)).combos
        tallied = counts.basic_from_tallies(rest)
        if tallied is not None:
            return tallied
        stmt = (
            select(Exemplar.campaign_id, Exemplar.field_id, Exemplar.kind, func.count())
            .where(*filter_conditions(rest))
            .group_by(Exemplar.campaign_id, Exemplar.field_id, Exemplar.kind)
        )
        return {(c, fl, k): n for c, fl, k, n in db.session.execute(stmt)}

    return counts.cached("basic", rest.count_key, compute)


def _by_name(values: dict[Any, int], chosen: str | None) -> list[FacetValue]:
    """Values named by data (fields, forms): most entries first, "not set" last."""
    return sorted(
        (
            FacetValue(name, name, n, name is not None and name == chosen)
            for name, n in values.items()
        ),
        key=lambda v: (v.value is None, -v.count, v.label or ""),
    )


def facet_counts(f: Filters) -> dict[str, Facet]:
    """Counts per value of every facet. Each facet is counted with all the other filters
    applied and its own left out, so its counts (the "not set" bucket included) add up to
    the list's total when it is not chosen, and the chosen value's count equals it."""
    shared: dict[str, Combos] = {}

    def basic(facet: str) -> Combos:
        # Facets whose own filter is unset share one query (filters are then equal).
        key = facet if getattr(f, facet) else ""
        if key not in shared:
            shared[key] = _basic_counts(f, facet)
        return shared[key]

    def roll(
        facet: str, index: int, mapper: Callable[[Any], Any] = lambda v: v
    ) -> dict[Any, int]:
        out: dict[Any, int] = {}
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
    facets["field"] = Facet("field", _by_name(fields, f.field))

    order = {k: i for i, k in enumerate(ExemplarKind)}
    facets["kind"] = Facet(
        "kind",
        sorted(
            (
                FacetValue(k, ExemplarKind(k).label, n, k == f.kind)
                for k, n in roll("kind", 2).items()
            ),
            key=lambda v: order[ExemplarKind(v.value)],
        ),
    )
    facets["form"] = Facet("form", _by_name(_form_counts(f, basic("form")), f.form))
    facets["unit"] = locality_facet(f)
    return facets


def _form_counts(f: Filters, combos: Combos) -> dict[str | None, int]:
    """Entries per commendation form's name (None: no commendation), over ``f``
    without its form filter; ``combos`` are the basic counts over the same filters."""
    rest = f.without("form")
    # Counted from the commendations' side (a third of the rows, an index lookup each);
    # the entries without one are the rest of the total.

    def compute() -> list[tuple[int | None, int]]:
        if search.has_terms(rest.q):
            return list(counts.search_hits(rest, filter_conditions(rest)).forms.items())
        tallied = counts.forms_from_tallies(rest)
        if tallied is not None:
            return tallied
        rows: list[tuple[int | None, int]] = [
            (form_id, n)
            for form_id, n in db.session.execute(
                select(Commendation.form_id, func.count())
                .join(Exemplar, Exemplar.id == Commendation.exemplar_id)
                .where(*filter_conditions(rest), Commendation.annulled_at.is_(None))
                .group_by(Commendation.form_id)
            )
        ]
        without_form = sum(combos.values()) - sum(n for _id, n in rows)
        if without_form:
            rows.append((None, without_form))
        return rows

    rows: list[tuple[int | None, int]] = list(
        counts.cached("forms", rest.count_key, compute)
    )
    form_names: dict[int | None, str] = {
        form_id: name
        for form_id, name in db.session.execute(
            select(CommendationForm.id, CommendationForm.name).where(
                CommendationForm.id.in_([r[0] for r in rows if r[0] is not None])
            )
        )
    }
    forms: dict[str | None, int] = {}
    for form_id, n in rows:
        name = form_names.get(form_id)
        forms[name] = forms.get(name, 0) + n
    return forms


# -- localities ----------------------------------------------------------------------


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
        per_child = _locality_counts(f.without("unit"), level)
        here = per_child.get(None, 0)
        buckets = {k: n for k, n in per_child.items() if k is not None}
        if not (auto_descend and chosen is None and not here and len(buckets) == 1):
            break
        only = db.session.get(Unit, next(iter(buckets)))
        if only is None or only.id == (level.id if level else None):
            break
        level = only
    names = child_names(level)
    values = sorted(
        (FacetValue(uid, names.get(uid, ""), n, False) for uid, n in buckets.items()),
        key=lambda v: (-v.count, v.label),
    )
    if here:
        # Entries registered by the level's own unit: shown, not a link (the level's
        # link would also count its whole subtree).
        values.append(FacetValue(None, level.name if level else "", here))
    return Facet("unit", values, trail, level)


def child_of(level: Unit | None) -> ColumnElement[int | None]:
    """SQL: the id of the child of ``level`` (None: the roots) that ``Unit`` lies under,
    read from its path ("/1/5/9/": the segment right after ``level``'s path); NULL for
    ``level`` itself."""
    prefix = level.path if level else "/"
    depth = level.depth if level else -1
    rest = func.substr(Unit.path, len(prefix) + 1)
    if dialect() == "postgresql":
        segment = func.split_part(rest, "/", 1)
    else:
        segment = func.substr(rest, 1, func.instr(rest, "/") - 1)
    return case((Unit.depth > depth, cast(segment, Integer)), else_=None)


#: Units named in one IN (...) list at most, well under every backend's parameter limit.
LISTED_UNITS = 90


def _locality_counts(f: Filters, level: Unit | None) -> dict[int | None, int]:
    """Public entries matching ``f`` per child of ``level`` (key None: ``level`` itself)."""

    def compute() -> dict[int | None, int]:
        if search.has_terms(f.q):
            return _locality_hits(f, level)
        tallied = counts.units_from_tallies(f, child_of(level), level)
        if tallied is not None:
            return tallied
        rows = (
            select(child_of(level).label("child"))
            .select_from(Exemplar)
            .join(Unit, Unit.id == Exemplar.unit_id)
            .where(*filter_conditions(f))
        )
        if level is not None:
            rows = rows.where(Unit.path.startswith(level.path))
        sub = rows.subquery()
        stmt = select(sub.c.child, func.count()).group_by(sub.c.child)
        return {child: n for child, n in db.session.execute(stmt)}

    return counts.cached(f"units:{level.id if level else ''}", f.count_key, compute)


def _locality_hits(f: Filters, level: Unit | None) -> dict[int | None, int]:
    """A search's counts per child of ``level``, summed from its grouped hits: each
    unit's child is read from the units table (small), not joined to every hit."""
    per_unit = counts.search_hits(f, filter_conditions(f)).units
    units = select(Unit.id, child_of(level))
    if len(per_unit) <= LISTED_UNITS:
        units = units.where(Unit.id.in_(list(per_unit)))
    # Hits in more units than that: the subtree is read whole (one statement over
    # the small units table) rather than binding one parameter per unit.
    if level is not None:
        units = units.where(Unit.path.startswith(level.path))
    out: dict[int | None, int] = {}
    for unit_id, child in db.session.execute(units):
        if unit_id in per_unit:
            out[child] = out.get(child, 0) + per_unit[unit_id]
    return out


def child_names(level: Unit | None) -> dict[int, str]:
    """Names of the children of ``level`` (None: the roots), looked up afresh so a
    renamed unit shows its new name even while its counts come from the cache."""
    parent = Unit.parent_id.is_(None) if level is None else Unit.parent_id == level.id
    return {
        uid: name
        for uid, name in db.session.execute(select(Unit.id, Unit.name).where(parent))
    }


def field_links(limit: int = 12) -> list[FacetValue]:
    """The fields with the most public entries (the same field across campaigns shares
    its name), from the facet counts' cache."""
    per_field: dict[int, int] = {}
    for (_campaign, field_id, _kind), n in _basic_counts(Filters(), "field").items():
        if field_id is not None:
            per_field[field_id] = per_field.get(field_id, 0) + n
    names = {
        fid: name for fid, name in db.session.execute(select(Field.id, Field.name))
    }
    per_name: dict[str, int] = {}
    for field_id, n in per_field.items():
        name = names.get(field_id)
        if name is not None:
            per_name[name] = per_name.get(name, 0) + n
    values = [FacetValue(name, name, n) for name, n in per_name.items()]
    return sorted(values, key=lambda v: (-v.count, v.label))[:limit]
