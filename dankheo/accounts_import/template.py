"""The XLSX template the secretariat fills in: the header, dropdowns of the roles
(their Vietnamese names) and of the unit codes in the importer's scope, and a guide."""

from __future__ import annotations

from sqlalchemy import or_, select

from ..domain import N_
from ..domain.enums import Role
from ..errors import translate
from ..extensions import db
from ..import_templates import Allowed, template_xlsx
from ..units.models import Unit
from .checking import AccountContext
from .columns import BY_KEY, COLUMNS, limit

GUIDE = (
    N_("Mỗi dòng một tài khoản; giữ nguyên dòng tiêu đề (tên các cột)."),
    N_("Bắt buộc: Mã đơn vị, Vai trò, Họ và tên, Tên đăng nhập."),
    N_(
        "Tên đăng nhập từ 3 ký tự, chỉ gồm chữ không dấu, số, dấu chấm, gạch; không trùng nhau, không phân biệt chữ hoa, chữ thường."
    ),
    N_("Thành viên hội đồng gắn với đơn vị lập hội đồng thẩm định (cấp xã trở lên)."),
    N_("Tệp được kiểm tra toàn bộ trước; có lỗi thì không tài khoản nào được tạo."),
    N_(
        "Mật khẩu ban đầu do hệ thống tạo, tải về một lần; mỗi người phải đổi mật khẩu khi đăng nhập lần đầu."
    ),
)


def _roles(ctx: AccountContext) -> list[Role]:
    """The roles the importer may give (administrator only by an administrator)."""
    return [
        r
        for r in Role
        if r != Role.ADMIN or ctx.admin_scopes is None or ctx.admin_scopes
    ]


def write_template(ctx: AccountContext) -> bytes:
    """The template: dropdowns for the unit code and the role; the allowed-values
    sheet also lists each unit's name."""
    query = select(Unit.code, Unit.name).where(Unit.active.is_(True))
    if ctx.scopes is not None:
        query = query.where(or_(*[Unit.path.startswith(s) for s in ctx.scopes]))
    units = db.session.execute(
        query.order_by(Unit.path).limit(limit("ACCOUNTS_MAX_ROWS") * 10)
    ).all()
    keys = list(BY_KEY)
    return template_xlsx(
        sheet=translate(N_("Tài khoản")),
        title=translate(N_("Danh sách tài khoản cần tạo")),
        columns=[(c.header, c.width) for c in COLUMNS],
        allowed=[
            Allowed(
                BY_KEY["role"].header,
                [r.label for r in _roles(ctx)],  # the words the reader knows
                keys.index("role") + 1,
            ),
            Allowed(
                BY_KEY["unit_code"].header,
                [u.code for u in units],
                keys.index("unit_code") + 1,
            ),
            Allowed(translate(N_("Tên đơn vị")), [u.name for u in units]),
        ],
        guide=[translate(line) for line in GUIDE],
        max_rows=limit("ACCOUNTS_MAX_ROWS"),
    )
