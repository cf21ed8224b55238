"""Search pages timed one by one, each in a fresh process (nothing memoised: no page
cache, no counts), then once more in the same process (counts memoised).

    .venv/bin/python bench/bench_search.py --database-url sqlite:///bench.sqlite3
    .venv/bin/python bench/bench_search.py --database-url postgresql+psycopg://.../bench

A search that finds nothing is rendered first (templates compiled, connections open).
Prints, per query: the first render (wall and CPU ms of this process; on PostgreSQL
the difference is mostly the database's time), the second render, and the hits."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

QUERIES = ("dan van kheo", "ta xua", "xua", "987654")


def one(database_url: str, query: str) -> dict[str, float | int]:
    sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from dankheo import create_app
    from dankheo.showcase.listing import Filters, count_public

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench",
            "SHOWCASE_CACHE_SECONDS": 0,
        }
    )
    client = app.test_client()
    # Templates compiled and connections opened by a search that finds nothing.
    assert client.get("/showcase", query_string={"q": "qqqqzz"}).status_code == 200
    out: dict[str, float | int] = {}
    for label in ("first", "second"):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get("/showcase", query_string={"q": query})
        out[f"{label}_wall_ms"] = round((time.perf_counter() - wall) * 1000, 1)
        out[f"{label}_cpu_ms"] = round((time.process_time() - cpu) * 1000, 1)
        assert response.status_code == 200, response.status_code
    with app.app_context():
        out["hits"] = count_public(Filters(q=query))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--one")
    parser.add_argument("queries", nargs="*", default=list(QUERIES))
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.database_url, args.one)))
        return
    for query in args.queries:
        result = subprocess.run(
            [
                sys.executable,
                __file__,
                "--database-url",
                args.database_url,
                "--one",
                query,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"{query!r:16} {figures}", flush=True)


if __name__ == "__main__":
    main()
