"""Eight members at once in one campaign, through HTTP: four unit officers submit
entries while four council members vote on others. Every request takes its locks in
the order of :mod:`dankheo.locking`, and the summary counts take no shared row at all,
so on PostgreSQL no request deadlocks (each deadlock is logged by the request lifecycle,
which runs the request once more); none is refused for it, and the counts stay exact."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select, update

from dankheo.actors import acting_as
from dankheo.appraisal.commendations import record_commendation
from dankheo.appraisal.models import CouncilMember, Vote
from dankheo.appraisal.voting import cast_vote
from dankheo.auth.models import User
from dankheo.campaigns.models import CommendationForm
from dankheo.domain.enums import Role, UnitTier
from dankheo.domain.workflow import State
from dankheo.extensions import db as _db
from dankheo.lifecycle import is_retryable
from dankheo.registry.models import Exemplar
from dankheo.registry.operations import submit_exemplar
from dankheo.units.models import Unit
from dankheo.units.operations import create_unit

from .scenario import build, submitted

THREADS = 8
PER_THREAD = 6


log = logging.getLogger(__name__)


def test_eight_members_submit_and_vote_at_once_without_deadlock(app, make, db):
    # Three officers submit, three members vote, the secretariat records commendations
    # and adds units (an administrative act: audit log, and a change of the units).
    officers_n, voters_n = 3, 3
    sc = build(make, members_per_council=voters_n, criteria=False)
    council = sc.commune_councils[0]
    hamlet = sc.hamlets[0]
    officers = [
        make.user(role=Role.UNIT_OFFICER, unit=hamlet, scope=sc.province)
        for _ in range(officers_n)
    ]
    drafts = [
        [
            make.exemplar(
                unit=hamlet,
                campaign=sc.campaign,
                name=f"Hồ sơ nộp {o}-{i}",
                situation="Đường làng hẹp.",
                goals="Mở rộng đường.",
                content="Vận động hiến đất.",
                outputs="2 km đường.",
            ).id
            for i in range(PER_THREAD)
        ]
        for o in range(officers_n)
    ]
    ballot = [
        submitted(make, sc, hamlet, name=f"Hồ sơ bình xét {i}").id
        for i in range(PER_THREAD)
    ]
    to_commend = [
        submitted(make, sc, sc.hamlets[1], name=f"Hồ sơ khen thưởng {i}").id
        for i in range(PER_THREAD)
    ]
    db.session.execute(
        update(Exemplar)
        .where(Exemplar.id.in_(to_commend))
        .values(state=State.RECOMMENDED.value)
    )
    form_id = sc.campaign.commendation_forms[0].id
    secretariat_id = sc.secretariat.id
    province_id = sc.province.id
    db.session.commit()
    officer_ids = [u.id for u in officers]
    member_ids = [m.id for m in sc.members[council.id]]

    def submit(n: int, eid: int) -> None:
        actor = _db.session.get(User, officer_ids[n])
        with acting_as(actor):
            submit_exemplar(_db.session.get(Exemplar, eid), actor=actor)

    def vote(n: int, eid: int) -> None:
        member = _db.session.get(CouncilMember, member_ids[n - officers_n])
        with acting_as(member.user):
            cast_vote(member, _db.session.get(Exemplar, eid), choice="approve")

    def commend(_n: int, eid: int) -> None:
        actor = _db.session.get(User, secretariat_id)
        with acting_as(actor):
            record_commendation(
                _db.session.get(Exemplar, eid),
                form=_db.session.get(CommendationForm, form_id),
                issuing_body="UBND tỉnh",
                decision_number=f"{eid}/QĐ-UBND",
                decision_date=date(2026, 11, 18),
                actor=actor,
            )

    def add_unit(_n: int, i: int) -> None:
        with acting_as(_db.session.get(User, secretariat_id)):
            create_unit(
                code=f"T{i}",
                name=f"Đơn vị mới {i}",
                tier=UnitTier.COMMUNE,
                kind="party",
                parent=_db.session.get(Unit, province_id),
            )

    work: list[list[tuple[Callable[[int, int], None], int]]] = [
        [(submit, eid) for eid in drafts[o]] for o in range(officers_n)
    ]
    work += [[(vote, eid) for eid in ballot] for _ in range(voters_n)]
    work += [[(commend, eid) for eid in to_commend]]
    work += [[(add_unit, i) for i in range(PER_THREAD)]]

    barrier = threading.Barrier(THREADS)
    deadlocks: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def member(n: int) -> None:
        """One request after another, each run as :mod:`dankheo.lifecycle` runs it:
        committed, or rolled back and run once more after a deadlock."""
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                for operation, eid in work[n]:
                    for attempt in (1, 2):
                        try:
                            operation(n, eid)
                            _db.session.commit()
                            break
                        except Exception as exc:
                            _db.session.rollback()
                            if not is_retryable(exc):
                                raise
                            with lock:
                                deadlocks.append(f"{operation.__name__} {eid}: {exc}")
                            log.warning(
                                "%s %s attempt %s: %s",
                                operation.__name__,
                                eid,
                                attempt,
                                exc,
                            )
                            if attempt == 2:
                                with lock:
                                    refused.append(f"{operation.__name__} {eid}")
                _db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=member, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    print(f"{THREADS * PER_THREAD} requests, {len(deadlocks)} deadlock(s)")
    assert not errors, errors
    assert not refused, refused
    assert not deadlocks, deadlocks

    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count(Exemplar.id)).where(
                Exemplar.id.in_(sum(drafts, [])), Exemplar.state == State.SUBMITTED
            )
        )
        == officers_n * PER_THREAD
    )
    assert (
        db.session.scalar(
            select(func.count(Vote.id)).where(Vote.exemplar_id.in_(ballot))
        )
        == voters_n * PER_THREAD
    )
    from ..showcase.test_tallies import assert_equal_to_recount

    assert_equal_to_recount(db)
