"""Proof of an issued list: the digest of its content, and what changed since.

An official list that the secretariat issues (ban hành) is recorded with a SHA-256
digest of its *content*, not of a file: the rows as printed (ids, names, units, kinds,
fields, achievements, scores, proposed forms, decisions, group and order) and the
header (issuing body, Tờ trình number and date, place, date, signature), so the
XLSX, DOCX, PDF and print of one issued list carry one digest::

    digest = SHA-256( UTF-8( canonical JSON of the content ) )

Canonical JSON as in the audit chains: keys sorted, no spaces (separators ``,`` and
``:``), non-ASCII kept as UTF-8, no NaN. The content holds only strings, integers,
``null``, lists and objects (dates as ``YYYY-MM-DD``, numbers that may be fractional as
plain decimal strings), so SQLite and PostgreSQL give the same bytes. ``v`` names the
layout: a later change of what a list prints is a new version, and old digests keep
verifying against the layout they were made with.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from . import N_

#: The layout of the content hashed (see the module docstring).
CONTENT_VERSION = 1

#: Hex digits of the short form printed big on the documents.
SHORT_LENGTH = 16

#: The least a reader may type to find a list by the start of its digest.
MIN_PREFIX = SHORT_LENGTH

_HEX = re.compile(r"[0-9a-f]+")
#: What people put between groups of hex digits when they copy or type a digest.
_SEPARATORS = re.compile(r"[\s\-_.:·]+")


class IssueStatus(StrEnum):
    """Where an issued list stands."""

    ISSUED = "issued"
    ANNULLED = "annulled"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


_STATUS_LABELS = {
    IssueStatus.ISSUED: N_("Đang có hiệu lực"),
    IssueStatus.ANNULLED: N_("Đã bị hủy bỏ"),
    IssueStatus.SUPERSEDED: N_("Đã được thay thế"),
}


def canonical_bytes(content: Mapping[str, Any]) -> bytes:
    """The exact bytes hashed for a content."""
    return json.dumps(
        content,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def content_digest(content: Mapping[str, Any]) -> str:
    """The SHA-256 of the content's canonical JSON, as 64 lowercase hex digits."""
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def decimal_text(value: Any) -> str | None:
    """A number as a plain decimal string with no trailing zeros (15590.50 ->
    "15590.5", 597.0 -> "597"), the same from a float, an int or a Decimal."""
    if value is None:
        return None
    d = Decimal(str(value)).normalize()
    if not d.is_finite():
        return None  # a corrupt row prints nothing either
    return format(d, "f")


def short_digest(digest: str) -> str:
    """The first 16 hex digits in groups of four: "3f9a 0c41 d2e7 88b0"."""
    head = digest[:SHORT_LENGTH]
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4))


def parse_digest(text: str) -> str | None:
    """A digest (or the start of one, at least 16 hex digits) as typed or pasted:
    spaces, hyphens and case ignored. None when it is not hex of a usable length."""
    cleaned = _SEPARATORS.sub("", (text or "").strip().lower())
    if not _HEX.fullmatch(cleaned):
        return None
    if not MIN_PREFIX <= len(cleaned) <= 64:
        return None
    return cleaned


# --- what changed --------------------------------------------------------------------

#: The printed columns compared entry by entry, and their names for people.
COMPARED: tuple[tuple[str, str], ...] = (
    ("name", N_("Tên")),
    ("kind", N_("Loại")),
    ("unit", N_("Đơn vị")),
    ("field", N_("Lĩnh vực")),
    ("lead_name", N_("Tập thể, cá nhân")),
    ("achievements", N_("Tóm tắt thành tích")),
    ("score", N_("Điểm")),
    ("form", N_("Hình thức khen thưởng")),
    ("decision_number", N_("Số quyết định")),
    ("decision_date", N_("Ngày quyết định")),
)


@dataclass
class FieldChange:
    key: str
    label: str
    before: Any
    after: Any


@dataclass
class EntryChange:
    """One entry present in both versions whose printed values differ."""

    id: int
    name: str
    changes: list[FieldChange]


@dataclass
class Difference:
    """How the list computed now differs from the one issued."""

    added: list[Mapping[str, Any]] = field(default_factory=list)
    removed: list[Mapping[str, Any]] = field(default_factory=list)
    changed: list[EntryChange] = field(default_factory=list)
    #: The header, title or groups differ (a campaign or a stage renamed).
    heading_changed: bool = False
    #: Same entries with the same values, in another order or grouping.
    reordered: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed
            or self.heading_changed
            or self.reordered
        )


def compare(issued: Mapping[str, Any], current: Mapping[str, Any]) -> Difference:
    """Entries added, removed and changed between the issued content and the content
    computed now (keyed by entry id), and whether the heading or the order moved."""
    diff = Difference()
    before = {r["id"]: r for r in issued.get("rows", [])}
    after = {r["id"]: r for r in current.get("rows", [])}
    diff.added = [r for i, r in after.items() if i not in before]
    diff.removed = [r for i, r in before.items() if i not in after]
    for i, old in before.items():
        new = after.get(i)
        if new is None:
            continue
        changes = [
            FieldChange(key, label, old.get(key), new.get(key))
            for key, label in COMPARED
            if old.get(key) != new.get(key)
        ]
        if changes:
            diff.changed.append(EntryChange(i, old.get("name", ""), changes))
    heading = ("v", "title", "header", "groups")
    diff.heading_changed = any(issued.get(k) != current.get(k) for k in heading)
    if not (diff.added or diff.removed or diff.changed):
        order = [(r["id"], r.get("group"), r.get("n")) for r in _rows(issued)]
        now = [(r["id"], r.get("group"), r.get("n")) for r in _rows(current)]
        diff.reordered = order != now
    return diff


def _rows(content: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    rows: Sequence[Mapping[str, Any]] = content.get("rows", [])
    return rows
