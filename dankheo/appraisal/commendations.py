"""After the last stage: the secretariat records commendation decisions for recommended
exemplars, and later that a commended model is being copied elsewhere (replication).

Both go through :func:`dankheo.registry.operations.transition`, so the history and the
showcase timeline follow. A batch decision is recorded for all its exemplars or (on any
refusal, the request rolls back) for none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from ..auth.models import User
from ..campaigns.models import CommendationForm
from ..domain import N_
from ..domain.workflow import Action, State
from ..errors import InvalidInput, RuleRefused
from ..extensions import db
from ..locking import lock_ids
from ..registry.models import Exemplar
from ..registry.operations import lock_exemplar, transition
from .models import Commendation

log = logging.getLogger(__name__)


def record_commendation(
    exemplar: Exemplar,
    *,
    form: CommendationForm,
    issuing_body: str,
    decision_number: str,
    decision_date: date,
    actor: User | None,
) -> Commendation:
    """Record the decision that commends a recommended exemplar (-> commended)."""
    if form.campaign_id != exemplar.campaign_id:
        raise InvalidInput(
            N_("Hình thức khen thưởng không thuộc đợt thi đua này."), field="form_id"
        )
    decision_number = " ".join((decision_number or "").split())
    issuing_body = " ".join((issuing_body or form.issuing_body or "").split())
    if not decision_number or not issuing_body:
        raise InvalidInput(N_("Cần nhập số quyết định và cơ quan ban hành."))
    lock_exemplar(exemplar)
    if exemplar.state != State.RECOMMENDED:
        raise RuleRefused(
            N_("Chỉ ghi nhận khen thưởng cho hồ sơ đã được đề nghị khen thưởng.")
        )
    transition(
        exemplar,
        Action.COMMEND,
        actor=actor,
        actor_kind="secretariat",
        note=f"{form.name} — {decision_number} ({decision_date.strftime('%d/%m/%Y')})",
    )
    commendation = Commendation(
        exemplar_id=exemplar.id,
        form_id=form.id,
        issuing_body=issuing_body,
        decision_number=decision_number,
        decision_date=decision_date,
        recorded_by_id=actor.id if actor else None,
    )
    db.session.add(commendation)
    db.session.flush()
    log.info(
        "exemplar %s commended (form %s) by user %s",
        commendation.exemplar_id,
        form.id,
        actor.id if actor else None,
    )
    return commendation


def record_commendations(
    exemplars: Sequence[Exemplar],
    *,
    form: CommendationForm,
    issuing_body: str,
    decision_number: str,
    decision_date: date,
    actor: User | None,
) -> list[Commendation]:
    """One decision for a batch of exemplars: all are recorded or (on error) none."""
    if not exemplars:
        raise InvalidInput(N_("Chưa chọn hồ sơ nào."))
    # Every row before the first transition takes a chain head (dankheo.locking).
    lock_ids(Exemplar, [e.id for e in exemplars])
    return [
        record_commendation(
            e,
            form=form,
            issuing_body=issuing_body,
            decision_number=decision_number,
            decision_date=decision_date,
            actor=actor,
        )
        for e in exemplars
    ]


def mark_replicated(exemplar: Exemplar, *, note: str, actor: User | None) -> State:
    """Record that a commended model is being copied elsewhere (nhân rộng)."""
    note = (note or "").strip()
    if not note:
        raise InvalidInput(N_("Cần ghi rõ nơi, cách thức nhân rộng."), field="note")
    lock_exemplar(exemplar)
    exemplar_id = exemplar.id
    state = transition(
        exemplar, Action.REPLICATE, actor=actor, actor_kind="secretariat", note=note
    )
    log.info(
        "exemplar %s marked replicated by user %s",
        exemplar_id,
        actor.id if actor else None,
    )
    return state
