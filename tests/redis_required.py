"""Redis for the tests that need one: fails in CI (where Redis must run), skips elsewhere."""

from __future__ import annotations

import os

import pytest
import redis


def redis_or_skip(url: str, timeout: float = 2) -> redis.Redis:
    """A client of ``url`` that answered a ping."""
    client = redis.Redis.from_url(url, socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI ({url})")
        pytest.skip("Redis is not running")
    return client
