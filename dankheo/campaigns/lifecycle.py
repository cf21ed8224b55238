"""A campaign's lifecycle, as data, and the registration window it opens.

    draft --open_registration--> registration --start_appraisal--> appraisal --close--> closed
    appraisal --reopen_registration (reason required)--> registration
    registration --back_to_draft--> draft        (nothing registered yet: checked here)
    closed --reopen_appraisal (reason required)--> appraisal

Only the secretariat over the campaign's unit changes it (the views check that). There
is no campaign history table (nor a notes field: the description is the announcement): every
change is logged as one line (campaign id, from, to, actor id) and recorded, with the reason when one
is required).

Registration is open on a day when the campaign is in ``registration`` and the day lies
in its window; "the day" is today in the product's time zone (:mod:`dankheo.clock`).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, column, exists, select, table, update

from .. import clock
from ..domain import N_
from ..domain.enums import LABELS, CampaignStatus, LabelledEnum
from ..errors import Conflict, InvalidInput, RuleRefused
from ..extensions import db
from .models import Campaign
from .signals import campaign_status_changed

if TYPE_CHECKING:
    from ..auth.models import User

log = logging.getLogger(__name__)


class CampaignAction(LabelledEnum):
    OPEN_REGISTRATION = "open_registration"
    BACK_TO_DRAFT = "back_to_draft"
    START_APPRAISAL = "start_appraisal"
    REOPEN_REGISTRATION = "reopen_registration"
    CLOSE = "close"
    REOPEN_APPRAISAL = "reopen_appraisal"


LABELS.update(
    {
        CampaignAction.OPEN_REGISTRATION: N_("Mở đăng ký"),
        CampaignAction.BACK_TO_DRAFT: N_("Trở lại chuẩn bị"),
        CampaignAction.START_APPRAISAL: N_("Kết thúc đăng ký, bắt đầu thẩm định"),
        CampaignAction.REOPEN_REGISTRATION: N_("Mở lại đăng ký"),
        CampaignAction.CLOSE: N_("Kết thúc đợt"),
        CampaignAction.REOPEN_APPRAISAL: N_("Mở lại thẩm định"),
    }
)

S = CampaignStatus

#: (from status, action) -> to status
TRANSITIONS: dict[tuple[CampaignStatus, CampaignAction], CampaignStatus] = {
    (S.DRAFT, CampaignAction.OPEN_REGISTRATION): S.REGISTRATION,
    (S.REGISTRATION, CampaignAction.BACK_TO_DRAFT): S.DRAFT,
    (S.REGISTRATION, CampaignAction.START_APPRAISAL): S.APPRAISAL,
    (S.APPRAISAL, CampaignAction.REOPEN_REGISTRATION): S.REGISTRATION,
    (S.APPRAISAL, CampaignAction.CLOSE): S.CLOSED,
    (S.CLOSED, CampaignAction.REOPEN_APPRAISAL): S.APPRAISAL,
}

#: Actions that go back on an announced step: the secretariat must say why.
NEEDS_REASON = frozenset(
    {CampaignAction.REOPEN_REGISTRATION, CampaignAction.REOPEN_APPRAISAL}
)


def allowed_actions(status: str) -> list[CampaignAction]:
    """Actions available from ``status``, in table order."""
    return [a for (s, a) in TRANSITIONS if s == status]


def target(status: str, action: str) -> CampaignStatus:
    """The status ``action`` leads to from ``status``; RuleRefused when not allowed."""
    try:
        key = (CampaignStatus(status), CampaignAction(action))
    except ValueError as exc:
        raise RuleRefused() from exc
    if key not in TRANSITIONS:
        raise RuleRefused(
            N_("Không thể “%(action)s” khi đợt đang ở trạng thái “%(status)s”."),
            action=_Label(key[1].label),
            status=_Label(key[0].label),
        )
    return TRANSITIONS[key]


class _Label:
    """A label translated when the message is shown."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __str__(self) -> str:
        from ..errors import translate

        return translate(self.label)


def change_status(
    campaign: Campaign,
    action: str,
    *,
    actor: User | None,
    reason: str = "",
    registration_closes: date | None = None,
) -> CampaignStatus:
    """Move the campaign by ``action`` through :data:`TRANSITIONS`.

    Reopening asks for a reason (:data:`NEEDS_REASON`); reopening registration after
    its closing day asks for a new closing day not before today, otherwise nobody could
    register anyway. Going back to preparation is refused once an exemplar is registered.
    The row changes with ``UPDATE ... WHERE status = :from``, so two secretaries
    pressing at once change it once (the second gets :class:`Conflict`).
    """
    from_status = CampaignStatus(campaign.status)
    to_status = target(from_status, action)
    action = CampaignAction(action)
    reason = " ".join((reason or "").split())
    if action in NEEDS_REASON and not reason:
        raise InvalidInput(N_("Vui lòng nêu lý do mở lại."), field="reason")
    values: dict[str, Any] = {"status": to_status.value}
    if action == CampaignAction.REOPEN_REGISTRATION:
        closes = registration_closes or campaign.registration_closes
        today = clock.today()
        if closes is not None and closes < today:
            raise InvalidInput(
                N_("Hạn đăng ký mới phải từ hôm nay (%(day)s) trở đi."),
                field="registration_closes",
                day=clock.LocalDay(today),
            )
        if registration_closes is not None:
            values["registration_closes"] = registration_closes
    if action == CampaignAction.BACK_TO_DRAFT and _has_exemplars(campaign):
        raise RuleRefused(
            N_("Đã có hồ sơ đăng ký trong đợt nên không trở lại chuẩn bị được.")
        )
    db.session.flush()
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(Campaign)
            .where(Campaign.id == campaign.id, Campaign.status == from_status.value)
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        db.session.expire(campaign)
        raise Conflict(N_("Đợt vừa được người khác chuyển trạng thái; hãy xem lại."))
    db.session.expire(campaign)
    # The audit log records the change with its reason (see .signals).
    campaign_status_changed.send(
        campaign,
        action=action.value,
        from_status=from_status.value,
        to_status=to_status.value,
        reason=reason,
        actor=actor,
    )
    log.info(
        "campaign %s %s -> %s by user %s",
        campaign.id,
        from_status.value,
        to_status.value,
        actor.id if actor is not None else None,
    )
    return to_status


def _has_exemplars(campaign: Campaign) -> bool:
    """Whether anything is registered in ``campaign``. Read by table name: the registry
    is built on campaigns, so campaigns never imports it."""
    exemplars = table("exemplars", column("campaign_id"))
    return bool(
        db.session.scalar(
            select(exists().where(exemplars.c.campaign_id == campaign.id))
        )
    )


def check_registration_open(campaign: Campaign, today: date | None = None) -> None:
    """Refuse unless units may register in ``campaign`` today (create, edit or submit a
    draft): the campaign is in ``registration`` and today lies in its window, both
    ends included, in the product's time zone."""
    today = today or clock.today()
    opens, closes = campaign.registration_opens, campaign.registration_closes
    if campaign.status == CampaignStatus.DRAFT:
        raise RuleRefused(N_("Đợt thi đua chưa mở đăng ký."))
    if closes is not None and today > closes:
        raise RuleRefused(
            N_("Đợt thi đua đã hết hạn đăng ký ngày %(day)s."),
            day=clock.LocalDay(closes),
        )
    if campaign.status != CampaignStatus.REGISTRATION:
        raise RuleRefused(N_("Đợt thi đua đã kết thúc nhận đăng ký."))
    if opens is not None and today < opens:
        raise RuleRefused(
            N_("Đợt thi đua mở đăng ký từ ngày %(day)s."), day=clock.LocalDay(opens)
        )


def registration_open(campaign: Campaign, today: date | None = None) -> bool:
    """Whether :func:`check_registration_open` lets units register today."""
    try:
        check_registration_open(campaign, today)
    except RuleRefused:
        return False
    return True
