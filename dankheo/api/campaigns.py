"""Open data on campaigns: the list and each campaign's funnel, counted from records."""

from __future__ import annotations

from ..appraisal.queries import campaign_funnel
from ..campaigns.models import Campaign
from ..domain.enums import CampaignStatus
from ..errors import NotFound
from ..extensions import db
from ..showcase.statistics import public_campaigns
from .blueprint import bp
from .schemas import CampaignInfo, CampaignList, Funnel
from .spec import operation


@bp.get("/v1/campaigns")
@operation("listCampaigns", ok=CampaignList)
def campaigns() -> CampaignList:
    """Các đợt thi đua

    Mọi đợt đã qua giai đoạn chuẩn bị, năm gần nhất trước; đợt nháp không công khai.
    """
    return CampaignList(campaigns=[CampaignInfo.of(c) for c in public_campaigns()])


@bp.get("/v1/campaigns/<int:id>/funnel", endpoint="campaign_funnel")
@operation(
    "getCampaignFunnel",
    ok=Funnel,
    not_found="Không có (hoặc chưa công khai)",
    path={"id": "Mã đợt thi đua"},
)
def campaign_funnel_view(id: int) -> Funnel:
    """Phễu thi đua của một đợt: đăng ký, từng vòng, đề nghị, khen thưởng"""
    campaign = db.session.get(Campaign, id)
    if campaign is None or campaign.status == CampaignStatus.DRAFT:
        raise NotFound()
    return Funnel(campaign=CampaignInfo.of(campaign), **campaign_funnel(campaign))
