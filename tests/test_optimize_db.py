"""`flask optimize-db`: VACUUM ANALYZE on PostgreSQL, ANALYZE and PRAGMA optimize on
SQLite; the statistics are there afterwards."""

from __future__ import annotations

from sqlalchemy import event, text

from dankheo.extensions import db as _db


def test_optimize_db_refreshes_the_planners_statistics(app, db, make):
    make.exemplar(name="Mô hình để thống kê")
    db.session.commit()
    seen: list[str] = []

    def _record(_conn, _cursor, statement, *_args):
        seen.append(statement.strip().upper())

    event.listen(_db.engine, "before_cursor_execute", _record)
    try:
        result = app.test_cli_runner().invoke(args=["optimize-db"])
    finally:
        event.remove(_db.engine, "before_cursor_execute", _record)
    assert result.exit_code == 0, result.output
    assert "Đã cập nhật thống kê" in result.output
    if _db.engine.dialect.name == "sqlite":
        assert "ANALYZE" in seen and "PRAGMA OPTIMIZE" in seen
        assert db.session.scalar(
            text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'exemplars'")
        )
    else:
        assert "VACUUM ANALYZE" in seen
        vacuumed, analyzed = db.session.execute(
            text(
                "SELECT last_vacuum, last_analyze FROM pg_stat_user_tables "
                "WHERE relname = 'exemplars'"
            )
        ).one()
        assert vacuumed is not None and analyzed is not None
