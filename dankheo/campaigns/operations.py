from __future__ import annotations

import logging
from datetime import date

from ..domain.enums import CampaignStatus
from ..extensions import db
from ..units.models import Unit
from .models import Campaign, CommendationForm, Field

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
    fields: tuple[str, ...] = STANDARD_FIELDS,
    forms: tuple[tuple[str, str], ...] = STANDARD_FORMS,
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
    )
    for i, field_name in enumerate(fields):
        campaign.fields.append(Field(name=field_name, position=i))
    for i, (form_name, body) in enumerate(forms):
        campaign.commendation_forms.append(
            CommendationForm(name=form_name, issuing_body=body, position=i)
        )
    db.session.add(campaign)
    db.session.flush()
    log.info("created campaign %s", campaign)
    return campaign


def update_campaign(campaign: Campaign, **values) -> Campaign:
    """Change a campaign's name, window, status or description."""
    allowed = {
        "name",
        "year",
        "period_label",
        "registration_opens",
        "registration_closes",
        "status",
        "description",
    }
    for key, value in values.items():
        if key not in allowed:
            raise ValueError(key)
        setattr(campaign, key, value)
    db.session.flush()
    log.info("updated campaign %s", campaign)
    return campaign


def add_field(campaign: Campaign, name: str) -> Field:
    if any(f.name == name for f in campaign.fields):
        from ..errors import DomainError

        raise DomainError("duplicate")
    field = Field(name=name, position=len(campaign.fields))
    campaign.fields.append(field)
    db.session.flush()
    return field


def add_commendation_form(
    campaign: Campaign, name: str, issuing_body: str | None
) -> CommendationForm:
    if any(f.name == name for f in campaign.commendation_forms):
        from ..errors import DomainError

        raise DomainError("duplicate")
    form = CommendationForm(
        name=name, issuing_body=issuing_body, position=len(campaign.commendation_forms)
    )
    campaign.commendation_forms.append(form)
    db.session.flush()
    return form
