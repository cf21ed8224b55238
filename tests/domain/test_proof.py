"""The digest of an issued list's content and the comparison with today's content."""

from __future__ import annotations

import hashlib

import pytest

from dankheo.domain.proof import (
    canonical_bytes,
    compare,
    content_digest,
    decimal_text,
    parse_digest,
    short_digest,
)

DIGEST = "3f9a0c41d2e788b0" + "ab" * 24


def _row(i, **kw):
    row = {
        "n": i,
        "group": 0,
        "id": i,
        "name": f"Mô hình {i}",
        "form": "",
        "score": None,
    }
    row.update(kw)
    return row


def test_canonical_json_sorts_keys_keeps_vietnamese_and_has_no_spaces():
    data = {"b": [1, None], "a": "Đường làng"}
    assert canonical_bytes(data) == '{"a":"Đường làng","b":[1,null]}'.encode()
    assert content_digest(data) == hashlib.sha256(canonical_bytes(data)).hexdigest()
    assert content_digest({"a": "Đường làng", "b": [1, None]}) == content_digest(data)


def test_canonical_json_refuses_nan():
    with pytest.raises(ValueError):
        canonical_bytes({"x": float("nan")})


@pytest.mark.parametrize(
    ("value", "text"),
    [(15590.5, "15590.5"), (597, "597"), (597.0, "597"), (1e3, "1000"), (None, None)],
)
def test_numbers_read_the_same_from_either_database(value, text):
    assert decimal_text(value) == text


def test_non_finite_numbers_are_printed_as_nothing():
    assert decimal_text(float("inf")) is None


def test_short_form_is_sixteen_hex_digits_in_groups():
    assert short_digest(DIGEST) == "3f9a 0c41 d2e7 88b0"


@pytest.mark.parametrize(
    "typed",
    [DIGEST, DIGEST.upper(), f"  {DIGEST}\n", "3F9A 0C41 D2E7 88B0" + "ab" * 24],
)
def test_a_typed_or_pasted_digest_is_cleaned(typed):
    assert parse_digest(typed) == DIGEST


def test_the_printed_short_form_is_a_usable_prefix():
    assert parse_digest("3f9a 0c41-d2e7 88b0") == "3f9a0c41d2e788b0"


@pytest.mark.parametrize(
    "typed", ["", "3f9a", "xyz" * 30, DIGEST + "0", "3f9a0c41d2e788bz", "<script>"]
)
def test_malformed_digests_are_refused(typed):
    assert parse_digest(typed) is None


def test_compare_finds_added_removed_and_changed_entries():
    issued = {"v": 1, "rows": [_row(1), _row(2, form="Giấy khen")]}
    now = {"v": 1, "rows": [_row(2, form="Bằng khen"), _row(3)]}
    diff = compare(issued, now)
    assert [r["id"] for r in diff.added] == [3]
    assert [r["id"] for r in diff.removed] == [1]
    (entry,) = diff.changed
    assert entry.id == 2
    assert [(c.key, c.before, c.after) for c in entry.changes] == [
        ("form", "Giấy khen", "Bằng khen")
    ]
    assert not diff.empty


def test_compare_notices_a_new_order_and_a_renamed_heading():
    issued = {"v": 1, "title": {"campaign": "A"}, "rows": [_row(1), _row(2)]}
    moved = {
        "v": 1,
        "title": {"campaign": "A"},
        "rows": [_row(2, n=1), _row(1, n=2)],
    }
    assert compare(issued, moved).reordered
    renamed = {**issued, "title": {"campaign": "B"}}
    diff = compare(issued, renamed)
    assert diff.heading_changed and not diff.reordered
    assert compare(issued, issued).empty
