"""The accounts file's layout: its columns, the words its headers may use, the roles
it may name, and the limits (each overridable in the app config)."""

from __future__ import annotations

from flask import current_app

from ..domain import N_
from ..domain.enums import Role
from ..domain.text import fold
from ..registry.bulk.columns import Column, header_key

#: Defaults, each overridable in the app config under the same name.
LIMITS = {
    # Each account costs one password hash (about 0.3 s): 2000 is some 10 minutes.
    "ACCOUNTS_MAX_ROWS": 2000,
    # Files with more data rows than this are checked by a job (writing always is).
    "ACCOUNTS_INLINE_ROWS": 500,
    # The password file waits this long for its one download.
    "ACCOUNTS_PASSWORDS_HOURS": 24,
}


def limit(name: str) -> int:
    return int(current_app.config.get(name, LIMITS[name]))


COLUMNS: tuple[Column, ...] = (
    Column("unit_code", N_("Mã đơn vị"), "unit", 40, True, 16),
    Column("role", N_("Vai trò"), "role", 40, True, 24),
    Column(
        "name",
        N_("Họ và tên"),
        max_length=200,
        required=True,
        width=28,
        aliases=("Họ tên", "Tên"),
    ),
    Column(
        "username",
        N_("Tên đăng nhập"),
        max_length=80,
        required=True,
        width=20,
        aliases=("Tài khoản",),
    ),
    Column("email", N_("Email"), max_length=200, width=28, aliases=("Thư điện tử",)),
    Column("position", N_("Chức vụ"), max_length=200, width=24),
)
BY_KEY = {c.key: c for c in COLUMNS}
NEEDED = frozenset({"unit_code", "role", "name", "username"})
NO_HEADER = N_(
    "Không tìm thấy dòng tiêu đề trong %(rows)s dòng đầu: cần các cột “Mã đơn vị”, “Vai trò”, “Họ và tên”, “Tên đăng nhập”, như trong tệp mẫu."
)

HEADERS: dict[str, Column] = {}
for _c in COLUMNS:
    for _h in (_c.header, *_c.aliases):
        HEADERS.setdefault(header_key(_h), _c)

#: A role as the file may name it: its Vietnamese label (the dropdown's words), its
#: code, or a short form.
ROLE_WORDS: dict[str, Role] = {}
for _role in Role:
    ROLE_WORDS[fold(_role.label)] = _role
    ROLE_WORDS[fold(_role.value)] = _role
ROLE_WORDS.update(
    {
        "can bo": Role.UNIT_OFFICER,
        "hoi dong": Role.COUNCIL_MEMBER,
        "thuong truc": Role.SECRETARIAT,
        "quan tri": Role.ADMIN,
    }
)
