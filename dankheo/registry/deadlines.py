"""When a dossier may still change: a draft while its campaign takes registrations, a
returned dossier until its supplement deadline."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, has_app_context
from sqlalchemy import select

from .. import clock
from ..campaigns.lifecycle import check_registration_open
from ..domain import N_
from ..domain.enums import CampaignStatus
from ..domain.workflow import EDITABLE_STATES, Action, State
from ..errors import RuleRefused
from ..extensions import db
from .models import Exemplar, History

#: The same refusal wherever a locked dossier would be changed.
NOT_EDITABLE = N_("Hồ sơ đã gửi đăng ký nên không sửa được.")

#: Days a unit has to supplement a returned dossier when the app does not say.
DEFAULT_SUPPLEMENT_DAYS = 15


def supplement_deadline(exemplar: Exemplar) -> date | None:
    """The last day a returned dossier may be supplemented and sent back: the day it
    was returned (in the product's time zone) plus ``SUPPLEMENT_DAYS``. None when it
    was never returned."""
    returned_at = db.session.scalar(
        select(History.at)
        .where(
            History.exemplar_id == exemplar.id,
            History.action == Action.RETURN_FOR_SUPPLEMENT.value,
        )
        .order_by(History.id.desc())
        .limit(1)
    )
    if returned_at is None:
        return None
    days = DEFAULT_SUPPLEMENT_DAYS
    if has_app_context():
        days = int(current_app.config.get("SUPPLEMENT_DAYS", days))
    return clock.local_date(returned_at) + timedelta(days=days)


def check_supplement_open(exemplar: Exemplar, today: date | None = None) -> None:
    """Refuse unless the unit may still supplement and resend a returned dossier: its
    campaign is not closed and today is not past :func:`supplement_deadline`."""
    if exemplar.campaign.status == CampaignStatus.CLOSED:
        raise RuleRefused(N_("Đợt thi đua đã kết thúc nên không bổ sung được nữa."))
    deadline = supplement_deadline(exemplar)
    if deadline is not None and (today or clock.today()) > deadline:
        raise RuleRefused(
            N_("Đã hết hạn bổ sung hồ sơ ngày %(day)s."), day=clock.LocalDay(deadline)
        )


def check_editable(exemplar: Exemplar) -> None:
    """Refuse unless the dossier may be changed today: a draft while its campaign
    takes registrations, a returned dossier until its supplement deadline."""
    if exemplar.state not in EDITABLE_STATES:
        raise RuleRefused(NOT_EDITABLE)
    if exemplar.state == State.DRAFT:
        check_registration_open(exemplar.campaign)
    else:
        check_supplement_open(exemplar)
