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
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "m",
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
            "UPLOAD_FOLDER": str(tmp_path),
        }
    )
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
