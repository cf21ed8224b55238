"""Whole anonymous pages kept per process (dankheo/showcase/pagecache.py): served again
without rendering, never stale after a change, never for a signed-in visitor."""

from __future__ import annotations

import threading

import pytest

from dankheo.domain.enums import Role
from dankheo.showcase import pagecache

PAGES = ["/", "/showcase", "/stats", "/showcase?kind=model", "/api/v1/exemplars"]


@pytest.mark.parametrize("url", PAGES)
def test_a_page_asked_again_is_served_without_rendering(
    client, publish, db, statements, url
):
    publish(name="Mô hình công khai")
    db.session.commit()
    first = client.get(url)
    statements.clear()
    again = client.get(url)
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    # Only the version read (tally version and chain lengths in one statement):
    # nothing rendered.
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1, reads
    assert again.headers["ETag"] == first.headers["ETag"]


def test_a_browser_revalidating_gets_304_without_a_body(client, publish, db):
    publish(name="Mô hình công khai")
    db.session.commit()
    etag = client.get("/showcase").headers["ETag"]
    resp = client.get("/showcase", headers={"If-None-Match": etag})
    assert resp.status_code == 304 and resp.get_data() == b""


@pytest.mark.parametrize("url", ["/", "/showcase", "/stats"])
def test_a_publication_shows_at_once(client, publish, db, url):
    publish(name="Mô hình thứ nhất")
    db.session.commit()
    assert "Mô hình thứ hai" not in client.get(url).get_data(as_text=True)
    publish(name="Mô hình thứ hai")
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    if url != "/stats":  # the statistics name no entry, they count
        assert "Mô hình thứ hai" in html
    assert client.get(url).get_data(as_text=True) == html


def test_an_edit_of_a_public_entry_shows_at_once(client, publish, db):
    entry = publish(name="Tên cũ của mô hình")
    db.session.commit()
    url = f"/showcase/{entry.id}-{entry.slug}"
    assert "Tên cũ của mô hình" in client.get(url).get_data(as_text=True)
    assert "Tên cũ của mô hình" in client.get("/showcase").get_data(as_text=True)
    entry.outputs = "Kết quả mới được sửa"
    entry.name = "Tên mới của mô hình"
    db.session.commit()
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "Kết quả mới được sửa" in html  # under its new address (the slug changed)
    assert "Tên mới của mô hình" in client.get("/showcase").get_data(as_text=True)


def test_a_signed_in_visitor_never_gets_the_kept_page(
    client, publish, make, db, login_as
):
    publish(name="Mô hình công khai")
    user = make.user(role=Role.SECRETARIAT, name="Người Đăng Nhập")
    db.session.commit()
    client.get("/showcase")
    client.get("/showcase")
    login_as(user)
    assert "Người Đăng Nhập" in client.get("/showcase").get_data(as_text=True)
    client.post("/auth/logout")
    assert "Người Đăng Nhập" not in client.get("/showcase").get_data(as_text=True)


def test_each_language_is_kept_apart(client, publish, db):
    publish(name="Mô hình công khai")
    db.session.commit()
    vi = client.get("/stats").get_data(as_text=True)
    en = client.get("/stats?lang=en").get_data(as_text=True)
    assert en != vi
    assert client.get("/stats").get_data(as_text=True) != vi  # the session says en


def test_the_cache_can_be_turned_off(app, client, publish, db, statements):
    publish(name="Mô hình công khai")
    db.session.commit()
    app.config["SHOWCASE_CACHE_SECONDS"] = 0
    try:
        client.get("/showcase")
        statements.clear()
        client.get("/showcase")
        assert len([s for s in statements if s.lstrip().startswith("SELECT")]) > 2
    finally:
        app.config.pop("SHOWCASE_CACHE_SECONDS")


def test_threads_asking_for_the_same_missing_page_render_it_once(
    app, publish, db, monkeypatch
):
    """A page nobody asked for yet, asked for by several threads of one worker at once:
    one renders it, the others wait and are served what it rendered."""
    import threading

    from dankheo.showcase import views

    publish(name="Mô hình công khai")
    db.session.commit()
    rendered = []
    real = views.render_template

    def slow_render(*args, **kwargs):
        rendered.append(1)
        threading.Event().wait(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "render_template", slow_render)
    bodies = []

    def visit():
        bodies.append(app.test_client().get("/showcase?kind=model").get_data())

    threads = [threading.Thread(target=visit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(bodies) == 4 and len(set(bodies)) == 1
    assert len(rendered) == 1


def _only_entry(app):
    store = app.extensions["dankheo_pagecache"]
    (key,) = list(store)
    return key, store[key]


def test_a_page_past_its_age_is_rendered_again(app, client, publish, db, statements):
    publish(name="Mô hình công khai")
    db.session.commit()
    pagecache.clear(app)
    client.get("/showcase")
    _key, entry = _only_entry(app)
    entry.at -= 3600
    statements.clear()
    assert client.get("/showcase").status_code == 200
    assert len([s for s in statements if s.lstrip().startswith("SELECT")]) > 2
    assert _only_entry(app)[1] is not entry  # the new rendering is kept


def test_while_an_aged_page_is_rendered_again_others_get_the_aged_copy(
    app, client, publish, db, statements
):
    publish(name="Mô hình công khai")
    db.session.commit()
    pagecache.clear(app)
    first = client.get("/showcase")
    key, entry = _only_entry(app)
    entry.at -= 3600
    # Another thread is rendering this page's successor.
    lock = threading.Lock()
    lock.acquire()
    pagecache._rendering[key] = lock
    answers = []
    statements.clear()
    asking = threading.Thread(target=lambda: answers.append(client.get("/showcase")))
    asking.start()
    asking.join(timeout=10)
    answered_while_rendering = bool(answers)
    del pagecache._rendering[key]
    lock.release()
    asking.join()
    assert answered_while_rendering, "the visitor waited for the rendering"
    (again,) = answers
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert len([s for s in statements if s.lstrip().startswith("SELECT")]) == 1


def test_gunicorn_warms_an_entry_page_before_the_workers_fork(app, db, publish):
    """The arbiter renders an entry's page too, not only the lists: the workers it
    forks find its templates compiled and its statements built (first renders of
    entry pages are most of what visitors ask for)."""
    import logging
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    older = publish(name="Mô hình cũ hơn")
    newest = publish(name="Mô hình mới nhất")
    db.session.commit()
    conf = runpy.run_path(str(Path(__file__).parents[2] / "gunicorn.conf.py"))
    assert conf["_entry_path"](app) == f"/showcase/{newest.id}-{newest.slug}"
    assert older.id < newest.id
    app.jinja_env.cache.clear()
    server = SimpleNamespace(
        app=SimpleNamespace(wsgi=lambda: app),
        cfg=SimpleNamespace(bind=["127.0.0.1:8000"], reuse_port=False),
        log=logging.getLogger("test.gunicorn"),
    )
    conf["_warm"](server)
    compiled = {key[1] for key in list(app.jinja_env.cache.keys())}
    assert "showcase/detail.html" in compiled


def test_gunicorn_freezes_what_the_warm_up_left_before_the_workers_fork(
    app, db, monkeypatch
):
    """What the arbiter imported and warmed lives as long as the process: frozen, the
    workers' collector never walks it (a full collection used to cost a first render
    of an entry's page about a quarter of its instructions)."""
    import gc
    import logging
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    monkeypatch.delenv("DANKHEO_PRELOAD", raising=False)
    conf = runpy.run_path(str(Path(__file__).parents[2] / "gunicorn.conf.py"))
    warmed: list[str] = []
    server = SimpleNamespace(
        app=SimpleNamespace(wsgi=lambda: warmed.append("app") or app),
        cfg=SimpleNamespace(bind=["127.0.0.1:8000"], reuse_port=False),
        log=logging.getLogger("test.gunicorn"),
    )
    app.jinja_env.cache.clear()
    gc.unfreeze()
    try:
        conf["on_starting"](server)
        assert warmed and gc.get_freeze_count() > 10_000
        # The templates the warm-up compiled were frozen too (after it, not before):
        # none of them is left among the objects the collector walks.
        compiled = list(app.jinja_env.cache.values())
        assert compiled
        walked = {id(o) for o in gc.get_objects()}
        assert not any(id(t) in walked for t in compiled)
    finally:
        gc.unfreeze()
