"""The province-scale preset: one real year of Quảng Ninh (2,705 registered, 922
recommended) through real councils, votes and rules. Prints the time it takes, the
memory it peaks at and the funnel it lands on, on SQLite (and on PostgreSQL with
--database-url)."""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from dankheo import create_app  # noqa: E402
from dankheo.extensions import db  # noqa: E402
from dankheo.schema import create_schema, drop_extra  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/quang_ninh.sqlite3"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "UPLOAD_FOLDER": tmp}
    )
    from dankheo.appraisal.queries import campaign_funnel
    from dankheo.campaigns.models import Campaign
    from dankheo.demo import run_preset

    with app.app_context():
        drop_extra(db.engine)
        db.drop_all()
        create_schema(db.engine)
        t0 = time.perf_counter()
        run_preset("quang-ninh", seed=2026, echo=lambda _s: None)
        db.session.commit()
        elapsed = time.perf_counter() - t0
        campaign = db.session.scalar(select(Campaign))
        funnel = campaign_funnel(campaign)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database: {url.split(':')[0]}")
    print(f"quang-ninh preset: {elapsed:.1f} s, peak RSS {peak:.0f} MB")
    stages = ", ".join(f"{s['name']} {s['passed']:,}" for s in funnel["stages"])
    print(
        f"registered {funnel['registered']:,}; {stages}; "
        f"recommended {funnel['recommended']:,}; commended {funnel['commended']:,}"
    )


if __name__ == "__main__":
    main()
