"""Login attempt limits: guessing is slowed down, and nobody is locked out by someone
else's failures.

Only failed logins count, in three counters kept in the limiter's storage (memory, or
Redis shared by every worker process):

1. per address and account (``RATELIMIT_LOGIN``): one person's typos, or one machine
   guessing one account's password;
2. per account, from any address (``RATELIMIT_LOGIN_ACCOUNT``, slower): the same
   password guessed from many addresses;
3. per address, over every account (``RATELIMIT_LOGIN_IP``, generous): one machine
   trying a few common passwords on many accounts (spraying).

Before the password is checked, an attempt is refused (429, with the time to wait) when

- counter 1 or 2 is used up: the account is under attack, from here or from anywhere;
- counter 3 is used up *and* this address has already failed on this account within
  counter 1's window.

So an address over its ceiling — an office, a school or a mobile network where many
people share one public address — still gets a correct password of an account it has
not failed on answered: a colleague logs in while someone nearby sprays. The sprayer,
for its part, gets at most one more guess per account per window of counter 1, and
counter 2 bounds the guesses on any one account whatever the addresses.

The address is ``request.remote_addr``: the client's, once ProxyFix has read the
trusted proxies' ``X-Forwarded-For`` (``DANKHEO_TRUSTED_PROXIES``). The account is the
name typed, folded to lower case, whether or not such an account exists, so the answer
never tells which names are real.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse_many

from ..extensions import limiter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Wait:
    """A refused attempt: how long until the exhausted counter resets."""

    seconds: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def account_key(login: str | None) -> str:
    return (login or "").strip().lower()[:200]


def _items(setting: str) -> list[RateLimitItem]:
    return list(parse_many(current_app.config[setting]))


def _ids(kind: str, *parts: str) -> tuple[str, ...]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return (prefix, "login", kind, *parts)


def _counters(address: str, account: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {
        "pair": ("RATELIMIT_LOGIN", _ids("pair", address, account)),
        "account": ("RATELIMIT_LOGIN_ACCOUNT", _ids("account", account)),
        "address": ("RATELIMIT_LOGIN_IP", _ids("address", address)),
    }


def _exhausted(setting: str, ids: tuple[str, ...]) -> float | None:
    """The latest reset time among the used-up limits of ``setting``, else None."""
    resets = []
    for item in _items(setting):
        if not limiter.limiter.test(item, *ids):
            resets.append(limiter.limiter.get_window_stats(item, *ids).reset_time)
    return max(resets) if resets else None


def _has_failed(setting: str, ids: tuple[str, ...]) -> bool:
    return any(
        limiter.limiter.get_window_stats(item, *ids).remaining < item.amount
        for item in _items(setting)
    )


def refusal(address: str, account: str) -> Wait | None:
    """Why this attempt must wait, before any password is checked (None: go ahead)."""
    if not limiter.enabled:
        return None
    counters = _counters(address, account)
    resets = [
        reset
        for name in ("pair", "account")
        if (reset := _exhausted(*counters[name])) is not None
    ]
    address_reset = _exhausted(*counters["address"])
    if address_reset is not None and _has_failed(*counters["pair"]):
        resets.append(address_reset)
    if not resets:
        return None
    wait = Wait(max(1, math.ceil(max(resets) - time.time())))
    log.info("login attempt refused for %s s", wait.seconds)
    return wait


def record_failure(address: str, account: str) -> None:
    """Count a failed attempt in all three counters."""
    if not limiter.enabled:
        return
    for setting, ids in _counters(address, account).values():
        for item in _items(setting):
            limiter.limiter.hit(item, *ids)
