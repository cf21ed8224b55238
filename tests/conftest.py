"""Shared fixtures. The suite runs on SQLite, and on PostgreSQL too when
DANKHEO_TEST_DATABASE_URL is set (``make test`` runs both)."""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from dankheo import create_app
from dankheo.db import transaction_intent
from dankheo.extensions import db as _db
from dankheo.schema import create_schema

from . import factories

PG_URL = os.environ.get("DANKHEO_TEST_DATABASE_URL")


def pytest_report_header(config):
    return f"dankheo database: {'postgresql' if PG_URL else 'sqlite'}"


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (``make test``: ``--dist loadfile --no-loadscope-reorder``),
    modules are handed to the workers in this order: the province-scale ones (tests
    marked ``slow``, minutes each) first, so the other worker gets through the rest
    meanwhile instead of waiting for one at the end; then the larger modules before
    the smaller, a browser test counting as ten (each builds pages in Chromium). A run
    in one process keeps the collected order."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    slow: dict[str, int] = {}
    size: dict[str, int] = {}  # a rough cost
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        size[module] = size.get(module, 0) + (
            10 if item.get_closest_marker("browser") else 1
        )
        slow[module] = slow.get(module, 0) + bool(item.get_closest_marker("slow"))

    def order(item) -> tuple[int, int, str]:
        module = item.nodeid.split("::", 1)[0]
        return (-slow[module], -size[module], module)

    items.sort(key=order)  # stable: a module's own tests keep their order


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a real server would.

    Flask reuses an app context that is already pushed (the ``db`` fixture's), which
    would share ``g`` (Flask-Login's cached user) and the database session between the
    test and its requests. An empty ``contextvars.Context`` gives each request its own.

    Before each request the test's own session commits, so the request sees the test's
    data, and the test's next read starts a fresh transaction that sees the request's
    writes (SQLite WAL keeps a snapshot per transaction).
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            _db.session.commit()
        # Streamed bodies are read inside the same context that produced them.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


def worker_database_url(url: str, worker: str | None) -> str:
    """``url`` itself, or under pytest-xdist the worker's own database beside it
    (``<name>_gw0``, ``<name>_gw1``...), created when missing: each worker empties its
    tables after every test, so two workers never share one."""
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if PG_URL:
        return worker_database_url(PG_URL, os.environ.get("PYTEST_XDIST_WORKER"))
    # Each xdist worker has its own base temporary directory, so its own file.
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_LOGIN": "100000 per minute",  # test_auth lowers it
            "RATELIMIT_LOGIN_IP": "100000 per minute",
            "RATELIMIT_LOGIN_ACCOUNT": "100000 per minute",
            "RATELIMIT_EXPORT": "100000 per minute",  # test_bounds lowers it
            "RATELIMIT_VERIFY": "100000 per minute",  # tests/lists lowers it
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
            "IMPORT_FOLDER": str(tmp_path_factory.mktemp("imports")),
            "OPEN_DATA_FOLDER": str(tmp_path_factory.mktemp("open-data")),
            "SERVER_NAME": "localhost",
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.drop_all()
        _drop_extra(app)
        create_schema(_db.engine)
    yield app


@pytest.fixture(autouse=True)
def _config_restored(request):
    """The session's app's configuration as it was before each test: a test that
    changes a setting for itself (the page size, a rate limit) must not change the
    pages of the tests that run after it in the same process."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    saved = dict(app.config)
    yield
    app.config.clear()
    app.config.update(saved)


def _drop_extra(app):
    from dankheo.schema import drop_extra

    drop_extra(_db.engine)


@pytest.fixture
def db(app):
    """An app context and a clean database (every table emptied after the test).

    The test's own session starts deferred (read) transactions on SQLite, so it never
    holds the write lock while a request in the same thread writes; end its transaction
    (commit or rollback) before reading what a request changed.
    """
    with transaction_intent(write=False), app.app_context():
        yield _db
        _db.session.remove()
        with transaction_intent(write=True):
            _truncate_all()
        # The open-data files built from this test's rows (the database store's
        # went with the tables).
        for path in Path(app.config["OPEN_DATA_FOLDER"]).glob("*"):
            path.unlink()


def _truncate_all():
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "TRUNCATE "
                    + ", ".join(f'"{t}"' for t in tables)
                    + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
    from dankheo.schema import after_truncate

    after_truncate(_db.engine)


@contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL text of every statement ``engine`` runs inside the block."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def statements(db) -> Iterator[list[str]]:
    """The SQL text of every statement the test's database runs while it is active."""
    with recorded_statements(db.engine) as seen:
        yield seen


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def make(db):
    """Callable factories: ``make.unit()``, ``make.user(role=...)``, ``make.exemplar()``..."""
    return factories.Factory(db)


@pytest.fixture
def login_as(client):
    """Log ``user`` in through the real login form; returns the client."""

    def _login(user, password: str = factories.PASSWORD):
        client.post("/auth/logout")
        resp = client.post(
            "/auth/login", data={"login": user.username, "password": password}
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return client

    return _login


@pytest.fixture
def artifacts_dir() -> Path:
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
