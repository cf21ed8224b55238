"""Bounded work: a per-client budget on the public pages that cost the most.

The showcase's CSV and XLSX exports and the statistics downloads each read a whole
listing or campaign; one client asking for them in a loop would keep a worker busy for
everyone. They share one budget per client address (``RATELIMIT_EXPORT``, e.g.
"20 per minute;200 per day"), counted in the limiter's storage (Redis when several
processes serve). A client over it gets the 429 page saying when to try again.

The limit is attached here, to the endpoints by name, so the showcase views carry no
limiter code; an endpoint renamed without updating :data:`HEAVY_ENDPOINTS` fails at
start-up, not silently.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter.util import get_remote_address

from .extensions import limiter

#: The public endpoints that stream whole listings or tables.
HEAVY_ENDPOINTS = (
    "showcase.export_csv",
    "showcase.export_xlsx",
    "showcase.stats_csv",
    "showcase.stats_xlsx",
)


def _export_limit() -> str:
    return current_app.config["RATELIMIT_EXPORT"]


def _client() -> str:
    # request.remote_addr: the client's address once ProxyFix has read the trusted
    # proxies' X-Forwarded-For.
    return get_remote_address()


def init_app(app: Flask) -> None:
    """Put :data:`HEAVY_ENDPOINTS` under one shared per-client limit."""
    shared = limiter.shared_limit(_export_limit, scope="exports", key_func=_client)
    for endpoint in HEAVY_ENDPOINTS:
        view = app.view_functions[endpoint]
        # The wrapper is sync or async as the view is; a decorator typed Callable[P, R]
        # given that union (RouteCallable) cannot say so.
        app.view_functions[endpoint] = shared(view)  # type: ignore[assignment]
