"""Open data on campaigns: the list and each campaign's funnel, counted from records."""

from __future__ import annotations

from flask import abort, jsonify, url_for

from ..appraisal.queries import campaign_funnel
from ..campaigns.models import Campaign
from ..domain.enums import CampaignStatus
from ..extensions import db
from ..showcase.statistics import public_campaigns
from .blueprint import bp


def _campaign(c: Campaign) -> dict:
    return {
        "id": c.id,
        "name": c.name,
        "year": c.year,
        "period": c.period_label,
        "status": c.status,
        "unit": {"id": c.unit.id, "name": c.unit.name, "tier": c.unit.tier},
        "funnel_url": url_for("api.campaign_funnel", id=c.id, _external=True),
    }


@bp.get("/v1/campaigns")
def campaigns():
    """Every campaign past its preparation with its id (most recent year first); drafts
    are not public."""
    return jsonify(campaigns=[_campaign(c) for c in public_campaigns()])


@bp.get("/v1/campaigns/<int:id>/funnel", endpoint="campaign_funnel")
def campaign_funnel_view(id: int):
    campaign = db.session.get(Campaign, id)
    if campaign is None or campaign.status == CampaignStatus.DRAFT:
        abort(404, description="campaign not found")
    return jsonify(campaign=_campaign(campaign), **campaign_funnel(campaign))
