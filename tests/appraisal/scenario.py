"""A small two-level campaign for appraisal tests: a province with two communes (each with
a grassroots unit) and a provincial department; stage 1 at commune tier, stage 2 at
province tier; one council per commune and one at the province."""

from __future__ import annotations

from dataclasses import dataclass, field

from dankheo.appraisal import councils, setup, voting
from dankheo.appraisal.models import Council, CouncilMember
from dankheo.campaigns.models import Campaign, Stage
from dankheo.domain.enums import Role, UnitKind, UnitTier
from dankheo.registry.operations import submit_exemplar
from dankheo.units.models import Unit


@dataclass
class Scenario:
    province: Unit
    communes: list[Unit]
    hamlets: list[Unit]
    department: Unit
    campaign: Campaign
    stage1: Stage
    stage2: Stage
    commune_councils: list[Council]
    province_council: Council
    members: dict[int, list[CouncilMember]] = field(default_factory=dict)
    secretariat: object = None
    officer: object = None

    def chair(self, council: Council) -> CouncilMember:
        return next(m for m in self.members[council.id] if m.role == "chair")


def build(
    make, *, members_per_council=3, stage1=None, stage2=None, criteria=True
) -> Scenario:
    province = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Thử Nghiệm")
    communes = [
        make.unit(parent=province, tier=UnitTier.COMMUNE, name=f"Xã Thử {i}")
        for i in (1, 2)
    ]
    hamlets = [
        make.unit(parent=c, tier=UnitTier.GRASSROOTS, name=f"Chi bộ thôn {i}")
        for i, c in enumerate(communes, 1)
    ]
    department = make.unit(
        parent=province,
        tier=UnitTier.PROVINCE,
        kind=UnitKind.FARMERS,
        name="Hội Nông dân tỉnh",
    )
    campaign = make.campaign(unit=province)
    s1 = setup.create_stage(
        campaign,
        {
            "name": "Thẩm định cấp xã",
            "tier": "commune",
            "pass_label": "Đạt cấp cơ sở",
            **(stage1 or {}),
        },
        actor=None,
    )
    s2 = setup.create_stage(
        campaign,
        {
            "name": "Bình xét cấp tỉnh",
            "tier": "province",
            "pass_label": "Đề nghị khen thưởng",
            **(stage2 or {}),
        },
        actor=None,
    )
    if criteria:
        for s in (s1, s2):
            setup.add_criterion(s, name="Hiệu quả thực tế", max_points=60, actor=None)
            setup.add_criterion(s, name="Khả năng nhân rộng", max_points=40, actor=None)
    sc = Scenario(
        province=province,
        communes=communes,
        hamlets=hamlets,
        department=department,
        campaign=campaign,
        stage1=s1,
        stage2=s2,
        commune_councils=[],
        province_council=None,  # type: ignore[arg-type]
    )
    for c in communes:
        council = councils.create_council(
            s1, c, name=f"Hội đồng thẩm định {c.name}", actor=None
        )
        sc.commune_councils.append(council)
        _staff(make, sc, council, c, members_per_council)
    sc.province_council = councils.create_council(
        s2, province, name="Hội đồng thi đua tỉnh", actor=None
    )
    _staff(make, sc, sc.province_council, province, members_per_council)
    sc.secretariat = make.user(role=Role.SECRETARIAT, unit=province)
    sc.officer = make.user(role=Role.UNIT_OFFICER, unit=hamlets[0], scope=province)
    for council in [*sc.commune_councils, sc.province_council]:
        councils.open_round(council, actor=None)
    return sc


def _staff(make, sc: Scenario, council: Council, unit: Unit, n: int) -> None:
    roles = ["chair", "secretary"] + ["member"] * max(n - 2, 0)
    sc.members[council.id] = []
    for role in roles[:n]:
        user = make.user(role=None, unit=unit)
        sc.members[council.id].append(
            councils.add_member(council, user, role=role, actor=None)
        )


def submitted(make, sc: Scenario, unit: Unit, **data):
    fields = {
        "situation": "Đường làng hẹp, xuống cấp.",
        "goals": "Mở rộng 2 km đường.",
        "content": "Vận động hiến đất.",
        "outputs": "2 km đường bê tông.",
        **data,
    }
    e = make.exemplar(unit=unit, campaign=sc.campaign, **fields)
    submit_exemplar(e, actor=None)
    return e


FULL = None  # marker: full points


def vote_all(council: Council, sc: Scenario, exemplar, choices, points=(50, 30)):
    """Cast one vote per member in order; ``choices`` like "aar" (approve/reject/abstain)."""
    names = {"a": "approve", "r": "reject", "x": "abstain"}
    crit = council.stage.criteria
    for member, ch in zip(sc.members[council.id], choices, strict=False):
        choice = names[ch]
        scores = (
            {}
            if choice == "abstain" or not crit
            else dict(zip([c.id for c in crit], points, strict=False))
        )
        voting.cast_vote(member, exemplar, choice=choice, scores=scores)
