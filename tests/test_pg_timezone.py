"""PostgreSQL sessions run in UTC whatever the server's or the database's default time
zone: SQL that takes a stored timestamp apart reads it as Python does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from dankheo import create_app
from dankheo.db import simulated_clock
from dankheo.extensions import db as _db
from dankheo.units.history import unit_name_at_column
from dankheo.units.models import Unit
from dankheo.units.operations import rename_unit


def test_a_session_is_in_utc_when_the_database_defaults_to_local_time(app, db, make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's session time zone")
    # Renamed on 1 January 2025 at 03:00 in Vietnam: still 2024 in UTC.
    unit = make.unit(name="Xã Cũ")
    with simulated_clock(datetime(2024, 12, 31, 20, 0, tzinfo=UTC), timedelta(0)):
        rename_unit(unit, name="Phường Mới", actor=None)
    db.session.commit()
    name = db.engine.url.database
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            text(f"ALTER DATABASE \"{name}\" SET TimeZone TO 'Asia/Ho_Chi_Minh'")
        )
    try:
        other = create_app({**app.config})
        with other.app_context():
            assert _db.session.execute(text("SHOW TimeZone")).scalar() == "UTC"
            # The name in force at the end of 2024 is read in UTC, as stored.
            column = _db.session.execute(
                select(unit_name_at_column(Unit.id, 2024)).where(Unit.id == unit.id)
            ).scalar()
            assert column == "Phường Mới"
            _db.session.remove()
            _db.engine.dispose()
    finally:
        with db.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" RESET TimeZone'))
