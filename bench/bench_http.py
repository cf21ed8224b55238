"""Every public page under load, over HTTP, as deployed (never part of the test suite).

One run: generate N public exemplars (``bench/generate.py``), start gunicorn with 2
workers on loopback, time the cold first request, then load each page with ``wrk`` from a
second process (1 thread, 8 connections, bounded duration) and print p50, p99 and
requests/s. In the same run: the ceiling app (``bench/ceiling_app.py``) and, when
installed (``requirements-bench.txt``), Datasette on the same SQLite file; the full CSV
export (rows/s, worker peak RSS).

    make bench                                   # N=100000, SQLite
    N=1000000 make bench                         # the full run
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench make bench

Needs ``wrk`` (Debian: apt-get install wrk). Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from generate import default_url, generate  # noqa: E402

BIN = Path(sys.executable).parent


@dataclass
class Result:
    label: str
    p50_ms: float
    p99_ms: float
    rps: float
    errors: int

    def row(self) -> str:
        return (
            f"| {self.label} | {self.p50_ms:,.1f} | {self.p99_ms:,.1f} "
            f"| {self.rps:,.0f} | {self.errors} |"
        )


#: The ceiling app's row in a run's results.
CEILING = "ceiling app (/showcase)"


def median_result(results: list[Result]) -> Result:
    """Each figure's median over the rounds (a page's rounds measured far apart)."""
    return Result(
        results[0].label,
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        statistics.median(r.rps for r in results),
        sum(r.errors for r in results),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(
                ("127.0.0.1", int(url.rsplit(":", 1)[1].split("/")[0])), 0.5
            ):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


def fetch(url: str) -> tuple[float, bytes]:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as resp:
        body = resp.read()
    return (time.perf_counter() - t) * 1000, body


@contextmanager
def server(argv: list[str], env: dict[str, str], port: int):
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}")
        proc.ready_s = time.perf_counter() - started  # type: ignore[attr-defined]
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def gunicorn(app: str, port: int, env: dict[str, str], workers: int = 2) -> list[str]:
    return [
        str(BIN / "gunicorn"),
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "600",
        "--log-level",
        "warning",
        app,
    ]


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def rotation_script(paths: list[str]) -> str:
    """A wrk script asking for ``paths`` in turn (one turn shared by the connections
    of wrk's one thread), from a random place each run."""
    script = Path(tempfile.mkdtemp(prefix="dankheo-wrk-")) / "rotate.lua"
    listed = ",\n".join(f'  "{p}"' for p in paths)
    script.write_text(
        f"paths = {{\n{listed}\n}}\n"
        # Seeded per run: unseeded, every round would start at the same entry.
        "math.randomseed(os.time())\n"
        "i = math.random(#paths)\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\n'
        "end\n"
    )
    return str(script)


def wrk(
    label: str,
    url: str,
    duration: int,
    connections: int,
    timeout: int = 10,
    script: str | None = None,
) -> Result:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            f"{timeout}s",
            *(["-s", script] if script else []),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lat = dict(re.findall(r"(50|75|90|99)%\s+([\d.]+(?:us|ms|s|m))", out))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = sum(
        int(n)
        for n in re.findall(
            r"(?:Non-2xx or 3xx responses|Socket errors:.*?timeout)\s*:?\s*(\d+)", out
        )
    )
    return Result(label, _ms(lat["50"]), _ms(lat["99"]), rps, errors)


def worker_peak_rss_mb(master_pid: int) -> float:
    peak = 0
    for child in (
        Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    ):
        status = Path(f"/proc/{child}/status").read_text()
        peak = max(peak, int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))
    return peak / 1024


#: Distinct entries whose pages are asked for in turn: more than a run asks for (about
#: 4,000 per round here), so each is a first render, with the pages shared through
#: Redis too (1,000 gave PostgreSQL with Redis mostly pages another worker had kept).
DETAIL_ROTATION = 50_000
DETAILS = f"detail, {DETAIL_ROTATION:,} entries in turn (first renders)"


def page_urls(database_url: str) -> tuple[dict[str, str], list[str]]:
    """Paths of the measured pages, with ids and a deep cursor read from the database,
    and the paths of :data:`DETAIL_ROTATION` more entries."""
    from sqlalchemy import select

    from dankheo import create_app
    from dankheo.domain.workflow import PUBLIC_STATES
    from dankheo.extensions import db
    from dankheo.registry.models import Exemplar
    from dankheo.showcase.listing import encode_cursor

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        public = Exemplar.state.in_([s.value for s in PUBLIC_STATES])
        total = db.session.scalar(select(db.func.count()).where(public))
        deep = db.session.execute(
            select(Exemplar.published_at, Exemplar.id)
            .where(public)
            .order_by(Exemplar.published_at.desc(), Exemplar.id.desc())
            .offset(total // 2)
            .limit(1)
        ).one()
        detail, *others = db.session.execute(
            select(Exemplar.id, Exemplar.slug)
            .where(public)
            .order_by(Exemplar.id.desc())
            .limit(DETAIL_ROTATION + 1)
        ).all()
        campaign = db.session.scalar(
            select(Exemplar.campaign_id)
            .where(public)
            .order_by(Exemplar.id.desc())
            .limit(1)
        )
        cursor = encode_cursor("newest", deep.published_at, deep.id)
    return {
        "list (/showcase)": "/showcase",
        "filtered list (kind + year)": "/showcase?kind=model&year=2024",
        "facet: field": "/showcase?field=Kinh+t%E1%BA%BF",
        "search, common ('dan van kheo')": "/showcase?q=dan+van+kheo",
        "search, rare ('ta xua')": "/showcase?q=ta+xua",
        f"deep page (row {total // 2:,})": f"/showcase?cursor={cursor}",
        "home (/)": "/",
        "stats (/stats)": "/stats",
        "API funnel": f"/api/v1/campaigns/{campaign}/funnel",
        "API list": "/api/v1/exemplars",
        "detail": f"/showcase/{detail.id}-{detail.slug}",
    }, [f"/showcase/{e.id}-{e.slug}" for e in others]


#: Datasette's limits for the comparison: its defaults (1 s per query, 200 ms per
#: facet) refuse the million-row list with "SQL query took too long", so they are
#: raised until it answers, and each page is first timed alone.
DATASETTE_LIMIT_MS = 60_000


def compare_datasette(
    datasette: Path, db_path: str, results: list[Result], args: argparse.Namespace
) -> None:
    """Datasette on the same file, the same pages: first with its default limits (what
    a visitor of a stock install gets), then with the limits raised, one request alone
    and under the same load. Its full-text search is pointed at the FTS5 table (it
    does not detect an external-content table declared with single quotes)."""
    import json

    name = Path(db_path).stem
    metadata = Path(tempfile.mkdtemp(prefix="dankheo-datasette-")) / "metadata.json"
    metadata.write_text(
        json.dumps(
            {
                "databases": {
                    name: {
                        "tables": {
                            "exemplars": {"fts_table": "exemplars_fts", "fts_pk": "id"}
                        }
                    }
                }
            }
        )
    )
    pub = "state__in=commended,recommended,replicated"
    pages = (
        (
            "Datasette faceted list",
            f"/{name}/exemplars?{pub}&_facet=kind&_facet=field_id&_facet=campaign_id&_sort_desc=published_at",
            results[0],
        ),
        (
            "Datasette filtered list",
            f"/{name}/exemplars?{pub}&kind=model&_sort_desc=published_at",
            results[1],
        ),
        (
            "Datasette search ('dan van kheo')",
            f"/{name}/exemplars?{pub}&_search=dan+van+kheo",
            results[3],
        ),
        (
            "Datasette search ('ta xua')",
            f"/{name}/exemplars?{pub}&_search=ta+xua",
            results[4],
        ),
    )
    for settings, label in (
        ([], "default limits"),
        (
            [
                "--setting",
                "sql_time_limit_ms",
                str(DATASETTE_LIMIT_MS),
                "--setting",
                "facet_time_limit_ms",
                str(DATASETTE_LIMIT_MS),
            ],
            f"limits raised to {DATASETTE_LIMIT_MS // 1000} s",
        ),
    ):
        port = free_port()
        argv = [
            str(datasette),
            "serve",
            db_path,
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "-m",
            str(metadata),
            *settings,
        ]
        print(f"Datasette, {label}:")
        with server(argv, {}, port):
            for title, path, ours in pages:
                url = f"http://127.0.0.1:{port}{path}"
                try:
                    alone_ms, _ = fetch(url)
                    status = "200"
                except urllib.error.HTTPError as exc:
                    alone_ms, status = float("nan"), str(exc.code)
                line = (
                    f"  {title}: one request alone {alone_ms:,.0f} ms (HTTP {status})"
                )
                if settings and status == "200" and alone_ms < 5_000:
                    theirs = wrk(title, url, args.duration, args.connections, 60)
                    ratio = (
                        f"{ours.rps / theirs.rps:.1f}x its req/s"
                        if theirs.rps
                        else "no answer within the run"
                    )
                    line += (
                        f"; under the same load p50 {theirs.p50_ms:,.0f} ms, "
                        f"p99 {theirs.p99_ms:,.0f} ms, {theirs.rps:,.1f} req/s, "
                        f"{theirs.errors} errors; dankheo {ratio}"
                    )
                elif status == "200":
                    line += (
                        f"; dankheo under load: p99 {ours.p99_ms:,.0f} ms, "
                        f"{alone_ms / ours.p99_ms:,.1f}x this request alone"
                    )
                print(line, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("N", 100_000)))
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or default_url()
    )
    parser.add_argument(
        "--duration", type=int, default=int(os.environ.get("BENCH_SECONDS", 8))
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(os.environ.get("BENCH_ROUNDS", 3)),
        help="interleaved rounds; each figure is the median over them",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure the existing database"
    )
    parser.add_argument(
        "--skip-export", action="store_true", help="leave out the full CSV export"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="measure only the pages whose label holds this text (repeatable)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is required: apt-get install -y wrk", file=sys.stderr)
        return 2
    url = args.database_url
    sqlite = url.startswith("sqlite")
    print(
        f"machine: {os.cpu_count()} cores; database: {url.split('://')[0]}; "
        f"rows: {args.rows:,}; pages shared between workers: "
        + ("Redis (DANKHEO_REDIS_URL)" if os.environ.get("DANKHEO_REDIS_URL") else "no")
    )
    if not args.reuse:
        seconds = generate(url, args.rows)
        print(
            f"generator: {args.rows:,} rows in {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s)"
        )

    instance = tempfile.mkdtemp(prefix="dankheo-bench-")
    env = {
        "DANKHEO_DATABASE_URL": url,
        "DANKHEO_SECRET_KEY": "bench",
        "DANKHEO_UPLOAD_FOLDER": instance,
        # Its own instance folder: no open-data file built from another database.
        "DANKHEO_INSTANCE_PATH": instance,
        "DANKHEO_RATELIMIT_EXPORT": "1000000 per minute",
    }
    paths, details = page_urls(url)
    rotate = rotation_script(details)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    ceiling_env = {"DANKHEO_BENCH_DB": url.removeprefix("sqlite:///")}
    ceiling_port = free_port()
    with (
        server(gunicorn("app:app", port, env), env, port) as proc,
        (
            server(
                gunicorn("bench.ceiling_app:app", ceiling_port, env),
                ceiling_env,
                ceiling_port,
            )
            if sqlite
            else nullcontext()
        ),
    ):
        cold_ms, _ = fetch(base + "/showcase")
        print(
            f"start to open port (import and warm-up, before any worker forks): "
            f"{proc.ready_s:,.1f} s; cold first request /showcase: {cold_ms:,.0f} ms"
        )
        targets = {label: base + path for label, path in paths.items()}
        targets[DETAILS] = base + "/"  # the script picks the path
        if sqlite:
            targets[CEILING] = f"http://127.0.0.1:{ceiling_port}/showcase"
        if args.only:
            targets = {
                label: target
                for label, target in targets.items()
                if any(part in label for part in args.only)
            }
        for label, target in targets.items():
            if label != DETAILS:
                fetch(target)  # each worker warms on its own: one request is not all
        rounds: dict[str, list[Result]] = {label: [] for label in targets}
        # Interleaved: every page once per round, so a burst of load from elsewhere on
        # the machine lands on all pages alike rather than on one.
        for n in range(args.rounds):
            for label, target in targets.items():
                script = rotate if label == DETAILS else None
                rounds[label].append(
                    wrk(label, target, args.duration, args.connections, script=script)
                )
            print(
                f"round {n + 1} of {args.rounds}: "
                + ", ".join(
                    f"{label.split(' (')[0]} p99 {r[-1].p99_ms:,.0f} ms"
                    for label, r in rounds.items()
                ),
                flush=True,
            )
        print(f"medians of {args.rounds} interleaved rounds:")
        print("| page | p50 ms | p99 ms | req/s | errors |")
        print("|---|---|---|---|---|")
        results = [median_result(r) for label, r in rounds.items() if label != CEILING]
        for result in results:
            print(result.row(), flush=True)
        ceiling = median_result(rounds[CEILING]) if CEILING in rounds else None
        if ceiling is not None:
            print(ceiling.row())
            if ceiling.rps:
                print(f"list throughput / ceiling: {results[0].rps / ceiling.rps:.3f}")
        if not args.skip_export:
            t = time.perf_counter()
            _, body = fetch(base + "/showcase/export.csv")
            export_s = time.perf_counter() - t
            lines = body.count(b"\n") - 1
            rss = worker_peak_rss_mb(proc.pid)
            print(
                f"full CSV export: {lines:,} rows in {export_s:.1f} s = "
                f"{lines / export_s:,.0f} rows/s; worker peak RSS {rss:,.0f} MB"
            )

    if sqlite and not args.only:
        db_path = url.removeprefix("sqlite:///")
        datasette = Path(
            os.environ.get("DATASETTE") or ROOT / ".venv-bench/bin/datasette"
        )
        if datasette.exists():
            compare_datasette(datasette, db_path, results, args)
        else:
            print(
                "Datasette not installed (make bench installs it from requirements-bench.txt)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
