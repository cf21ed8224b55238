"""A job handler opens the same way whatever it does: it acts for the record's owner."""

from __future__ import annotations

from dankheo.actors import current_actor
from dankheo.auth.models import User
from dankheo.jobs import queue_for, records, running_for_owner
from dankheo.jobs.records import JobRecord


def test_a_handler_acts_for_the_owner_of_its_record_and_says_it_runs(make):
    owner = make.user()
    huey = queue_for().huey
    record = records.save(huey, JobRecord(kind="test", owner_id=owner.id, params={}))
    with running_for_owner(huey, record, User) as actor:
        assert actor is owner
        assert current_actor() is owner
        assert records.load(huey, record.id).state == "running"
    assert current_actor() is None


def test_a_record_nobody_owns_runs_as_the_system(make):
    huey = queue_for().huey
    record = records.save(huey, JobRecord(kind="test", owner_id=None, params={}))
    with running_for_owner(huey, record, User) as actor:
        assert actor is None
        assert current_actor() is None
        assert records.load(huey, record.id).state == "running"
