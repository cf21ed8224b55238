"""Operations on exemplars: create, edit and state changes (attachments: see
:mod:`.attachments`; when a dossier may change: :mod:`.deadlines`).

They take explicit arguments (the actor, the data), validate through the domain,
change rows, append history, flush, and never commit: the request lifecycle commits
once. A refusal is a typed error (:mod:`dankheo.errors`) carrying its own message.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from sqlalchemy.orm.exc import StaleDataError

from ..auth.models import User
from ..campaigns.lifecycle import check_registration_open
from ..campaigns.models import Campaign, Stage
from ..domain import N_
from ..domain.metrics import METRIC_KEYS
from ..domain.workflow import Action, Actor, IllegalTransition, State, advance
from ..errors import Conflict, InvalidInput, RuleRefused, translate
from ..extensions import db
from ..locking import lock_ids
from ..units.models import Unit
from .deadlines import check_editable, check_supplement_open
from .models import Exemplar
from .moves import Move, transition_many
from .signals import exemplar_withdrawn

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

#: What must be filled before an exemplar may be submitted (the form's items 1-4, 9),
#: with the label the unit officer sees for it.
REQUIRED_LABELS = {
    "name": N_("1. Tên mô hình, điển hình"),
    "field_id": N_("Lĩnh vực"),
    "situation": N_("2. Thực trạng, lý do xây dựng"),
    "goals": N_("3. Mục tiêu, tiêu chí"),
    "content": N_("4. Nội dung, cách thức thực hiện"),
    "outputs": N_("9. Sản phẩm, kết quả đầu ra"),
}
REQUIRED_FOR_SUBMIT = tuple(REQUIRED_LABELS)

#: A save on an older version than the stored one (the form keeps the editor's text).
STALE_EDIT = N_(
    "Hồ sơ vừa được người khác sửa. Nội dung bạn nhập vẫn còn dưới đây; "
    "hãy đối chiếu rồi lưu lại."
)

#: The exemplar moved on (another state or version) since it was read.
STATE_CHANGED = N_("Hồ sơ vừa thay đổi trạng thái; hãy xem lại.")


class _Labels:
    """Labels joined in the language of whoever reads the message, not of the raiser."""

    def __init__(self, labels: list[str]) -> None:
        self.labels = labels

    def __str__(self) -> str:
        return ", ".join(translate(label) for label in self.labels)


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
            raise InvalidInput(
                N_("Mục “%(name)s” không có trong mẫu đăng ký."), field=key, name=key
            )
        if key in METRIC_KEYS and value is not None and value < 0:
            raise InvalidInput(N_("Không được là số âm."), field=key)
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
        raise InvalidInput(N_("Đơn vị đăng ký không thuộc phạm vi của đợt này."))
    check_registration_open(campaign)
    _check_field(campaign, data)
    exemplar = Exemplar(
        campaign=campaign, unit=unit, created_by=actor, state=State.DRAFT
    )
    _apply(exemplar, data)
    db.session.add(exemplar)
    db.session.flush()
    log.info(
        "exemplar %s created for unit %s by user %s",
        exemplar.id,
        unit.id,
        actor.id if actor else None,
    )
    return exemplar


def _check_field(campaign: Campaign, data: dict[str, Any]) -> None:
    field_id = data.get("field_id")
    if field_id is not None and field_id not in {f.id for f in campaign.fields}:
        raise InvalidInput(
            N_("Lĩnh vực không thuộc đợt đăng ký này."), field="field_id"
        )


def update_exemplar(
    exemplar: Exemplar,
    *,
    actor: User | None,
    data: dict[str, Any],
    expected_version: int,
) -> Exemplar:
    """Edit the dossier. Only drafts and returned exemplars are editable, and only on
    the version the editor loaded (someone else's newer save is never overwritten)."""
    check_editable(exemplar)
    if exemplar.version != expected_version:
        raise Conflict(STALE_EDIT)
    _check_field(exemplar.campaign, data)
    _apply(exemplar, data)
    # The mapper's version_id_col makes this UPDATE ... WHERE version = :loaded.
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict(STALE_EDIT) from exc
    log.info("exemplar %s edited by user %s", exemplar.id, actor.id if actor else None)
    return exemplar


def missing_for_submit(exemplar: Exemplar) -> list[str]:
    """The required items (names of :data:`REQUIRED_FOR_SUBMIT`) still empty."""
    return [f for f in REQUIRED_FOR_SUBMIT if not getattr(exemplar, f)]


def _refuse_if_incomplete(exemplar: Exemplar) -> None:
    missing = missing_for_submit(exemplar)
    if missing:
        raise RuleRefused(
            N_("Hồ sơ chưa đủ các mục bắt buộc: %(items)s."),
            items=_Labels([REQUIRED_LABELS[m] for m in missing]),
        )


def transition(
    exemplar: Exemplar,
    action: str,
    *,
    actor: User | None,
    actor_kind: str | None = None,
    note: str = "",
    stage: Stage | None | Literal[False] = False,
) -> State:
    """Move ``exemplar`` by ``action`` through the state machine: a batch of one of
    :func:`.moves.transition_many`, which holds the rule.

    The row is changed with ``UPDATE ... WHERE id AND state AND version``; if another
    transaction changed it first nothing is written and :class:`Conflict` is raised, on
    SQLite and PostgreSQL alike; an action the state machine does not allow from the
    current state is :class:`RuleRefused`. ``stage`` (when not ``False``) sets the
    current stage. One history record is appended and one line logged per change.
    After a change or a conflict ``exemplar`` is expired: reading it next shows the
    row as it is now.
    """
    moved = transition_many(
        [Move(exemplar, action, note, stage)], actor=actor, actor_kind=actor_kind
    )
    if not moved:
        raise Conflict(STATE_CHANGED)
    (to_state,) = moved.values()
    return to_state


def lock_exemplar(exemplar: Exemplar) -> None:
    """Step 2 of :mod:`dankheo.locking`: hold ``exemplar``'s row until commit and read
    it afresh, so the checks that follow see what the last committed change left."""
    if not lock_ids(Exemplar, [exemplar.id]):
        raise Conflict(STATE_CHANGED)


def starting_stage(exemplar: Exemplar) -> Stage | None:
    """The stage a newly submitted exemplar starts at: the first stage whose tier the
    registering unit has an ancestor at (see :mod:`dankheo.campaigns.routing`)."""
    from ..campaigns.routing import next_stage

    return next_stage(exemplar.campaign, exemplar.unit)


def submit_exemplar(exemplar: Exemplar, *, actor: User | None) -> State:
    """Submit a complete draft while its campaign takes registrations (today in the
    product's time zone lies in the window): it is locked and enters the first stage
    it routes to."""
    lock_exemplar(exemplar)
    if exemplar.state == State.DRAFT:
        check_registration_open(exemplar.campaign)
    _refuse_if_incomplete(exemplar)
    return transition(
        exemplar,
        Action.SUBMIT,
        actor=actor,
        actor_kind=Actor.UNIT,
        stage=starting_stage(exemplar),
    )


def withdraw_exemplar(
    exemplar: Exemplar, *, actor: User | None, note: str = ""
) -> State:
    """Take a submitted exemplar back to draft, allowed only while it is at its first
    stage. Receivers of :data:`~dankheo.registry.signals.exemplar_withdrawn` (appraisal
    discarding the open round's ballots) act in the same transaction, before the state
    changes; the sentences they return are added to the history note.

    The exemplar's row is held from the first check to the commit (see
    :mod:`dankheo.locking`), so a vote either lands before and is discarded here, or
    waits and finds the exemplar no longer submitted."""
    lock_exemplar(exemplar)
    try:
        advance(exemplar.state, Action.WITHDRAW, Actor.UNIT)
    except IllegalTransition as exc:
        raise RuleRefused() from exc
    stage = starting_stage(exemplar)
    if stage is not None and exemplar.stage_id != stage.id:
        raise RuleRefused(
            N_("Hồ sơ đã được chuyển lên vòng sau nên không rút lại được.")
        )
    said = [
        str(extra)
        for _receiver, extra in exemplar_withdrawn.send(exemplar, actor=actor)
        if extra
    ]
    if said:
        extra = " ".join(said)
        note = f"{note} ({extra})" if note else extra
    return transition(
        exemplar,
        Action.WITHDRAW,
        actor=actor,
        actor_kind=Actor.UNIT,
        note=note,
        stage=None,
    )


def resubmit_exemplar(
    exemplar: Exemplar, *, actor: User | None, note: str = ""
) -> State:
    """Send a supplemented exemplar back to the stage that returned it, until the
    supplement deadline (:func:`.deadlines.supplement_deadline`)."""
    lock_exemplar(exemplar)
    if exemplar.state == State.RETURNED:
        check_supplement_open(exemplar)
    _refuse_if_incomplete(exemplar)
    return transition(
        exemplar, Action.RESUBMIT, actor=actor, actor_kind=Actor.UNIT, note=note
    )
