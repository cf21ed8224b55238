"""Who may do what in appraisal.

* a council member appraises the exemplars of their council's queue, except those of their
  own unit (recusal: they are not even listed);
* the chair previews the tally, marks returns, opens and closes rounds; the secretary
  may preview and prepare the minutes;
* the secretariat (or an administrator) over the campaign's unit manages stages,
  rubrics, councils and commendations, and may read tallies and minutes. Administrators
  are scoped to their unit subtree like every other role.
"""

from __future__ import annotations

from ..auth.scopes import secretariat_scopes
from ..campaigns.models import Campaign
from .models import Council, CouncilMember, MemberRole


def secretariat_over(user, campaign: Campaign) -> bool:
    if not user.is_authenticated:
        return False
    return any(campaign.unit.path.startswith(p) for p in secretariat_scopes(user))


def membership(user, council: Council) -> CouncilMember | None:
    if not user.is_authenticated:
        return None
    return council.member_for(user)


def can_appraise(user, council: Council) -> CouncilMember | None:
    return membership(user, council)


def can_view_tally(user, council: Council) -> bool:
    m = membership(user, council)
    if m is not None and m.role in (MemberRole.CHAIR, MemberRole.SECRETARY):
        return True
    return secretariat_over(user, council.stage.campaign)


def can_chair(user, council: Council) -> bool:
    """Open and close rounds, return exemplars: the chair only."""
    m = membership(user, council)
    return m is not None and m.role == MemberRole.CHAIR


def can_read_minutes(user, council: Council) -> bool:
    return membership(user, council) is not None or secretariat_over(
        user, council.stage.campaign
    )
