"""Demo appraisal: stages with rubrics and rules, councils with members, and a simulated
season of votes cast through the real operations.

Nothing here sets a state directly: members cast votes (``cast_votes``), chairs mark
returns and close rounds (``close_round``), units supplement and resubmit, and the
secretariat records commendations, so every outcome comes from votes and rules.
Deterministic for a given ``random.Random``: every draw happens in id order.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select

from ..appraisal import closing, commendations, councils, recusal, setup, voting
from ..appraisal.models import Council, CouncilMember, MemberRole
from ..auth.models import User
from ..auth.operations import create_user
from ..campaigns.models import Campaign, CommendationForm, Stage
from ..domain.enums import UnitTier
from ..domain.tally import Choice
from ..domain.text import slugify
from ..domain.workflow import State
from ..extensions import db
from ..registry.models import Exemplar
from ..registry.operations import resubmit_exemplar, update_exemplar
from ..units.models import Unit
from . import content
from .vocabulary import vocabulary

log = logging.getLogger(__name__)

# The rubrics, return reasons and supplements are data (data/appraisal.toml).
_TEXTS = vocabulary().appraisal
COMMUNE_RUBRIC = _TEXTS.commune_rubric
PROVINCE_RUBRIC = _TEXTS.province_rubric
RETURN_REASONS = _TEXTS.return_reasons
SUPPLEMENTS = _TEXTS.supplements


def _units_at(campaign: Campaign, tier: str) -> list[Unit]:
    """Where councils of a stage at ``tier`` sit: the campaign's unit when it is at that
    tier (one council for the whole campaign), else every unit at the tier inside it."""
    if campaign.unit.tier == tier:
        return [campaign.unit]
    return list(
        db.session.scalars(
            select(Unit)
            .where(
                Unit.tier == tier,
                Unit.path.startswith(campaign.unit.path),
                Unit.active.is_(True),
            )
            .order_by(Unit.id)
        )
    )


def _member_pool(council_unit: Unit, campaign: Campaign) -> list[Unit]:
    """Units the members come from: the council's unit, its direct children (the Front,
    mass organisations, agencies), so that recusal applies to their own entries."""
    children = list(
        db.session.scalars(
            select(Unit)
            .where(Unit.parent_id == council_unit.id, Unit.active.is_(True))
            .order_by(Unit.id)
        )
    )
    pool = [c for c in children if c.tier != UnitTier.COMMUNE] or children
    return [council_unit, *pool]


def _user(
    username: str, name: str, unit: Unit, password_hash: str, position: str
) -> tuple[User, bool]:
    existing = db.session.scalar(select(User).where(User.username == username))
    if existing is not None:
        return existing, False
    return (
        create_user(
            username=username,
            name=name,
            unit=unit,
            password_hash=password_hash,
            position=position,
        ),
        True,
    )


def setup_appraisal(
    campaign: Campaign, rng: random.Random, *, password_hash: str
) -> list[User]:
    """Create the two stages (commune appraisal, provincial review) with their rubrics and
    rules, a council per commune and one at the province, and open round 1 everywhere.

    Council members are accounts created with ``password_hash`` (reused when a previous
    campaign already made them). Returns the accounts created."""
    created: list[User] = []
    stage1 = setup.create_stage(
        campaign,
        {
            "name": "Thẩm định cấp xã",
            "tier": UnitTier.COMMUNE.value,
            "pass_label": "Đạt cấp cơ sở",
            "ballot_mode": "open",
            "base": "present",
            "threshold_num": 1,
            "threshold_den": 2,
            "threshold_strict": True,
            "quorum_percent": 50,
            "min_average_score": 50.0,
        },
        actor=None,
    )
    stage2 = setup.create_stage(
        campaign,
        {
            "name": "Bình xét cấp tỉnh",
            "tier": UnitTier.PROVINCE.value,
            "pass_label": "Đề nghị khen thưởng",
            "ballot_mode": "secret",
            "base": "all",
            "threshold_num": 2,
            "threshold_den": 3,
            "threshold_strict": False,
            "quorum_percent": 60,
            "min_average_score": 60.0,
            "tie_rule": "most_approvals",
        },
        actor=None,
    )
    for stage, rubric in ((stage1, COMMUNE_RUBRIC), (stage2, PROVINCE_RUBRIC)):
        for name, points in rubric:
            setup.add_criterion(stage, name=name, max_points=points, actor=None)

    for stage, size in ((stage1, 5), (stage2, 7)):
        for unit in _units_at(campaign, stage.tier):
            council = councils.create_council(
                stage, unit, name=f"Hội đồng thẩm định {_short(unit.name)}", actor=None
            )
            pool = _member_pool(unit, campaign)
            roles = [MemberRole.CHAIR, MemberRole.SECRETARY] + [MemberRole.MEMBER] * (
                size - 2
            )
            base = slugify(unit.code).replace("-", "")
            for i, role in enumerate(roles):
                home = (
                    pool[0]
                    if i == 0
                    else pool[1 + (i - 1) % (len(pool) - 1)]
                    if len(pool) > 1
                    else pool[0]
                )
                person = content.person(rng)
                user, new = _user(
                    f"hd{stage.position + 1}.{base}.{i + 1}",
                    person.name,
                    home,
                    password_hash,
                    _position(role),
                )
                if new:
                    created.append(user)
                councils.add_member(council, user, role=role, actor=None)
            councils.open_round(council, actor=None)
    db.session.flush()
    log.info("appraisal set up for %s: %d accounts", campaign, len(created))
    return created


def _short(name: str) -> str:
    for prefix in ("Đảng ủy ", "Tỉnh ủy "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _position(role: MemberRole) -> str:
    return {
        MemberRole.CHAIR: "Chủ tịch hội đồng",
        MemberRole.SECRETARY: "Thư ký hội đồng",
    }.get(role, "Ủy viên hội đồng")


# --- the season ------------------------------------------------------------------------


class _Season:
    """Per-entry quality drawn once, so every council judges an entry consistently."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.quality: dict[int, float] = {}

    def q(self, exemplar_id: int) -> float:
        if exemplar_id not in self.quality:
            self.quality[exemplar_id] = self.rng.betavariate(4, 2.2)
        return self.quality[exemplar_id]


def _votes(
    season: _Season, member: CouncilMember, stage: Stage, exemplar_ids: list[int]
):
    rng = season.rng
    out = []
    for eid in exemplar_ids:
        q = season.q(eid)
        r = rng.random()
        if r < 0.04:
            out.append(voting.VoteInput(eid, Choice.ABSTAIN.value))
            continue
        leniency = rng.gauss(0, 0.08)
        choice = Choice.APPROVE if q + leniency > 0.5 else Choice.REJECT
        scores = {
            c.id: max(
                0, min(c.max_points, round(c.max_points * (q + rng.gauss(0, 0.07))))
            )
            for c in stage.criteria
        }
        out.append(voting.VoteInput(eid, choice.value, scores))
    return out


def _member_queue_ids(member: CouncilMember) -> list[int]:
    return list(
        db.session.scalars(
            select(Exemplar.id)
            .where(recusal.member_queue_condition(member))
            .order_by(Exemplar.id)
        )
    )


def _vote_round(season: _Season, council: Council, absent_rate: float) -> int:
    stage = council.stage
    n = 0
    for member in council.active_members:
        if season.rng.random() < absent_rate:
            continue  # absent from this session
        ids = _member_queue_ids(member)
        if ids:
            n += voting.cast_votes(member, _votes(season, member, stage, ids))
    return n


def _chair(council: Council) -> User | None:
    return next(
        (m.user for m in council.active_members if m.role == MemberRole.CHAIR), None
    )


def return_marker(council: Council, exemplar: Exemplar) -> User | None:
    """Who marks a return in the demo: the chair, or the secretary when the chair is
    recused from the entry (a recused officer may not touch its outcome)."""
    for role in (MemberRole.CHAIR, MemberRole.SECRETARY):
        for m in council.active_members:
            if m.role == role and not recusal.actor_recused(council, exemplar, m.user):
                return m.user
    return None


def _supplement(rng: random.Random, exemplar: Exemplar) -> None:
    """The unit adds what was asked and resubmits to the same stage."""
    update_exemplar(
        exemplar,
        actor=None,
        data={"outputs": f"{exemplar.outputs}\n{rng.choice(SUPPLEMENTS)}".strip()},
        expected_version=exemplar.version,
    )
    resubmit_exemplar(
        exemplar, actor=None, note="Đã bổ sung theo yêu cầu của hội đồng."
    )


def simulate_appraisal(
    campaign: Campaign,
    rng: random.Random,
    *,
    leave_open_fraction: float = 0.0,
    commend: bool = True,
    return_rate: float = 0.03,
    absent_rate: float = 0.08,
    max_rounds: int = 4,
) -> dict:
    """Run the campaign's appraisal stage by stage.

    Every council votes (some members absent), the chair returns a few entries for
    supplement, and closes; returned entries are supplemented and resubmitted, and later
    rounds decide them and any entry that lacked quorum. About ``leave_open_fraction`` of
    the councils leave their last round open (the campaign is still running); an open
    council stops the flow for its entries. Then the secretariat records commendation
    decisions for most recommended entries and marks a few as replicated.
    """
    season = _Season(rng)
    stats: dict[str, int] = defaultdict(int)
    stages = list(
        db.session.scalars(
            select(Stage)
            .where(Stage.campaign_id == campaign.id)
            .order_by(Stage.position)
        )
    )
    for stage in stages:
        stage_councils = list(
            db.session.scalars(
                select(Council).where(Council.stage_id == stage.id).order_by(Council.id)
            )
        )
        for council in stage_councils:
            leave_open = rng.random() < leave_open_fraction
            for number in range(max_rounds):
                # No session is opened for an empty queue, so finished councils are left
                # with every round closed.
                if not db.session.scalar(
                    select(Exemplar.id).where(recusal.queue_condition(council)).limit(1)
                ):
                    break
                rnd = council.open_round or councils.open_round(
                    council, actor=_chair(council)
                )
                stats["votes"] += _vote_round(
                    season, council, absent_rate if number < max_rounds - 1 else 0.0
                )
                if leave_open:
                    stats["open_rounds"] += 1
                    break
                returned = []
                if number == 0 and return_rate:
                    for eid in db.session.scalars(
                        select(Exemplar.id)
                        .where(recusal.queue_condition(council))
                        .order_by(Exemplar.id)
                    ):
                        if rng.random() < return_rate:
                            e = db.session.get_one(Exemplar, eid)
                            marker = return_marker(council, e)
                            if marker is None:
                                continue  # every officer of the council is recused
                            voting.mark_return(
                                rnd,
                                e,
                                reason=rng.choice(RETURN_REASONS),
                                actor=marker,
                            )
                            returned.append(eid)
                summary = closing.close_round(rnd, actor=_chair(council))
                stats["rounds"] += 1
                for k, v in summary.counts.items():
                    stats[k] += v
                for eid in returned:
                    e = db.session.get_one(Exemplar, eid)
                    if e.state == State.RETURNED:
                        _supplement(rng, e)
                        stats["resubmitted"] += 1
    if commend:
        stats.update(_commend(campaign, rng))
    db.session.flush()
    log.info("simulated appraisal of %s: %s", campaign, dict(stats))
    return dict(stats)


def _commend(campaign: Campaign, rng: random.Random) -> dict[str, int]:
    """Decisions for about 80 % of the recommended entries, one decision per form, and a
    replication mark for about 15 % of those."""
    forms = list(
        db.session.scalars(
            select(CommendationForm)
            .where(CommendationForm.campaign_id == campaign.id)
            .order_by(CommendationForm.position)
        )
    )
    if not forms:
        return {}
    recommended = list(
        db.session.scalars(
            select(Exemplar)
            .where(
                Exemplar.campaign_id == campaign.id,
                Exemplar.state == State.RECOMMENDED.value,
            )
            .order_by(Exemplar.id)
        )
    )
    batches: dict[int, list[Exemplar]] = defaultdict(list)
    for e in recommended:
        if rng.random() < 0.8:
            batches[rng.randrange(len(forms))].append(e)
    number = 1000 + rng.randrange(500)
    decided = date(campaign.year, 11, 18)
    commended = replicated = 0
    for i in sorted(batches):
        form = forms[i]
        body = form.issuing_body or "UBND tỉnh"
        suffix = "QĐ-UBND" if "UBND" in body else "QĐ-BTGDV"
        commendations.record_commendations(
            batches[i],
            form=form,
            issuing_body=body,
            decision_number=f"{number + i}/{suffix}",
            decision_date=decided + timedelta(days=i),
            actor=None,
        )
        commended += len(batches[i])
        for e in batches[i]:
            if rng.random() < 0.15:
                commendations.mark_replicated(
                    e,
                    note=f"Nhân rộng ra {rng.randint(3, 20)} địa phương trong tỉnh",
                    actor=None,
                )
                replicated += 1
    return {"commended": commended, "replicated": replicated}
