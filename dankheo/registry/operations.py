"""Operations on exemplars: create, edit, state changes and attachments.

They take explicit arguments (the actor, the data), validate through the domain,
change rows, append history, flush, and never commit: the view commits once.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from ..auth.models import User
from ..campaigns.models import Campaign, Stage
from ..db import utcnow
from ..domain.enums import AttachmentKind
from ..domain.metrics import METRIC_KEYS
from ..domain.workflow import EDITABLE_STATES, Action, IllegalTransition, State, advance
from ..errors import Conflict, DomainError
from ..extensions import db
from ..units.models import Unit
from .models import Attachment, Exemplar, History
from .signals import exemplar_withdrawn
from .uploads import (
    delete_on_commit,
    discard_on_rollback,
    path_for,
    path_for_name,
    store_upload,
)

log = logging.getLogger(__name__)

#: Fields a unit officer may set through the registration form.
EDITABLE_FIELDS = (
    "name",
    "kind",
    "field_id",
    "situation",
    "goals",
    "content",
    "area",
    "forces",
    "resources",
    "start_date",
    "evaluation_date",
    "schedule",
    "outputs",
    "sustainability",
    "tags",
    "address",
    "lead_name",
    "lead_position",
    "contact_name",
    "contact_phone",
    "contact_email",
    "is_continuing",
    *METRIC_KEYS,
)

#: Contact details: for the secretariat only, never shown to councils or the public.
CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email")

#: What must be filled before an entry may be submitted (the form's items 1-4, 9).
REQUIRED_FOR_SUBMIT = ("name", "field_id", "situation", "goals", "content", "outputs")


def normalise_tags(tags: str | None) -> str:
    seen: dict[str, None] = {}
    for t in (tags or "").split(","):
        t = " ".join(t.split())
        if t:
            seen.setdefault(t, None)
    return ", ".join(seen)


def _apply(exemplar: Exemplar, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if key not in EDITABLE_FIELDS:
            raise DomainError(f"unknown field {key}")
        if key in METRIC_KEYS and value is not None and value < 0:
            raise DomainError("metrics must not be negative")
        if key == "tags":
            value = normalise_tags(value)
        if isinstance(value, str):
            value = value.strip()
        setattr(exemplar, key, value)


def create_exemplar(
    *, campaign: Campaign, unit: Unit, actor: User | None, data: dict[str, Any]
) -> Exemplar:
    """Register a draft for ``unit`` in ``campaign``; the unit must lie in the campaign's tree."""
    if not unit.path.startswith(campaign.unit.path):
        raise DomainError("unit outside the campaign")
    field_id = data.get("field_id")
    if field_id is not None and field_id not in {f.id for f in campaign.fields}:
        raise DomainError("field outside the campaign")
    exemplar = Exemplar(
        campaign=campaign, unit=unit, created_by=actor, state=State.DRAFT
    )
    _apply(exemplar, data)
    db.session.add(exemplar)
    db.session.flush()
    log.info("created %s for unit %s", exemplar, unit.id)
    return exemplar


def update_exemplar(
    exemplar: Exemplar,
    *,
    actor: User | None,
    data: dict[str, Any],
    expected_version: int,
) -> Exemplar:
    """Edit the dossier. Only drafts and returned entries are editable, and only on the
    version the editor loaded (someone else's newer save is never overwritten)."""
    if exemplar.state not in EDITABLE_STATES:
        raise DomainError("not editable")
    if exemplar.version != expected_version:
        raise Conflict("stale version")
    field_id = data.get("field_id")
    if field_id is not None and field_id not in {
        f.id for f in exemplar.campaign.fields
    }:
        raise DomainError("field outside the campaign")
    _apply(exemplar, data)
    # The mapper's version_id_col makes this UPDATE ... WHERE version = :loaded.
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict("stale version") from exc
    log.info("edited %s", exemplar)
    return exemplar


def missing_for_submit(exemplar: Exemplar) -> list[str]:
    return [f for f in REQUIRED_FOR_SUBMIT if not getattr(exemplar, f)]


def transition(
    exemplar: Exemplar,
    action: str,
    *,
    actor: User | None,
    actor_kind: str | None = None,
    note: str = "",
    stage: Stage | None | bool = False,
) -> State:
    """Move ``exemplar`` by ``action`` through the state machine.

    The row is changed with ``UPDATE ... WHERE id AND state AND version``; if another
    transaction changed it first nothing is written and :class:`Conflict` is raised, on
    SQLite and PostgreSQL alike. ``stage`` (when not ``False``) sets the current stage.
    One history record is appended per change.
    """
    from_state = State(exemplar.state)
    try:
        to_state = advance(from_state, action, actor_kind)
    except IllegalTransition as exc:
        raise DomainError("illegal transition") from exc
    now = utcnow()
    values: dict[str, Any] = {
        "state": to_state.value,
        "version": Exemplar.version + 1,
        "updated_at": now,
    }
    if stage is not False:
        values["stage_id"] = stage.id if stage is not None else None
    if action in (Action.SUBMIT, Action.RESUBMIT):
        values["submitted_at"] = now
    if to_state == State.RECOMMENDED and exemplar.published_at is None:
        values["published_at"] = now
    db.session.flush()
    result = db.session.execute(
        update(Exemplar)
        .where(
            Exemplar.id == exemplar.id,
            Exemplar.state == from_state.value,
            Exemplar.version == exemplar.version,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.expire(exemplar)
        raise Conflict("changed by someone else")
    history_stage = (
        exemplar.stage_id if stage is False else (stage.id if stage else None)
    )
    db.session.add(
        History(
            exemplar_id=exemplar.id,
            actor_id=actor.id if actor else None,
            at=now,
            action=Action(action).value,
            from_state=from_state.value,
            to_state=to_state.value,
            stage_id=history_stage
            if action != Action.PASS_STAGE
            else exemplar.stage_id,
            note=note,
        )
    )
    db.session.flush()
    db.session.expire(exemplar)
    log.info("exemplar %s: %s -> %s by %s", exemplar.id, from_state, to_state, actor)
    return to_state


def first_stage(campaign: Campaign) -> Stage | None:
    return db.session.scalar(
        select(Stage)
        .where(Stage.campaign_id == campaign.id)
        .order_by(Stage.position)
        .limit(1)
    )


def entry_stage(exemplar: Exemplar) -> Stage | None:
    """The stage a newly submitted entry starts at: the first stage whose tier the
    registering unit has an ancestor at (see :mod:`dankheo.campaigns.routing`)."""
    from ..campaigns.routing import next_stage

    return next_stage(exemplar.campaign, exemplar.unit)


def submit_exemplar(exemplar: Exemplar, *, actor: User | None) -> State:
    """Submit a draft: it is locked and enters the first stage it routes to."""
    missing = missing_for_submit(exemplar)
    if missing:
        raise DomainError("incomplete: " + ", ".join(missing))
    return transition(
        exemplar,
        Action.SUBMIT,
        actor=actor,
        actor_kind="unit",
        stage=entry_stage(exemplar),
    )


def withdraw_exemplar(
    exemplar: Exemplar, *, actor: User | None, note: str = ""
) -> State:
    """Take a submitted entry back to draft, allowed only while it is at its first stage."""
    stage = entry_stage(exemplar)
    if stage is not None and exemplar.stage_id != stage.id:
        raise DomainError("already forwarded")
    # Votes cast on this dossier in an open round must not count for the one the unit
    # submits again: appraisal listens and reports how many it discarded.
    discarded = sum(
        n for _receiver, n in exemplar_withdrawn.send(exemplar, actor=actor) if n
    )
    if discarded:
        extra = f"Hủy {discarded} phiếu thẩm định của phiên đang mở."
        note = f"{note} ({extra})" if note else extra
    return transition(
        exemplar, Action.WITHDRAW, actor=actor, actor_kind="unit", note=note, stage=None
    )


def resubmit_exemplar(
    exemplar: Exemplar, *, actor: User | None, note: str = ""
) -> State:
    """Send a supplemented entry back to the stage that returned it."""
    missing = missing_for_submit(exemplar)
    if missing:
        raise DomainError("incomplete: " + ", ".join(missing))
    return transition(
        exemplar, Action.RESUBMIT, actor=actor, actor_kind="unit", note=note
    )


def add_attachment(
    exemplar: Exemplar,
    *,
    actor: User | None,
    stream,
    filename: str | None,
    kind: str = AttachmentKind.OTHER,
    is_public: bool = False,
) -> Attachment:
    """Attach a checked file to an editable dossier (raises UploadError on bad files)."""
    if exemplar.state not in EDITABLE_STATES:
        raise DomainError("not editable")
    if is_public and kind != AttachmentKind.PHOTO:
        is_public = False  # only photos are ever shown to the public
    stored = store_upload(stream, filename)
    # The bytes are on disk before the row is committed: remove them if it never is.
    discard_on_rollback(path_for_name(stored.stored_name))
    attachment = Attachment(
        exemplar=exemplar,
        kind=AttachmentKind(kind).value,
        original_name=stored.original_name,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        is_public=is_public,
        uploaded_by=actor,
    )
    db.session.add(attachment)
    db.session.flush()
    log.info("attached %s to exemplar %s", attachment, exemplar.id)
    return attachment


def remove_attachment(attachment: Attachment, *, actor: User | None) -> None:
    """Remove an attachment from an editable dossier (the file is deleted after commit)."""
    if attachment.exemplar.state not in EDITABLE_STATES:
        raise DomainError("not editable")
    path = path_for(attachment)
    db.session.delete(attachment)
    db.session.flush()
    delete_on_commit(path)
    log.info("removed attachment %s by %s", attachment.id, actor)
