"""Voting under load, over HTTP, as deployed (never part of the test suite).

One run: a campaign with one commune council of 8 members and ENTRIES (1,000) entries
queued in its open round; gunicorn starts with 2 workers on loopback; 8 members log in
and vote at once, each through its own HTTP session (its own cookies and CSRF token),
each on every entry in its own order, for a bounded time: accepted votes per second and
the answers that were not a vote taken (4xx, 5xx, of which 409 conflicts). Then every
member's remaining votes are cast in process and the chair closes the round over HTTP:
the seconds the close of the 1,000-entry round takes. Three runs (``--rounds``,
``BENCH_ROUNDS``) per database, interleaved when several ``--database-url`` are given;
the median is reported.

    .venv/bin/python bench/bench_voting.py                      # SQLite (a temp file)
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_voting \\
        .venv/bin/python bench/bench_voting.py                  # PostgreSQL (emptied!)
    .venv/bin/python bench/bench_voting.py --database-url sqlite \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_voting
    .venv/bin/python bench/run_all.py voting

Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench_http import free_port, gunicorn, server  # noqa: E402

MEMBERS = 8
PASSWORD = "Bench-voting-1"
CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def default_url() -> str:
    return f"sqlite:///{Path(tempfile.gettempdir()) / 'dankheo-bench-voting.sqlite3'}"


def build(url: str, entries: int) -> dict:
    """A fresh database: province, commune, hamlet, a campaign with one stage at the
    commune, its council of MEMBERS (the first is the chair), an open round and
    ``entries`` submitted entries in its queue. Returns the ids the run needs."""
    from sqlalchemy import insert, select

    from dankheo import create_app
    from dankheo.appraisal import councils, setup
    from dankheo.auth.operations import create_user
    from dankheo.campaigns.operations import create_campaign
    from dankheo.extensions import db
    from dankheo.registry.models import Exemplar
    from dankheo.registry.operations import create_exemplar, submit_exemplar
    from dankheo.schema import create_schema, drop_extra
    from dankheo.units.operations import create_unit

    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "JOBS_IMMEDIATE": True,
        }
    )
    with app.app_context():
        drop_extra(db.engine)
        db.drop_all()
        create_schema(db.engine)
        province = create_unit(
            code="P", name="Tỉnh Thử Nghiệm", tier="province", kind="party"
        )
        commune = create_unit(
            code="C", name="Xã Bình Xét", tier="commune", kind="party", parent=province
        )
        hamlet = create_unit(
            code="H", name="Thôn Một", tier="grassroots", kind="party", parent=commune
        )
        campaign = create_campaign(
            name="Dân vận khéo năm 2026",
            year=2026,
            unit=province,
            status="registration",
        )
        stage = setup.create_stage(
            campaign,
            {"name": "Thẩm định cấp xã", "tier": "commune", "pass_label": "Đạt"},
            actor=None,
        )
        council = councils.create_council(
            stage, commune, name="Hội đồng thẩm định xã", actor=None
        )
        users = []
        for i in range(MEMBERS):
            user = create_user(
                username=f"member{i}",
                name=f"Thành viên {i}",
                password=PASSWORD,
                email=f"member{i}@example.vn",
                unit=commune,
                roles=[],
            )
            councils.add_member(
                council,
                user,
                role=("chair", "secretary")[i] if i < 2 else "member",
                actor=None,
            )
            users.append(user.username)
        rnd = councils.open_round(council, actor=None)
        db.session.commit()
        # One entry through the operations (its row is what a submission writes),
        # the others copied from it in one statement: the run measures votes, not
        # the setup.
        first = create_exemplar(
            campaign=campaign,
            unit=hamlet,
            actor=None,
            data={
                "name": "Mô hình số 0 của thôn",
                "kind": "model",
                "field_id": campaign.fields[0].id,
                "situation": "Tình hình: đường làng hẹp.",
                "goals": "Mở rộng đường.",
                "content": "Vận động hiến đất.",
                "outputs": "2 km đường bê tông.",
            },
        )
        submit_exemplar(first, actor=None)
        db.session.commit()
        table = Exemplar.__table__
        row = dict(
            db.session.execute(select(table).where(table.c.id == first.id))
            .mappings()
            .one()
        )
        del row["id"]
        db.session.execute(
            insert(table),
            [
                {**row, "name": f"Mô hình số {i} của thôn", "slug": f"mo-hinh-so-{i}"}
                for i in range(1, entries)
            ],
        )
        db.session.commit()
        ids = list(
            db.session.scalars(
                select(table.c.id)
                .where(table.c.campaign_id == campaign.id)
                .order_by(table.c.id)
            )
        )
        return {
            "app": app,
            "council": council.id,
            "round": rnd.id,
            "entries": ids,
            "users": users,
        }


class Member:
    """One member's browser: its cookies, its CSRF token."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect(),
        )
        page = self.get("/auth/login")
        status = self.post(
            "/auth/login",
            {"login": username, "password": PASSWORD, "csrf_token": _token(page)},
        )
        if status != 302:
            raise SystemExit(f"{username} could not log in ({status})")
        self.token = ""

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=600) as resp:
            return resp.read().decode()

    def post(self, path: str, data: dict[str, str]) -> int:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=600) as resp:
                resp.read()
                return resp.status
        except urllib.error.HTTPError as err:
            err.read()
            return err.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None

    def http_error_302(self, req, fp, code, msg, headers):  # noqa: ANN001
        return fp

    http_error_303 = http_error_301 = http_error_307 = http_error_302


def _token(page: str) -> str:
    found = CSRF.search(page)
    if not found:
        raise SystemExit("no CSRF token on the page")
    return found.group(1) or found.group(2)


def vote_phase(
    base: str, ids: dict, seconds: float
) -> tuple[Counter[int], float, float]:
    """Every member votes on the entries in its own order until ``seconds`` pass.
    Returns the answers, the seconds taken and the CPU seconds this client process
    spent meanwhile (were it near the seconds taken, the client would be the limit)."""
    members = [Member(base, u) for u in ids["users"]]
    council = ids["council"]
    for m in members:
        m.token = _token(
            m.get(f"/appraisal/councils/{council}/entries/{ids['entries'][0]}")
        )
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(len(members))
    deadline = [0.0]

    def run(n: int, member: Member) -> None:
        order = list(ids["entries"])
        random.Random(n).shuffle(order)
        barrier.wait()
        for eid in order:
            if time.perf_counter() > deadline[0]:
                break
            status = member.post(
                f"/appraisal/councils/{council}/entries/{eid}",
                {"choice": "approve", "csrf_token": member.token},
            )
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=run, args=(n, m)) for n, m in enumerate(members)]
    start = time.perf_counter()
    cpu = time.process_time()
    deadline[0] = start + seconds
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, time.perf_counter() - start, time.process_time() - cpu


def complete_votes(ids: dict) -> None:
    """Every member's remaining votes, in process, so the close decides every entry."""
    from sqlalchemy import select

    from dankheo.appraisal.models import CouncilMember
    from dankheo.appraisal.voting import VoteInput, cast_votes
    from dankheo.extensions import db

    with ids["app"].app_context():
        members = db.session.scalars(
            select(CouncilMember).where(CouncilMember.council_id == ids["council"])
        ).all()
        for member in members:
            cast_votes(
                member, [VoteInput(e, "approve", {}, "") for e in ids["entries"]]
            )
            db.session.commit()


def run_once(url: str, entries: int, seconds: float) -> dict:
    """One run on one database: setup, the vote phase, the close."""
    print(f"database: {url.split('://')[0]}", flush=True)
    t = time.perf_counter()
    ids = build(url, entries)
    print(f"setup: {entries:,} entries queued in {time.perf_counter() - t:.1f} s")

    instance = tempfile.mkdtemp(prefix="dankheo-bench-")
    env = {
        "DANKHEO_DATABASE_URL": url,
        "DANKHEO_SECRET_KEY": "bench",
        "DANKHEO_UPLOAD_FOLDER": instance,
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with server(gunicorn("app:app", port, env), env, port):
        statuses, elapsed, client_cpu = vote_phase(base, ids, seconds)
        taken = statuses[302]
        client_errors = sum(n for s, n in statuses.items() if 400 <= s < 500)
        server_errors = sum(n for s, n in statuses.items() if s >= 500)
        print(
            f"voting: {MEMBERS} members at once, {sum(statuses.values()):,} requests in "
            f"{elapsed:.1f} s: {taken / elapsed:,.1f} votes/s; 4xx {client_errors} "
            f"(409: {statuses[409]}), 5xx {server_errors}; answers {dict(statuses)}; "
            f"client CPU {client_cpu:.1f} s",
            flush=True,
        )
        complete_votes(ids)
        chair = Member(base, ids["users"][0])
        token = _token(chair.get(f"/appraisal/councils/{ids['council']}/"))
        t = time.perf_counter()
        status = chair.post(
            f"/appraisal/rounds/{ids['round']}/close", {"csrf_token": token}
        )
        close_s = time.perf_counter() - t
    print(
        f"close: a round of {len(ids['entries']):,} entries, {MEMBERS} votes each, "
        f"closed in {close_s:.2f} s (answer {status}); load average "
        f"{os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return {
        "votes_s": taken / elapsed,
        "errors": client_errors + server_errors,
        "server_errors": server_errors,
        "close_s": close_s,
        "ok": status == 302 and server_errors == 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        action="append",
        help="repeat to compare databases: their runs are interleaved ('sqlite': a "
        "temporary file)",
    )
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 20))
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(os.environ.get("BENCH_ROUNDS", 3)),
        help="runs per database (the median is reported)",
    )
    args = parser.parse_args()
    urls = [
        default_url() if u == "sqlite" else u
        for u in args.database_url or [os.environ.get("DATABASE_URL") or default_url()]
    ]
    print(
        f"machine: {os.cpu_count()} cores; load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; {args.rounds} round(s) on "
        f"{', '.join(u.split('://')[0] for u in urls)}"
    )
    runs: dict[str, list[dict]] = {u: [] for u in urls}
    # Interleaved (A, B, A, B, ...): a change of load on the shared machine weighs on
    # every database alike.
    for n in range(args.rounds):
        for url in urls:
            print(f"--- round {n + 1} of {args.rounds}")
            runs[url].append(run_once(url, args.entries, args.seconds))
    ok = True
    for url, results in runs.items():
        votes = statistics.median(r["votes_s"] for r in results)
        close = statistics.median(r["close_s"] for r in results)
        errors = sum(r["errors"] for r in results)
        ok = ok and all(r["ok"] for r in results)
        each_vote = ", ".join(f"{r['votes_s']:.1f}" for r in results)
        each_close = ", ".join(f"{r['close_s']:.2f}" for r in results)
        print(
            f"median of {len(results)} on {url.split('://')[0]}: {votes:,.1f} votes/s "
            f"(runs: {each_vote}); close of {args.entries:,} entries {close:.2f} s "
            f"(runs: {each_close}); errors {errors}"
        )
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
