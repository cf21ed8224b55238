"""Benchmark of the public showcase at scale (never part of the test suite).

Generates N public exemplars (default 1,000,000) with Core bulk inserts, then times the
queries the showcase runs: first page, a deep page (keyset cursor), search (common and
rare terms), totals and facet counts, and a streamed export. Prints the figures.

    .venv/bin/python bench/bench_showcase.py                       # SQLite, 1,000,000 rows
    .venv/bin/python bench/bench_showcase.py --rows 200000
    .venv/bin/python bench/bench_showcase.py --database-url postgresql+psycopg://.../db
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text  # noqa: E402

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
STATES = ("recommended", "commended", "replicated")
KINDS = ("model", "collective", "individual")


def build(app, rows: int, seed: int) -> None:
    from dankheo.appraisal.models import Commendation
    from dankheo.campaigns.operations import create_campaign
    from dankheo.registry.models import Exemplar
    from dankheo.schema import create_schema, drop_extra
    from dankheo.units.operations import create_unit

    rnd = random.Random(seed)
    with app.app_context():
        drop_extra(db.engine)
        db.drop_all()
        create_schema(db.engine)
        province = create_unit(
            code="P", name="Tỉnh Thử Nghiệm", tier="province", kind="party"
        )
        communes = [
            create_unit(
                code=f"C{i}",
                name=f"Xã Số {i}",
                tier="commune",
                kind="party",
                parent=province,
            )
            for i in range(60)
        ]
        units = list(communes)
        for c in communes:
            for k, kind in enumerate(("front", "women", "youth", "farmers")):
                units.append(
                    create_unit(
                        code=f"{c.code}-{k}",
                        name=f"{c.name} {kind}",
                        tier="grassroots",
                        kind=kind,
                        parent=c,
                    )
                )
        campaigns = [
            create_campaign(
                name=f"Dân vận khéo năm {y}", year=y, unit=province, status="closed"
            )
            for y in range(2016, 2026)
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

    table = Exemplar.__table__
    base = datetime(2016, 1, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    batch = 20000
    with app.app_context():
        engine = db.engine
        next_id = 1
        with engine.begin() as conn:
            for start in range(0, rows, batch):
                values, commendations = [], []
                for i in range(start, min(rows, start + batch)):
                    uid, uname = rnd.choice(unit_rows)
                    cid, fields, forms, year = rnd.choice(camp_rows)
                    name = f"{rnd.choice(WORDS).capitalize()} {rnd.choice(WORDS)} {i}"
                    situation = " ".join(rnd.choice(WORDS) for _ in range(6))
                    state = STATES[i % 3]
                    values.append(
                        {
                            "id": next_id,
                            "campaign_id": cid,
                            "unit_id": uid,
                            "field_id": rnd.choice(fields),
                            "kind": rnd.choice(KINDS),
                            "state": state,
                            "version": 1,
                            "name": name,
                            "situation": situation,
                            "outputs": "Kết quả tốt",
                            "slug": slugify(name),
                            "search_text": search_words(
                                f"{name} {situation} kết quả tốt {uname}"
                            ),
                            "households": rnd.randint(10, 2000),
                            "published_at": base
                            + timedelta(seconds=rnd.randint(0, 10 * 365 * 86400)),
                            "created_at": base,
                            "updated_at": base,
                        }
                    )
                    if state != "recommended":
                        commendations.append(
                            {
                                "exemplar_id": next_id,
                                "form_id": rnd.choice(forms),
                                "issuing_body": "UBND tỉnh",
                                "decision_number": f"{next_id}/QĐ-UBND",
                                "decision_date": datetime(year, 11, 18).date(),
                            }
                        )
                    next_id += 1
                conn.execute(insert(table), values)
                conn.execute(insert(Commendation.__table__), commendations)
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT setval('exemplars_id_seq', {next_id})")
                conn.exec_driver_sql("ANALYZE")
            else:
                conn.exec_driver_sql("ANALYZE")
    print(f"generated {rows:,} public rows in {time.perf_counter() - t0:.1f} s")


def timed(label: str, fn, repeat: int = 5):
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    print(
        f"  {label:<44} first {times[0]:8.1f} ms  median {statistics.median(times):8.1f} ms"
    )
    return result


def measure(app) -> None:
    from dankheo.registry.models import Exemplar
    from dankheo.showcase import counts, exports, facets, listing
    from dankheo.showcase.listing import Filters

    with app.app_context(), app.test_request_context():
        from dankheo.db import write_intent

        write_intent.set(False)
        counts.clear_counts_cache()
        total = listing.count_public(Filters())
        print(f"database: {db.engine.dialect.name}, public rows: {total:,}")
        timed(
            "first page (newest, 25)", lambda: listing.public_page(Filters(), None, 25)
        )
        # A cursor half-way down the list, found once (not timed).
        row = db.session.execute(
            select(Exemplar.published_at, Exemplar.id)
            .where(listing.public_condition())
            .order_by(Exemplar.published_at.desc(), Exemplar.id.desc())
            .offset(total // 2)
            .limit(1)
        ).one()
        deep = listing.encode_cursor("newest", row.published_at, row.id)
        page = timed(
            f"deep page (newest, after row {total // 2:,})",
            lambda: listing.public_page(Filters(), deep, 25),
        )
        assert len(page.items) == 25
        timed(
            "first page by name",
            lambda: listing.public_page(Filters(sort="name"), None, 25),
        )
        slug_row = db.session.execute(
            select(Exemplar.slug, Exemplar.id)
            .where(listing.public_condition())
            .order_by(Exemplar.slug, Exemplar.id)
            .offset(total // 2)
            .limit(1)
        ).one()
        deep_name = listing.encode_cursor("name", slug_row.slug, slug_row.id)
        timed(
            "deep page by name",
            lambda: listing.public_page(Filters(sort="name"), deep_name, 25),
        )
        timed(
            "filtered page (kind + field + commune)",
            lambda: listing.public_page(
                Filters(kind="model", field="Kinh tế", unit=2), None, 25
            ),
        )
        for q in ("dan van kheo", "chuyen doi so", "duong hoa", "123456"):
            f = Filters(q=q)
            timed(
                f"search '{q}': first page",
                lambda f=f: listing.public_page(f, None, 25),
            )
            n = timed(
                f"search '{q}': total", lambda f=f: listing.count_public(f), repeat=3
            )
            print(f"    -> {n:,} hits")
        timed("total (no filter)", lambda: listing.count_public(Filters()), repeat=3)
        timed(
            "facet counts (no filter)",
            lambda: facets.facet_counts(Filters()),
            repeat=3,
        )
        timed(
            "facet counts (search 'chuyen doi so')",
            lambda: facets.facet_counts(Filters(q="chuyen doi so")),
            repeat=3,
        )
        timed(
            "facet counts (year 2024 + kind model)",
            lambda: facets.facet_counts(Filters(year=2024, kind="model")),
            repeat=3,
        )

        limit_rows = min(total, 100_000)

        def export(limit=limit_rows):
            stmt = exports.export_statement(Filters()).limit(limit)
            return sum(1 for _ in exports.stream_rows(db.engine, stmt))

        n = timed(f"stream {limit_rows:,} export rows", export, repeat=1)
        assert n == limit_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--reuse", action="store_true", help="measure an existing database"
    )
    args = parser.parse_args()
    url = args.database_url
    if url is None:
        path = Path(tempfile.gettempdir()) / "dankheo-bench-showcase.sqlite3"
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "SERVER_NAME": "localhost",
            "TESTING": True,
        }
    )
    if not args.reuse:
        build(app, args.rows, args.seed)
    with app.app_context():
        db.session.execute(text("SELECT 1"))
    measure(app)


if __name__ == "__main__":
    main()
