"""Running in production: logging that never writes a secret, the proxy count, HSTS,
``check-config`` and gunicorn's configuration file."""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request, request_started, url_for
from flask_limiter.util import get_remote_address

from dankheo import create_app
from dankheo.config import production_gaps
from dankheo.logconfig import HANDLER_NAME, redact

ROOT = Path(__file__).resolve().parent.parent


# --- logging --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("login failed password=hunter2 for an", "hunter2"),
        ("PASSWORD: hunter2", "hunter2"),
        ("form {'login': 'an', 'password': 'hunter 2'}", "hunter 2"),
        ('json {"new_password": "hunter2"}', "hunter2"),
        ("ImmutableMultiDict([('login', 'an'), ('password', 'hunter2')])", "hunter2"),
        ("GET /reset?token=abc123def&lang=vi", "abc123def"),
        ("Authorization: Bearer eyJhbGciOi.abc", "eyJhbGciOi"),
        ("csrf_token=IjQ5ZGM0 set", "IjQ5ZGM0"),
        ("Cookie: dankheo_session=eyJfZnJlc2gi", "eyJfZnJlc2gi"),
        ("db postgresql+psycopg://dankheo:s3cr3t@db/dankheo", "s3cr3t"),
        ("created user an (an.nguyen@example.vn)", "an.nguyen@example.vn"),
        ("contact 0912 345 678 today", "0912 345 678"),
        ("contact +84912345678", "+84912345678"),
        ("phone=0243.826.1234", "0243.826.1234"),
    ],
)
def test_secrets_and_contacts_are_masked(line, secret):
    masked = redact(line)
    assert secret not in masked
    assert "***" in masked


@pytest.mark.parametrize(
    "line",
    [
        "closed round 12 by user 7: {'passed': 19} (skipped 0)",
        "imported 2705 units in 0.84 s",
        "exemplar 1034: submitted -> in_review",
        "password changed for <User 7 an>",
        "tally of round 3: passed=19 failed=2",
    ],
)
def test_ordinary_lines_are_left_alone(line):
    assert redact(line) == line


def _handler() -> logging.Handler:
    return next(h for h in logging.getLogger().handlers if h.name == HANDLER_NAME)


def test_the_app_handler_redacts_a_record_and_its_traceback(app):
    handler = _handler()
    try:
        raise ValueError("bad password=hunter2")
    except ValueError:
        record = logging.getLogger("dankheo.probe").makeRecord(
            "dankheo.probe",
            logging.WARNING,
            __file__,
            1,
            "login %s password=%s",
            ("an", "hunter2"),
            sys.exc_info(),
        )
    assert handler.filter(record)
    line = handler.format(record)
    assert "hunter2" not in line
    assert "WARNING dankheo.probe: login an password=***" in line
    assert "ValueError: bad password=***" in line
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", line)


def test_a_login_request_does_not_log_the_password(
    client, make, capsys, caplog, monkeypatch
):
    """Everything at DEBUG, SQL with its parameters, and a careless line dumping the
    form: the password still never reaches the log."""
    user = make.user(username="an.nguyen")
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")

    def dump_form(sender: Flask, **_extra: object) -> None:
        logging.getLogger("dankheo.probe").debug("form %s", request.form)

    request_started.connect(dump_form)
    try:
        capsys.readouterr()
        for password in ("wrong-guess-1", "Sai-Mat-Khau-2"):
            client.post(
                "/auth/login", data={"login": user.username, "password": password}
            )
        client.post(
            "/auth/login", data={"login": user.username, "password": "correct-pw-3"}
        )
    finally:
        request_started.disconnect(dump_form)
    written = capsys.readouterr().err
    assert "('login', 'an.nguyen')" in written  # the careless line was written
    assert "('password', '***')" in written
    for password in ("wrong-guess-1", "Sai-Mat-Khau-2", "correct-pw-3"):
        assert password not in written


def test_log_level_comes_from_the_environment(monkeypatch, tmp_path):
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", root.level)  # restored after the test
    monkeypatch.setenv("DANKHEO_LOG_LEVEL", "warning")
    create_app(_settings(tmp_path))
    assert root.level == logging.WARNING
    monkeypatch.setenv("DANKHEO_LOG_LEVEL", "loud")
    with pytest.raises(ValueError, match="DANKHEO_LOG_LEVEL"):
        create_app(_settings(tmp_path))
    # One handler however many apps were made.
    assert [h.name for h in root.handlers].count(HANDLER_NAME) == 1


def test_migrating_in_process_keeps_the_redacting_handler(tmp_path):
    """alembic.ini's logging setup must not replace ours (nor disable our loggers)."""
    from flask_migrate import upgrade

    app = create_app(_settings(tmp_path))
    probe = logging.getLogger("dankheo.registry.operations")
    with app.app_context():
        upgrade()
    assert [h.name for h in logging.getLogger().handlers].count(HANDLER_NAME) == 1
    assert not probe.disabled


# --- proxies and HSTS -----------------------------------------------------------------


def _settings(tmp_path: Path, **extra: object) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/ops.sqlite3",
        **extra,
    }


def _whoami_app(tmp_path: Path, proxies: int) -> Flask:
    app = create_app(_settings(tmp_path, TRUSTED_PROXIES=proxies))

    @app.get("/_whoami")
    def whoami() -> dict[str, str]:
        return {
            "addr": request.remote_addr or "",
            "limit_key": get_remote_address(),
            "url": url_for("whoami", _external=True),
        }

    return app


FORWARDED = {
    "X-Forwarded-For": "203.0.113.9, 198.51.100.7",
    "X-Forwarded-Proto": "https",
}


def test_without_trusted_proxies_forwarded_headers_are_ignored(tmp_path):
    client = _whoami_app(tmp_path, 0).test_client()
    seen = client.get("/_whoami", headers=FORWARDED).get_json()
    assert seen["addr"] == seen["limit_key"] == "127.0.0.1"
    assert seen["url"].startswith("http://")


def test_behind_one_proxy_the_last_hop_is_the_client(tmp_path):
    client = _whoami_app(tmp_path, 1).test_client()
    seen = client.get("/_whoami", headers=FORWARDED).get_json()
    # The proxy appended the address it saw; anything before it the client made up.
    assert seen["addr"] == seen["limit_key"] == "198.51.100.7"
    assert seen["url"].startswith("https://")


def test_trusted_proxies_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DANKHEO_TRUSTED_PROXIES", "2")
    assert create_app(_settings(tmp_path)).config["TRUSTED_PROXIES"] == 2
    monkeypatch.setenv("DANKHEO_TRUSTED_PROXIES", "one")
    with pytest.raises(ValueError, match="DANKHEO_TRUSTED_PROXIES"):
        create_app(_settings(tmp_path))


def test_hsts_only_with_secure_cookies(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    resp = client.get("/auth/login")
    assert (
        resp.headers["Strict-Transport-Security"]
        == "max-age=31536000; includeSubDomains"
    )


def test_publicly_cacheable_pages_vary_on_the_cookie(client):
    """A shared cache in front of the app may keep an anonymous page for a minute; the
    page's language can come from the session cookie, so the cache must key on it."""
    for lang in ("vi", "en"):
        client.get(f"/?lang={lang}")
        resp = client.get("/showcase")
        assert resp.headers["Cache-Control"] == "public, max-age=60"
        assert "Cookie" in resp.vary
        assert f'<html lang="{lang}">' in resp.get_data(as_text=True)


# --- check-config ---------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("DANKHEO_") and name != "DANKHEO_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


PRODUCTION = {
    "SESSION_COOKIE_SECURE": True,
    "TRUSTED_PROXIES": 1,
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/5",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://dankheo@db.invalid/dankheo",
    "MAIL_SERVER": "smtp.invalid",
    "FILE_STORE": "database",
}


def test_check_config_lists_what_production_lacks(clean_env, tmp_path):
    app = create_app(_settings(tmp_path, SECRET_KEY_GENERATED=True))
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    for setting in (
        "DANKHEO_SECRET_KEY",
        "DANKHEO_SECURE_COOKIES",
        "DANKHEO_RATELIMIT_STORAGE_URI",
        "DANKHEO_DATABASE_URL",
        "DANKHEO_MAIL_SERVER",
    ):
        assert any(line.startswith(f"THIẾU {setting} ") for line in lines), setting
    proxies = next(line for line in lines if "DANKHEO_TRUSTED_PROXIES" in line)
    assert proxies.startswith("LƯU Ý DANKHEO_TRUSTED_PROXIES = 0")
    assert "Còn thiếu 5 mục" in lines[-1]


def test_check_config_passes_when_everything_is_set(clean_env, tmp_path):
    app = create_app({**_settings(tmp_path), **PRODUCTION})
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Cấu hình đủ cho môi trường vận hành."


def test_check_config_reads_the_environment(clean_env, monkeypatch, tmp_path):
    monkeypatch.setenv("DANKHEO_SECRET_KEY", "shared-by-every-instance")
    monkeypatch.setenv("DANKHEO_SECURE_COOKIES", "1")
    monkeypatch.setenv("DANKHEO_TRUSTED_PROXIES", "1")
    monkeypatch.setenv("DANKHEO_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/5")
    monkeypatch.setenv("DANKHEO_DATABASE_URL", PRODUCTION["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("DANKHEO_MAIL_SERVER", "smtp.invalid")
    monkeypatch.setenv("DANKHEO_FILE_STORE", "database")
    app = create_app({"TESTING": True})
    assert not app.config["SECRET_KEY_GENERATED"]
    assert production_gaps(app.config) == []


@pytest.mark.parametrize(
    ("extra", "setting"),
    [
        ({"DEBUG": True}, "FLASK_DEBUG"),
        ({"MAIL_SERVER": ""}, "DANKHEO_MAIL_SERVER"),
        ({"SESSION_COOKIE_SECURE": False}, "DANKHEO_SECURE_COOKIES"),
    ],
)
def test_each_gap_alone_fails_the_check(extra, setting):
    gaps = production_gaps({**PRODUCTION, **extra})
    assert [(g.required, g.setting) for g in gaps] == [(True, setting)]


def test_files_kept_on_one_machine_are_a_note_beside_postgresql():
    gaps = production_gaps({**PRODUCTION, "FILE_STORE": "local"})
    assert [(g.required, g.setting) for g in gaps] == [(False, "DANKHEO_FILE_STORE")]


# --- gunicorn -------------------------------------------------------------------------

PROBE_APP = """
import logging
from dankheo import create_app

app = create_app({{"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "{db}"}})


@app.get("/_probe")
def probe():
    logging.getLogger("dankheo.probe").warning("probe password=%s", "hunter2")
    return "ok"
"""


def _gunicorn(tmp_path: Path, source: str, *, bind: str, workers: int):
    """gunicorn -c gunicorn.conf.py serving ``source``'s app (on a SQLite file in
    ``tmp_path``), its output in ``tmp_path``/stdout and stderr."""
    (tmp_path / "probe_app.py").write_text(
        source.format(db=f"sqlite:///{tmp_path}/g.sqlite3")
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DANKHEO_")},
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
        "DANKHEO_BIND": bind,
        "DANKHEO_WORKERS": str(workers),
        "DANKHEO_THREADS": "2",
        "DANKHEO_GRACEFUL_TIMEOUT": "10",
    }
    with (
        (tmp_path / "stdout").open("w") as stdout,
        (tmp_path / "stderr").open("w") as stderr,
    ):
        return subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--no-control-socket",
                "probe_app:app",
            ],
            cwd=tmp_path,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # its workers killed with it if it lingers
        )


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(30)


def test_gunicorn_conf_serves_and_keeps_the_app_log(tmp_path):
    """gunicorn -c gunicorn.conf.py: access lines on stdout, the app's own lines on
    stderr in our format, and neither carries the secret."""
    pytest.importorskip("gunicorn")
    server = _gunicorn(tmp_path, PROBE_APP, bind="127.0.0.1:0", workers=1)
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    try:
        deadline = time.monotonic() + 60
        port = None
        while port is None:
            assert server.poll() is None, err.read_text()
            assert time.monotonic() < deadline, err.read_text()
            found = re.search(r"Booting worker .*", err.read_text()) and re.search(
                r"Listening at: http://127\.0\.0\.1:(\d+)", err.read_text()
            )
            if found:
                port = int(found.group(1))
            else:
                time.sleep(0.1)  # polling a child process's output, not a race
        url = f"http://127.0.0.1:{port}/_probe?token=abc123"
        with urllib.request.urlopen(url, timeout=30) as resp:
            assert resp.read() == b"ok"
    finally:
        server.terminate()
        server.wait(30)
    access, errors = out.read_text(), err.read_text()
    assert "Using worker: gthread" in errors
    assert '"GET /_probe?token=*** HTTP/1.1" 200' in access
    assert re.search(
        r"\d\d:\d\d,\d{3} WARNING dankheo\.probe: probe password=\*\*\*", errors
    )
    assert "hunter2" not in errors and "abc123" not in access


PID_APP = """
import os
import time
from dankheo import create_app

app = create_app({{"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "{db}"}})


@app.get("/_pid")
def pid():
    return str(os.getpid())


@app.get("/_slow")
def slow():
    time.sleep(5)
    return str(os.getpid())
"""


def _free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def two_workers(tmp_path):
    """gunicorn with the repository's settings, 2 processes on a fixed port, both
    answering: (port, [pid, pid]). Stopped at the end, killed if it lingers."""
    pytest.importorskip("gunicorn")
    port = _free_tcp_port()
    server = _gunicorn(tmp_path, PID_APP, bind=f"127.0.0.1:{port}", workers=2)
    err = tmp_path / "stderr"
    try:
        deadline = time.monotonic() + 60
        while len(re.findall(r"Booting worker", err.read_text())) < 2:
            assert server.poll() is None, err.read_text()
            assert time.monotonic() < deadline, err.read_text()
            time.sleep(0.1)  # polling a child process's output, not a race
        assert "Each process listens at: 127.0.0.1:" in err.read_text()
        workers = [
            int(pid)
            for pid in re.findall(r"Booting worker with pid: (\d+)", err.read_text())
        ]
        answered: set[int] = set()
        while answered != set(workers):  # each binds its socket as it starts
            assert time.monotonic() < deadline, err.read_text()
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_pid", timeout=5
                ) as resp,
            ):
                answered.add(int(resp.read()))
        yield port, workers
    finally:
        _stop(server)


def _connections(port: int, n: int) -> list[http.client.HTTPConnection]:
    return [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(n)]


def test_connections_spread_over_the_processes(two_workers):
    """Each process listens on a socket of its own, so a burst of connections lands
    on every process, not on whichever is running (with 16 connections, all on one
    process by chance once in 32,768 runs)."""
    port, workers = two_workers
    connections = _connections(port, 16)
    try:
        # One process held still while the connections arrive: on a shared socket
        # the other accepts them all; with a socket each, the kernel has queued
        # about half of them for the one held still, which answers once resumed.
        os.kill(workers[1], signal.SIGSTOP)
        try:
            for conn in connections:
                conn.connect()
                conn.request("GET", "/_pid")
            time.sleep(0.5)  # the running process takes what it can
        finally:
            os.kill(workers[1], signal.SIGCONT)
        pids = {int(conn.getresponse().read()) for conn in connections}
        assert pids == set(workers)
    finally:
        for conn in connections:
            conn.close()


def test_a_stopping_process_leaves_the_port_to_the_others(two_workers):
    """A process told to stop finishes its request, and once its loop has ended no
    new connection waits in its queue (the kernel would reset those when it closes):
    every one is answered by the other process."""
    port, workers = two_workers
    slow = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connections = _connections(port, 16)
    try:
        slow.request("GET", "/_slow")
        busy = _wait_for(lambda: _holding(workers, port, "01"), "the slow request")
        os.kill(busy, signal.SIGTERM)
        # Its loop ends within a second (its poll's timeout); then it leaves.
        _wait_for(lambda: busy not in _holding(workers, port, "0A"), "leaving")
        for conn in connections:
            conn.request("GET", "/_pid")
        pids = {int(conn.getresponse().read()) for conn in connections}
        assert pids == set(workers) - {busy}
        assert int(slow.getresponse().read()) == busy
    finally:
        for conn in (slow, *connections):
            conn.close()


def _wait_for(found: Any, what: str, seconds: float = 4) -> Any:
    """``found()`` once it is truthy, polled (a child process's state, not a race)."""
    deadline = time.monotonic() + seconds
    while not (value := found()):
        assert time.monotonic() < deadline, f"no {what} after {seconds} s"
        time.sleep(0.05)
    return value


def _holding(workers: list[int], port: int, state: str) -> Any:
    """The one of ``workers`` holding a TCP socket on ``port`` in ``state`` (as in
    /proc/net/tcp: 01 established, 0A listening), or None; for a single pid, the
    set of those of ``workers`` that do. IPv4 only (the fixture binds 127.0.0.1)."""
    rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    inodes = {
        row[9]
        for row in rows
        if int(row[1].split(":")[1], 16) == port and row[3] == state
    }
    holders = {pid for pid in workers if _socket_inodes(pid) & inodes}
    if state == "01":
        return next(iter(holders)) if len(holders) == 1 else None
    return holders


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    return inodes


def test_a_port_another_process_listens_at_is_not_shared(tmp_path):
    """SO_REUSEPORT would let this server join a port another process of the same
    user listens at, and split its traffic; it refuses to start instead."""
    pytest.importorskip("gunicorn")
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        server = _gunicorn(tmp_path, PID_APP, bind=f"127.0.0.1:{port}", workers=1)
        try:
            assert server.wait(60) == 1
        finally:
            if server.poll() is None:
                _stop(server)
    assert "Cannot listen at 127.0.0.1:" in (tmp_path / "stderr").read_text()


def test_a_socket_per_process_only_where_gunicorn_binds_tcp(monkeypatch):
    """A Unix socket's path, port 0 and sockets handed over (systemd, an upgrade)
    exist once: there the processes share the arbiter's socket."""
    import runpy
    from types import SimpleNamespace

    monkeypatch.delenv("LISTEN_FDS", raising=False)
    monkeypatch.delenv("GUNICORN_FD", raising=False)
    monkeypatch.delenv("DANKHEO_REUSE_PORT", raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["reuse_port"] is True

    def possible(*bind: str) -> bool:
        server = SimpleNamespace(cfg=SimpleNamespace(bind=list(bind)))
        return conf["own_sockets_possible"](server)

    assert possible("127.0.0.1:8000", "[::1]:8000")
    assert not possible("127.0.0.1:8000", "unix:/run/dankheo.sock")
    assert not possible("fd://3")
    assert not possible("127.0.0.1:0")
    monkeypatch.setenv("LISTEN_FDS", "1")
    assert not possible("127.0.0.1:8000")
    monkeypatch.delenv("LISTEN_FDS")
    # A HUP reads the file again (reuse_port on) without on_starting: the processes
    # keep the arbiter's sockets.
    settings = {"reuse_port": True}
    for listeners, expected in (([], True), ([object()], False)):
        settings["reuse_port"] = True
        cfg = SimpleNamespace(
            bind=["127.0.0.1:8000"], set=settings.__setitem__, reuse_port=True
        )
        conf["on_reload"](SimpleNamespace(cfg=cfg, LISTENERS=listeners))
        assert settings["reuse_port"] is expected
    monkeypatch.setenv("DANKHEO_REUSE_PORT", "0")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["reuse_port"] is False


# --- lock files -----------------------------------------------------------------------


def _pins(path: Path) -> dict[str, str]:
    """``name -> version`` of every ``name[extras]==version`` line in ``path``."""
    pins = {}
    for line in path.read_text().splitlines():
        found = re.match(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;#]+)", line)
        if found:
            pins[re.sub(r"[-_.]+", "-", found[1]).lower()] = found[2]
    return pins


@pytest.mark.parametrize(
    ("requirements", "lock"),
    [
        ("requirements.txt", "requirements.lock"),
        ("requirements-dev.txt", "requirements-dev.lock"),
    ],
)
def test_the_locks_pin_every_requirement(requirements, lock):
    wanted, locked = _pins(ROOT / requirements), _pins(ROOT / lock)
    stale = {
        name: (version, locked.get(name))
        for name, version in wanted.items()
        if locked.get(name) != version
    }
    assert not stale, f"{lock} is out of date (run `make lock`): {stale}"


def test_the_dev_lock_installs_the_runtime_lock_unchanged():
    runtime, dev = (
        _pins(ROOT / "requirements.lock"),
        _pins(ROOT / "requirements-dev.lock"),
    )
    assert {name: dev.get(name) for name in runtime} == runtime
