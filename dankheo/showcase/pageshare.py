"""The page cache's shared tier: pages kept in Redis, for every process that reaches it.

Each worker keeps its own pages (:mod:`.pagecache`), so without this tier a page is
rendered once per worker, and a common search that takes a second to count is paid
again in each one. When ``DANKHEO_REDIS_URL`` is set (the scale-out configuration, the
same Redis as the job queue and the rate limits), a rendered page is also written to
Redis and a worker missing a page reads it there before rendering it.

Nothing changes about when a page may be served: the key is the same key (endpoint,
host, path and query, language, data version), and a page taken from Redis keeps its
age: it is served for the rest of ``SHOWCASE_CACHE_SECONDS``, not for another full
period. Redis drops an entry after five times that (its expiry): past the age bound it
is only what a worker serves while it renders the page again, as it does with its own
aged copy, so a worker that never rendered a costly page does not make every visitor
wait for its first rendering. Likewise between processes: while one renders a page
again, the others serve their aged copy of it instead of rendering it too (a claim in
Redis, :meth:`SharedPages.claim`): a count that takes seconds is then paid by one
worker, not by all of them at once while every visitor waits behind them.

Redis holds at most ``PAGECACHE_SHARED_PAGES`` pages per database (default 5,000:
about 30 MB of compressed list pages): each write also records the page in an index
ordered by the time it expires, and drops from Redis the pages that expire first
past that number (the oldest: every page lives as long), and from the index what
expired. Without it, a crawler asking for every entry or a visitor trying endless
searches would fill Redis for as long as the pages live.

The cache never decides whether a page works: a Redis that is down, slow (half a
second) or holding something unreadable counts as a miss, and the page is rendered;
after a failure the worker leaves Redis alone for 30 seconds.
Values are the status and headers as JSON, a newline, then the body: no pickle, so
whatever is in Redis can at worst be a wrong page for its key, never code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import secrets
import time
import zlib
from dataclasses import dataclass
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

PREFIX = "dankheo:page:"
#: Redis keeps a page this many times its age bound: past the bound it is only the
#: stale copy served while a worker renders the page again.
STALE_FACTOR = 5
#: Seconds without Redis after a call to it failed.
REST_SECONDS = 30.0
#: Pages kept in Redis per database, unless ``PAGECACHE_SHARED_PAGES`` says otherwise.
MAX_PAGES = 5000

#: One write, in one step: the page with its lifetime, its place in the index (by the
#: time it expires), then the index trimmed of what expired and of the pages that
#: expire first past the bound, which are deleted with it.
#: KEYS: page, index; ARGV: lifetime (s), value, now (s), bound.
_PUT = """
local lifetime = tonumber(ARGV[1])
local now = tonumber(ARGV[3])
redis.call('SET', KEYS[1], ARGV[2], 'EX', lifetime)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], now + lifetime, KEYS[1])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, over - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
  for i = 1, #oldest, 500 do
    redis.call('DEL', unpack(oldest, i, math.min(i + 499, #oldest)))
  end
end
return over
"""
#: A claim is let go only by the process that holds it (one that outlived its claim
#: must not end another's). KEYS: claim; ARGV: its token.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@dataclass
class SharedEntry:
    #: When it was rendered, in seconds since the epoch (shared between machines).
    at: float
    status: int
    body: bytes
    headers: list[tuple[str, str]]


def _digest(key: tuple[Any, ...]) -> str:
    return hashlib.blake2b(repr(key).encode(), digest_size=20).hexdigest()


def encode(entry: SharedEntry) -> bytes:
    meta = {"at": entry.at, "status": entry.status, "headers": entry.headers}
    # Compressed (a page is mostly markup: a tenth of its size), so Redis holds ten
    # times the pages in the same memory.
    return (
        json.dumps(meta, separators=(",", ":")).encode()
        + b"\n"
        + zlib.compress(entry.body, 1)
    )


def decode(raw: bytes) -> SharedEntry | None:
    meta_bytes, sep, packed = raw.partition(b"\n")
    if not sep:
        return None
    try:
        meta = json.loads(meta_bytes)
        return SharedEntry(
            float(meta["at"]),
            int(meta["status"]),
            zlib.decompress(packed),
            [(str(k), str(v)) for k, v in meta["headers"]],
        )
    except (ValueError, KeyError, TypeError, zlib.error):
        return None


class SharedPages:
    """Pages in one Redis database, under one prefix per application database."""

    def __init__(self, url: str, database_url: str, max_pages: int = MAX_PAGES) -> None:
        import redis

        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5
        )
        # One prefix per database: two registries sharing a Redis never meet.
        self.prefix = (
            PREFIX
            + hashlib.blake2b(database_url.encode(), digest_size=8).hexdigest()
            + ":"
        )
        self.index = self.prefix + "index"
        self.max_pages = max(1, max_pages)
        self._put = self.client.register_script(_PUT)
        self._release = self.client.register_script(_RELEASE)
        #: This process's token in the claims it takes.
        self.token = secrets.token_hex(8).encode()
        self._warned = False
        #: Until when Redis is left alone after a failure (a Redis that times out
        #: would otherwise cost every page its timeout, three times).
        self._resting_until = 0.0

    def _failed(self, exc: Exception) -> None:
        self._resting_until = time.monotonic() + REST_SECONDS
        if not self._warned:  # once per process: a down Redis must not flood the log
            log.warning("page cache: Redis unavailable, rendering instead (%s)", exc)
            self._warned = True

    def _resting(self) -> bool:
        return time.monotonic() < self._resting_until

    def get(self, key: tuple[Any, ...], seconds: float) -> SharedEntry | None:
        """The page kept under ``key`` if it is younger than ``seconds``."""
        if self._resting():
            return None
        try:
            raw = self.client.get(self.prefix + _digest(key))
        except self._errors as exc:
            self._failed(exc)
            return None
        if not isinstance(raw, bytes):
            return None
        entry = decode(raw)
        if entry is None or time.time() - entry.at >= seconds:
            return None
        return entry

    def put(self, key: tuple[Any, ...], entry: SharedEntry, seconds: float) -> None:
        if self._resting():
            return
        try:
            self._put(
                keys=[self.prefix + _digest(key), self.index],
                args=[
                    max(1, math.ceil(seconds)),
                    encode(entry),
                    time.time(),
                    self.max_pages,
                ],
            )
        except self._errors as exc:
            self._failed(exc)

    def claim(self, key: tuple[Any, ...], seconds: float) -> bool:
        """Become the process rendering ``key`` again (for ``seconds`` at most): False
        while another one is. A Redis that fails says True: the page is rendered."""
        if self._resting():
            return True
        try:
            return bool(
                self.client.set(
                    self._claim_name(key),
                    self.token,
                    nx=True,
                    ex=max(1, math.ceil(seconds)),
                )
            )
        except self._errors as exc:
            self._failed(exc)
            return True

    def release(self, key: tuple[Any, ...]) -> None:
        """Let go of this process's claim on ``key`` (not one another process took
        after this one's lifetime ran out)."""
        if self._resting():
            return
        try:
            self._release(keys=[self._claim_name(key)], args=[self.token])
        except self._errors as exc:
            self._failed(exc)

    def _claim_name(self, key: tuple[Any, ...]) -> str:
        return self.prefix + "rendering:" + _digest(key)

    def clear(self) -> None:
        """Forget every page of this database (after its tables were emptied)."""
        try:
            keys = list(self.client.scan_iter(match=self.prefix + "*", count=500))
            for start in range(0, len(keys), 500):
                self.client.delete(*keys[start : start + 500])
        except self._errors as exc:
            self._failed(exc)


_UNSET = object()


def shared(app: Flask) -> SharedPages | None:
    """The shared tier of ``app``: ``PAGECACHE_REDIS_URL``, by default
    ``DANKHEO_REDIS_URL``; None when neither is set (each worker keeps its own)."""
    pages = app.extensions.get("dankheo_pageshare", _UNSET)
    if pages is _UNSET:
        url = app.config.get("PAGECACHE_REDIS_URL", os.environ.get("DANKHEO_REDIS_URL"))
        pages = (
            SharedPages(
                str(url),
                str(app.config["SQLALCHEMY_DATABASE_URI"]),
                int(app.config.get("PAGECACHE_SHARED_PAGES", MAX_PAGES)),
            )
            if url
            else None
        )
        app.extensions["dankheo_pageshare"] = pages
    return pages
