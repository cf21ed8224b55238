"""The XLSX template a unit fills in: the header, dropdowns of the allowed values and a
short guide."""

from __future__ import annotations

from sqlalchemy import or_, select

from ...domain import N_
from ...domain.enums import ExemplarKind
from ...errors import translate
from ...extensions import db
from ...import_templates import Allowed, template_xlsx
from ...units.models import Unit
from .checking import ImportContext
from .columns import BY_KEY, COLUMNS, limit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


GUIDE = (
    N_("Mỗi dòng một mô hình, điển hình; giữ nguyên dòng tiêu đề (tên các cột)."),
    N_("Bắt buộc: Mã đơn vị, Loại, Lĩnh vực, Tên mô hình, điển hình."),
    N_("Ngày ghi ngày/tháng/năm (25/10/2026); số ghi kiểu Việt Nam (15.590,5)."),
    N_("Tệp được kiểm tra toàn bộ trước; có lỗi thì không dòng nào được lưu."),
)
#: Values written in the file (the reader accepts these Vietnamese words).
NEW, CONTINUING = "Mới", "Tiếp nối"


def template_rows(ctx: ImportContext) -> dict[str, list[str]]:
    """The allowed values of the dropdowns, one list per column."""
    units = db.session.execute(
        select(Unit.code)
        .where(Unit.path.startswith(ctx.campaign.unit.path), Unit.active.is_(True))
        .where(
            *(
                []
                if ctx.scopes is None
                else [or_(*[Unit.path.startswith(s) for s in ctx.scopes])]
            )
        )
        .order_by(Unit.path)
        .limit(limit("BULK_MAX_ROWS"))
    ).scalars()
    return {
        "unit_code": list(units),
        "kind": [k.label for k in ExemplarKind],
        "field": ctx.field_names,
        "is_continuing": [NEW, CONTINUING],
    }


def write_template(ctx: ImportContext) -> bytes:
    """The XLSX template: a title row, the Vietnamese header, dropdowns for unit code,
    kind, field and new/continuing, and a sheet of the allowed values."""
    allowed = template_rows(ctx)
    keys = list(BY_KEY)
    return template_xlsx(
        sheet=translate(N_("Đăng ký")),
        title=translate(
            N_("Đăng ký mô hình, điển hình “Dân vận khéo” — %(campaign)s"),
            campaign=ctx.campaign.name,
        ),
        columns=[(c.header, c.width) for c in COLUMNS],
        allowed=[
            Allowed(BY_KEY[key].header, values, keys.index(key) + 1)
            for key, values in allowed.items()
        ],
        guide=[translate(line) for line in GUIDE],
        max_rows=limit("BULK_MAX_ROWS"),
    )
