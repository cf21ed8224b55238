"""Recording: the session listeners that write the audit log and chain the history.

Nothing here is called by operations. While a transaction runs, ``before_flush`` notes
every audited object that is created, changed or deleted (with the values before the
change) and ``do_orm_execute`` notes rows changed by ORM-enabled ``update()`` /
``delete()`` statements (closing a round is one). When the transaction commits, the
notes are merged per object — a unit created and then given its path is one "created"
record — and written as audit records, chained, in the same transaction. A rollback
drops them. Every new ``History`` row is chained as it is inserted.

The actor is the user of an explicit :func:`acting_as` block (commands, jobs), else the
logged-in user of the request, else nobody (the system).
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Delete, Update, event, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.exc import ObjectDeletedError

from ..actors import current_actor
from ..db import table_of, utcnow
from ..extensions import db
from ..registry.models import History
from ..units.models import Unit
from . import chain
from .audited import AUDITED, REDACTED, Audited, spec_for
from .history_chain import chain_history
from .models import AuditRecord

log = logging.getLogger(__name__)

_order = itertools.count()


# --- what a transaction changed ------------------------------------------------------


@dataclass
class Note:
    """What one transaction did to one object."""

    spec: Audited
    model: type
    order: int
    obj: Any = None
    pk: Any = None
    created: bool = False
    deleted: bool = False
    #: Column -> value before the transaction's first change to it.
    before: dict[str, Any] = field(default_factory=dict)
    #: Column -> final value, when it cannot be read from ``obj`` at commit.
    after: dict[str, Any] = field(default_factory=dict)
    #: For deletions and explicit events: resolved when noted.
    label: str | None = None
    unit_id: int | None = None
    exemplar_id: int | None = None
    action: str | None = None
    object_type: str | None = None


def _notes(session: Session) -> dict[Any, Note]:
    return session.info.setdefault("audit_notes", {})


def _key(model: type, pk: Any) -> tuple[type, Any]:
    return (model, pk)


def _pk(obj: Any) -> Any:
    identity = inspect(obj).identity
    if identity is None:
        return None
    return identity[0] if len(identity) == 1 else identity


def _note_for(session: Session, obj: Any, spec: Audited) -> Note:
    notes = _notes(session)
    pk = _pk(obj)
    key: Any = _key(type(obj), pk) if pk is not None else ("new", id(obj))
    note = notes.get(key) or notes.get(("new", id(obj)))
    if note is None:
        note = Note(spec=spec, model=type(obj), order=next(_order), obj=obj, pk=pk)
        notes[key] = note
    note.obj = obj
    return note


def _value(obj: Any, column: str) -> Any:
    return getattr(obj, column)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.new):
        spec = spec_for(obj)
        if spec is not None and "insert" in spec.events:
            _note_for(session, obj, spec).created = True
    for obj in list(session.dirty):
        spec = spec_for(obj)
        if spec is None or "update" not in spec.events:
            continue
        state = inspect(obj)
        changed: dict[str, Any] = {}
        for column in spec.audited_columns(type(obj)):
            history = state.attrs[column].history
            if history.added or history.deleted:
                changed[column] = history.deleted[0] if history.deleted else None
        if changed:
            note = _note_for(session, obj, spec)
            for column, old in changed.items():
                note.before.setdefault(column, old)
    for obj in [*session.deleted, *_orphans(session)]:
        spec = spec_for(obj)
        if spec is None or "delete" not in spec.events:
            continue
        note = _note_for(session, obj, spec)
        with session.no_autoflush:
            for column in spec.audited_columns(type(obj)):
                note.before.setdefault(column, _value(obj, column))
            _resolve(session, note, obj)
        note.deleted = True


def _orphans(session: Session) -> list[Any]:
    """Audited objects that this flush deletes because they left a ``delete-orphan``
    collection (a role taken off a user): they are not in ``session.deleted`` yet."""
    found = []
    for parent in session.dirty:
        state = inspect(parent)
        for rel in state.mapper.relationships:
            if not rel.cascade.delete_orphan:
                continue
            for child in state.attrs[rel.key].history.deleted or ():
                if child is not None and child in session and spec_for(child):
                    found.append(child)
    return found


def _resolve(session: Session, note: Note, obj: Any) -> None:
    note.label = str(note.spec.label(session, obj))
    note.unit_id = note.spec.unit_id(session, obj)
    note.exemplar_id = note.spec.exemplar_id(obj)
    note.pk = note.pk if note.pk is not None else _pk(obj)


def _touched_columns(state: ORMExecuteState, spec: Audited, model: type) -> set[str]:
    """The audited columns an UPDATE statement sets (all of them when unknown)."""
    columns = set(spec.audited_columns(model))
    values = getattr(state.statement, "_values", None)
    keys: set[str] = set()
    if values:
        keys = {getattr(k, "key", None) or str(k) for k in values}
    elif isinstance(state.parameters, list) and state.parameters:
        keys = set(state.parameters[0])
    elif isinstance(state.parameters, dict) and state.parameters:
        keys = set(state.parameters)
    return columns & keys if keys else columns


def _do_orm_execute(state: ORMExecuteState) -> Any:
    """Note rows that an ORM-enabled UPDATE or DELETE on an audited model changes."""
    if not (state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    if mapper is None:
        return None
    spec = AUDITED.get(mapper.class_)
    if spec is None:
        return None
    kind = "update" if state.is_update else "delete"
    if kind not in spec.events:
        return None
    model = mapper.class_
    columns = sorted(
        _touched_columns(state, spec, model)
        if kind == "update"
        else spec.audited_columns(model)
    )
    if not columns:
        return None
    (pk_col,) = mapper.primary_key
    statement = state.statement
    # is_update / is_delete: a plain update() or delete() (no from_statement() here).
    assert isinstance(statement, Update | Delete)
    where = statement.whereclause
    session = state.session
    if where is None and isinstance(state.parameters, list):
        where = pk_col.in_([p[pk_col.key] for p in state.parameters])
    if where is None:
        return None
    wanted = [mapper.columns[c] for c in columns]
    with session.no_autoflush:
        before = {
            row[0]: dict(zip(columns, row[1:], strict=True))
            for row in session.execute(select(pk_col, *wanted).where(where))
        }
    if not before:
        return None
    result = state.invoke_statement()
    if not getattr(result, "rowcount", 0):
        return result
    with session.no_autoflush:
        after = (
            {
                row[0]: dict(zip(columns, row[1:], strict=True))
                for row in session.execute(
                    select(pk_col, *wanted).where(pk_col.in_(list(before)))
                )
            }
            if kind == "update"
            else {}
        )
        notes = _notes(session)
        for pk, old in before.items():
            new = after.get(pk)
            if kind == "update" and (new is None or new == old):
                continue
            key = _key(model, pk)
            note = notes.get(key)
            if note is None:
                note = Note(spec=spec, model=model, order=next(_order), pk=pk)
                notes[key] = note
            for column, value in old.items():
                if kind == "delete" or value != new.get(column):  # type: ignore[union-attr]
                    note.before.setdefault(column, value)
            if kind == "delete":
                obj = session.get(model, pk)
                if obj is not None:
                    _resolve(session, note, obj)
                else:
                    note.label = note.label or ""
                note.deleted = True
            else:
                note.after.update(new or {})
    return result


def record_event(
    session: Session,
    action: str,
    object_type: str,
    object_id: int | None,
    label: str,
    *,
    unit_id: int | None = None,
    exemplar_id: int | None = None,
    changes: dict[str, list[Any]] | None = None,
) -> None:
    """Add an explicit audit record to the transaction (for acts no audited row shows,
    e.g. a bulk import written with Core ``insert()``). Written at commit like the rest."""
    notes = _notes(session)
    order = next(_order)
    notes[("event", order)] = Note(
        spec=Audited(
            type=object_type, label=lambda _s, _o: label, unit_id=lambda _s, _o: None
        ),
        model=type(None),
        order=order,
        pk=object_id,
        label=label,
        unit_id=unit_id,
        exemplar_id=exemplar_id,
        action=action,
        object_type=object_type,
        after=dict(changes or {}),
    )


# --- writing at commit ----------------------------------------------------------------


def _redacted(spec: Audited, changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {
        column: [REDACTED, REDACTED] if column in spec.redact else pair
        for column, pair in changes.items()
    }


def _record_of(session: Session, note: Note) -> dict[str, Any] | None:
    """The audit record of a note, or None when nothing audited changed in the end."""
    spec = note.spec
    if note.action is not None:  # an explicit event
        changes = {k: list(v) for k, v in note.after.items()}
        action = note.action
    elif note.deleted:
        if note.created:
            return None
        action = "deleted"
        changes = {c: [v, None] for c, v in note.before.items() if v is not None}
    else:
        obj = note.obj
        if obj is None:
            obj = session.get(note.model, note.pk)
        try:
            current = (
                {c: _value(obj, c) for c in spec.audited_columns(note.model)}
                if obj is not None
                else dict(note.after)
            )
        except ObjectDeletedError:
            return None
        # Rows an UPDATE statement changed: values read back, maybe not in the map.
        current.update(note.after)
        if note.created:
            action = "created"
            changes = {c: [None, v] for c, v in current.items() if v is not None}
        else:
            action = "updated"
            changes = {
                c: [old, current.get(c)]
                for c, old in note.before.items()
                if old != current.get(c)
            }
            if not changes:
                return None
        if obj is not None:
            _resolve(session, note, obj)
    verb = spec.verb if note.action is None else None
    return {
        "anonymous": action in spec.anonymous,
        "action": verb(action, changes) if verb is not None else action,
        "object_type": note.object_type or spec.type,
        "object_id": note.pk,
        "object_label": (note.label or "")[:400],
        "unit_id": note.unit_id,
        "exemplar_id": note.exemplar_id,
        "changes": chain.normalise(_redacted(spec, changes)),
    }


def _before_commit(session: Session) -> None:
    if not session.info.get("audit_notes"):
        return
    session.flush()
    notes = sorted(session.info.pop("audit_notes", {}).values(), key=lambda n: n.order)
    records = [r for note in notes if (r := _record_of(session, note)) is not None]
    if not records:
        return
    paths = _unit_paths(session, {r["unit_id"] for r in records} - {None})
    actor = current_actor()
    now = utcnow()
    for r in records:
        by = None if r.pop("anonymous") else actor
        r.update(
            at=now,
            actor_id=by.id if by is not None else None,
            actor_label=f"{by.name} ({by.username})"[:300] if by else "",
            unit_path=paths.get(r["unit_id"]),
        )
    conn = session.connection()
    chain.append(conn, chain.AUDIT, records)
    conn.execute(insert(table_of(AuditRecord)), records)
    log.info("audit: %d record(s) by user %s", len(records), records[0]["actor_id"])


def _unit_paths(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    with session.no_autoflush:
        rows = session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(ids)))
        return {r.id: r.path for r in rows}


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop("audit_notes", None)


def install(session_class: type[Session]) -> None:
    """Attach the listeners (once per process)."""
    if getattr(session_class, "_dankheo_audit", False):
        return
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "do_orm_execute", _do_orm_execute)
    event.listen(session_class, "before_commit", _before_commit)
    event.listen(session_class, "after_rollback", _forget)
    event.listen(session_class, "after_soft_rollback", _forget)
    event.listen(History, "before_insert", chain_history)
    session_class._dankheo_audit = True  # type: ignore[attr-defined]


def on_exemplars_imported(sender: Any, *, count: int, **_extra: Any) -> None:
    """Receiver of :data:`dankheo.registry.signals.exemplars_imported`: a bulk import
    writes its rows with Core ``insert()``, which no listener sees, so it is recorded
    here as one event on the campaign."""
    record_event(
        db.session(),
        "imported",
        "campaign",
        sender.id,
        sender.name,
        unit_id=sender.unit_id,
        changes={"exemplars": [None, count]},
    )


def on_campaign_status_changed(
    sender: Any,
    *,
    action: str,
    from_status: str,
    to_status: str,
    reason: str,
    **_extra: Any,
) -> None:
    """Receiver of :data:`dankheo.campaigns.signals.campaign_status_changed`: the
    status change is seen by the listeners already; this records the named step and
    the reason the secretariat gave (reopening needs one)."""
    changes: dict[str, list[Any]] = {"status": [from_status, to_status]}
    if reason:
        changes["reason"] = [None, reason]
    record_event(
        db.session(),
        action,
        "campaign",
        sender.id,
        sender.name,
        unit_id=sender.unit_id,
        changes=changes,
    )
