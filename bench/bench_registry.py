"""Unit workspace at province scale: list, filter and search a unit's entries, and the
write path (create + submit through the real operations).

Builds a temporary SQLite database (or the one in DANKHEO_BENCH_DATABASE_URL) with
N exemplars spread over a province's communes, then times the workspace query for a
commune officer and for the province secretariat scope.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from dankheo import create_app  # noqa: E402
from dankheo.domain.text import search_words, slugify  # noqa: E402
from dankheo.extensions import db  # noqa: E402
from dankheo.schema import create_schema  # noqa: E402

N = int(os.environ.get("BENCH_REGISTRY_ROWS", "200000"))
COMMUNES = 54


def timed(fn, repeat=20):
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    url = os.environ.get("DANKHEO_BENCH_DATABASE_URL")
    tmp = tempfile.mkdtemp()
    url = url or f"sqlite:///{tmp}/bench_registry.sqlite3"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "UPLOAD_FOLDER": tmp,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    from dankheo.campaigns.operations import create_campaign
    from dankheo.registry.models import Exemplar
    from dankheo.registry.queries import WorkspaceFilters, workspace_exemplars
    from dankheo.units.models import Unit
    from dankheo.units.operations import create_unit

    rng = random.Random(7)
    with app.app_context():
        db.drop_all()
        create_schema(db.engine)
        province = create_unit(
            code="QN", name="Tỉnh Quảng Ninh", tier="province", kind="party"
        )
        communes = [
            create_unit(
                code=f"X{i:03d}",
                name=f"Xã số {i}",
                tier="commune",
                kind="party",
                parent=province,
            )
            for i in range(COMMUNES)
        ]
        campaign = create_campaign(
            name="Dân vận khéo 2026", year=2026, unit=province, status="registration"
        )
        db.session.commit()
        field_ids = [f.id for f in campaign.fields]
        t0 = time.perf_counter()
        batch = []
        words = [
            "hiến đất",
            "làm đường",
            "giảm nghèo",
            "Đoàn thanh niên",
            "phụ nữ",
            "an ninh",
            "chuyển đổi số",
            "môi trường",
            "nước sạch",
            "khuyến học",
        ]
        for i in range(N):
            name = f"Mô hình {rng.choice(words)} số {i}"
            unit = communes[i % COMMUNES]
            batch.append(
                dict(
                    campaign_id=campaign.id,
                    unit_id=unit.id,
                    field_id=rng.choice(field_ids),
                    kind="model",
                    state=rng.choice(["draft", "submitted", "recommended"]),
                    version=1,
                    name=name,
                    slug=slugify(name),
                    search_text=search_words(name + " " + unit.name),
                )
            )
            if len(batch) == 10000:
                db.session.execute(insert(Exemplar), batch)
                batch.clear()
        if batch:
            db.session.execute(insert(Exemplar), batch)
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            with db.engine.begin() as conn:
                conn.exec_driver_sql(
                    "PRAGMA optimize=0x10002"
                )  # what `flask optimize-db` runs
        print(
            f"rows: {N:,} exemplars over {COMMUNES} communes, inserted in {time.perf_counter() - t0:.1f} s"
        )

        commune_scope = [communes[3].path]
        province_scope = [province.path]

        def page(scopes, **kw):
            stmt = workspace_exemplars(
                scopes, WorkspaceFilters(campaign_id=campaign.id, **kw)
            )
            return db.paginate(stmt, page=1, per_page=25, error_out=False).items

        for label, scopes, kw in [
            ("commune officer, first page", commune_scope, {}),
            ("commune officer, state filter", commune_scope, {"state": "submitted"}),
            ("commune officer, folded search", commune_scope, {"q": "hien dat"}),
            ("province scope, first page", province_scope, {}),
        ]:
            med, worst = timed(lambda s=scopes, k=kw: page(s, **k))
            print(f"{label:34s} median {med:7.1f} ms   max {worst:7.1f} ms")

        from dankheo.registry.operations import create_exemplar, submit_exemplar

        tracemalloc.start()
        t0 = time.perf_counter()
        unit = db.session.get(Unit, communes[5].id)
        for i in range(200):
            ex = create_exemplar(
                campaign=campaign,
                unit=unit,
                actor=None,
                data={
                    "name": f"Mô hình mới {i}",
                    "kind": "model",
                    "field_id": field_ids[0],
                    "situation": "a",
                    "goals": "b",
                    "content": "c",
                    "outputs": "d",
                },
            )
            submit_exemplar(ex, actor=None)
            db.session.commit()
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        print(
            f"create + submit + commit: {200 / elapsed:7.1f} entries/s (peak Python memory {peak:.1f} MB)"
        )
        total = db.session.scalar(select(db.func.count()).select_from(Exemplar))
        print(f"final rows: {total:,}")


if __name__ == "__main__":
    main()
