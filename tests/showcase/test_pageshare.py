"""The page cache's shared tier (dankheo/showcase/pageshare.py): a page rendered by one
process is served by another from Redis without rendering, under the same key and age
bound as each worker's own copy; a Redis that fails never fails a page."""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from dankheo import create_app
from dankheo.domain.enums import Role
from dankheo.showcase import pagecache, pageshare

from ..conftest import IsolatedClient
from ..factories import PASSWORD
from ..redis_required import redis_or_skip

REDIS_URL = os.environ.get("DANKHEO_TEST_PAGES_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture
def store():
    client = redis_or_skip(REDIS_URL)
    client.flushdb()  # this module's own Redis database
    yield client
    client.flushdb()


def _worker(app, url: str | None):
    """Another process of the same deployment: same database, its own page store."""
    other = create_app({**app.config, "PAGECACHE_REDIS_URL": url})
    other.test_client_class = IsolatedClient
    return other


@pytest.fixture
def workers(app, db, store):
    """Two applications over one database and one Redis, as two gunicorn workers."""
    made = [_worker(app, REDIS_URL), _worker(app, REDIS_URL)]
    yield [w.test_client() for w in made]
    for w in made:
        _dispose(w)


def _dispose(app) -> None:
    with app.app_context():
        from dankheo.extensions import db as _db

        _db.engine.dispose()


@pytest.fixture
def statements():
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def _selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


@pytest.mark.parametrize("url", ["/", "/showcase", "/stats", "/api/v1/exemplars"])
def test_a_page_rendered_by_one_worker_is_served_by_the_other(
    workers, publish, db, statements, url
):
    publish(name="Mô hình công khai")
    db.session.commit()
    a, b = workers
    first = a.get(url)
    assert first.status_code == 200
    statements.clear()
    again = b.get(url)
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    # Only the version read: worker b rendered nothing.
    assert len(_selects(statements)) == 1, _selects(statements)


def test_a_first_render_asks_redis_once(workers, publish, db, monkeypatch):
    """A page no one has rendered: one look in Redis, not a second one after taking
    the render (there was no other thread to wait for)."""
    publish(name="Mô hình công khai")
    db.session.commit()
    looks: list[tuple] = []
    real_get = pageshare.SharedPages.get

    def get(self, key, seconds):
        looks.append(key)
        return real_get(self, key, seconds)

    monkeypatch.setattr(pageshare.SharedPages, "get", get)
    a, _b = workers
    assert a.get("/showcase").status_code == 200
    assert len(looks) == 1


def test_without_the_shared_tier_each_worker_renders(app, db, publish, statements):
    publish(name="Mô hình công khai")
    db.session.commit()
    a, b = (_worker(app, None).test_client() for _ in range(2))
    a.get("/showcase")
    statements.clear()
    b.get("/showcase")
    assert len(_selects(statements)) > 1
    _dispose(a.application)
    _dispose(b.application)


def test_a_change_is_seen_by_every_worker_at_once(workers, publish, db):
    publish(name="Mô hình thứ nhất")
    db.session.commit()
    a, b = workers
    a.get("/showcase")
    b.get("/showcase")
    publish(name="Mô hình thứ hai")
    db.session.commit()
    assert "Mô hình thứ hai" in b.get("/showcase").get_data(as_text=True)
    assert "Mô hình thứ hai" in a.get("/showcase").get_data(as_text=True)


def test_a_page_past_its_age_is_not_taken_from_redis(
    app, workers, publish, db, statements
):
    publish(name="Mô hình công khai")
    db.session.commit()
    a, b = workers
    a.get("/showcase")
    _age_shared_copy(_pages(a), 3600)  # rendered an hour ago, still in Redis
    statements.clear()
    assert b.get("/showcase").status_code == 200
    assert len(_selects(statements)) > 2  # rendered afresh


def test_a_signed_in_page_never_reaches_redis(workers, publish, make, db):
    publish(name="Mô hình công khai")
    user = make.user(role=Role.SECRETARIAT, name="Người Đăng Nhập")
    db.session.commit()
    a, b = workers
    resp = a.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    assert resp.status_code == 302
    assert "Người Đăng Nhập" in a.get("/showcase").get_data(as_text=True)
    assert "Người Đăng Nhập" not in b.get("/showcase").get_data(as_text=True)
    pages = _pages(b)
    for name in store_keys(pages):
        assert "Người Đăng Nhập".encode() not in (pages.client.get(name) or b"")


def test_what_redis_holds_is_never_trusted_blindly(workers, publish, db):
    publish(name="Mô hình công khai")
    db.session.commit()
    a, b = workers
    a.get("/showcase")
    pages = _pages(a)
    for name in store_keys(pages):
        pages.client.set(name, b"not a page")
    resp = b.get("/showcase")
    assert resp.status_code == 200
    assert "Mô hình công khai" in resp.get_data(as_text=True)


def test_a_redis_that_is_down_never_fails_a_page(app, db, publish, caplog):
    publish(name="Mô hình công khai")
    db.session.commit()
    # Nothing listens on port 1: every Redis call fails at once.
    client = _worker(app, "redis://127.0.0.1:1/0").test_client()
    for _ in range(2):
        resp = client.get("/showcase")
        assert resp.status_code == 200
        assert "Mô hình công khai" in resp.get_data(as_text=True)
    warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(warnings) == 1  # said once, not on every request
    pages = pageshare.shared(client.application)
    assert pages is not None
    calls = []
    pages.client.get = lambda *a: calls.append(a)  # type: ignore[method-assign]
    client.get("/stats")
    assert calls == []  # left alone for a while after the failure
    _dispose(client.application)


def test_pages_are_kept_compressed(workers, publish, db):
    publish(name="Mô hình công khai")
    db.session.commit()
    a, _b = workers
    body = a.get("/showcase").get_data()
    pages = _pages(a)
    (name,) = store_keys(pages)
    assert len(pages.client.get(name)) < len(body) / 2  # headers included


def test_clearing_forgets_only_this_databases_pages(workers, publish, db, store):
    publish(name="Mô hình công khai")
    db.session.commit()
    a, _b = workers
    a.get("/showcase")
    store.set(pageshare.PREFIX + "another-database:page", b"kept")
    pagecache.clear(a.application)
    pages = _pages(a)
    assert store_keys(pages) == []
    assert store.get(pageshare.PREFIX + "another-database:page") == b"kept"


def _pages(client) -> pageshare.SharedPages:
    """The shared tier of the worker behind ``client`` (configured in these tests)."""
    pages = pageshare.shared(client.application)
    assert pages is not None
    return pages


def store_keys(pages: pageshare.SharedPages) -> list[bytes]:
    """The pages kept (not the index of them), each once: SCAN may return a key twice
    while Redis resizes its table, as after thousands of deletions."""
    index = pages.index.encode()
    found = pages.client.scan_iter(match=pages.prefix + "*")
    return list(dict.fromkeys(k for k in found if k != index))


def _age_shared_copy(pages, seconds: float) -> None:
    (name,) = store_keys(pages)
    entry = pageshare.decode(pages.client.get(name))
    assert entry is not None
    entry.at = time.time() - seconds
    pages.client.set(name, pageshare.encode(entry))


def _aged_in_redis(workers, publish, db):
    """a renders /showcase; its copy in Redis is then past the 30 s bound (within
    Redis's keeping). The workers, a's page and a's shared tier."""
    publish(name="Mô hình công khai")
    db.session.commit()
    a, b = workers
    first = a.get("/showcase")
    pages = _pages(a)
    _age_shared_copy(pages, 60)
    return a, b, first, pages


def test_a_worker_renders_a_page_whose_shared_copy_is_past_its_age(
    workers, publish, db, statements
):
    _a, b, _first, _pages_of_a = _aged_in_redis(workers, publish, db)
    statements.clear()
    assert b.get("/showcase").status_code == 200
    assert len(_selects(statements)) > 2  # b rendered it, nobody else was


def test_while_it_renders_a_worker_serves_the_aged_shared_copy(
    workers, publish, db, statements
):
    _a, b, first, pages = _aged_in_redis(workers, publish, db)
    # b asks for /showcase for the first time while one of its threads renders it.
    answers: list = []

    def ask():
        answers.append(b.get("/showcase"))

    original = pagecache._claim

    def rendering_elsewhere(key, wait=True):
        return False if not wait else original(key, wait)

    pagecache._claim = rendering_elsewhere
    try:
        statements.clear()
        asking = threading.Thread(target=ask)
        asking.start()
        asking.join(timeout=10)
    finally:
        pagecache._claim = original
    assert answers, "the visitor waited for the rendering"
    assert answers[0].get_data() == first.get_data()
    assert len(_selects(statements)) == 1


def test_while_another_process_renders_a_page_the_others_serve_the_aged_copy(
    workers, publish, db, statements, store
):
    """A costly page past its age is rendered again by one process at a time: the
    others serve their aged copy meanwhile, instead of each rendering it too."""
    _a, b, first, pages = _aged_in_redis(workers, publish, db)
    (name,) = store_keys(pages)
    rendering = pages.prefix + "rendering:" + name.decode()[len(pages.prefix) :]
    store.set(rendering, b"1", ex=30)  # a third process is rendering it
    statements.clear()
    answer = b.get("/showcase")  # b holds only Redis's copy, past its age
    assert answer.status_code == 200
    assert answer.get_data() == first.get_data()
    assert len(_selects(statements)) == 1  # the data version: no rendering
    store.delete(rendering)  # that process is done (or gone: the claim expires)
    statements.clear()
    assert b.get("/showcase").status_code == 200
    assert len(_selects(statements)) > 2  # b rendered it
    assert store_keys(pages) == [name]  # and let go of its claim


def _entry(n: int) -> pageshare.SharedEntry:
    return pageshare.SharedEntry(time.time(), 200, f"trang {n}".encode(), [])


def test_redis_keeps_at_most_the_bound_and_lets_the_oldest_go(store):
    """A crawler asking for every entry, or endless searches, cannot fill Redis: past
    the bound the oldest pages are deleted, whatever their age."""
    pages = pageshare.SharedPages(REDIS_URL, "sqlite:///bound", max_pages=3)
    for n in range(5):
        pages.put(("page", n), _entry(n), 60)
    assert [pages.get(("page", n), 60) is not None for n in range(5)] == [
        False,
        False,
        True,
        True,
        True,
    ]
    assert len(store_keys(pages)) == 3
    assert store.zcard(pages.index) == 3
    # Asked again, a page is written again and becomes the newest.
    pages.put(("page", 2), _entry(2), 60)
    pages.put(("page", 5), _entry(5), 60)
    assert pages.get(("page", 2), 60) is not None
    assert pages.get(("page", 3), 60) is None


def test_pages_that_expired_leave_the_index(store):
    pages = pageshare.SharedPages(REDIS_URL, "sqlite:///expiry", max_pages=100)
    for n in range(3):
        pages.put(("page", n), _entry(n), 1)
    time.sleep(1.2)
    pages.put(("page", 9), _entry(9), 60)
    assert store.zrange(pages.index, 0, -1) == [
        (pages.prefix + pageshare._digest(("page", 9))).encode()
    ]


def test_the_bound_is_a_setting(app, store):
    other = create_app(
        {**app.config, "PAGECACHE_REDIS_URL": REDIS_URL, "PAGECACHE_SHARED_PAGES": 7}
    )
    pages = pageshare.shared(other)
    assert pages is not None and pages.max_pages == 7
    _dispose(other)


def test_a_bound_lowered_far_below_what_redis_holds_still_trims(store):
    """Lua cannot unpack thousands of names at once: past 8,000 a write failed."""
    wide = pageshare.SharedPages(REDIS_URL, "sqlite:///lowered", max_pages=100_000)
    later = time.time() + 3600
    with store.pipeline() as pipe:
        for n in range(9000):
            name = f"{wide.prefix}old{n}"
            pipe.set(name, b"x", ex=3600)
            pipe.zadd(wide.index, {name: later})
        pipe.execute()
    narrow = pageshare.SharedPages(REDIS_URL, "sqlite:///lowered", max_pages=10)
    narrow.put(("page", 1), _entry(1), 60)
    assert not narrow._resting()
    assert store.zcard(narrow.index) == 10
    assert len(store_keys(narrow)) == 10


def test_a_process_lets_go_only_of_its_own_claim(store):
    """A render that outlived its claim must not end the claim another process took
    after it (a third would render too)."""
    first = pageshare.SharedPages(REDIS_URL, "sqlite:///claims")
    second = pageshare.SharedPages(REDIS_URL, "sqlite:///claims")
    assert first.claim(("page",), 30)
    assert not second.claim(("page",), 30)
    store.delete(first._claim_name(("page",)))  # its lifetime ran out
    assert second.claim(("page",), 30)
    first.release(("page",))  # the slow render ends
    assert not first.claim(("page",), 30)  # second's claim stands
    second.release(("page",))
    assert first.claim(("page",), 30)
