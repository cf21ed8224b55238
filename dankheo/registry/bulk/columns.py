"""The import file's layout: its columns, the words its headers may use, and the
size limits (each overridable in the app config)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app

from ...domain import N_
from ...domain.metrics import METRICS
from ...domain.text import fold

#: Defaults, each overridable in the app config under the same name.
LIMITS = {
    "BULK_MAX_ROWS": 200_000,
    "BULK_MAX_COLUMNS": 200,
    "BULK_MAX_UNZIPPED_MB": 512,
    # Files with more data rows than this are checked and written by a job.
    "BULK_INLINE_ROWS": 2000,
}
HEADER_SCAN_ROWS = 30
BATCH = 1000
#: A cell longer than this is cut before validation (the column's own limit is lower).
CELL_HARD_LIMIT = 20_000
SAMPLE_ROWS = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def limit(name: str) -> int:
    return int(current_app.config.get(name, LIMITS[name]))


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str = "text"  # text, unit, kind, field, continuing, date, int, decimal
    max_length: int = 20000
    required: bool = False
    width: int = 30
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("unit_code", N_("Mã đơn vị"), "unit", 60, True, 16),
    Column("kind", N_("Loại"), "kind", required=True, width=20),
    Column("field", N_("Lĩnh vực"), "field", required=True, width=34),
    Column(
        "name",
        N_("Tên mô hình, điển hình"),
        max_length=300,
        required=True,
        width=44,
        aliases=("Tên mô hình", "Tên điển hình", "Tên"),
    ),
    Column(
        "is_continuing",
        N_("Mới / tiếp nối"),
        "continuing",
        width=14,
        aliases=("Mới hay tiếp nối", "Mới/tiếp nối"),
    ),
    Column("situation", N_("Thực trạng, lý do xây dựng"), aliases=("Thực trạng",)),
    Column("goals", N_("Mục tiêu, tiêu chí"), aliases=("Mục tiêu",)),
    Column("content", N_("Nội dung, cách thức thực hiện"), aliases=("Nội dung",)),
    Column("area", N_("Địa bàn, đối tượng")),
    Column("forces", N_("Lực lượng thực hiện"), aliases=("Lực lượng",)),
    Column("resources", N_("Nguồn lực")),
    Column("start_date", N_("Ngày bắt đầu"), "date", width=14),
    Column("evaluation_date", N_("Ngày đánh giá"), "date", width=14),
    Column("schedule", N_("Tiến độ thực hiện"), aliases=("Tiến độ",)),
    Column("outputs", N_("Sản phẩm, kết quả đầu ra"), aliases=("Kết quả", "Sản phẩm")),
    Column(
        "sustainability",
        N_("Khả năng duy trì, nhân rộng"),
        aliases=("Khả năng nhân rộng",),
    ),
    Column("tags", N_("Từ khóa"), max_length=500),
    Column("address", N_("Địa chỉ"), max_length=300, aliases=("Địa chỉ cụ thể",)),
    Column(
        "lead_name",
        N_("Người phụ trách"),
        max_length=200,
        width=24,
        aliases=("Người chủ trì",),
    ),
    Column("lead_position", N_("Chức vụ"), max_length=200, width=20),
    Column("contact_name", N_("Người liên hệ"), max_length=200, width=24),
    Column("contact_phone", N_("Điện thoại"), max_length=40, width=16),
    Column("contact_email", N_("Email"), max_length=200, width=26),
    *(
        Column(
            m.key,
            f"{m.label} ({m.unit})",
            "decimal" if m.decimal else "int",
            width=18,
            aliases=(m.label,),
        )
        for m in METRICS
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}
TEXT_KEYS = tuple(c.key for c in COLUMNS if c.type == "text")

_NUMBERING = re.compile(r"^\s*\d{1,2}\s*[.)]\s*")


def header_key(text: str) -> str:
    return fold(_NUMBERING.sub("", text)).replace("–", "-").strip(" :*")


HEADERS: dict[str, Column] = {}
for _c in COLUMNS:
    for _h in (_c.header, *_c.aliases):
        HEADERS.setdefault(header_key(_h), _c)
HEADERS.setdefault("email lien he", BY_KEY["contact_email"])
HEADERS.setdefault("dien thoai lien he", BY_KEY["contact_phone"])
