"""What an official list says, independent of the format it is written in.

The layout follows the offices' habit (Nghị định 30/2020/NĐ-CP on administrative
documents): the issuing body top left, the national motto top right, the title, the
"Kèm theo Tờ trình" line, the table, then the place and date and the signature.
Texts are produced in the request's language; numbers the local way (15.590,5).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _

from .. import clock
from ..domain.enums import ExemplarKind
from ..domain.metrics import METRICS
from ..formatting import day, number
from .queries import NO_FORM_TITLE, ListType, Plan, Row, fetch_rows

if TYPE_CHECKING:
    from .proof import Proof


@dataclass(frozen=True)
class Column:
    label: str
    #: Share of the printable width (the PDF and DOCX scale these to the page).
    width: float


@dataclass
class Header:
    """The editable parts of the document (what an office types before printing)."""

    issuing_body: str = ""
    doc_number: str = ""
    doc_date: date | None = None
    place: str = ""
    list_date: date | None = None
    signer_title: str = ""
    signer_name: str = ""


@dataclass
class Line:
    """One line of the table: a group heading, an entry, a subtotal or the total."""

    kind: str  # "group" | "row" | "subtotal" | "total"
    cells: list[str] = field(default_factory=list)
    text: str = ""
    #: The entry's number (STT) on a "row" line.
    number: int = 0


ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def roman(n: int) -> str:
    out = []
    for value, letters in ROMAN:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


#: Prefixes of unit names that are not part of the place ("Tỉnh ủy Quảng Ninh").
_PLACE_PREFIX = re.compile(
    r"^(tỉnh ủy|thành ủy|đảng ủy|huyện ủy|ủy ban nhân dân|ubnd|"
    r"tỉnh|thành phố|xã|phường|đặc khu|thị trấn|huyện|quận)\s+",
    re.IGNORECASE,
)


def place_of(unit_name: str) -> str:
    """The place name of a unit for the date line: "Tỉnh ủy Quảng Ninh" -> "Quảng Ninh"."""
    name = unit_name.strip()
    for _round in range(2):
        name = _PLACE_PREFIX.sub("", name, count=1)
    return name.strip() or unit_name.strip()


def date_line(place: str, when: date) -> str:
    """ "Quảng Ninh, ngày 05 tháng 02 năm 2026": a zero before days under 10 and the
    months January and February, as the decree on administrative documents asks."""
    dd = f"{when.day:02d}"
    mm = f"{when.month:02d}" if when.month < 3 else str(when.month)
    return _(
        "%(place)s, ngày %(day)s tháng %(month)s năm %(year)s",
        place=place,
        day=dd,
        month=mm,
        year=when.year,
    )


def kind_counts(kinds: Counter) -> str:
    """ "12 mô hình, 3 tập thể, 1 cá nhân" (kinds with no entry left out)."""
    words = {
        ExemplarKind.MODEL: _("mô hình"),
        ExemplarKind.COLLECTIVE: _("tập thể"),
        ExemplarKind.INDIVIDUAL: _("cá nhân"),
    }
    return ", ".join(
        f"{number(kinds[k])} {words[k]}" for k in ExemplarKind if kinds.get(k)
    )


def summary(row: Row) -> str:
    """Achievements composed from the structured metrics; the first output line when
    the entry has none."""
    parts = []
    for m in METRICS:
        value = row.metrics.get(m.key)
        if value is None:
            continue
        shown = number(value, 2 if m.decimal else 0)
        parts.append(f"{_(m.label)}: {shown} {_(m.unit)}")
    if parts:
        return "; ".join(parts) + "."
    first = next(
        (ln.strip(" -•\t") for ln in row.outputs.splitlines() if ln.strip(" -•\t")),
        "",
    )
    return first if len(first) <= 200 else first[:199].rstrip() + "…"


class ListDocument:
    """An official list: its header, title, table lines and signature, in the request's
    language. An issued list's document gives its ``rows`` (as issued, not read again)
    and its ``proof`` (the digest and the page that checks it)."""

    def __init__(
        self,
        plan: Plan,
        header: Header,
        *,
        rows: Sequence[Row] | None = None,
        proof: Proof | None = None,
    ) -> None:
        self.plan = plan
        self.header = header
        self.rows = rows
        self.proof = proof
        #: Told (entries laid out, total) as the table is written (a background job's
        #: progress bar).
        self.progress: Callable[[int, int], None] | None = None
        f = plan.filters
        self.issuing_lines = [
            ln.strip().upper() for ln in header.issuing_body.splitlines() if ln.strip()
        ]
        self.motto = (
            _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            _("Độc lập - Tự do - Hạnh phúc"),
        )
        if f.list_type == ListType.RECOMMENDED:
            self.title = _("DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG")
            self.subtitle = _(
                "Tập thể, cá nhân có mô hình, điển hình tiêu biểu trong %(campaign)s",
                campaign=f.campaign.name,
            )
        else:
            assert f.stage is not None
            if f.outcome in (None, "", "passed"):
                self.title = _("DANH SÁCH MÔ HÌNH, ĐIỂN HÌNH ĐƯỢC CÔNG NHẬN")
                self.subtitle = _(
                    "%(label)s — %(stage)s, %(campaign)s",
                    label=f.stage.pass_label,
                    stage=f.stage.name,
                    campaign=f.campaign.name,
                )
            else:
                from ..domain.tally import Outcome

                self.title = _("DANH SÁCH KẾT QUẢ THẨM ĐỊNH")
                self.subtitle = _(
                    "%(outcome)s — %(stage)s, %(campaign)s",
                    outcome=_(Outcome(f.outcome).label),
                    stage=f.stage.name,
                    campaign=f.campaign.name,
                )
        self.reference = _(
            "(Kèm theo Tờ trình số %(number)s ngày %(date)s)",
            number=header.doc_number or "……",
            date=day(header.doc_date) if header.doc_date else "……/……/………",
        )
        when = header.list_date or clock.today()
        self.place_date = date_line(header.place or "……", when)
        self.signer_lines = [
            ln.strip().upper() for ln in header.signer_title.splitlines() if ln.strip()
        ]
        self.signer_name = header.signer_name.strip()
        self.columns = [
            Column(_("STT"), 3.5),
            Column(_("Tên mô hình, điển hình"), 20),
            Column(_("Tập thể, cá nhân (họ tên, chức vụ)"), 15),
            Column(_("Đơn vị"), 11),
            Column(_("Lĩnh vực"), 8),
            Column(_("Tóm tắt thành tích"), 18),
            Column(_("Điểm"), 4.5),
            Column(_("Hình thức khen thưởng đề nghị"), 10.5),
            Column(_("Ghi chú"), 9.5),
        ]
        self.empty_text = _("Không có hồ sơ nào phù hợp với bộ lọc đã chọn.")
        self.page_label = _("Trang %(page)s/%(pages)s")
        self.score_label = (
            _("Điểm trung bình tại %(stage)s", stage=f.stage.name)
            if f.stage is not None
            else ""
        )

    # --- texts ----------------------------------------------------------------------

    @property
    def total(self) -> int:
        return self.plan.total

    @property
    def kinds_text(self) -> str:
        return kind_counts(self.plan.kinds)

    def group_title(self, index: int) -> str:
        g = self.plan.groups[index]
        title = _(NO_FORM_TITLE) if g.title == NO_FORM_TITLE else g.title
        return f"{roman(index + 1)}. {title}"

    def subtotal_text(self, index: int) -> str:
        g = self.plan.groups[index]
        return _(
            "Cộng %(group)s: %(count)s (%(kinds)s)",
            group=roman(index + 1),
            count=number(g.count),
            kinds=kind_counts(g.kinds),
        )

    def total_text(self) -> str:
        return _(
            "Tổng cộng: %(count)s (%(kinds)s)",
            count=number(self.total),
            kinds=kind_counts(self.plan.kinds),
        )

    def cells(self, row: Row) -> list[str]:
        kind = _(ExemplarKind(row.kind).label)
        person = ", ".join(p for p in (row.lead_name, row.lead_position) if p)
        note = ""
        if row.decision_number:
            note = _(
                "QĐ số %(number)s ngày %(date)s",
                number=row.decision_number,
                date=day(row.decision_date),
            )
        return [
            number(row.number),
            row.name,
            f"{kind}\n{person}" if person else kind,
            row.unit,
            row.field,
            summary(row),
            number(row.score, 1) if row.score is not None else "",
            row.form,
            note,
        ]

    # --- the table, line by line ----------------------------------------------------

    def lines(self, start: int = 0, stop: int | None = None) -> Iterator[Line]:
        """Group headings, entries, subtotals and the total, in order. With a slice
        (the preview's page), the headings of the groups it touches and only the
        subtotals and total that fall inside it."""
        entries = self.plan.entries
        stop = len(entries) if stop is None else min(stop, len(entries))
        current = None
        source = (
            self.rows[start:stop]
            if self.rows is not None
            else fetch_rows(self.plan, start, stop)
        )
        for row in source:
            if row.group != current:
                if current is not None:
                    yield Line("subtotal", text=self.subtotal_text(current))
                current = row.group
                yield Line("group", text=self.group_title(row.group))
            yield Line("row", cells=self.cells(row), number=row.number)
            if self.progress is not None:
                self.progress(row.number, len(entries))
        if current is not None:
            last_of_group = stop >= len(entries) or entries[stop][1] != current
            if last_of_group:
                yield Line("subtotal", text=self.subtotal_text(current))
        if stop >= len(entries) and entries:
            yield Line("total", text=self.total_text())

    # --- the proof of an issued list ------------------------------------------------

    @property
    def proof_lines(self) -> list[str]:
        """What an issued list prints beside its QR code: the short digest, where to
        check it, and the full digest in small print (empty for a list not issued)."""
        if self.proof is None:
            return []
        return [
            _("Mã xác thực: %(short)s", short=self.proof.short),
            _("Kiểm tra danh sách đã ban hành tại: %(url)s", url=self.proof.url),
            _("Mã đầy đủ (SHA-256): %(digest)s", digest=self.proof.digest),
        ]

    @property
    def proof_footer(self) -> str:
        """The short digest for every page's foot."""
        if self.proof is None:
            return ""
        return _("Mã xác thực %(short)s", short=self.proof.short)

    def filename(self, ext: str) -> str:
        f = self.plan.filters
        base = (
            "danh-sach-de-nghi-khen-thuong"
            if f.list_type == ListType.RECOMMENDED
            else f"danh-sach-vong-{f.stage.position + 1 if f.stage else 0}"
        )
        return f"{base}-{f.campaign.year}.{ext}"


def default_place(unit_name: str) -> str:
    return current_app.config.get("LIST_PLACE") or place_of(unit_name)
