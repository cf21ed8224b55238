"""The quang-ninh preset lands on the reported figures through votes and rules."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dankheo.appraisal.models import StageResult, Vote
from dankheo.appraisal.queries import campaign_funnel
from dankheo.campaigns.models import Campaign, Stage
from dankheo.demo import run_preset
from dankheo.domain.workflow import State
from dankheo.registry.models import Exemplar, History


@pytest.mark.slow
def test_quang_ninh_preset_lands_exactly(db):
    lines: list[str] = []
    report = run_preset("quang-ninh", seed=2026, echo=lines.append)
    db.session.commit()
    assert any("Thời gian" in line for line in report)

    campaign = db.session.scalar(select(Campaign))
    funnel = campaign_funnel(campaign)
    assert funnel["registered"] == 2705
    assert funnel["recommended"] == 922
    assert funnel["stages"][-1]["passed"] == 922
    assert funnel["commended"] <= funnel["recommended"]

    # every recommendation comes from a closed provincial round, through the workflow
    last = db.session.scalar(select(Stage).order_by(Stage.position.desc()).limit(1))
    recommended_ids = set(
        db.session.scalars(
            select(Exemplar.id).where(
                Exemplar.state.in_(
                    [State.RECOMMENDED, State.COMMENDED, State.REPLICATED]
                )
            )
        )
    )
    passed_last = set(
        db.session.scalars(
            select(StageResult.exemplar_id).where(
                StageResult.stage_id == last.id, StageResult.outcome == "passed"
            )
        )
    )
    assert recommended_ids == passed_last
    recommend_history = db.session.scalar(
        select(func.count(History.id)).where(History.action == "recommend")
    )
    assert recommend_history == 922
    # nothing is left undecided, and votes were really cast
    assert not db.session.scalar(
        select(func.count(Exemplar.id)).where(Exemplar.state == State.SUBMITTED)
    )
    assert db.session.scalar(select(func.count(Vote.id))) > 10_000
    assert (
        db.session.scalar(
            select(func.count(Exemplar.id)).where(Exemplar.state == State.DRAFT)
        )
        > 0
    )
