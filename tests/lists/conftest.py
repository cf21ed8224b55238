"""A small province with appraisal results written straight into the models, so these
tests depend on the models only (not on the appraisal operations)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, insert, select

from dankheo.appraisal.models import Commendation, Council, Round, StageResult
from dankheo.campaigns.models import Campaign, Stage
from dankheo.domain.enums import Role, UnitKind, UnitTier
from dankheo.registry.models import Exemplar
from dankheo.units.models import Unit

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@dataclass
class Province:
    root: Unit
    committee: Unit
    communes: list[Unit]
    campaign: Campaign
    stages: list[Stage]
    councils: list[Council]
    rounds: list[Round]
    secretariat: object = None
    entries: dict[str, Exemplar] = field(default_factory=dict)

    @property
    def forms(self):
        return self.campaign.commendation_forms


def add_result(db, p: Province, exemplar, stage_index: int, outcome: str, score=None):
    db.session.add(
        StageResult(
            exemplar_id=exemplar.id,
            stage_id=p.stages[stage_index].id,
            council_id=p.councils[stage_index].id,
            round_id=p.rounds[stage_index].id,
            outcome=outcome,
            average_score=score,
            decided_at=NOW,
        )
    )


def build_province(make, db) -> Province:
    root = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh ủy Thử Nghiệm")
    committee = make.unit(
        parent=root, tier=UnitTier.PROVINCE, name="Ban Dân vận Tỉnh ủy Thử Nghiệm"
    )
    communes = [
        make.unit(parent=root, tier=UnitTier.COMMUNE, name=n)
        for n in ("Xã Đồng Tâm", "Phường Hà Lầm")
    ]
    campaign = make.campaign(unit=root, year=2026)  # in appraisal once registered
    stages = [
        Stage(
            campaign=campaign,
            position=i,
            name=name,
            tier=tier,
            pass_label=label,
        )
        for i, (name, tier, label) in enumerate(
            (
                ("Thẩm định cấp xã", "commune", "Đạt cấp xã"),
                ("Bình xét cấp tỉnh", "province", "Đề nghị khen thưởng"),
            )
        )
    ]
    db.session.add_all(stages)
    db.session.flush()
    councils = [
        Council(stage_id=stages[0].id, unit_id=communes[0].id, name="Hội đồng xã"),
        Council(stage_id=stages[1].id, unit_id=root.id, name="Hội đồng tỉnh"),
    ]
    db.session.add_all(councils)
    db.session.flush()
    rounds = [Round(council_id=c.id, number=1, closed_at=NOW) for c in councils]
    db.session.add_all(rounds)
    db.session.flush()
    p = Province(root, committee, communes, campaign, stages, councils, rounds)
    p.secretariat = make.user(role=Role.SECRETARIAT, unit=committee, scope=root)
    return p


@pytest.fixture
def province(make, db) -> Province:
    """Five entries: three recommended (one commended), one stopped at the province,
    one not recognised by its commune."""
    p = build_province(make, db)
    a, b = p.communes
    e = {}
    e["road"] = make.exemplar(
        unit=a,
        campaign=p.campaign,
        name="Hiến đất mở rộng đường làng",
        kind="model",
        lead_name="Trần Văn Bình",
        lead_position="Bí thư Đảng ủy xã",
        households=597,
        money_million=15590.5,
    )
    e["hoa"] = make.exemplar(
        unit=b,
        campaign=p.campaign,
        name="Bà Nguyễn Thị Hoa, tổ trưởng tổ dân phố",
        kind="individual",
        lead_name="Nguyễn Thị Hoa",
        lead_position="Tổ trưởng tổ dân phố số 3",
        participants=120,
    )
    e["formula"] = make.exemplar(
        unit=a,
        campaign=p.campaign,
        name='=HYPERLINK("http://x")',
        kind="collective",
        outputs="- Xây 3 nhà đại đoàn kết.\n- Trồng cây.",
    )
    e["stopped"] = make.exemplar(
        unit=b, campaign=p.campaign, name="Camera an ninh khu phố", kind="model"
    )
    e["failed"] = make.exemplar(
        unit=b, campaign=p.campaign, name="Chợ văn minh", kind="model"
    )
    for key in ("road", "hoa", "formula"):
        e[key].state = "recommended"
        add_result(db, p, e[key], 0, "passed", 80)
    add_result(db, p, e["road"], 1, "passed", 85.5)
    add_result(db, p, e["hoa"], 1, "passed", 78)
    add_result(db, p, e["formula"], 1, "passed", 90)
    e["stopped"].state = "rejected"
    add_result(db, p, e["stopped"], 0, "passed", 70)
    add_result(db, p, e["stopped"], 1, "not_passed", 50)
    e["failed"].state = "rejected"
    add_result(db, p, e["failed"], 0, "not_passed", 40)
    e["road"].state = "commended"
    bang_khen = next(f for f in p.forms if f.name.startswith("Bằng khen"))
    db.session.add(
        Commendation(
            exemplar_id=e["road"].id,
            form_id=bang_khen.id,
            issuing_body="UBND tỉnh",
            decision_number="1034/QĐ-UBND",
            decision_date=date(2026, 12, 5),
        )
    )
    p.campaign.status = "appraisal"
    db.session.flush()
    p.entries = e
    db.session.commit()
    return p


def bulk_recommended(db, p: Province, n: int) -> None:
    """``n`` recommended entries spread over the communes, inserted in one statement
    each for entries and results (a province-scale list in a second)."""
    units = [*p.communes, p.committee]
    kinds = ("model", "collective", "individual")
    forms = p.forms
    rows = [
        {
            "campaign_id": p.campaign.id,
            "unit_id": units[i % len(units)].id,
            "field_id": p.campaign.fields[i % 4].id,
            "kind": kinds[i % 3],
            "state": "recommended",
            "name": f"Mô hình “Dân vận khéo” số {i + 1} – vận động nhân dân chung tay",
            "lead_name": f"Nguyễn Văn Số {i + 1}",
            "lead_position": "Bí thư chi bộ",
            "households": 100 + i,
            "money_million": 1234.5 + i,
            "outputs": "- Kết quả rõ rệt.",
        }
        for i in range(n)
    ]
    before = db.session.scalar(select(func.max(Exemplar.id))) or 0
    db.session.execute(insert(Exemplar), rows)
    ids = list(
        db.session.scalars(
            select(Exemplar.id).where(Exemplar.id > before).order_by(Exemplar.id)
        )
    )
    db.session.execute(
        insert(StageResult),
        [
            {
                "exemplar_id": eid,
                "stage_id": p.stages[1].id,
                "council_id": p.councils[1].id,
                "round_id": p.rounds[1].id,
                "outcome": "passed",
                "average_score": 70 + (eid % 30),
                "decided_at": NOW,
            }
            for eid in ids
        ],
    )
    db.session.execute(
        insert(Commendation),
        [
            {
                "exemplar_id": eid,
                "form_id": forms[eid % len(forms)].id,
                "issuing_body": "UBND tỉnh",
                "decision_number": f"{eid}/QĐ-UBND",
                "decision_date": date(2026, 12, 5),
            }
            for eid in ids[: n // 2]
        ],
    )
    db.session.commit()


__all__ = ["UnitKind", "add_result", "build_province", "bulk_recommended"]
