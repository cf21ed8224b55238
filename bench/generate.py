"""Generate N public exemplars fast, for the benchmarks (never part of the test suite).

    .venv/bin/python bench/generate.py --rows 100000                  # SQLite in /tmp
    .venv/bin/python bench/generate.py --rows 1000000 --database-url postgresql+psycopg://...

The schema comes from the application (``create_schema``); the rows go in through the
driver directly: ``executemany`` with plain tuples on SQLite (secondary indexes and the
search triggers are dropped during the load and rebuilt once afterwards, the full-text
index with FTS5's ``rebuild``), ``COPY`` on PostgreSQL (row triggers off). The
summary tables of the showcase are then recounted once (``tallies.recount``). Every column the models leave to
a Python-side default is filled from that default, so the rows are what the ORM writes.
Deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dankheo import create_app  # noqa: E402
from dankheo.domain.text import search_words, slugify  # noqa: E402
from dankheo.extensions import db  # noqa: E402

WORDS = (
    "Dân vận khéo",
    "hiến đất",
    "làm đường",
    "giao thông nông thôn",
    "xóa nhà tạm",
    "giảm nghèo",
    "chuyển đổi số",
    "khu dân cư",
    "văn minh",
    "an ninh trật tự",
    "phụ nữ",
    "thanh niên",
    "cựu chiến binh",
    "nông dân",
    "trồng cây xanh",
    "nước sạch",
    "môi trường",
    "cải cách hành chính",
    "một cửa",
    "đoàn kết",
    "tự quản",
    "hòa giải",
    "người cao tuổi",
    "học sinh",
    "tình nguyện",
    "đền ơn đáp nghĩa",
    "đường hoa",
)
#: One name in RARE_EVERY carries this phrase: the rare-word search of the benchmark.
RARE = "Tà Xùa"
RARE_EVERY = 2_000
STATES = ("recommended", "commended", "replicated")
KINDS = ("model", "collective", "individual")
YEARS = range(2016, 2026)
BATCH = 20_000
STAMP = datetime(2016, 1, 1, tzinfo=UTC)
STAMP_NAIVE = STAMP.replace(tzinfo=None)


def default_url() -> str:
    path = Path(tempfile.gettempdir()) / "dankheo-bench.sqlite3"
    return f"sqlite:///{path}"


def _reset_sqlite_file(url: str) -> None:
    path = url.removeprefix("sqlite:///")
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


def build_structure(
    app,
) -> tuple[list[tuple[int, str]], list[tuple[int, list, list, int]]]:
    """The province, 60 communes with 4 organisations each, ten yearly campaigns."""
    from dankheo.campaigns.operations import create_campaign
    from dankheo.schema import create_schema, drop_extra
    from dankheo.units.operations import create_unit

    with app.app_context():
        drop_extra(db.engine)
        db.drop_all()
        create_schema(db.engine)
        province = create_unit(
            code="P", name="Tỉnh Thử Nghiệm", tier="province", kind="party"
        )
        units = []
        for i in range(60):
            commune = create_unit(
                code=f"C{i}",
                name=f"Xã Số {i}",
                tier="commune",
                kind="party",
                parent=province,
            )
            units.append(commune)
            for k, kind in enumerate(("front", "women", "youth", "farmers")):
                units.append(
                    create_unit(
                        code=f"C{i}-{k}",
                        name=f"{commune.name} {kind}",
                        tier="grassroots",
                        kind=kind,
                        parent=commune,
                    )
                )
        campaigns = [
            create_campaign(
                name=f"Dân vận khéo năm {y}", year=y, unit=province, status="closed"
            )
            for y in YEARS
        ]
        db.session.commit()
        unit_rows = [(u.id, u.name) for u in units]
        camp_rows = [
            (
                c.id,
                [f.id for f in c.fields],
                [f.id for f in c.commendation_forms],
                c.year,
            )
            for c in campaigns
        ]
    return unit_rows, camp_rows


def _defaults(table) -> dict[str, Any]:
    """Python-side scalar defaults of a table, as the ORM would write them."""
    out: dict[str, Any] = {}
    for col in table.columns:
        default = col.default
        if default is not None and default.is_scalar:
            value = default.arg
            out[col.name] = value.value if isinstance(value, Enum) else value
        elif default is not None and default.is_callable and col.name.endswith("_at"):
            out[col.name] = STAMP  # a timestamp the clock would have given
        elif col.nullable or col.primary_key:
            out[col.name] = None
    return out


def rows(
    n: int, unit_rows: list, camp_rows: list, seed: int
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """(exemplar, commendation or None) pairs of column values. The search text and the
    slug are composed from folded words, which is what ``search_words`` and ``slugify``
    of the whole text give; datetimes are naive UTC with microseconds. Random draws are made a
    batch at a time (``choices``), which is what makes a million rows cheap."""
    rnd = random.Random(seed)
    words = (*WORDS, RARE)
    folded = [search_words(w) for w in words]
    slugs = [slugify(w) for w in words]
    titles = [f"{w[0].upper()}{w[1:]}" for w in words]
    units_folded = [(uid, search_words(uname)) for uid, uname in unit_rows]
    base = datetime(2016, 1, 1)
    outputs = "Kết quả tốt"
    outputs_folded = search_words(outputs)
    span = 10 * 365 * 86400
    word_ids = range(len(WORDS))
    for start in range(1, n + 1, BATCH):
        size = min(BATCH, n + 1 - start)
        units = rnd.choices(units_folded, k=size)
        camps = rnd.choices(camp_rows, k=size)
        firsts = rnd.choices(word_ids, k=size)
        seconds = rnd.choices(word_ids, k=size)
        texts = rnd.choices(word_ids, k=6 * size)
        kinds = rnd.choices(KINDS, k=size)
        picks = [rnd.random() for _ in range(2 * size)]
        for j in range(size):
            i = start + j
            uid, ufold = units[j]
            cid, fields, forms, year = camps[j]
            first, second = firsts[j], seconds[j]
            if i % RARE_EVERY == 0:
                second = len(WORDS)
            chosen = texts[6 * j : 6 * j + 6]
            state = STATES[i % 3]
            exemplar = {
                "id": i,
                "campaign_id": cid,
                "unit_id": uid,
                "field_id": fields[int(picks[2 * j] * len(fields))],
                "kind": kinds[j],
                "state": state,
                "name": f"{titles[first]} {words[second]} {i}",
                "situation": " ".join([words[w] for w in chosen]),
                "outputs": outputs,
                "slug": f"{slugs[first]}-{slugs[second]}-{i}",
                "search_text": f"{folded[first]} {folded[second]} {i} "
                + " ".join([folded[w] for w in chosen])
                + f" {outputs_folded} {ufold}",
                "households": 10 + (i * 7919) % 1991,
                "published_at": base
                + timedelta(
                    seconds=int(picks[2 * j + 1] * span), microseconds=1 + i % 999_999
                ),
            }
            commendation = None
            if state != "recommended":
                commendation = {
                    "exemplar_id": i,
                    "form_id": forms[i % len(forms)],
                    "issuing_body": "UBND tỉnh",
                    "decision_number": f"{i}/QĐ-UBND",
                    "decision_date": date(year, 11, 18).isoformat(),
                }
            yield exemplar, commendation


def _row_maker(table, defaults: dict[str, Any], text_dates: bool):
    """A function turning a dict of values into a tuple in the table's column order
    (the columns not in the dict keep the table's defaults)."""
    cols = [
        c.name for c in table.columns if c.name != "id" or table.name == "exemplars"
    ]
    template = []
    for c in cols:
        value = defaults.get(c)
        if isinstance(value, datetime):
            value = value.replace(tzinfo=None)
            value = value.isoformat(" ", "microseconds") if text_dates else value
        template.append(value)
    positions = {c: k for k, c in enumerate(cols)}

    def make(values: dict[str, Any]) -> tuple:
        out = template.copy()
        for key, value in values.items():
            if text_dates and key.endswith("_at"):
                value = value.isoformat(" ", "microseconds")
            out[positions[key]] = value
        return tuple(out)

    return cols, make


def _timed(phases: dict[str, float], name: str, t0: float) -> float:
    now = time.perf_counter()
    phases[name] = now - t0
    return now


def load_sqlite(url: str, tables: tuple, generated: Iterator) -> dict[str, float]:
    """Rows through one connection with no journal and no fsync; secondary indexes,
    triggers, the FTS content and the summary tables are then built once, on the same
    connection. Returns the seconds of each phase."""
    import sqlite3

    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from dankheo.tallies import recount

    phases: dict[str, float] = {}
    t = time.perf_counter()
    exemplars, commendations = tables
    path = url.removeprefix("sqlite:///")
    db.engine.dispose()  # the journal mode changes only with no other connection
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in (
        "journal_mode = OFF",
        "synchronous = OFF",
        "cache_size = -400000",
        "temp_store = MEMORY",
        "locking_mode = EXCLUSIVE",
    ):
        con.execute(f"PRAGMA {pragma}")
    # Secondary indexes and every trigger on the two tables go (their SQL is kept) and
    # come back once at the end, exactly as the schema wrote them.
    saved = con.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('exemplars', "
        "'commendations') AND type IN ('index', 'trigger') AND sql IS NOT NULL"
    ).fetchall()
    for kind, name, _sql in saved:
        con.execute(f'DROP {kind.upper()} "{name}"')
    e_cols, e_row = _row_maker(exemplars, _defaults(exemplars), text_dates=True)
    c_cols, c_row = _row_maker(commendations, _defaults(commendations), text_dates=True)
    e_sql = f"INSERT INTO exemplars ({', '.join(e_cols)}) VALUES ({', '.join('?' * len(e_cols))})"
    c_sql = f"INSERT INTO commendations ({', '.join(c_cols)}) VALUES ({', '.join('?' * len(c_cols))})"
    con.execute("BEGIN")
    e_batch: list[tuple] = []
    c_batch: list[tuple] = []
    for exemplar, commendation in generated:
        e_batch.append(e_row(exemplar))
        if commendation is not None:
            c_batch.append(c_row(commendation))
        if len(e_batch) >= BATCH:
            con.executemany(e_sql, e_batch)
            con.executemany(c_sql, c_batch)
            e_batch, c_batch = [], []
    con.executemany(e_sql, e_batch)
    con.executemany(c_sql, c_batch)
    con.execute("COMMIT")
    t = _timed(phases, "rows", t)
    con.execute("BEGIN")
    for kind, _name, sql in saved:
        if kind == "index":
            con.execute(sql)
    con.execute("COMMIT")
    t = _timed(phases, "indexes", t)
    con.execute("INSERT INTO exemplars_fts(exemplars_fts) VALUES ('rebuild')")
    t = _timed(phases, "full-text index", t)
    # The summary tables through the application's own recount, on this connection.
    engine = create_engine("sqlite://", creator=lambda: con, poolclass=StaticPool)
    with engine.begin() as conn:
        recount(conn)
    t = _timed(phases, "summary tables", t)
    for kind, _name, sql in saved:
        if kind == "trigger":
            con.execute(sql)
    # A full ANALYZE: with analysis_limit the estimates (1,001 rows per state) sent
    # the filtered list through the campaign's index and a sort of 100,000 rows.
    con.execute("ANALYZE")
    _timed(phases, "triggers, ANALYZE", t)
    con.close()
    return phases


def load_postgresql(tables: tuple, generated: Iterator) -> None:
    exemplars, commendations = tables
    e_cols, e_row = _row_maker(exemplars, _defaults(exemplars), text_dates=False)
    c_cols, c_row = _row_maker(
        commendations, _defaults(commendations), text_dates=False
    )
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET TIME ZONE 'UTC'")  # the generator's datetimes are naive UTC
        # No row triggers during the load (the summary tables are recounted once after).
        cur.execute("SET session_replication_role = replica")
        last_id = 0
        e_copy = f"COPY exemplars ({', '.join(e_cols)}) FROM STDIN"
        c_copy = f"COPY commendations ({', '.join(c_cols)}) FROM STDIN"
        commendation_rows: list[tuple] = []
        with cur.copy(e_copy) as copy:
            for exemplar, commendation in generated:
                copy.write_row(e_row(exemplar))
                if commendation is not None:
                    commendation_rows.append(c_row(commendation))
                last_id = exemplar["id"]
        with cur.copy(c_copy) as copy:
            for row in commendation_rows:
                copy.write_row(row)
        cur.execute(f"SELECT setval('exemplars_id_seq', {last_id + 1})")
        cur.execute("SET session_replication_role = DEFAULT")
        raw.commit()
    finally:
        raw.close()
    from dankheo.tallies import recount

    with db.engine.begin() as conn:
        recount(conn)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def generate(url: str, n: int, seed: int = 4) -> float:
    """Build the database at ``url`` with ``n`` public exemplars; returns the seconds."""
    from dankheo.appraisal.models import Commendation
    from dankheo.registry.models import Exemplar

    t0 = time.perf_counter()
    if url.startswith("sqlite:///"):
        _reset_sqlite_file(url)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True}
    )
    unit_rows, camp_rows = build_structure(app)
    tables = (Exemplar.__table__, Commendation.__table__)
    with app.app_context():
        generated = rows(n, unit_rows, camp_rows, seed)
        if url.startswith("sqlite"):
            phases = load_sqlite(url, tables, generated)
            print(
                "generator phases: "
                + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()),
                flush=True,
            )
        else:
            load_postgresql(tables, generated)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("N", 100_000)))
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or default_url()
    )
    args = parser.parse_args()
    cpu = time.process_time()
    seconds = generate(args.database_url, args.rows, args.seed)
    print(
        f"generated {args.rows:,} public exemplars in {seconds:.1f} s "
        f"(CPU {time.process_time() - cpu:.1f} s) "
        f"({args.rows / seconds:,.0f} rows/s) into {args.database_url.split('://')[0]}"
    )


if __name__ == "__main__":
    main()
