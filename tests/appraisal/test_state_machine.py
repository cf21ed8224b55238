"""Random sequences of submit / vote / close / return / resubmit / withdraw against the
real operations: no illegal state is reachable, entries are never lost or duplicated,
and every entry's history replays to its state."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from dankheo.appraisal import closing, councils, voting
from dankheo.appraisal.models import StageResult
from dankheo.domain.workflow import TRANSITIONS, Action, State
from dankheo.errors import DomainError
from dankheo.extensions import db as _db
from dankheo.registry.models import Exemplar, History
from dankheo.registry.operations import (
    resubmit_exemplar,
    submit_exemplar,
    withdraw_exemplar,
)

from ..conftest import _truncate_all
from .scenario import build

CHOICES = st.sampled_from(["approve", "reject", "abstain"])


class _ScenarioProxy:
    """The current example's scenario (rebuilt for every example)."""

    holder: dict = {}

    def __getattr__(self, name):
        return getattr(self.holder["sc"], name)


sc_proxy = _ScenarioProxy()
sc = sc_proxy


def test_random_workflows(make, db):
    holder = {}

    class Appraisal(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.created: list[int] = []
            # a fresh province for every example
            _db.session.remove()
            _truncate_all()
            holder["sc"] = build(make, members_per_council=3, stage2={"quota": 3})
            _db.session.commit()

        def _entry(self, data):
            return _db.session.get(Exemplar, data.draw(st.sampled_from(self.created)))

        @rule(where=st.sampled_from(["hamlet0", "hamlet1", "commune0", "department"]))
        def create_and_submit(self, where):
            unit = {
                "hamlet0": sc.hamlets[0],
                "hamlet1": sc.hamlets[1],
                "commune0": sc.communes[0],
                "department": sc.department,
            }[where]
            e = make.exemplar(
                unit=unit,
                campaign=sc.campaign,
                situation="a",
                goals="b",
                content="c",
                outputs="d",
            )
            submit_exemplar(e, actor=None)
            _db.session.commit()
            self.created.append(e.id)

        @precondition(lambda self: self.created)
        @rule(data=st.data(), choice=CHOICES, member=st.integers(0, 2))
        def vote(self, data, choice, member):
            e = self._entry(data)
            council = next(
                (
                    c
                    for c in [*sc.commune_councils, sc.province_council]
                    if c.stage_id == e.stage_id and e.unit.path.startswith(c.unit.path)
                ),
                None,
            )
            if council is None or council.open_round is None:
                return
            m = sc.members[council.id][member]
            scores = (
                {}
                if choice == "abstain"
                else {c.id: 20 for c in council.stage.criteria}
            )
            try:
                voting.cast_vote(m, e, choice=choice, scores=scores)
            except DomainError:
                _db.session.rollback()
                return
            _db.session.commit()

        @rule(which=st.integers(0, 2), mark=st.booleans(), data=st.data())
        def close(self, which, mark, data):
            council = [*sc.commune_councils, sc.province_council][which]
            rnd = council.open_round
            if rnd is None:
                councils.open_round(council, actor=None)
                _db.session.commit()
                return
            if mark and self.created:
                e = self._entry(data)
                try:
                    voting.mark_return(rnd, e, reason="Bổ sung", actor=None)
                except DomainError:
                    _db.session.rollback()
            closing.close_round(rnd, actor=None)
            _db.session.commit()
            _db.session.expire_all()

        @precondition(lambda self: self.created)
        @rule(data=st.data())
        def resubmit(self, data):
            e = self._entry(data)
            try:
                resubmit_exemplar(e, actor=None)
            except DomainError:
                _db.session.rollback()
                assert e.state != State.RETURNED
                return
            _db.session.commit()

        @precondition(lambda self: self.created)
        @rule(data=st.data())
        def withdraw(self, data):
            e = self._entry(data)
            try:
                withdraw_exemplar(e, actor=None)
            except DomainError:
                _db.session.rollback()
                return
            _db.session.commit()

        @precondition(lambda self: self.created)
        @rule(data=st.data())
        def resubmit_draft(self, data):
            e = self._entry(data)
            if e.state == State.DRAFT:
                submit_exemplar(e, actor=None)
                _db.session.commit()

        @invariant()
        def entries_never_lost_or_duplicated(self):
            ids = _db.session.scalars(
                select(Exemplar.id)
                .where(Exemplar.campaign_id == sc.campaign.id)
                .order_by(Exemplar.id)
            ).all()
            assert ids == sorted(self.created)

        @invariant()
        def history_replays_to_state(self):
            for e in _db.session.scalars(select(Exemplar)).all():
                state = State.DRAFT
                for h in _db.session.scalars(
                    select(History)
                    .where(History.exemplar_id == e.id)
                    .order_by(History.id)
                ):
                    assert h.from_state == state
                    target, _who = TRANSITIONS[(State(h.from_state), Action(h.action))]
                    assert h.to_state == target
                    state = target
                assert e.state == state
                if e.state == State.SUBMITTED:
                    assert e.stage_id is not None
                if e.state == State.DRAFT:
                    assert e.stage_id is None

        @invariant()
        def quota_and_results_hold(self):
            passed = _db.session.scalar(
                select(func.count(StageResult.id)).where(
                    StageResult.council_id == sc.province_council.id,
                    StageResult.outcome == "passed",
                )
            )
            assert passed <= 3
            recommended = _db.session.scalar(
                select(func.count(Exemplar.id)).where(
                    Exemplar.state == State.RECOMMENDED
                )
            )
            assert recommended == passed
            # one open round per council at most
            for c in [*sc.commune_councils, sc.province_council]:
                _db.session.refresh(c)
                assert sum(1 for r in c.rounds if r.closed_at is None) <= 1

    Appraisal.TestCase.settings = settings(
        max_examples=15,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
        ],
        database=None,
    )
    sc_proxy.holder = holder
    Appraisal.TestCase().runTest()
