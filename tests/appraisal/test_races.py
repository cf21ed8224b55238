"""Races between the operations that change one exemplar's votes or state, through HTTP.

Each request runs in its own thread, with its own app context, session and database
connection, as under several server processes. The operations take their locks in the
order written down in :mod:`dankheo.locking`, so every race must end as some serial
order of the same requests would: no vote or return mark survives on a withdrawn
exemplar, the withdrawal discards exactly the votes that were accepted before it, and
no request answers with a server error.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dankheo.appraisal import voting
from dankheo.appraisal.models import ReturnMark, Round, StageResult, Vote
from dankheo.domain.workflow import Action, State
from dankheo.errors import Conflict
from dankheo.registry.models import Exemplar, History
from dankheo.registry.operations import withdraw_exemplar

from ..factories import PASSWORD
from .scenario import build, submitted

RUNS = 40
VOTERS = 4
DISCARDED = re.compile(r"Hủy (\d+) phiếu")


def _client(app: Flask, user) -> FlaskClient:
    client = app.test_client()
    resp = client.post(
        "/auth/login", data={"login": user.username, "password": PASSWORD}
    )
    assert resp.status_code == 302
    return client


def _race(requests: list[Callable[[], object]], run: int) -> list[BaseException]:
    """Start the requests together, each in its own thread; the first one a little
    later on some runs, so that the runs cover different interleavings."""
    barrier = threading.Barrier(len(requests))
    errors: list[BaseException] = []
    first = requests[0]

    def go(request: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            if request is first:
                time.sleep((run % 5) * 0.02)
            request()
        except BaseException as exc:  # pragma: no cover - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


class Answers:
    """The status each racing request answered, by name."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.status: dict[str, int] = {}

    def post(
        self, name: str, client: FlaskClient, url: str, data: dict | None = None
    ) -> Callable[[], None]:
        def send() -> None:
            resp = client.post(url, data=data or {})
            with self.lock:
                self.status[name] = resp.status_code

        return send

    @property
    def votes_accepted(self) -> int:
        """Votes the view accepted (its own 302; a refusal is a 303 back or a 409)."""
        return sum(
            1 for k, s in self.status.items() if k.startswith("vote") and s == 302
        )

    def all_answered(self) -> bool:
        """Accepted or refused, never a server error (nor a 403/404 for a late vote)."""
        return all(200 <= s < 400 or s == 409 for s in self.status.values())


def test_withdraw_while_members_vote_and_the_chair_marks_a_return(app, make, db):
    sc = build(make, members_per_council=VOTERS + 1, criteria=False)
    council = sc.commune_councils[0]
    chair, *voters = sc.members[council.id]
    round_id = council.open_round.id
    db.session.commit()
    officer = _client(app, sc.officer)
    chair_client = _client(app, chair.user)
    voter_clients = [_client(app, m.user) for m in voters]

    outcomes: Counter[str] = Counter()
    for run in range(RUNS):
        eid = submitted(make, sc, sc.hamlets[0], name=f"Hồ sơ đua {run}").id
        db.session.commit()
        dossier = f"/appraisal/councils/{council.id}/entries/{eid}"
        answers = Answers()
        requests = [
            answers.post("withdraw", officer, f"/registry/{eid}/withdraw"),
            answers.post(
                "mark",
                chair_client,
                f"/appraisal/rounds/{round_id}/returns/{eid}",
                {"reason": "Bổ sung số hộ tham gia"},
            ),
            *(
                answers.post(f"vote{i}", c, dossier, {"choice": "approve"})
                for i, c in enumerate(voter_clients)
            ),
        ]
        errors = _race(requests, run)
        assert not errors, errors
        assert answers.all_answered(), (run, answers.status)

        db.session.rollback()
        exemplar = db.session.get(Exemplar, eid)
        db.session.refresh(exemplar)
        # A withdrawal from the first stage is allowed in every serial order.
        assert answers.status["withdraw"] == 302, (run, answers.status)
        assert exemplar.state == State.DRAFT
        left = db.session.scalar(
            select(func.count(Vote.id)).where(Vote.exemplar_id == eid)
        )
        assert left == 0, (run, answers.status)
        marks = db.session.scalar(
            select(func.count(ReturnMark.id)).where(ReturnMark.exemplar_id == eid)
        )
        assert marks == 0, (run, answers.status)
        # Serial replay: the votes accepted are exactly those the withdrawal discarded.
        note = db.session.scalar(
            select(History.note).where(
                History.exemplar_id == eid, History.action == Action.WITHDRAW.value
            )
        )
        found = DISCARDED.search(note or "")
        assert (int(found.group(1)) if found else 0) == answers.votes_accepted, (
            run,
            answers.status,
            note,
        )
        outcomes[f"{answers.votes_accepted} votes before the withdrawal"] += 1
    print(f"withdraw / vote / return races: {dict(sorted(outcomes.items()))}")


def test_close_while_members_vote_and_the_unit_withdraws(app, make, db):
    """A close, votes and a withdrawal at once: the exemplar is either decided with the
    votes accepted before the close, or withdrawn with them discarded; never both."""
    sc = build(make, members_per_council=VOTERS + 1, criteria=False)
    council = sc.commune_councils[0]
    chair, *voters = sc.members[council.id]
    db.session.commit()
    officer = _client(app, sc.officer)
    chair_client = _client(app, chair.user)
    voter_clients = [_client(app, m.user) for m in voters]

    outcomes: Counter[str] = Counter()
    for run in range(RUNS // 4):
        eid = submitted(make, sc, sc.hamlets[0], name=f"Hồ sơ phiên {run}").id
        db.session.commit()
        if run:
            open_resp = chair_client.post(f"/appraisal/councils/{council.id}/rounds")
            assert open_resp.status_code == 302
        db.session.rollback()
        round_id = db.session.scalar(
            select(Round.id).where(
                Round.council_id == council.id, Round.closed_at.is_(None)
            )
        )
        dossier = f"/appraisal/councils/{council.id}/entries/{eid}"
        answers = Answers()
        requests = [
            answers.post("close", chair_client, f"/appraisal/rounds/{round_id}/close"),
            answers.post("withdraw", officer, f"/registry/{eid}/withdraw"),
            *(
                answers.post(f"vote{i}", c, dossier, {"choice": "approve"})
                for i, c in enumerate(voter_clients)
            ),
        ]
        errors = _race(requests, run)
        assert not errors, errors
        assert answers.all_answered(), (run, answers.status)
        assert answers.status["close"] == 302, (run, answers.status)

        db.session.rollback()
        exemplar = db.session.get(Exemplar, eid)
        db.session.refresh(exemplar)
        result = db.session.scalar(
            select(StageResult).where(
                StageResult.exemplar_id == eid, StageResult.round_id == round_id
            )
        )
        stored = db.session.scalar(
            select(func.count(Vote.id)).where(Vote.exemplar_id == eid)
        )
        if answers.status["withdraw"] == 302:
            assert exemplar.state == State.DRAFT
            if result is None:
                # withdrawn before the close: its votes discarded, nothing decided
                assert stored == 0, (run, answers.status)
                outcomes["withdrawn, then closed"] += 1
            else:
                # closed first without quorum, then withdrawn: the counted votes stay
                # on the closed round, as the minutes recorded them
                assert result.outcome == "no_quorum"
                assert result.votes == stored == answers.votes_accepted, (
                    run,
                    answers.status,
                )
                outcomes["closed without quorum, then withdrawn"] += 1
        else:
            # closed first and decided: too late to withdraw
            assert result is not None and result.outcome != "no_quorum"
            assert result.votes == stored == answers.votes_accepted, (
                run,
                answers.status,
            )
            assert exemplar.state != State.DRAFT
            outcomes["closed, withdrawal refused"] += 1
    print(f"close / vote / withdraw races: {dict(sorted(outcomes.items()))}")


def test_a_vote_on_a_withdrawn_exemplar_is_a_conflict_and_not_stored(make, db):
    sc = build(make, criteria=False)
    council = sc.commune_councils[0]
    member = sc.members[council.id][2]
    e = submitted(make, sc, sc.hamlets[0], name="Đường làng nở hoa")
    withdraw_exemplar(e, actor=None)
    with pytest.raises(Conflict) as refused:
        voting.cast_vote(member, e, choice="approve")
    assert "Đường làng nở hoa" in refused.value.message
    assert "không còn chờ thẩm định ở vòng này" in refused.value.message
    with pytest.raises(Conflict):
        voting.mark_return(council.open_round, e, reason="Bổ sung", actor=None)
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert db.session.scalar(select(func.count(ReturnMark.id))) == 0
