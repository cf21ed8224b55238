"""gunicorn settings, read from DANKHEO_* variables: ``gunicorn -c gunicorn.conf.py app:app``.

Every value has a default that suits one machine behind a reverse proxy on the same
host; the README's "Running in production" section lists the variables.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import socket
import sys

from gunicorn.util import is_ipv6, parse_address

from dankheo.config import env_flag
from dankheo.logconfig import RedactingFilter, parse_level


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip()
    return env_flag(value) if value else default


bind = os.environ.get("DANKHEO_BIND", "127.0.0.1:8000").split(",")

# Threads rather than more processes: each process holds its own database pool and
# caches, and a login's scrypt hash takes about 128 MiB while it runs.
workers = _int("DANKHEO_WORKERS", multiprocessing.cpu_count() + 1)
threads = _int("DANKHEO_THREADS", 4)

# gthread, not the default sync worker: a sync worker serves one request at a time
# and is killed when a request outlasts `timeout`, so a slow client downloading a
# streamed export (CSV/XLSX of a province's entries, the Atom feed, attachments)
# would tie up a whole process and then lose it midway. Under gthread the worker's
# main loop keeps answering the arbiter while its threads stream, so `timeout` only
# catches a process that is truly stuck; it is generous because a long CPU-bound
# export (an XLSX of 100,000 rows) holds the interpreter lock for a while. The full
# open-data files are never built in a request (a job builds them into the file
# store, dankheo.showcase.opendata); only filtered exports stream from the database.
worker_class = "gthread"
# Each process listens on a socket of its own (SO_REUSEPORT), and the kernel hands
# each new connection to one of them by a hash of its addresses. On one shared
# socket, whichever process woke first accepted: a burst of kept-alive connections
# could all settle on one process, which then served them alone while the others
# idled (measured at 1,000,000 entries, 2 processes, 8 connections: about half the
# runs at half speed). With a socket each, every run spread them: the same entry
# page served again 1,322-1,396 req/s at p99 16-20 ms, against 508-1,371 and
# 16-28 ms (bench/README.md). Only on TCP addresses gunicorn binds itself (a Unix
# socket's path, or sockets handed over by systemd or an upgrade, exist once: see
# on_starting and on_reload); DANKHEO_REUSE_PORT=0 turns it off (a binary upgrade
# with USR2 needs it off). The kernel lets any process of the same user join a
# port's group, so on_starting first checks that nothing listens there; a stopping
# process leaves the group when its loop ends, within a second (post_worker_init),
# so no new connection waits in its queue while it finishes what it holds.
reuse_port = _flag("DANKHEO_REUSE_PORT", True)
# How many connections a process holds at once (gunicorn's default: 1,000). On a
# shared socket (DANKHEO_REUSE_PORT=0), DANKHEO_WORKER_CONNECTIONS equal to the
# threads leaves new connections to the other processes, but then gunicorn keeps
# none alive (it keeps worker_connections - threads): each request pays a new
# connection. With a socket each, a process at its cap leaves them waiting in its
# own queue instead. Measured at 1,000,000 entries (bench/README.md,
# third session, shared socket): with the cap every cached page served 650-770
# req/s at p99 32-46 ms, where without it half of them ran on one process; but
# first renders of entry pages had a p99 of 221 ms against 134. Behind the proxy,
# which opens a connection per request, the cap costs nothing more.
worker_connections = _int("DANKHEO_WORKER_CONNECTIONS", 1000)
timeout = _int("DANKHEO_TIMEOUT", 120)
# On restart, let running downloads finish before the old workers are stopped.
graceful_timeout = _int("DANKHEO_GRACEFUL_TIMEOUT", 60)
# A process keeps a connection open after its response only for the connections it
# holds beyond its threads (gunicorn: worker_connections - threads): at the default cap,
# none. Say so (gunicorn warns otherwise at every start); the same number bounds how
# long an accepted connection that sent nothing keeps its place under the cap.
keepalive = _int("DANKHEO_KEEPALIVE", 5 if worker_connections > threads else 0)

# Access log on stdout, errors (and the app's own log lines) on stderr. The app logs
# through its own handler to stderr (dankheo.logconfig); when the error log goes to
# a file instead, the workers' stderr is captured into that file so nothing is lost.
accesslog = os.environ.get("DANKHEO_ACCESS_LOG", "-")
errorlog = os.environ.get("DANKHEO_ERROR_LOG", "-")
capture_output = errorlog != "-"
loglevel = logging.getLevelName(
    parse_level(os.environ.get("DANKHEO_LOG_LEVEL", "INFO"))
).lower()

# Whose X-Forwarded-Proto gunicorn itself believes (for wsgi.url_scheme). The app
# reads the client's address and scheme through ProxyFix (DANKHEO_TRUSTED_PROXIES);
# with no proxy trusted there, gunicorn trusts no one either.
_trusted_proxies = _int("DANKHEO_TRUSTED_PROXIES", 0)
forwarded_allow_ips = os.environ.get(
    "DANKHEO_FORWARDED_ALLOW_IPS", "127.0.0.1,::1" if _trusted_proxies else ""
)


# The app is imported once, in the arbiter, and warmed there (below) before the port
# opens; the workers are forked from it, so none of them pays the import (seconds) or
# the first render of the public pages. DANKHEO_PRELOAD=0 imports in each worker
# instead (what `kill -HUP` needs to pick up new code without a full restart).
preload_app = _flag("DANKHEO_PRELOAD", True)

#: Pages requested once in the arbiter before the workers fork.
WARM_PATHS = ("/", "/showcase", "/stats")


def _entry_path(app) -> str | None:
    """The newest public entry's page: its templates and statements are those of
    every entry page, most of which are first renders."""
    from sqlalchemy import select

    from dankheo.extensions import db
    from dankheo.registry.models import Exemplar
    from dankheo.showcase.listing import public_condition

    with app.app_context():
        row = db.session.execute(
            select(Exemplar.id, Exemplar.slug)
            .where(public_condition())
            .order_by(Exemplar.id.desc())
            .limit(1)
        ).first()
    return f"/showcase/{row.id}-{row.slug}" if row else None


def _warm(server) -> None:
    """Render the public pages and an entry's page once (templates compiled,
    statements built, catalogues and counts read, pages kept by the page cache for
    this host), then close every database connection so no worker inherits one."""
    from dankheo.extensions import db

    app = server.app.wsgi()
    host = server.cfg.bind[0] if server.cfg.bind else "127.0.0.1:8000"
    client = app.test_client()
    paths = list(WARM_PATHS)
    try:
        entry = _entry_path(app)
    except Exception:  # a database not yet migrated: warm what can be
        server.log.warning("no entry page to warm", exc_info=True)
    else:
        paths += [entry] if entry else []
    for path in paths:
        try:
            client.get(path, base_url=f"http://{host}")
        except Exception:  # a database not yet migrated: serve anyway, cold
            server.log.warning("warm-up of %s failed", path, exc_info=True)
    if "sqlalchemy" in app.extensions:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


def own_sockets_possible(server) -> bool:
    """Whether each process may bind a socket of its own: only TCP addresses that
    gunicorn binds itself, on a given port (port 0 would give each its own)."""
    handed_over = os.environ.get("LISTEN_FDS") or os.environ.get("GUNICORN_FD")
    return not handed_over and all(
        not a.startswith(("unix:", "fd://")) and not a.endswith(":0")
        for a in server.cfg.bind
    )


def _in_use(address: str) -> str | None:
    """Why ``address`` cannot be listened at (another process listens there, or the
    port is not ours to take), or None. Asked without SO_REUSEPORT, which would let
    this server share it with another of the same user; in the address family
    gunicorn binds it in (IPv4 unless the host is an IPv6 address)."""
    host, port = parse_address(address)
    family = socket.AF_INET6 if is_ipv6(host) else socket.AF_INET
    try:
        found = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        for family, kind, proto, _name, where in found:
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(where)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def on_reload(server) -> None:
    """A HUP reads this file again, which turns reuse_port back on, and on_starting
    is not called: the processes keep sharing the sockets the arbiter holds."""
    if server.LISTENERS or not own_sockets_possible(server):
        server.cfg.set("reuse_port", False)


def _leave_the_port_first(worker) -> None:
    """With a socket of its own, a process that stops (SIGTERM: a restart, a HUP)
    leaves the port's group as soon as its loop ends, so new connections go to the
    other processes while it finishes the requests it holds; otherwise the kernel
    would keep queueing some for it until it closes its socket, then reset them.

    Written for gunicorn's gthread worker, whose loop, once it ends, stops accepting
    with ``set_accept_enabled(False)``: there (the main thread, no event pending) the
    connections already queued are accepted and served, then the socket is shut
    down, which takes it out of the group; the worker's cleanup closes it as usual.
    Not in a signal handler: the loop could accept on the shut-down socket after it."""
    enable = worker.set_accept_enabled
    left = False

    def set_accept_enabled(enabled: bool) -> None:
        nonlocal left
        enable(enabled)
        if enabled or worker.alive or left:
            return
        left = True
        for listener in worker.sockets:
            while True:  # what the kernel queued for it: accepted, then served
                before = worker.nr_conns
                worker.accept(listener)
                if worker.nr_conns == before:
                    break
            with contextlib.suppress(OSError):
                listener.sock.shutdown(socket.SHUT_RDWR)

    worker.set_accept_enabled = set_accept_enabled


def _freeze() -> None:
    """What the import and the warm-up left in memory lives as long as the process:
    collected once, then moved out of the collector's reach, so no worker walks it
    again in every full collection (measured: 3.8 M of about 14 M instructions per
    first render of an entry's page) and the collector no longer writes to the pages
    the workers share with the arbiter. What of it later becomes garbage in a cycle
    (a template or statement evicted from a cache) is not reclaimed: at most that
    frozen set."""
    gc.collect()
    gc.freeze()


def on_starting(server) -> None:
    """Mask passwords, tokens and contact details in gunicorn's own lines too (an
    access line carries the query string); the workers inherit the filters. A socket
    per process only where it can be had. With the app preloaded, warm it before
    the port opens."""
    if server.cfg.reuse_port and not own_sockets_possible(server):
        server.cfg.set("reuse_port", False)
    if server.cfg.reuse_port:
        for address in server.cfg.bind:
            if reason := _in_use(address):
                server.log.error("Cannot listen at %s: %s", address, reason)
                if server.pidfile is not None:
                    server.pidfile.unlink()
                sys.exit(1)
        # gunicorn's own line names no socket then.
        server.log.info("Each process listens at: %s", ", ".join(server.cfg.bind))
    for name in ("gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
    if preload_app:
        _warm(server)
        _freeze()


def post_worker_init(worker) -> None:
    """Without preloading, each worker imported the app itself: frozen there. With a
    socket of its own, it leaves the port first when told to stop."""
    if not preload_app:
        _freeze()
    if worker.cfg.reuse_port and hasattr(worker, "set_accept_enabled"):
        _leave_the_port_first(worker)
