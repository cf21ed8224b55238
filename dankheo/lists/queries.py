"""Which entries a list holds, in which order and groups, and their printed columns.

A list is planned first: one light query returns the id, kind, names and group key of
every entry, sorted and grouped in Python (Vietnamese names sort on their folded form).
The printed columns are then fetched in batches of ids, so a list of any length flows
to the writers without holding every row's text at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from ..appraisal.models import RESULT_IN_FORCE, Commendation, StageResult
from ..campaigns.models import Campaign, CommendationForm, Stage
from ..campaigns.models import Field as WorkField
from ..domain import N_
from ..domain.enums import TIER_ORDER, ExemplarKind, UnitTier
from ..domain.metrics import METRIC_KEYS
from ..domain.tally import Outcome
from ..domain.text import fold
from ..domain.workflow import State
from ..extensions import db
from ..registry.models import Exemplar
from ..units.history import unit_name_at_column
from ..units.models import Unit
from ..units.queries import subtree_condition

#: Entries fetched per query when a list is written out.
BATCH = 500

#: Reaching recommendation: recommended, then commended, then replicated.
RECOMMENDED_STATES = (State.RECOMMENDED, State.COMMENDED, State.REPLICATED)

KIND_ORDER = {k: i for i, k in enumerate(ExemplarKind)}


class ListType(StrEnum):
    RECOMMENDED = "recommended"  # danh sách đề nghị khen thưởng
    STAGE = "stage"  # danh sách được công nhận (kết quả một vòng)


class GroupBy(StrEnum):
    FORM = "form"
    UNIT = "unit"


#: The kind filter: one of the three kinds, or both kinds of exemplar (điển hình).
KIND_FILTERS = {
    "model": (ExemplarKind.MODEL,),
    "collective": (ExemplarKind.COLLECTIVE,),
    "individual": (ExemplarKind.INDIVIDUAL,),
    "exemplar": (ExemplarKind.COLLECTIVE, ExemplarKind.INDIVIDUAL),
}


@dataclass
class ListFilters:
    """What the secretariat asked for; every object is already checked to be in scope."""

    campaign: Campaign
    list_type: ListType = ListType.RECOMMENDED
    #: The stage whose results the list shows (stage list) or whose average score is
    #: printed (recommended list).
    stage: Stage | None = None
    #: A state (recommended list) or a stage outcome (stage list); None: the default.
    outcome: str | None = None
    form: CommendationForm | None = None
    #: The form proposed for entries that have no recorded commendation yet.
    default_form: CommendationForm | None = None
    unit: Unit | None = None
    kind: str | None = None
    group_by: GroupBy = GroupBy.FORM


@dataclass
class Group:
    key: int | None
    title: str
    count: int = 0
    kinds: Counter = field(default_factory=Counter)


@dataclass
class Plan:
    """The ordered ids of a list and its groups; rows are fetched from it in batches."""

    filters: ListFilters
    groups: list[Group]
    #: (exemplar id, index of its group), in print order.
    entries: list[tuple[int, int]]
    kinds: Counter
    # Plain values for the row fetches: a streamed download runs after the request's
    # commit, when the ORM objects of ``filters`` are expired and detached.
    stage_id: int | None = None
    default_form_name: str = ""

    @property
    def total(self) -> int:
        return len(self.entries)


@dataclass
class Row:
    """One printed line of a list (values, not formatted text)."""

    number: int
    group: int
    exemplar_id: int
    name: str
    kind: str
    lead_name: str
    lead_position: str
    unit: str
    field: str
    metrics: dict[str, float | int | None]
    outputs: str
    score: float | None
    form: str
    decision_number: str
    decision_date: date | None


# --- scope ---------------------------------------------------------------------------


def _path_ids(paths: list[str]) -> set[int]:
    return {int(p) for path in paths for p in path.strip("/").split("/") if p}


def visible_campaigns(scopes: list[str]) -> list[Campaign]:
    """Campaigns of a scope's subtree, and those over it (a commune's secretariat lists
    its own entries of the province's campaign)."""
    if not scopes:
        return []
    return list(
        db.session.scalars(
            select(Campaign)
            .where(
                or_(
                    subtree_condition(Campaign.unit_id, scopes),
                    Campaign.unit_id.in_(_path_ids(scopes)),
                )
            )
            .order_by(Campaign.year.desc(), Campaign.id.desc())
        )
    )


def can_list(scopes: list[str], campaign: Campaign) -> bool:
    path = campaign.unit.path
    return any(path.startswith(s) or s.startswith(path) for s in scopes)


def list_root(filters: ListFilters, scopes: list[str]) -> Unit:
    """The unit a list covers: the unit filter, else the campaign's unit when the scope
    holds it, else the narrower scope inside the campaign."""
    if filters.unit is not None:
        return filters.unit
    campaign_unit = filters.campaign.unit
    if any(campaign_unit.path.startswith(s) for s in scopes):
        return campaign_unit
    inner = sorted(s for s in scopes if s.startswith(campaign_unit.path))
    unit = db.session.scalar(select(Unit).where(Unit.path == inner[0]))
    assert unit is not None
    return unit


# --- the plan --------------------------------------------------------------------------


def _latest_results(stage_id: int):
    """Each entry's latest result at ``stage`` still in force (a returned entry is
    decided again; a pass the secretariat corrected is no longer its result)."""
    return (
        select(
            StageResult.exemplar_id.label("exemplar_id"),
            func.max(StageResult.id).label("result_id"),
        )
        .where(StageResult.stage_id == stage_id, RESULT_IN_FORCE)
        .group_by(StageResult.exemplar_id)
        .subquery()
    )


def _conditions(f: ListFilters, scopes: list[str]) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [
        Exemplar.campaign_id == f.campaign.id,
        subtree_condition(Exemplar.unit_id, scopes),
    ]
    if f.list_type == ListType.RECOMMENDED:
        states = (f.outcome,) if f.outcome else RECOMMENDED_STATES
        conds.append(Exemplar.state.in_([str(s) for s in states]))
    if f.unit is not None:
        conds.append(subtree_condition(Exemplar.unit_id, [f.unit.path]))
    if f.kind:
        conds.append(Exemplar.kind.in_([str(k) for k in KIND_FILTERS[f.kind]]))
    if f.form is not None:
        if f.default_form is not None and f.default_form.id == f.form.id:
            conds.append(
                or_(Commendation.form_id == f.form.id, Commendation.form_id.is_(None))
            )
        else:
            conds.append(Commendation.form_id == f.form.id)
    return conds


def _stage_outcome(stmt: Select, f: ListFilters) -> Select:
    """A stage list holds the entries whose latest result at its stage has the outcome
    asked for (passed by default)."""
    if f.list_type != ListType.STAGE or f.stage is None:
        return stmt
    latest = _latest_results(f.stage.id)
    return (
        stmt.join(latest, latest.c.exemplar_id == Exemplar.id)
        .join(StageResult, StageResult.id == latest.c.result_id)
        .where(StageResult.outcome == (f.outcome or Outcome.PASSED))
    )


def plan_list(f: ListFilters, scopes: list[str]) -> Plan:
    """Order and group every entry of the list (one query, light columns)."""
    stmt = (
        select(
            Exemplar.id,
            Exemplar.kind,
            Exemplar.name,
            Unit.name,
            Unit.path,
            Commendation.form_id,
        )
        .join(Unit, Unit.id == Exemplar.unit_id)
        .outerjoin(Commendation, IN_FORCE)
        .where(*_conditions(f, scopes))
    )
    stmt = _stage_outcome(stmt, f)
    rows = list(db.session.execute(stmt).all())
    default_form_id = f.default_form.id if f.default_form is not None else None

    group_key: Callable[[Any], int | None]
    if f.group_by == GroupBy.FORM:
        forms = {cf.id: cf for cf in f.campaign.commendation_forms}

        def form_key(row: Any) -> int | None:
            return row[5] if row[5] is not None else default_form_id

        group_key = form_key
        keys = {group_key(r) for r in rows}
        ordered = sorted(
            keys, key=lambda k: (k is None, forms[k].position if k else 0, k or 0)
        )
        groups = [Group(k, forms[k].name if k else NO_FORM_TITLE) for k in ordered]
    else:
        root = list_root(f, scopes)
        depth = len(_path_ids([root.path]))

        def unit_key(row: Any) -> int:
            ids = row[4].strip("/").split("/")
            return int(ids[depth]) if len(ids) > depth else root.id

        group_key = unit_key
        unit_ids = {unit_key(r) for r in rows}
        units = {
            u.id: u
            for u in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))
        }
        unit_order = sorted(
            unit_ids,
            key=lambda k: (
                k != root.id,
                TIER_ORDER[UnitTier(units[k].tier)],
                fold(units[k].name),
                k,
            ),
        )
        groups = [Group(k, units[k].name) for k in unit_order]

    index = {g.key: i for i, g in enumerate(groups)}
    rows.sort(
        key=lambda r: (
            index[group_key(r)],
            KIND_ORDER[ExemplarKind(r[1])],
            fold(r[3]),
            fold(r[2]),
            r[0],
        )
    )
    entries = [(r[0], index[group_key(r)]) for r in rows]
    kinds: Counter = Counter()
    for r in rows:
        g = groups[index[group_key(r)]]
        g.count += 1
        g.kinds[r[1]] += 1
        kinds[r[1]] += 1
    return Plan(
        filters=f,
        groups=groups,
        entries=entries,
        kinds=kinds,
        stage_id=f.stage.id if f.stage is not None else None,
        default_form_name=f.default_form.name if f.default_form is not None else "",
    )


#: An exemplar's commendation in force (an annulled one no longer lists it).
IN_FORCE = and_(
    Commendation.exemplar_id == Exemplar.id, Commendation.annulled_at.is_(None)
)

#: The group of entries without a commendation form (recorded or proposed); translated
#: where it is shown.
NO_FORM_TITLE = N_("Chưa xác định hình thức khen thưởng")


# --- the rows -------------------------------------------------------------------------


def fetch_rows(plan: Plan, start: int = 0, stop: int | None = None) -> Iterator[Row]:
    """The printed columns of ``plan.entries[start:stop]``, in order, ``BATCH`` ids per
    query."""
    default_name = plan.default_form_name
    entries = plan.entries[start:stop]
    metric_cols = [getattr(Exemplar, k) for k in METRIC_KEYS]
    for offset in range(0, len(entries), BATCH):
        chunk = entries[offset : offset + BATCH]
        ids = [eid for eid, _g in chunk]
        stmt = (
            select(
                Exemplar.id,
                Exemplar.name,
                Exemplar.kind,
                Exemplar.lead_name,
                Exemplar.lead_position,
                Exemplar.outputs,
                # The name in force in the campaign's year (a later rename or merge
                # leaves earlier lists as they were).
                unit_name_at_column(Exemplar.unit_id, Campaign.year),
                WorkField.name,
                CommendationForm.name,
                Commendation.decision_number,
                Commendation.decision_date,
                *metric_cols,
            )
            .join(Campaign, Campaign.id == Exemplar.campaign_id)
            .outerjoin(WorkField, WorkField.id == Exemplar.field_id)
            .outerjoin(Commendation, IN_FORCE)
            .outerjoin(CommendationForm, CommendationForm.id == Commendation.form_id)
            .where(Exemplar.id.in_(ids))
        )
        if plan.stage_id is not None:
            latest = _latest_results(plan.stage_id)
            stmt = (
                stmt.outerjoin(latest, latest.c.exemplar_id == Exemplar.id)
                .outerjoin(StageResult, StageResult.id == latest.c.result_id)
                .add_columns(StageResult.average_score)
            )
        found = {r[0]: r for r in db.session.execute(stmt)}
        for i, (eid, group) in enumerate(chunk):
            r = found[eid]
            # The metric columns are listed at run time, so the row's type cannot say
            # what follows the fixed columns: the metrics, then the stage's score.
            metrics = cast(
                "tuple[float | int | None, ...]", r[11 : 11 + len(METRIC_KEYS)]
            )
            yield Row(
                number=start + offset + i + 1,
                group=group,
                exemplar_id=eid,
                name=r[1],
                kind=r[2],
                lead_name=r[3] or "",
                lead_position=r[4] or "",
                outputs=r[5] or "",
                unit=r[6],
                field=r[7] or "",
                form=r[8] or default_name,
                decision_number=r[9] or "",
                decision_date=r[10],
                metrics=dict(zip(METRIC_KEYS, metrics, strict=True)),
                score=(
                    cast("float | None", r[11 + len(METRIC_KEYS)])
                    if plan.stage_id is not None
                    else None
                ),
            )
