"""Several instances, one truth: two real gunicorn servers, each with its own instance
folder, on the test database and one Redis (db 4), share sessions, rate limits, jobs
and files. An attachment uploaded through one is downloaded through the other; a login
on one is valid on the other; the export budget is counted once for both; a build of
the open-data files queued by one runs in a consumer elsewhere and is served by the
other.

Runs on both databases (two processes on one SQLite file share it the same way, on
one machine); needs Redis, like the other cross-process tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import requests

from dankheo.domain.enums import Role

from .factories import PASSWORD
from .redis_required import redis_or_skip

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("DANKHEO_TEST_SCALE_REDIS_URL", "redis://127.0.0.1:6379/4")
PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    + b"0" * 300_000
    + b"%%EOF\n"
)


def _redis() -> redis.Redis:
    return redis_or_skip(REDIS_URL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _process(argv: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv,
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def _wait_up(base: str, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/favicon.ico", timeout=30)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not start:\n{log.read_text()[-3000:]}")


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


@pytest.fixture
def two_instances(db, database_url, tmp_path) -> Iterator[tuple[str, str, dict]]:
    store = _redis()
    store.flushdb()  # this test's own Redis database
    env = {
        "DANKHEO_DATABASE_URL": database_url,
        "DANKHEO_SECRET_KEY": "scale-out-test-shared-secret",
        "DANKHEO_RATELIMIT_STORAGE_URI": REDIS_URL,
        "DANKHEO_REDIS_URL": REDIS_URL,
        "DANKHEO_FILE_STORE": "database",
        "DANKHEO_RATELIMIT_EXPORT": "3 per minute",
        "DANKHEO_WORKERS": "1",
        "DANKHEO_THREADS": "2",
        "DANKHEO_LOG_LEVEL": "WARNING",
    }
    ports = [_free_port(), _free_port()]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    with (
        _process(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
            {
                **env,
                "DANKHEO_INSTANCE_PATH": str(tmp_path / "a"),
                "DANKHEO_BIND": f"127.0.0.1:{ports[0]}",
            },
            tmp_path / "a.log",
        ),
        _process(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
            {
                **env,
                "DANKHEO_INSTANCE_PATH": str(tmp_path / "b"),
                "DANKHEO_BIND": f"127.0.0.1:{ports[1]}",
            },
            tmp_path / "b.log",
        ),
    ):
        _wait_up(bases[0], tmp_path / "a.log")
        _wait_up(bases[1], tmp_path / "b.log")
        yield bases[0], bases[1], env
    store.flushdb()


def test_two_instances_share_sessions_files_limits_pages_and_jobs(
    two_instances, make, db, tmp_path
):
    a, b, env = two_instances
    unit = make.unit(name="Xã Hai Máy Chủ")
    officer = make.user(role=Role.UNIT_OFFICER, unit=unit)
    exemplar = make.exemplar(unit=unit, name="Mô hình dùng chung")
    db.session.commit()
    detail = f"/registry/{exemplar.id}"

    # Log in on A; the session cookie is good on B (one shared secret key).
    http = requests.Session()
    login = http.get(a + "/auth/login")
    resp = http.post(
        a + "/auth/login",
        data={
            "login": officer.username,
            "password": PASSWORD,
            "csrf_token": _csrf(login.text),
        },
        allow_redirects=False,
    )
    assert resp.status_code == 302, resp.text[:500]
    page = http.get(b + detail, allow_redirects=False)
    assert page.status_code == 200, page.headers.get("Location")

    # Upload through B (its form's token), download through A.
    resp = http.post(
        b + detail + "/attachments",
        data={"kind": "report", "csrf_token": _csrf(page.text)},
        files={"file": ("Báo cáo thành tích.pdf", PDF, "application/pdf")},
        allow_redirects=False,
    )
    assert resp.status_code in (302, 303)
    link = re.search(rf'href="({detail}/attachments/\d+)"', http.get(a + detail).text)
    assert link, "the attachment is listed on A"
    download = http.get(a + link.group(1))
    assert download.status_code == 200
    assert download.content == PDF
    # Neither instance folder holds it: the bytes are in the shared database.
    assert not (tmp_path / "a" / "uploads").exists()
    assert not (tmp_path / "b" / "uploads").exists()
    again = http.get(
        a + link.group(1), headers={"If-None-Match": download.headers["ETag"]}
    )
    assert again.status_code == 304

    # A public page rendered by A is kept in Redis, so B, asked for the same public
    # address (as behind one proxy), serves A's bytes.
    shown = requests.get(a + "/stats")
    assert shown.status_code == 200
    assert list(redis.Redis.from_url(REDIS_URL).scan_iter(match="dankheo:page:*"))
    same_host = {"Host": a.split("://", 1)[1]}
    assert requests.get(b + "/stats", headers=same_host).content == shown.content

    # One export budget for both (3 per minute per client, counted in Redis).
    codes = [
        requests.get(base + "/showcase/export.csv?kind=model").status_code
        for base in (a, b, a, b)
    ]
    assert codes == [200, 200, 200, 429]
    redis.Redis.from_url(REDIS_URL).flushdb()  # a fresh budget for what follows

    # The full file: A queues its build (in Redis), a consumer with a third instance
    # folder builds it into the shared store, B serves it with validators.
    assert requests.get(a + "/showcase/export.csv").status_code == 200  # streamed
    with _process(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "jobs",
            "worker",
            "--workers",
            "1",
        ],
        {**env, "DANKHEO_INSTANCE_PATH": str(tmp_path / "c")},
        tmp_path / "c.log",
    ):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            built = requests.get(b + "/showcase/export.csv")
            if "ETag" in built.headers:
                break
            time.sleep(0.5)
        else:
            raise AssertionError((tmp_path / "c.log").read_text()[-3000:])
    assert built.status_code == 200
    assert built.content.decode("utf-8-sig").count("\n") == 1  # header; no public rows
    assert "Tạo lúc" in requests.get(a + "/showcase/open-data").text


def test_gunicorn_conf_suits_long_streamed_responses(monkeypatch):
    """A threaded worker that keeps answering the arbiter while a download streams,
    a generous timeout, and a graceful stop that lets downloads finish."""
    import runpy

    for name in ("DANKHEO_TIMEOUT", "DANKHEO_GRACEFUL_TIMEOUT", "DANKHEO_THREADS"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["worker_class"] == "gthread" and conf["threads"] >= 2
    assert conf["timeout"] >= 120 and conf["graceful_timeout"] >= 60


def test_gunicorn_conf_can_spread_connections_over_processes(monkeypatch):
    """By default a process keeps connections alive (gunicorn's cap); capped at its
    threads, it holds no more connections than it can serve, and the keep-alive
    setting then says that none is kept (gunicorn keeps worker_connections -
    threads)."""
    import runpy

    monkeypatch.delenv("DANKHEO_WORKER_CONNECTIONS", raising=False)
    monkeypatch.delenv("DANKHEO_KEEPALIVE", raising=False)
    monkeypatch.setenv("DANKHEO_THREADS", "3")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["worker_connections"] == 1000 and conf["keepalive"] == 5
    monkeypatch.setenv("DANKHEO_WORKER_CONNECTIONS", "3")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["worker_connections"] == conf["threads"] == 3
    assert conf["keepalive"] == 0
