"""A job's sealed file (the passwords of imported accounts) lives in the shared job
store: any process hands it out, once, and nobody after its time is up."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict

import pytest
from huey import RedisHuey, SqliteHuey

from dankheo import create_app
from dankheo.jobs import records
from dankheo.jobs.records import JobRecord

from ..redis_required import redis_or_skip

REDIS_URL = os.environ.get("DANKHEO_TEST_SEALED_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture(params=["sqlite", "redis"])
def two_processes(request, tmp_path):
    """Two queue handles on one store, as two web processes hold them."""
    name = f"dankheo-sealed-{uuid.uuid4().hex[:8]}"
    if request.param == "redis":
        redis_or_skip(REDIS_URL).close()
        pair = [RedisHuey(name, url=REDIS_URL, results=False) for _ in range(2)]
        yield pair
        pair[0].storage.flush_results()
        return
    path = str(tmp_path / "jobs.sqlite3")
    yield [SqliteHuey(name, filename=path, results=False) for _ in range(2)]


def test_sealed_data_is_taken_once_from_any_process(two_processes):
    web1, web2 = two_processes
    record = records.save(web1, JobRecord(kind="k", owner_id=1, params={}))
    records.put_output(web1, record, b"secret bytes", seconds=60)
    assert records.output_state(web2, record) == "waiting"
    assert records.take_output(web2, record) == b"secret bytes"
    assert records.take_output(web1, record) is None
    assert records.take_output(web2, record) is None
    assert records.output_state(web1, record) == "taken"
    # Nothing of it is left in the store, and the record itself is untouched.
    assert records.load(web1, record.id) is not None
    names = [
        k.decode() if isinstance(k, bytes) else k for k in web1.storage.result_items()
    ]
    assert [n for n in names if n.startswith(records._output_key(""))] == []


def test_sealed_data_expires_and_is_pruned(two_processes):
    web1, web2 = two_processes
    record = records.save(web1, JobRecord(kind="k", owner_id=1, params={}))
    records.put_output(web1, record, b"secret bytes", seconds=-1)
    assert records.output_state(web2, record) == "gone"
    assert records.prune_outputs(web2) == 1
    assert records.take_output(web1, record) is None
    # Pruning the record forgets its marks too.
    record.updated_at = time.time() - 10 * 86400
    # (saved by hand: records.save stamps the record with the current time)
    web1.put(f"{records.PREFIX}{record.id}", json.dumps(asdict(record)))
    assert [r.id for r in records.prune(web1, keep_days=7)] == [record.id]
    assert records.output_state(web1, record) == "gone"


def test_a_job_id_is_never_taken_for_an_option():
    """`flask jobs show ID` failed with a usage error for an id starting with "-"."""
    from dankheo.jobs.records import JobRecord

    ids = [JobRecord(kind="k", owner_id=None, params={}).id for _ in range(2000)]
    assert not [i for i in ids if i.startswith("-")]
    assert len(set(ids)) == len(ids)


@pytest.fixture(autouse=True)
def _in_the_app(app):
    """Outputs are sealed under the application's secret key."""
    with app.app_context():
        yield


def _stored(huey) -> bytes:
    """Everything the store holds, as bytes."""
    return b"".join(
        (k.encode() if isinstance(k, str) else k) + v
        for k, v in huey.storage.result_items().items()
    )


def test_the_store_never_holds_an_output_readable(two_processes, app):
    """A password file sits in Redis or the queue's SQLite file for up to a day:
    whoever reads the store (or its backup) without the secret key learns nothing."""
    web1, web2 = two_processes
    record = records.save(web1, JobRecord(kind="k", owner_id=1, params={}))
    secret = "Tên đăng nhập,Mật khẩu\r\ncanbo.xa,Xk7-pQ2-mN9".encode()
    records.put_output(web1, record, secret, seconds=60)
    stored = _stored(web1)
    assert b"Xk7-pQ2-mN9" not in stored and "Mật khẩu".encode() not in stored
    assert records.read_output(web2, record) == secret


def test_an_output_sealed_under_another_key_or_altered_is_gone(two_processes, app):
    web1, _web2 = two_processes
    record = records.save(web1, JobRecord(kind="k", owner_id=1, params={}))
    records.put_output(web1, record, b"secret bytes", seconds=60)
    # A consumer on another machine without the shared secret key sealed it.
    other = create_app({**app.config, "SECRET_KEY": "another-secret"})
    with other.app_context():
        assert records.read_output(web1, record) is None
        assert records.take_output(web1, record) is None
        assert records.output_state(web1, record) == "gone"
    # Nothing was destroyed: with the right key it is still there, once.
    assert records.output_state(web1, record) == "waiting"
    assert records.take_output(web1, record) == b"secret bytes"
    assert records.output_state(web1, record) == "taken"
    records.put_output(web1, record, b"secret bytes", seconds=60)
    key = records._output_key(record.id)
    payload = web1.get(key, peek=True)
    payload["sealed"] = payload["sealed"][:-4] + b"AAAA"
    web1.put(key, payload)
    assert records.read_output(web1, record) is None


def test_an_output_kept_before_outputs_were_sealed_is_pruned_at_once(two_processes):
    web1, _web2 = two_processes
    record = records.save(web1, JobRecord(kind="k", owner_id=1, params={}))
    web1.put(
        records._output_key(record.id),
        {"expires_at": time.time() + 3600, "data": b"canbo.xa,Xk7-pQ2-mN9"},
    )
    assert records.read_output(web1, record) is None
    assert records.prune_outputs(web1) == 1
    assert b"Xk7-pQ2-mN9" not in _stored(web1)
