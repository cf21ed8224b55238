"""Corrections with a trail: the secretariat corrects or annuls a commendation decision,
deletes a draft nobody ever submitted, and returns a wrongly passed exemplar to the stage
it passed.

A correction never rewrites what happened: state changes go through the workflow's
``correct`` action (appended to the history with its reason), corrected and annulled
decisions keep their reason and date, and the audit log keeps the old values. The stage
result of an undone pass keeps what the round decided and is marked corrected (with the
history record of the correction), so no page, list, count or replay takes it for the
exemplar's outcome any more; ballots cast on the exemplar in an open round are
discarded, as when its unit withdraws it.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Literal

from sqlalchemy import func, select

from ..appraisal.models import RESULT_IN_FORCE, Commendation, StageResult
from ..appraisal.voting import discard_open_ballots
from ..auth.models import User
from ..campaigns.models import CommendationForm, Stage
from ..db import utcnow
from ..domain import N_
from ..domain.tally import Outcome
from ..domain.workflow import Action, Actor, State
from ..errors import InvalidInput, RuleRefused
from ..extensions import db
from ..registry.models import Exemplar, History
from ..registry.operations import transition
from ..registry.uploads import delete_stored

log = logging.getLogger(__name__)

#: The history action each correctable state was reached by (the step undone).
UNDONE_BY = {
    State.SUBMITTED: Action.PASS_STAGE,
    State.RECOMMENDED: Action.RECOMMEND,
    State.COMMENDED: Action.COMMEND,
}


def _reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(N_("Cần ghi rõ lý do."), field="reason")
    return reason


def _in_force(exemplar: Exemplar) -> Commendation | None:
    return db.session.scalar(
        select(Commendation).where(
            Commendation.exemplar_id == exemplar.id, Commendation.annulled_at.is_(None)
        )
    )


def annul_commendation(
    commendation: Commendation, *, reason: str, actor: User | None
) -> None:
    """Annul a decision in force: the exemplar goes back to recommended (``correct``),
    and the public page shows the decision as annulled, with the date and reason."""
    reason = _reason(reason)
    if commendation.annulled_at is not None:
        raise RuleRefused(N_("Quyết định khen thưởng này đã bị hủy."))
    exemplar = commendation.exemplar
    if exemplar.state != State.COMMENDED:
        raise RuleRefused(
            N_("Chỉ hủy được quyết định của hồ sơ đang ở trạng thái đã khen thưởng.")
        )
    commendation.annulled_at = utcnow()
    commendation.annul_reason = reason
    commendation.annulled_by_id = actor.id if actor else None
    db.session.flush()
    transition(
        exemplar,
        Action.CORRECT,
        actor=actor,
        actor_kind=Actor.SECRETARIAT,
        note=reason,
    )
    log.info(
        "commendation %s annulled by user %s",
        commendation.id,
        actor.id if actor else None,
    )


def correct_commendation(
    commendation: Commendation,
    *,
    form: CommendationForm,
    issuing_body: str,
    decision_number: str,
    decision_date: date,
    reason: str,
    actor: User | None,
) -> Commendation:
    """Correct the details of a decision in force (a wrong number, date, form or body);
    the reason and date of the correction are shown with it."""
    reason = _reason(reason)
    if commendation.annulled_at is not None:
        raise RuleRefused(N_("Quyết định khen thưởng này đã bị hủy."))
    if form.campaign_id != commendation.exemplar.campaign_id:
        raise InvalidInput(
            N_("Hình thức khen thưởng không thuộc đợt thi đua này."), field="form_id"
        )
    decision_number = " ".join((decision_number or "").split())
    issuing_body = " ".join((issuing_body or "").split())
    if not decision_number or not issuing_body:
        raise InvalidInput(N_("Cần nhập số quyết định và cơ quan ban hành."))
    commendation.form_id = form.id
    commendation.issuing_body = issuing_body
    commendation.decision_number = decision_number
    commendation.decision_date = decision_date
    commendation.corrected_at = utcnow()
    commendation.correction_reason = reason
    db.session.flush()
    log.info(
        "commendation %s corrected by user %s",
        commendation.id,
        actor.id if actor else None,
    )
    return commendation


def correctable(exemplar: Exemplar) -> History | None:
    """The history record of the step a correction would undo, if the exemplar's last
    step is one (a pass, a recommendation or a commendation), else None."""
    action = UNDONE_BY.get(State(exemplar.state))
    if action is None:
        return None
    last = db.session.scalar(
        select(History)
        .where(History.exemplar_id == exemplar.id)
        .order_by(History.id.desc())
        .limit(1)
    )
    return last if last is not None and last.action == action else None


def correct_pass(exemplar: Exemplar, *, reason: str, actor: User | None) -> State:
    """Return a wrongly passed exemplar one step: a pass to the stage it passed, a
    recommendation to the last stage, a commendation to recommended (the decision is
    annulled). Only the exemplar's latest step can be undone, so nothing decided after
    it is silently lost."""
    reason = _reason(reason)
    undone = correctable(exemplar)
    if undone is None:
        raise RuleRefused(
            N_(
                "Chỉ đính chính được bước gần nhất của hồ sơ (đạt vòng, đề nghị hoặc khen thưởng)."
            )
        )
    if exemplar.state == State.COMMENDED:
        commendation = _in_force(exemplar)
        if commendation is not None:
            annul_commendation(commendation, reason=reason, actor=actor)
            return State.RECOMMENDED
    stage: Stage | Literal[False] | None = (
        undone.stage if exemplar.state == State.SUBMITTED else False
    )
    passed_at = undone.stage_id
    discarded = discard_open_ballots(exemplar)
    state = transition(
        exemplar,
        Action.CORRECT,
        actor=actor,
        actor_kind=Actor.SECRETARIAT,
        note=f"{reason} ({discarded})" if discarded else reason,
        stage=stage,
    )
    _supersede_pass(exemplar.id, passed_at)
    return state


def _supersede_pass(exemplar_id: int, stage_id: int | None) -> None:
    """Mark the stage result of the undone pass as corrected, pointing at the history
    record the correction just appended."""
    correction = db.session.scalar(
        select(History)
        .where(History.exemplar_id == exemplar_id, History.action == Action.CORRECT)
        .order_by(History.id.desc())
        .limit(1)
    )
    result = db.session.scalar(
        select(StageResult)
        .where(
            StageResult.exemplar_id == exemplar_id,
            StageResult.stage_id == stage_id,
            StageResult.outcome == Outcome.PASSED.value,
            RESULT_IN_FORCE,
        )
        .order_by(StageResult.id.desc())
        .limit(1)
    )
    if result is None or correction is None:
        return
    result.corrected_at = correction.at
    result.correction_id = correction.id
    db.session.flush()


def delete_draft(exemplar: Exemplar, *, actor: User | None) -> None:
    """Delete a draft that was never submitted (no history at all); its files are
    removed once the deletion is committed."""
    if exemplar.state != State.DRAFT or db.session.scalar(
        select(func.count(History.id)).where(History.exemplar_id == exemplar.id)
    ):
        raise RuleRefused(N_("Chỉ xóa được bản nháp chưa từng gửi đăng ký."))
    names = [a.stored_name for a in exemplar.attachments]
    exemplar_id = exemplar.id
    db.session.delete(exemplar)
    db.session.flush()
    for name in names:
        delete_stored(name)
    log.info(
        "exemplar %s (draft) deleted by user %s",
        exemplar_id,
        actor.id if actor else None,
    )
