"""What the objection pages read: which issued lists take objections, and when; the
secretariat's queue; the public account of an entry's objections (no objector).

A recommended list is *published* when it is issued (``IssuedList`` whose content is
of type ``recommended``, in force): the window runs from its issue date for the
campaign's ``objection_days``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, bindparam, exists, or_, select
from sqlalchemy.orm import QueryableAttribute, defer, joinedload

from .. import clock
from ..campaigns.models import Campaign
from ..domain.objections import (
    MAX_WINDOW_DAYS,
    PUBLIC_STATES,
    ObjectionState,
    Window,
    window,
)
from ..domain.proof import IssueStatus
from ..extensions import db
from ..lists.models import IssuedList
from ..registry.models import Exemplar
from ..units.queries import subtree_condition
from .models import Objection

RECOMMENDED = "recommended"
#: A list in force (not yet annulled or superseded).
_LIST_IN_FORCE = IssuedList.status == str(IssueStatus.ISSUED)
#: An objection anyone may know of: received (confirmed), whatever came of it.
_RECEIVED = Objection.state.in_([str(s) for s in PUBLIC_STATES])


def is_recommended_list(issued: IssuedList) -> bool:
    """Read from the recorded filters (small), not from the content (every row)."""
    return _recommended(issued.filters)


def _recommended(filters: dict[str, Any] | None) -> bool:
    return (filters or {}).get("list_type") == RECOMMENDED


def window_of(issued: IssuedList) -> Window:
    return window(issued.issued_on, issued.campaign.objection_days)


def entries_of(issued: IssuedList) -> list[dict[str, Any]]:
    """The rows of the issued list (id, number, name, unit), as issued."""
    return [
        {"id": r["id"], "n": r.get("n"), "name": r["name"], "unit": r.get("unit", "")}
        for r in issued.content.get("rows", [])
    ]


def lists_taking_objections(issued: IssuedList) -> bool:
    """Whether objections may be lodged against entries of ``issued`` at all (its
    window may still be closed): a recommended list in force."""
    return issued.status == IssueStatus.ISSUED and is_recommended_list(issued)


@dataclass(frozen=True)
class OpenList:
    """An issued recommended list holding an entry, with its window."""

    issued: IssuedList
    window: Window

    def is_open(self, today: date) -> bool:
        return self.window.is_open(today)


#: Built once: entry pages ask (see :mod:`dankheo.showcase.entry`).
#: Columns only, on the connection: a list's content (every row) is read once per
#: process, and only while its window is open.
_IN_FORCE = (
    select(
        IssuedList.id,
        IssuedList.digest,
        IssuedList.filters,
        IssuedList.issued_on,
        Campaign.objection_days,
    )
    .join(Campaign, Campaign.id == IssuedList.campaign_id)
    .where(
        IssuedList.campaign_id == bindparam("campaign"),
        _LIST_IN_FORCE,
    )
    .order_by(IssuedList.issued_on.desc(), IssuedList.id.desc())
)
_CONTENT = select(IssuedList.content).where(IssuedList.id == bindparam("id"))

#: Entry ids of an issued list, by its digest. A list is never edited (it is annulled
#: or superseded), and its digest is the SHA-256 of its content, so a digest names one
#: set of entries for good: nothing to invalidate, only a bound on how many are kept.
_ENTRY_IDS: OrderedDict[str, frozenset[int]] = OrderedDict()
_ENTRY_IDS_KEPT = 64
_entry_ids_guard = threading.Lock()


def _entry_ids(conn: Connection, list_id: int, digest: str) -> frozenset[int]:
    with _entry_ids_guard:
        found = _ENTRY_IDS.get(digest)
        if found is not None:
            _ENTRY_IDS.move_to_end(digest)
            return found
    content = conn.execute(_CONTENT, {"id": list_id}).scalar_one()
    ids = frozenset(r["id"] for r in (content or {}).get("rows", []))
    with _entry_ids_guard:
        _ENTRY_IDS[digest] = ids
        while len(_ENTRY_IDS) > _ENTRY_IDS_KEPT:
            _ENTRY_IDS.popitem(last=False)
    return ids


def open_list_for_entry(exemplar: Exemplar) -> OpenList | None:
    """The newest recommended list in force of the entry's campaign whose window is
    open today and which holds the entry, if any (one query; the list's rows are read
    once per process, see :data:`_ENTRY_IDS`)."""
    today = clock.today()
    conn = db.session.connection()
    for row in conn.execute(_IN_FORCE, {"campaign": exemplar.campaign_id}).all():
        if not _recommended(row.filters):
            continue
        win = window(row.issued_on, row.objection_days)
        if win.is_open(today) and exemplar.id in _entry_ids(conn, row.id, row.digest):
            issued = db.session.get_one(
                IssuedList, row.id, options=[defer(IssuedList.content)]
            )
            return OpenList(issued, win)
    return None


# --- the secretariat's queue ----------------------------------------------------------


def queue(
    scopes: list[str],
    *,
    state: str | None = None,
    campaign_id: int | None = None,
    exemplar_id: int | None = None,
) -> Select[Any]:
    """Objections about entries of units in the secretariat's subtrees (unconfirmed
    ones are nobody's business yet), newest first. Scoped on the entry's unit now,
    which a merge of units changes."""
    stmt = (
        select(Objection)
        .join(Objection.exemplar)
        .options(
            joinedload(Objection.exemplar).joinedload(Exemplar.unit),
            joinedload(Objection.exemplar).joinedload(Exemplar.campaign),
            joinedload(Objection.issued_list),
        )
        .where(
            subtree_condition(Exemplar.unit_id, scopes),
            Objection.state != ObjectionState.UNVERIFIED,
        )
        .order_by(Objection.id.desc())
    )
    if state:
        stmt = stmt.where(Objection.state == state)
    if campaign_id:
        stmt = stmt.where(Objection.campaign_id == campaign_id)
    if exemplar_id:
        stmt = stmt.where(Objection.exemplar_id == exemplar_id)
    return stmt


def in_scopes(objection_id: int, scopes: list[str]) -> Objection | None:
    return db.session.scalar(queue(scopes).where(Objection.id == objection_id))


def campaigns_in_scopes(scopes: list[str]) -> list[Campaign]:
    """Campaigns having objections in the scopes (for the queue's filter)."""
    ids = (
        select(Objection.campaign_id)
        .join(Objection.exemplar)
        .where(subtree_condition(Exemplar.unit_id, scopes))
    )
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.id.in_(ids))
            .order_by(Campaign.year.desc(), Campaign.name)
        )
    )


# --- the public account ---------------------------------------------------------------


@dataclass(frozen=True)
class PublicObjection:
    """What anyone may know of an objection: when it was received, where it stands,
    the outcome and its date. Never who objected, their address or their text."""

    exemplar_id: int
    received_on: date
    state: str
    outcome: str | None
    decided_on: date | None

    @property
    def state_label(self) -> str:
        return ObjectionState(self.state).label

    @property
    def outcome_label(self) -> str:
        from ..domain.objections import ObjectionOutcome

        return ObjectionOutcome(self.outcome).label if self.outcome else ""


def _day(moment: datetime | None) -> date | None:
    return clock.local_date(moment) if moment is not None else None


_PUBLIC = (
    select(
        Objection.exemplar_id,
        Objection.received_at,
        Objection.state,
        Objection.outcome,
        Objection.decided_at,
    )
    .where(_RECEIVED)
    .order_by(Objection.received_at, Objection.id)
)


_PUBLIC_OF_ENTRY = _PUBLIC.where(Objection.exemplar_id == bindparam("id"))


def public_objections(*, issued_list_id: int) -> dict[int, list[PublicObjection]]:
    """Entry id -> its received objections, oldest first, for the entries of one
    issued list (one query)."""
    stmt = _PUBLIC.where(Objection.issued_list_id == issued_list_id)
    out: dict[int, list[PublicObjection]] = defaultdict(list)
    for o in _public(db.session.execute(stmt)):
        out[o.exemplar_id].append(o)
    return dict(out)


@dataclass(frozen=True)
class EntryObjections:
    """What an entry's public page says about objections: those received about it,
    and the list open for them that holds it, if any."""

    received: Sequence[PublicObjection]
    open: OpenList | None


NO_OBJECTIONS = EntryObjections((), None)


def _window_may_be_open_from() -> date:
    """The earliest issue date of a list whose window may be open today."""
    return clock.today() - timedelta(days=MAX_WINDOW_DAYS)


def objections_to_show(
    exemplar_id: ColumnElement[int] | QueryableAttribute[int],
    campaign_id: ColumnElement[int] | QueryableAttribute[int],
) -> ColumnElement[bool]:
    """SQL, next to an entry's own columns: true when its page may have something to
    say about objections: one received about it, or a recommended list of its campaign
    in force whose window may be open today (issued at most the longest window ago).
    When false, :func:`entry_objections` would find nothing; when true, it may still
    find nothing (the entry is not on that list, or the list's window is shorter)."""
    return or_(
        exists().where(Objection.exemplar_id == exemplar_id, _RECEIVED),
        exists().where(
            IssuedList.campaign_id == campaign_id,
            _LIST_IN_FORCE,
            IssuedList.filters["list_type"].as_string() == RECOMMENDED,
            IssuedList.issued_on.between(
                # Read when the statement runs: the statement is built once.
                bindparam("window_from", callable_=_window_may_be_open_from),
                bindparam("today", callable_=clock.today),
            ),
        ),
    )


def entry_objections(exemplar: Exemplar) -> EntryObjections:
    """For an entry's public page: its received objections (no objector) and the
    list whose window is open for it, if any (two statements; the first time in a
    process that a list is asked about, also its rows)."""
    return EntryObjections(
        entry_public_objections(exemplar.id), open_list_for_entry(exemplar)
    )


def entry_public_objections(exemplar_id: int) -> list[PublicObjection]:
    """The received objections of one entry, oldest first (one query, built once:
    entry pages ask)."""
    rows = db.session.connection().execute(_PUBLIC_OF_ENTRY, {"id": exemplar_id})
    return list(_public(rows))


def _public(rows: Iterable[Any]) -> Iterable[PublicObjection]:
    for eid, received, state, outcome, decided in rows:
        yield PublicObjection(
            eid, _day(received) or date.min, state, outcome, _day(decided)
        )
