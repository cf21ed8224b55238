"""The public detail page reads through indexes, on both databases: at a million
entries a scan of a child table costs tens of milliseconds on every page.

Each statement the page runs against a table listed here is explained with the
parameters it ran with; PostgreSQL is told to avoid sequential scans, so its plan shows
a scan only when no index can answer (a handful of test rows would otherwise always be
scanned)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

#: Tables a million-entry registry holds hundreds of thousands of rows in.
LARGE = ("commendations", "stage_results", "attachments", "history", "objections")


@pytest.fixture
def executed(db):
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def _plan(db, statement: str, parameters) -> str:
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters)
            return "\n".join(r[0] for r in rows)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(r[-1] for r in rows)


def _scans(db, plan: str, table: str) -> bool:
    """Whether the plan reads ``table`` without a condition an index answers: a
    sequential scan, or a walk of a whole index that filters every row it meets."""
    lines = plan.splitlines()
    if db.engine.dialect.name != "postgresql":
        return any(line.strip().startswith(f"SCAN {table}") for line in lines)
    for i, line in enumerate(lines):
        if f" on {table}" not in line or "Scan" not in line:
            continue
        if "Seq Scan" in line:
            return True
        details = []
        for below in lines[i + 1 :]:
            if "->" in below:
                break
            details.append(below)
        if not any("Index Cond" in d or "Recheck Cond" in d for d in details):
            return True
    return False


def test_the_detail_page_reads_no_large_table_by_scanning(
    client, publish, db, executed
):
    entry = publish(name="Mô hình được khen thưởng", state="commended")
    db.session.commit()
    executed.clear()
    assert client.get(f"/showcase/{entry.id}-{entry.slug}").status_code == 200
    checked = 0
    ran = list(executed)  # explaining runs statements too
    for statement, parameters in ran:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        head = statement.split(" WHERE ")[0]
        for table in LARGE:
            if f"FROM {table}" in head:
                checked += 1
                plan = _plan(db, statement, parameters)
                assert not _scans(db, plan, table), (statement, plan)
    assert checked >= 2  # at least the commendation and the stage results
