"""Bulk registration at scale: a 100,000-row XLSX and CSV, checked and written.

Generates both files (openpyxl write-only, csv writer), then imports each in its own
process into a fresh SQLite database (or DANKHEO_BENCH_DATABASE_URL) through the same
code as the page and the CLI (``bulk.import_file``: stream, validate, spool, Core
insert, one commit), and prints seconds and the process's peak RSS
(``resource.getrusage``) next to its RSS before the import: memory stays bounded
because neither the file nor the rows are ever held whole.
"""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
COMMUNES = 54
TEXT = (
    "Vận động nhân dân hiến đất, góp công làm đường giao thông nông thôn; "
    "phát huy vai trò người có uy tín trong cộng đồng."
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rows():
    from dankheo.registry import bulk

    for i in range(ROWS):
        values = {
            "unit_code": f"BN-{i % COMMUNES:02d}",
            "kind": ("Mô hình", "Điển hình tập thể", "Điển hình cá nhân")[i % 3],
            "field": "Kinh tế",
            "name": f"Mô hình dân vận khéo số {i}",
            "is_continuing": "Mới" if i % 2 else "Tiếp nối",
            "situation": TEXT,
            "content": TEXT,
            "outputs": TEXT,
            "start_date": f"{1 + i % 28:02d}/03/2026",
            "households": f"{1000 + i % 5000:,}".replace(",", "."),
            "money_million": "15.590,5",
            "contact_phone": "0912345678",
        }
        yield [values.get(c.key, "") for c in bulk.COLUMNS]


def generate(folder: Path) -> tuple[Path, Path]:
    from openpyxl import Workbook

    from dankheo.registry import bulk

    header = [c.header for c in bulk.COLUMNS]
    xlsx, csv_path = folder / "dang-ky.xlsx", folder / "dang-ky.csv"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Đăng ký")
    ws.append(["Danh sách đăng ký mô hình, điển hình năm 2026"])
    ws.append(header)
    for values in rows():
        ws.append(values)
    wb.save(xlsx)
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows())
    return xlsx, csv_path


def run_import(path: Path, database_url: str, folder: Path) -> None:
    """One import in this process: set up a province, then check and write the file."""
    from dankheo import create_app
    from dankheo.campaigns.operations import create_campaign
    from dankheo.domain.enums import UnitKind, UnitTier
    from dankheo.extensions import db
    from dankheo.registry import bulk
    from dankheo.schema import create_schema, drop_extra
    from dankheo.units.operations import create_unit

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "JOBS_IMMEDIATE": True,
        }
    )
    with app.app_context():
        drop_extra(db.engine)
        db.drop_all()
        create_schema(db.engine)
        province = create_unit(
            code="BN", name="Tỉnh Bắc Ninh", tier=UnitTier.PROVINCE, kind=UnitKind.PARTY
        )
        for i in range(COMMUNES):
            create_unit(
                code=f"BN-{i:02d}",
                name=f"Xã thứ {i}",
                tier=UnitTier.COMMUNE,
                kind=UnitKind.PARTY,
                parent=province,
            )
        from datetime import date

        today = date.today()
        campaign = create_campaign(
            name="Dân vận khéo năm 2026",
            year=today.year,
            unit=province,
            registration_opens=date(today.year, 1, 1),
            registration_closes=date(today.year, 12, 31),
            status="registration",
        )
        db.session.commit()
        before = peak_mb()
        steps: dict[str, float] = {}
        t0 = time.perf_counter()

        def progress(step: str, done: int, total: int) -> None:
            steps.setdefault(step, time.perf_counter())

        ctx = bulk.context_for(campaign, None)
        outcome = bulk.import_file(
            ctx, path, bulk.detect_format(path.name), progress, separate_read=True
        )
        assert outcome.ok, outcome.errors[:5]
        db.session.commit()
        elapsed = time.perf_counter() - t0
        check_s = steps.get("write", time.perf_counter()) - steps.get("check", t0)
        outcome.close()
        print(
            f"{path.suffix[1:]:>4}: {outcome.written:,} rows in {elapsed:.1f} s "
            f"(check {check_s:.1f} s, write {elapsed - check_s:.1f} s); "
            f"peak RSS {peak_mb():.0f} MB (before the import {before:.0f} MB); "
            f"file {path.stat().st_size / 1e6:.1f} MB",
            flush=True,
        )


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--run":
        run_import(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        xlsx, csv_path = generate(folder)
        print(
            f"generated {ROWS:,} rows as XLSX and CSV in {time.perf_counter() - t0:.1f} s"
        )
        for path in (xlsx, csv_path):
            url = os.environ.get("DANKHEO_BENCH_DATABASE_URL") or (
                f"sqlite:///{folder}/{path.suffix[1:]}.sqlite3"
            )
            rc = subprocess.call(
                [sys.executable, __file__, "--run", str(path), url, str(folder)]
            )
            if rc:
                return rc
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
