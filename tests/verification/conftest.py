"""A small appraisal decided by real votes: a province council of five (one member
from the registering commune, so recused), a secret ballot over all members with a
minimum score and a quota, and six entries."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dankheo.appraisal.closing import close_round
from dankheo.appraisal.councils import add_member, create_council, open_round
from dankheo.appraisal.models import Council, CouncilMember, Round
from dankheo.appraisal.setup import add_criterion, create_stage
from dankheo.appraisal.voting import cast_vote
from dankheo.campaigns.models import Campaign, Stage
from dankheo.domain.enums import Role
from dankheo.registry.models import Exemplar
from dankheo.registry.operations import submit_exemplar

from ..showcase.conftest import STORY

#: Scores per entry, one per member (None: the member does not vote on it).
#: The fourth member is harsh on everything; the commune member is recused.
SCORES = {
    "Mô hình A": [90, 88, 92, 40, None],
    "Mô hình B": [80, 82, 78, 35, None],
    "Mô hình C": [75, 74, 76, 30, None],
    "Mô hình D": [60, 62, 58, 20, None],
    "Mô hình E": [85, 86, 84, 38, None],
    "Mô hình F": [50, 52, 48, 10, None],
}


@dataclass
class World:
    campaign: Campaign
    stage: Stage
    council: Council
    round: Round
    members: list[CouncilMember]
    entries: dict[str, Exemplar]
    secretariat: object
    outsider: object


@pytest.fixture
def world(make, db) -> World:
    province = make.unit(name="Tỉnh Kiểm Tra")
    commune = make.unit(parent=province, name="Xã Kiểm Tra")
    other = make.unit(parent=province, name="Xã Bên Cạnh")
    campaign = make.campaign(unit=province)
    stage = create_stage(
        campaign,
        {
            "name": "Bình xét cấp tỉnh",
            "tier": "province",
            "pass_label": "Tiêu biểu cấp tỉnh",
            "ballot_mode": "secret",
            "base": "all",
            "min_average_score": 60,
            "quota": 3,
        },
        actor=None,
    )
    criterion = add_criterion(stage, name="Hiệu quả", max_points=100, actor=None)
    council = create_council(
        stage, province, name="Hội đồng thẩm định tỉnh", actor=None
    )
    names = ["Chủ Tịch Kín", "Thành Viên Một", "Thành Viên Hai", "Người Chấm Chặt"]
    users = [make.user(role=None, unit=province, name=n) for n in names]
    users.append(make.user(role=None, unit=commune, name="Thành Viên Xã"))
    members = [
        add_member(council, u, role="chair" if i == 0 else "member", actor=None)
        for i, u in enumerate(users)
    ]
    entries = {}
    for name in SCORES:
        e = make.exemplar(campaign=campaign, unit=commune, name=name, **STORY)
        submit_exemplar(e, actor=None)
        entries[name] = e
    db.session.flush()
    rnd = open_round(council, actor=None)
    for name, scores in SCORES.items():
        for member, points in zip(members, scores, strict=True):
            if points is not None:
                cast_vote(
                    member,
                    entries[name],
                    choice="approve" if points >= 50 else "reject",
                    scores={criterion.id: points},
                )
    close_round(rnd, actor=None)
    secretariat = make.user(role=Role.SECRETARIAT, unit=province, name="Văn Phòng")
    outsider = make.user(role=Role.SECRETARIAT, unit=other, name="Văn Phòng Xã")
    db.session.commit()
    return World(campaign, stage, council, rnd, members, entries, secretariat, outsider)
