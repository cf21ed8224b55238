"""The objection window: from the issue date to that date plus the campaign's days,
both included; the days are clamped to the allowed bounds."""

from __future__ import annotations

from datetime import date

import pytest

from dankheo.domain.objections import (
    MAX_WINDOW_DAYS,
    ObjectionOutcome,
    ObjectionState,
    window,
)

ISSUED = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("days", "today", "open_", "closed"),
    [
        (15, date(2026, 11, 30), False, False),  # before the issue
        (15, ISSUED, True, False),
        (15, date(2026, 12, 16), True, False),  # the last day
        (15, date(2026, 12, 17), False, True),
        (0, date(2026, 12, 2), True, False),  # at least one day
        (1000, date(2027, 3, 1), True, False),  # clamped to the maximum
        (1000, date(2027, 3, 2), False, True),
    ],
)
def test_window(days, today, open_, closed):
    w = window(ISSUED, days)
    assert w.is_open(today) is open_
    assert w.has_closed(today) is closed


def test_the_maximum_is_ninety_days():
    assert (window(ISSUED, 1000).closes - ISSUED).days == MAX_WINDOW_DAYS == 90


def test_every_state_and_outcome_has_a_label():
    assert all(s.label for s in ObjectionState)
    assert all(o.label for o in ObjectionOutcome)
