"""Whole responses of the anonymous public pages, kept per process and served again
while nothing they show can have changed.

A million-entry showcase renders the same first page, the same statistics and the same
funnel for every visitor; rendering them is most of the cost of a request. A response
is kept when it holds nothing of the visitor's own (no signed-in user, no flash
message, no cookie being set, see ``views._same_for_everyone``) and is served again
while its key is the same:

- the endpoint, the host, the path with its query string and the visitor's language;
- the data version: ``tally_version`` (bumped by the database in the same transaction
  as every change of a public count: publication, commendation, correction, unit move
  or merge) and the lengths of the audit and history chains (every audited change of
  an entry, unit, field, campaign or commendation, and every state change, appends to
  one of them in its own transaction);
- and an age below ``SHOWCASE_CACHE_SECONDS`` (default 30 s; 0 turns the cache off),
  which bounds what neither version sees — a photo added to a public entry — to less
  than the ``max-age`` the pages already promise browsers and proxies (60 s). Past
  that age the first request renders the page again; while it does, other visitors
  of the same page (same data version), in this process or in another one sharing
  Redis, get the aged copy instead of waiting for it.

Reading the versions is one statement of primary-key lookups. Every response kept carries an
``ETag`` (a hash of its body), so a browser revalidating gets a 304 without a body.
Only plain bytes and headers are kept, in a bounded LRU per process; with Redis
configured, also in Redis under the same key and age bound (:mod:`.pageshare`), so a
page rendered by one worker is served by the others without rendering it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import func, select

from ..audit.models import ChainHead
from . import pageshare
from .counts import data_version_and

#: Responses kept per process (each is one rendered page, tens of kilobytes).
MAX_ENTRIES = 256
DEFAULT_SECONDS = 30


@dataclass
class Entry:
    at: float
    status: int
    body: bytes
    headers: list[tuple[str, str]]


def _store(app: Flask) -> OrderedDict[tuple[Any, ...], Entry]:
    return app.extensions.setdefault("dankheo_pagecache", OrderedDict())


#: One lock per key being rendered: when several threads of a worker ask for the same
#: missing page at once, one renders it and the others wait for it instead of all
#: rendering it together (each then takes as long as all of them).
_rendering: dict[tuple[Any, ...], threading.Lock] = {}
_rendering_guard = threading.Lock()


def _claim(key: tuple[Any, ...], wait: bool = True) -> bool:
    """Become the thread rendering ``key``: wait for the one rendering it now, or,
    with ``wait=False``, give up at once (False) when one is."""
    return _take(key, wait) is not None


def _take(key: tuple[Any, ...], wait: bool = True) -> bool | None:
    """:func:`_claim`, saying whether it waited (True) or not (False); None: it
    gave up."""
    with _rendering_guard:
        lock = _rendering.setdefault(key, threading.Lock())
    waited = False
    if not lock.acquire(blocking=False):
        if not wait:
            return None
        lock.acquire()
        waited = True
    g.pagecache_lock = (key, lock)
    return waited


def _claim_shared(key: tuple[Any, ...]) -> bool:
    """Become the process rendering ``key`` again (True without a shared tier)."""
    pages = pageshare.shared(current_app)
    if pages is None:
        return True
    if not pages.claim(key, _seconds()):
        return False
    g.pagecache_shared_claim = key
    return True


def _release(_exc: BaseException | None = None) -> None:
    shared_key = g.pop("pagecache_shared_claim", None)
    if shared_key is not None:
        pages = pageshare.shared(current_app)
        if pages is not None:
            pages.release(shared_key)
    held = g.pop("pagecache_lock", None)
    if held is not None:
        key, lock = held
        with _rendering_guard:
            if _rendering.get(key) is lock:
                del _rendering[key]
        lock.release()


def clear(app: Flask | None = None) -> None:
    """Forget every kept response (after tables were emptied or dropped)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    _store(app).clear()
    pages = pageshare.shared(app)
    if pages is not None:
        pages.clear()


def _seconds() -> float:
    return float(current_app.config.get("SHOWCASE_CACHE_SECONDS", DEFAULT_SECONDS))


def _anonymous() -> bool:
    return (
        request.method == "GET"
        and "Authorization" not in request.headers
        and not current_user.is_authenticated
        and not session.get("_flashes")
        and not session.modified
    )


_CHAINS = select(
    func.coalesce(func.sum(ChainHead.__table__.c.length), 0)
).scalar_subquery()


def _version() -> tuple[Any, ...]:
    # One statement on the session's connection, read with the tallies' version.
    version, chains = data_version_and(_CHAINS)
    return (*version, int(chains or 0))


def _key() -> tuple[Any, ...] | None:
    if _seconds() <= 0 or not _anonymous():
        return None
    return (
        request.endpoint,
        request.host_url,  # pages may carry absolute links (feeds, canonical URLs)
        request.full_path,
        str(get_locale()),
        _version(),
    )


def _etag(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=12).hexdigest()


def _fresh(
    store: OrderedDict[tuple[Any, ...], Entry], key: tuple[Any, ...]
) -> Entry | None:
    entry = store.get(key)
    if entry is not None and _aged(entry):
        entry = None  # kept, as the stale copy served while it is rendered again
    if entry is None:
        entry = _from_shared(store, key)
    return entry


def _aged(entry: Entry) -> bool:
    return time.monotonic() - entry.at >= _seconds()


def _from_shared(
    store: OrderedDict[tuple[Any, ...], Entry], key: tuple[Any, ...]
) -> Entry | None:
    """The page another process rendered, taken into this one's store with its age.

    A copy past its age (Redis keeps them :data:`pageshare.STALE_FACTOR` times longer)
    is taken too but not returned: it is the stale copy a worker that never rendered
    the page serves while it renders it, instead of making every visitor wait."""
    pages = pageshare.shared(current_app)
    found = (
        pages.get(key, _seconds() * pageshare.STALE_FACTOR)
        if pages is not None
        else None
    )
    if found is None:
        return None
    age = max(0.0, time.time() - found.at)
    entry = Entry(time.monotonic() - age, found.status, found.body, found.headers)
    mine = store.get(key)
    if mine is None or mine.at < entry.at:
        _put(store, key, entry)
    return None if _aged(entry) else entry


def _put(
    store: OrderedDict[tuple[Any, ...], Entry], key: tuple[Any, ...], entry: Entry
) -> None:
    store[key] = entry
    while len(store) > MAX_ENTRIES:
        store.popitem(last=False)


def _serve() -> Response | None:
    key = _key()
    g.pagecache_key = key
    if key is None:
        return None
    store = _store(current_app)
    entry = _fresh(store, key)
    if entry is None:
        stale = store.get(key)
        if stale is not None and not _claim(key, wait=False):
            # Past its age but of the same data version, and another thread is
            # rendering its successor: this visitor gets it now rather than waiting.
            entry = stale
        else:
            # Waits while another thread renders this page; only then can a copy
            # have appeared since the look above (Redis is not asked twice).
            waited = _take(key) if stale is None else True
            entry = _fresh(store, key) if waited else None
            if entry is None and stale is not None and not _claim_shared(key):
                # Another process is rendering its successor: the aged copy now.
                entry = stale
            if entry is None:
                return None  # this thread renders it; the locks go at teardown
            _release()
    with contextlib.suppress(KeyError):  # another thread may just have evicted it
        store.move_to_end(key)
    g.pagecache_hit = True
    resp = Response(entry.body, status=entry.status, headers=entry.headers)
    resp.make_conditional(request)
    return resp


def _keep(resp: Response) -> Response:
    key = g.pop("pagecache_key", None)
    if g.pop("pagecache_hit", False) or key is None:
        return resp
    if (
        resp.status_code != 200
        or resp.is_streamed
        or resp.direct_passthrough
        or "Set-Cookie" in resp.headers
        or not _anonymous()  # the view flashed, signed someone in or set the session
    ):
        return resp
    body = resp.get_data()
    resp.set_etag(_etag(body))
    headers = [(k, v) for k, v in resp.headers.items() if k != "Content-Length"]
    _put(
        _store(current_app),
        key,
        Entry(time.monotonic(), resp.status_code, body, headers),
    )
    pages = pageshare.shared(current_app)
    if pages is not None:
        pages.put(
            key,
            pageshare.SharedEntry(time.time(), resp.status_code, body, headers),
            _seconds() * pageshare.STALE_FACTOR,
        )
    resp.make_conditional(request)
    return resp


def install(bp: Blueprint, endpoints: Iterable[str]) -> None:
    """Serve ``endpoints`` of ``bp`` (names without the blueprint) from the cache."""
    names = frozenset(f"{bp.name}.{e}" for e in endpoints)

    def serve() -> Response | None:
        return _serve() if request.endpoint in names else None

    def keep(resp: Response) -> Response:
        return _keep(resp) if request.endpoint in names else resp

    bp.before_request(serve)
    bp.teardown_request(_release)
    # Registered first so it runs last among the blueprint's after_request handlers
    # (Flask runs them in reverse): the Cache-Control header is then already set.
    bp.after_request(keep)
