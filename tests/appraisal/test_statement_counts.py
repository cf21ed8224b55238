"""No N+1 in voting and closing: a vote runs a fixed handful of statements, and closing
a round of 100 entries runs as many as closing one of 10 (counted with
``before_cursor_execute``, like the list pages' test)."""

from __future__ import annotations

from sqlalchemy import func, select

from dankheo.appraisal import voting
from dankheo.appraisal.models import StageResult
from dankheo.audit.verify import verify_all
from dankheo.domain.enums import UnitTier
from dankheo.domain.workflow import State
from dankheo.registry.models import Exemplar, History
from dankheo.verification.replay import replay_campaign

from ..conftest import recorded_statements
from ..showcase.test_tallies import assert_equal_to_recount
from .scenario import build, submitted

#: What one vote may run: the user and its roles, the council with its members and
#: open round, the dossier, the queue check, then the guard, the lock, the recusal
#: check, the member's earlier vote and the write. A vote ran 35 before the page
#: around the form was left to GET requests.
VOTE_STATEMENTS = 20


def _queue(make, sc, council, n: int) -> list[Exemplar]:
    """``n`` entries, each from its own grassroots unit under the council's commune
    (routing is read per unit)."""
    commune = council.unit
    out = []
    for i in range(n):
        unit = make.unit(
            parent=commune, tier=UnitTier.GRASSROOTS, name=f"Thôn {commune.id}-{i}"
        )
        out.append(submitted(make, sc, unit, name=f"Mô hình {commune.id}-{i}"))
    return out


def _vote_everything(sc, council, entries: list[Exemplar]) -> None:
    """Every fourth entry passes, is rejected, is returned by the chair, or gets no
    vote at all (no quorum): every kind of decision the close applies."""
    crit = [c.id for c in council.stage.criteria]
    members = sc.members[council.id]
    for member in members:
        votes = [
            voting.VoteInput(
                e.id,
                "approve" if i % 4 != 1 else "reject",
                dict(zip(crit, (50, 30), strict=True)),
            )
            for i, e in enumerate(entries)
            if i % 4 != 3
        ]
        voting.cast_votes(member, votes)
    chair = sc.chair(council)
    for e in entries[2::4]:
        voting.mark_return(
            council.open_round, e, reason="Bổ sung số liệu.", actor=chair.user
        )


def test_a_vote_runs_a_fixed_number_of_statements(make, db, login_as):
    sc = build(make)
    council = sc.commune_councils[0]
    entries = _queue(make, sc, council, 12)
    db.session.commit()
    member = sc.members[council.id][2]
    client = login_as(member.user)
    crit = council.stage.criteria
    form = {
        "choice": "approve",
        f"criterion_{crit[0].id}": "50",
        f"criterion_{crit[1].id}": "30",
    }
    url = f"/appraisal/councils/{council.id}/entries/{{}}"
    assert client.post(url.format(entries[0].id), data=form).status_code == 302
    counts = []
    for e in entries[1:3]:
        with recorded_statements(db.engine) as seen:
            assert client.post(url.format(e.id), data=form).status_code == 302
        counts.append(len(seen))
    # Changing a vote costs no more than casting it.
    with recorded_statements(db.engine) as seen:
        assert client.post(url.format(entries[1].id), data=form).status_code == 302
    counts.append(len(seen) - 2)  # the old scores deleted, the vote updated
    assert max(counts) <= VOTE_STATEMENTS, counts


def test_closing_100_entries_runs_as_many_statements_as_closing_10(make, db, login_as):
    sc = build(make)
    small_council, large_council = sc.commune_councils
    small = _queue(make, sc, small_council, 12)
    large = _queue(make, sc, large_council, 100)
    _vote_everything(sc, small_council, small)
    _vote_everything(sc, large_council, large)
    db.session.commit()
    counts = []
    for council in (small_council, large_council):
        rnd = council.open_round
        client = login_as(sc.chair(council).user)
        with recorded_statements(db.engine) as seen:
            resp = client.post(f"/appraisal/rounds/{rnd.id}/close")
        assert resp.status_code == 302
        counts.append(len(seen))
    assert counts[0] == counts[1], counts

    db.session.expire_all()
    for entries in (small, large):
        rows = [db.session.get(Exemplar, e.id) for e in entries]
        passed, rejected, returned, undecided = (rows[i::4] for i in range(4))
        assert {(e.state, e.stage_id) for e in passed} == {
            (State.SUBMITTED.value, sc.stage2.id)
        }
        assert {e.state for e in rejected} == {State.REJECTED.value}
        assert {e.state for e in returned} == {State.RETURNED.value}
        assert {(e.state, e.stage_id) for e in undecided} == {
            (State.SUBMITTED.value, sc.stage1.id)
        }
    assert db.session.scalar(select(func.count(StageResult.id))) == 112
    # One history record per decision applied (no quorum is none), after the
    # submissions.
    assert db.session.scalar(
        select(func.count(History.id)).where(
            History.action.in_(["pass_stage", "reject", "return_for_supplement"])
        )
    ) == 3 * (3 + 25)
    assert all(report.intact for report in verify_all(db.engine))
    assert replay_campaign(sc.campaign).ok
    assert_equal_to_recount(db)
