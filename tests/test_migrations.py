"""The Alembic migrations build the same schema as the models, on an empty SQLite and an
empty PostgreSQL database (the latter when DANKHEO_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from dankheo import create_app
from dankheo.extensions import db

PG_URL = os.environ.get("DANKHEO_TEST_DATABASE_URL")


@pytest.fixture
def empty_database_url(tmp_path):
    if not PG_URL:
        yield f"sqlite:///{tmp_path}/migrated.sqlite3"
        return
    name = f"dankheo_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _app_on(database_url, tmp_path):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "m",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(tmp_path),
        }
    )


def _ignore_extra(obj, name, type_, reflected, compare_to):
    # The search index (FTS5 tables, trigram indexes) is raw DDL outside the models.
    if (
        type_ == "table"
        and name
        and (name.startswith(("exemplars_fts", "tally_")) or name == "alembic_version")
    ):
        return False
    return not (
        type_ == "index"
        and name
        and name.startswith(("ix_exemplars_search", "ix_exemplars_public_"))
    )


def test_migrations_apply_cleanly_and_match_the_models(empty_database_url, tmp_path):
    app = _app_on(empty_database_url, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": _ignore_extra}
            )
            diff = compare_metadata(ctx, db.metadata)
            tables = set(inspect(conn).get_table_names())
        assert diff == [], diff
        assert {
            "units",
            "users",
            "campaigns",
            "exemplars",
            "history",
            "attachments",
        } <= tables
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def _recreated_by_the_code(describe):
    """The objects ``describe`` finds in the migrated database, checked to be those
    the code creates in their place."""
    from dankheo.schema import drop_extra_on, install_extra

    with db.engine.begin() as conn:
        migrated = describe(conn)
        drop_extra_on(conn)
        install_extra(conn)
    with db.engine.connect() as conn:
        assert describe(conn) == migrated
    return migrated


def _search_objects(conn) -> set[tuple[str, str]]:
    """The showcase's search objects as the database describes them."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
                "(name LIKE 'exemplars_fts%' OR name LIKE 'ix_exemplars_search%' "
                "OR name LIKE 'ix_exemplars_public%')"
            )
        )
    else:
        rows = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'exemplars' "
                "AND (indexname LIKE 'ix_exemplars_search%' "
                "OR indexname LIKE 'ix_exemplars_public%')"
            )
        )
    return {(name, sql) for name, sql in rows}


def test_the_migrated_search_objects_are_those_the_code_creates(
    empty_database_url, tmp_path
):
    """The search revision creates exactly what ``register_extra`` creates, and its
    downgrade gives back the previous objects (FTS5 without prefixes, no words index)."""
    app = _app_on(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="0b1ec7f1c013")
        with db.engine.connect() as conn:
            before = _search_objects(conn)
        upgrade(revision="0015f75ea4c1")
        migrated = _recreated_by_the_code(_search_objects)
        downgrade(revision="0b1ec7f1c013")
        with db.engine.connect() as conn:
            restored = _search_objects(conn)
        names = {name for name, _sql in migrated}
        if db.engine.dialect.name == "sqlite":
            assert "prefix='2 3'" in dict(migrated)["exemplars_fts"]
            assert "prefix" not in dict(restored)["exemplars_fts"]
        else:
            assert "ix_exemplars_search_words" in names
        assert "ix_exemplars_search_words" not in {n for n, _sql in restored}
        # The revisions before it build their own objects, not today's: what the
        # downgrade gives back is what they built.
        assert restored == before
        db.engine.dispose()


def _tally_objects(conn) -> set[tuple[str, str]]:
    """The summary counts' tables, views, indexes, triggers and functions as the
    database describes them."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(
            text(
                "SELECT type || ' ' || name, coalesce(sql, '') FROM sqlite_master "
                "WHERE name LIKE 'tally%' OR tbl_name LIKE 'tally%'"
            )
        )
        return {(name, sql) for name, sql in rows}
    queries = (
        "SELECT 'column ' || table_name || '.' || column_name, data_type || ' ' || "
        "is_nullable || ' ' || coalesce(column_default, '') || ' ' || ordinal_position "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name LIKE 'tally%'",
        "SELECT 'relation ' || relname, relkind::text FROM pg_class "
        "WHERE relnamespace = current_schema()::regnamespace AND relname LIKE 'tally%'",
        "SELECT 'index ' || indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND tablename LIKE 'tally%'",
        "SELECT 'view ' || viewname, definition FROM pg_views "
        "WHERE schemaname = current_schema() AND viewname LIKE 'tally%'",
        "SELECT 'trigger ' || tgname, pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE tgname LIKE 'tally%'",
        "SELECT 'function ' || oid::regprocedure::text, pg_get_functiondef(oid) "
        "FROM pg_proc WHERE pronamespace = current_schema()::regnamespace "
        "AND proname LIKE 'tally%'",
    )
    return {(name, sql) for query in queries for name, sql in conn.execute(text(query))}


def test_the_count_revisions_build_their_own_objects(empty_database_url, tmp_path):
    """0005 builds the upserted count tables of its day, not today's views over base
    tables; the latest count revision builds what the code creates, and downgrading
    past 0012 gives back exactly what 0005 built."""
    app = _app_on(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="7a11e5c0c0de")
        with db.engine.connect() as conn:
            at_0005 = _tally_objects(conn)
        kinds = {name.split()[-1] for name, _sql in at_0005}
        assert {"tally_facets", "tally_units", "tally_version"} <= kinds
        assert not {"tally_facets_base", "tally_changes"} & kinds
        if db.engine.dialect.name == "sqlite":
            assert {"table tally_facets", "table tally_units"} <= dict(at_0005).keys()
        else:
            assert dict(at_0005)["relation tally_facets"] == "r"
        upgrade()
        assert _recreated_by_the_code(_tally_objects) != at_0005
        downgrade(revision="5e1f0a7c2b90")
        with db.engine.connect() as conn:
            assert _tally_objects(conn) == at_0005
            assert (
                conn.execute(text("SELECT count(*) FROM tally_version")).scalar() == 1
            )
        downgrade(revision="base")
        db.engine.dispose()


def _triggers(conn) -> set[tuple[str, str, str]]:
    """Every trigger: its table, name and definition, as the database describes it."""
    if conn.dialect.name == "sqlite":
        query = "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) "
            "FROM pg_trigger WHERE NOT tgisinternal"
        )
    return {(table, name, sql) for table, name, sql in conn.execute(text(query))}


def test_the_objections_revisions_keep_the_triggers(empty_database_url, tmp_path):
    """0010 and 0011 add no trigger and take none away, up or down. On SQLite 0010's
    batch alter builds ``campaigns`` anew, which drops the table's triggers: without
    the count trigger on it a changed campaign left the cached counts stale."""
    app = _app_on(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="d0b1e5ca4d00")
        with db.engine.connect() as conn:
            at_0009 = _triggers(conn)
        assert "campaigns" in {table for table, _name, _sql in at_0009}
        for revision in ("0a1b2c3d4e10", "5e1f0a7c2b90"):
            upgrade(revision=revision)
            with db.engine.connect() as conn:
                assert _triggers(conn) == at_0009, revision
        downgrade(revision="d0b1e5ca4d00")
        with db.engine.connect() as conn:
            assert _triggers(conn) == at_0009
        downgrade(revision="base")
        db.engine.dispose()


#: Texts the search revision's rewrite must bring to the search's words.
REWRITTEN = (
    "Dân vận khéo",
    "Quyết định 1034/QĐ-UBND, 1.5 ha",
    "中文abc và ខ្មែរ",
    "Łódź  –  ø ß",
    "email ai@xa.vn http://xa.vn/a?b=1",
    "a" * 150 + " ngắn",
    "  khoảng   trắng  ",
    "",
)


def _revision_0015():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "migrations/versions"
    spec = importlib.util.spec_from_file_location(
        "revision_0015", path / "0015_search_words.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("sample", REWRITTEN)
def test_the_search_revision_rewrites_old_texts_to_the_search_words(db, sample):
    """The rows 0015 rewrites hold afterwards the words ``search_words`` gives, and
    the rows it leaves alone hold them already (the text before it was ``fold``ed)."""
    from dankheo.domain.text import fold, search_words

    m = _revision_0015()
    old = fold(sample)
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        needs, rewritten = conn.execute(
            text(
                f"SELECT {m.PG_NEEDS_REWRITE.format(':t')}, {m.PG_WORDS.format(':t')}"
            ),
            {"t": old},
        ).one()
    else:
        needs = conn.exec_driver_sql(
            f"SELECT {m.SQLITE_NEEDS_REWRITE.format('?')}",
            (old, old, m._LONG_WORD_GLOB),
        ).scalar()
        rewritten = m._words(old)
    after = rewritten if needs else old
    assert after.split() == search_words(sample).split()
