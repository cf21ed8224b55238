"""Campaigns and what they offer registering units: fields and commendation forms.

Operations flush and never commit (the request lifecycle does); a refusal is a typed
error from :mod:`dankheo.errors`; each change logs one line naming the actor's id.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from ..domain import N_
from ..domain.enums import CampaignStatus
from ..domain.objections import DEFAULT_WINDOW_DAYS
from ..errors import RuleRefused
from ..extensions import db
from ..units.models import Unit
from .models import Campaign, CommendationForm, Field

if TYPE_CHECKING:
    from ..auth.models import User

log = logging.getLogger(__name__)

#: The four standard fields of the movement, seeded into every new campaign.
STANDARD_FIELDS = (
    "Kinh tế",
    "Văn hóa – xã hội",
    "Quốc phòng – an ninh",
    "Xây dựng Đảng và hệ thống chính trị",
)

#: Default commendation forms; the secretariat edits the list per campaign.
STANDARD_FORMS = (
    ("Giấy khen của Chủ tịch UBND cấp xã", "UBND cấp xã"),
    ("Bằng khen của Chủ tịch UBND tỉnh", "UBND tỉnh"),
    ("Biểu dương của Ban Thường vụ cấp ủy", "Ban Thường vụ cấp ủy"),
)


def create_campaign(
    *,
    name: str,
    year: int,
    unit: Unit,
    registration_opens: date | None = None,
    registration_closes: date | None = None,
    status: str = CampaignStatus.DRAFT,
    period_label: str | None = None,
    description: str | None = None,
    objection_days: int = DEFAULT_WINDOW_DAYS,
    fields: tuple[str, ...] = STANDARD_FIELDS,
    forms: tuple[tuple[str, str], ...] = STANDARD_FORMS,
    actor: User | None = None,
) -> Campaign:
    """Open a campaign over ``unit``'s subtree with the standard fields and forms."""
    campaign = Campaign(
        name=name,
        year=year,
        unit=unit,
        registration_opens=registration_opens,
        registration_closes=registration_closes,
        status=CampaignStatus(status),
        period_label=period_label,
        description=description,
        objection_days=objection_days,
    )
    for i, field_name in enumerate(fields):
        campaign.fields.append(Field(name=field_name, position=i))
    for i, (form_name, body) in enumerate(forms):
        campaign.commendation_forms.append(
            CommendationForm(name=form_name, issuing_body=body, position=i)
        )
    db.session.add(campaign)
    db.session.flush()
    log.info(
        "campaign %s created over unit %s by user %s", campaign.id, unit.id, _id(actor)
    )
    return campaign


def _id(user: User | None) -> int | None:
    return user.id if user is not None else None


def update_campaign(
    campaign: Campaign, *, actor: User | None = None, **values: Any
) -> Campaign:
    """Change a campaign's name, windows (registration, objections) or description
    (the audit log records the change); its status moves only through
    :func:`dankheo.campaigns.lifecycle.change_status`."""
    allowed = {
        "name",
        "year",
        "period_label",
        "registration_opens",
        "registration_closes",
        "description",
        "objection_days",
    }
    for key, value in values.items():
        if key not in allowed:
            raise ValueError(key)
        setattr(campaign, key, value)
    db.session.flush()
    log.info(
        "campaign %s updated (%s) by user %s",
        campaign.id,
        ", ".join(sorted(values)),
        _id(actor),
    )
    return campaign


def add_field(campaign: Campaign, name: str, *, actor: User | None = None) -> Field:
    """Add a field to the campaign's list; names are unique within a campaign."""
    if any(f.name == name for f in campaign.fields):
        raise RuleRefused(N_("Lĩnh vực này đã có."), field="name")
    field = Field(name=name, position=len(campaign.fields))
    campaign.fields.append(field)
    db.session.flush()
    log.info(
        "field %s added to campaign %s by user %s", field.id, campaign.id, _id(actor)
    )
    return field


def add_commendation_form(
    campaign: Campaign,
    name: str,
    issuing_body: str | None,
    *,
    actor: User | None = None,
) -> CommendationForm:
    """Add a commendation form to the campaign; names are unique within a campaign."""
    if any(f.name == name for f in campaign.commendation_forms):
        raise RuleRefused(N_("Hình thức này đã có."), field="name")
    form = CommendationForm(
        name=name, issuing_body=issuing_body, position=len(campaign.commendation_forms)
    )
    campaign.commendation_forms.append(form)
    db.session.flush()
    log.info(
        "commendation form %s added to campaign %s by user %s",
        form.id,
        campaign.id,
        _id(actor),
    )
    return form
