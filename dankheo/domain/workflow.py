"""The exemplar state machine, as data.

Every state change of an exemplar goes through :func:`advance`; the operations layer
then writes the change with a guarded UPDATE and appends a history record.

    draft --submit--> submitted --withdraw--> draft           (unit, first stage only)
    submitted --pass_stage--> submitted (next stage)          (council close)
    submitted --recommend--> recommended                      (council close, last stage)
    submitted --reject--> rejected                            (council close)
    submitted --return_for_supplement--> returned             (council close)
    returned --resubmit--> submitted (same stage)             (unit)
    recommended --commend--> commended                        (secretariat)
    commended --replicate--> replicated                       (secretariat)
    submitted --correct--> submitted (the stage it wrongly passed)  (secretariat)
    recommended --correct--> submitted (the last stage)       (secretariat)
    commended --correct--> recommended (decision annulled)    (secretariat)

``correct`` is the secretariat's recorded correction of a wrong pass: it always goes one
step back, needs a reason, and is appended to the history like any other change.
"""

from __future__ import annotations

from enum import StrEnum

from . import N_
from .enums import LABELS, LabelledEnum


class State(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    REJECTED = "rejected"
    RECOMMENDED = "recommended"
    COMMENDED = "commended"
    REPLICATED = "replicated"


class Action(LabelledEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    RESUBMIT = "resubmit"
    PASS_STAGE = "pass_stage"
    RECOMMEND = "recommend"
    REJECT = "reject"
    RETURN_FOR_SUPPLEMENT = "return_for_supplement"
    COMMEND = "commend"
    REPLICATE = "replicate"
    CORRECT = "correct"


class Actor(StrEnum):
    """Which audience may take an action (permissions decide which person)."""

    UNIT = "unit"
    COUNCIL = "council"
    SECRETARIAT = "secretariat"


LABELS.update(
    {
        State.DRAFT: N_("Bản nháp"),
        State.SUBMITTED: N_("Đang thẩm định"),
        State.RETURNED: N_("Cần bổ sung"),
        State.REJECTED: N_("Không đạt"),
        State.RECOMMENDED: N_("Đề nghị khen thưởng"),
        State.COMMENDED: N_("Đã khen thưởng"),
        State.REPLICATED: N_("Đã nhân rộng"),
        Action.SUBMIT: N_("Gửi đăng ký"),
        Action.WITHDRAW: N_("Rút lại"),
        Action.RESUBMIT: N_("Gửi lại sau bổ sung"),
        Action.PASS_STAGE: N_("Đạt, chuyển vòng tiếp"),
        Action.RECOMMEND: N_("Đề nghị khen thưởng"),
        Action.REJECT: N_("Không công nhận"),
        Action.RETURN_FOR_SUPPLEMENT: N_("Trả lại để bổ sung"),
        Action.COMMEND: N_("Ghi nhận khen thưởng"),
        Action.REPLICATE: N_("Ghi nhận nhân rộng"),
        Action.CORRECT: N_("Đính chính, trả về bước trước"),
    }
)

#: (from state, action) -> (to state, who may take it)
TRANSITIONS: dict[tuple[State, Action], tuple[State, Actor]] = {
    (State.DRAFT, Action.SUBMIT): (State.SUBMITTED, Actor.UNIT),
    (State.SUBMITTED, Action.WITHDRAW): (State.DRAFT, Actor.UNIT),
    (State.RETURNED, Action.RESUBMIT): (State.SUBMITTED, Actor.UNIT),
    (State.SUBMITTED, Action.PASS_STAGE): (State.SUBMITTED, Actor.COUNCIL),
    (State.SUBMITTED, Action.RECOMMEND): (State.RECOMMENDED, Actor.COUNCIL),
    (State.SUBMITTED, Action.REJECT): (State.REJECTED, Actor.COUNCIL),
    (State.SUBMITTED, Action.RETURN_FOR_SUPPLEMENT): (State.RETURNED, Actor.COUNCIL),
    (State.RECOMMENDED, Action.COMMEND): (State.COMMENDED, Actor.SECRETARIAT),
    (State.COMMENDED, Action.REPLICATE): (State.REPLICATED, Actor.SECRETARIAT),
    (State.SUBMITTED, Action.CORRECT): (State.SUBMITTED, Actor.SECRETARIAT),
    (State.RECOMMENDED, Action.CORRECT): (State.SUBMITTED, Actor.SECRETARIAT),
    (State.COMMENDED, Action.CORRECT): (State.RECOMMENDED, Actor.SECRETARIAT),
}

#: The unit may change the dossier only in these states.
EDITABLE_STATES = frozenset({State.DRAFT, State.RETURNED})
#: Only these states are ever visible to the public.
PUBLIC_STATES = frozenset({State.RECOMMENDED, State.COMMENDED, State.REPLICATED})
#: Public and commended: a commendation was decided (replication comes after it).
COMMENDED_STATES = frozenset({State.COMMENDED, State.REPLICATED})
#: Submitted at least once and not taken back: every state but the draft.
REGISTERED_STATES = frozenset(s for s in State if s != State.DRAFT)
#: States that no action leaves.
FINAL_STATES = frozenset(
    s for s in State if not any(src == s for (src, _a) in TRANSITIONS)
)


class IllegalTransition(Exception):
    """The action is not allowed from the current state (or by this actor)."""

    def __init__(self, state: str, action: str):
        super().__init__(f"cannot {action} from {state}")
        self.state = state
        self.action = action


def advance(state: str, action: str, actor: str | None = None) -> State:
    """Return the state reached by taking ``action`` from ``state``.

    Raises :class:`IllegalTransition` when the pair is not in :data:`TRANSITIONS`, or
    when ``actor`` is given and is not the audience allowed to take it.
    """
    try:
        key = (State(state), Action(action))
    except ValueError as exc:
        raise IllegalTransition(state, action) from exc
    if key not in TRANSITIONS:
        raise IllegalTransition(state, action)
    target, allowed = TRANSITIONS[key]
    if actor is not None and Actor(actor) != allowed:
        raise IllegalTransition(state, action)
    return target


def allowed_actions(state: str, actor: str | None = None) -> list[Action]:
    """Actions available from ``state`` (for ``actor`` when given), in table order."""
    return [
        a
        for (s, a), (_t, who) in TRANSITIONS.items()
        if s == state and (actor is None or who == actor)
    ]
