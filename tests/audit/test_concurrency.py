"""Appends from many transactions at once never fork a chain: each thread has its own
app context, session and connection; every commit succeeds or is refused whole, and the
chains verify with positions 1..n and no two records on the same predecessor."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from dankheo.actors import acting_as
from dankheo.audit.models import AuditRecord
from dankheo.audit.verify import verify_all
from dankheo.domain.enums import Role, UnitTier
from dankheo.extensions import db as _db
from dankheo.lifecycle import is_retryable
from dankheo.registry.models import Exemplar, History
from dankheo.registry.operations import submit_exemplar, withdraw_exemplar
from dankheo.units.models import Unit
from dankheo.units.operations import create_unit

THREADS = 6
ROUNDS = 4
#: What a request gets (dankheo.lifecycle): one more run after a deadlock. The summary
#: counts take no shared row (dankheo.tallies), so six writers hammering one campaign
#: no longer deadlock on PostgreSQL; a retry would still be a clean abort.
ATTEMPTS = 2


def test_concurrent_appends_do_not_fork(app, make, db):
    province = make.unit(tier=UnitTier.PROVINCE)
    actor = make.user(role=Role.SECRETARIAT, unit=province)
    campaign = make.campaign(unit=province)
    entries = [
        make.exemplar(
            unit=make.unit(parent=province),
            campaign=campaign,
            situation="Đường hẹp.",
            goals="Mở đường.",
            content="Vận động.",
            outputs="2 km.",
        ).id
        for _ in range(THREADS)
    ]
    province_id, actor_id = province.id, actor.id
    db.session.commit()
    before_history = db.session.scalar(select(func.count(History.id)))
    before_audit = db.session.scalar(select(func.count(AuditRecord.id)))
    db.session.commit()

    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    done: list[int] = []
    lock = threading.Lock()
    retried: list[str] = []

    def worker(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                for i in range(ROUNDS):
                    for attempt in range(ATTEMPTS):
                        try:
                            with acting_as(_db.session.get(type(actor), actor_id)):
                                exemplar = _db.session.get(Exemplar, entries[n])
                                if i % 2 == 0:
                                    submit_exemplar(exemplar, actor=None)
                                else:
                                    withdraw_exemplar(exemplar, actor=None)
                                create_unit(
                                    code=f"T{n}-{i}",
                                    name=f"Đơn vị {n}-{i}",
                                    tier=UnitTier.COMMUNE,
                                    kind="party",
                                    parent=_db.session.get(Unit, province_id),
                                )
                                _db.session.commit()
                            break
                        except Exception as exc:
                            _db.session.rollback()
                            with lock:
                                retried.append(str(exc).splitlines()[0])
                            # What every request does (dankheo.lifecycle): a busy SQLite
                            # or a PostgreSQL deadlock aborts cleanly and runs again.
                            if attempt == ATTEMPTS - 1 or not is_retryable(exc):
                                raise
                    with lock:
                        done.append(n)
                _db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    print(f"{THREADS * ROUNDS} transactions, {len(retried)} retried: {retried}")
    assert not errors, errors
    assert not [r for r in retried if "deadlock" in r], retried
    assert len(done) == THREADS * ROUNDS

    db.session.commit()
    history = db.session.scalars(select(History).order_by(History.chain_seq)).all()
    assert len(history) == before_history + THREADS * ROUNDS
    assert [h.chain_seq for h in history] == list(range(1, len(history) + 1))
    prevs = [h.prev_hash for h in history]
    assert len(set(prevs)) == len(prevs), "two records chained onto one predecessor"
    audit = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
    assert len(audit) == before_audit + THREADS * ROUNDS
    assert len({a.prev_hash for a in audit}) == len(audit)
    db.session.commit()
    assert all(r.intact for r in verify_all(_db.engine))
