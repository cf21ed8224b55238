"""The counts cache of the showcase: counts computed once per change of the data.

Counting a million public rows takes a second or two; the counts change only when an
entry changes state (every change appends a history row), is created, is edited, or is
commended. The cache key holds the newest ids of those tables (primary-key lookups),
so a cached count is never stale, and it is still computed afresh per filter
combination the first time. The cache lives in the process (each worker has its own)
and keeps only plain values (ids and counts), never ORM objects.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select

from ..appraisal.models import Commendation
from ..extensions import db
from ..registry.models import Exemplar, History

T = TypeVar("T")

_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_CACHE_SIZE = 512


def clear_counts_cache() -> None:
    """Forget every cached count (after tables were emptied or dropped, when ids start
    again and an old key could match different data)."""
    _CACHE.clear()


def data_version() -> tuple[Any, ...]:
    """Changes whenever anything the public counts depend on changes."""
    # Four index lookups: cheap enough to ask every time. ``updated_at`` catches edits
    # that write no history (a returned entry being supplemented).
    newest = db.session.execute(
        select(
            select(func.max(History.id)).scalar_subquery(),
            select(func.max(Exemplar.id)).scalar_subquery(),
            select(func.max(Exemplar.updated_at)).scalar_subquery(),
            select(func.max(Commendation.id)).scalar_subquery(),
        )
    ).one()
    return (str(db.engine.url), *newest)


def cached(kind: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` memoised per (kind, key, data version). ``key`` says what was
    counted (the filters, without the order, which never changes a count)."""
    full_key = (kind, key, data_version())
    if full_key in _CACHE:
        _CACHE.move_to_end(full_key)
        return _CACHE[full_key]  # type: ignore[no-any-return]
    value = compute()
    _CACHE[full_key] = value
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return value
