"""The migration backfills a snapshot for rounds closed before it, marked as such."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from dankheo import create_app
from dankheo.appraisal.closing import close_round
from dankheo.appraisal.councils import add_member, create_council, open_round
from dankheo.appraisal.setup import add_criterion, create_stage
from dankheo.appraisal.snapshots import RuleSnapshot
from dankheo.appraisal.voting import cast_vote
from dankheo.extensions import db
from dankheo.registry.operations import submit_exemplar

from ..factories import Factory
from ..showcase.conftest import STORY
from ..test_migrations import empty_database_url  # noqa: F401  (a fixture)

BEFORE = "7a11e5c0c0de"  # the revision before the rule snapshots


def test_closed_rounds_get_a_backfilled_snapshot(empty_database_url, tmp_path):  # noqa: F811
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "m",
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
            "UPLOAD_FOLDER": str(tmp_path),
        }
    )
    with app.app_context():
        upgrade()
        make = Factory(db)
        province = make.unit(name="Tỉnh Cũ")
        campaign = make.campaign(unit=province)
        stage = create_stage(
            campaign,
            {"name": "Vòng cũ", "tier": "province", "pass_label": "Đạt", "quota": 2},
            actor=None,
        )
        criterion = add_criterion(stage, name="Tiêu chí", max_points=10, actor=None)
        council = create_council(stage, province, name="Hội đồng cũ", actor=None)
        member = add_member(council, make.user(role=None, unit=province), actor=None)
        e = make.exemplar(campaign=campaign, unit=make.unit(parent=province), **STORY)
        submit_exemplar(e, actor=None)
        rnd = open_round(council, actor=None)
        cast_vote(member, e, choice="approve", scores={criterion.id: 8})
        close_round(rnd, actor=None)
        db.session.commit()
        round_id, member_id = rnd.id, member.id
        db.session.remove()

        downgrade(revision=BEFORE)  # as if the round had closed before snapshots
        upgrade()
        snap = db.session.scalar(
            select(RuleSnapshot).where(RuleSnapshot.round_id == round_id)
        )
        assert snap is not None and snap.backfilled
        assert snap.rule["quota"] == 2 and snap.rule["seats_before"] == 0
        assert snap.rule["threshold_strict"] is True
        assert [c["name"] for c in snap.rubric["criteria"]] == ["Tiêu chí"]
        assert snap.rubric_digest == snap.rubric["digest"]
        assert list(snap.recusal["member_units"]) == [str(member_id)]
        db.session.remove()
        db.engine.dispose()
