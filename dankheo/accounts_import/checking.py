"""Checking an accounts file: who imports (and so which units and roles they may
give), one row's validation, and the whole file's check with the duplicates in the
file and in the database, user names and e-mail addresses compared case-folded."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from ..auth.models import User
from ..auth.scopes import secretariat_scopes
from ..domain import N_
from ..domain.enums import Role, UnitTier
from ..domain.text import fold
from ..errors import NotAllowed
from ..extensions import db
from ..jobs.records import MAX_ERRORS
from ..registry.bulk.reading import (
    CellError,
    FileRefused,
    RowError,
    clean_cell,
    find_header,
    open_rows,
)
from ..units.models import Unit
from .columns import BY_KEY, COLUMNS, HEADERS, NEEDED, NO_HEADER, ROLE_WORDS, limit

USERNAME = re.compile(r"^[a-z0-9._-]{3,80}$")
#: Rows shown in the preview of a good file.
SAMPLE_ROWS = 50

Progress = Callable[[str, int, int], None]


def no_progress(_step: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    path: str
    tier: str


class AccountContext:
    """Who imports: the actor (None for the command line, which may do anything), the
    unit subtrees they run as the secretariat and those where they administer."""

    def __init__(self, actor: User | None) -> None:
        self.actor = actor
        self.scopes = None if actor is None else secretariat_scopes(actor)
        self.admin_scopes = None if actor is None else actor.scope_paths(Role.ADMIN)
        self._units: dict[str, UnitInfo | CellError] = {}

    def within(self, path: str, scopes: list[str] | None) -> bool:
        return scopes is None or any(path.startswith(s) for s in scopes)

    def unit(self, code: str) -> UnitInfo:
        cached = self._units.get(code.casefold())
        if cached is None:
            cached = self._units[code.casefold()] = self._resolve(code)
        if isinstance(cached, CellError):
            raise cached
        return cached

    def _resolve(self, code: str) -> UnitInfo | CellError:
        row = db.session.execute(
            select(Unit.id, Unit.code, Unit.path, Unit.tier, Unit.active).where(
                func.lower(Unit.code) == code.casefold()
            )
        ).first()
        if row is None:
            return CellError(N_("Không có đơn vị mã “%(value)s”."), value=code)
        if not self.within(row.path, self.scopes):
            return CellError(
                N_("Đơn vị “%(value)s” nằm ngoài phạm vi của bạn."), value=code
            )
        if not row.active:
            return CellError(N_("Đơn vị “%(value)s” đã ngừng hoạt động."), value=code)
        return UnitInfo(row.id, row.code, row.path, row.tier)


def context_for(actor: User | None) -> AccountContext:
    """Refuse an actor who runs no unit as the secretariat or administrator."""
    ctx = AccountContext(actor)
    if ctx.scopes is not None and not ctx.scopes:
        raise NotAllowed(N_("Bạn không có quyền tạo tài khoản."))
    return ctx


# ----------------------------------------------------------------------- validation


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _role(ctx: AccountContext, text: str, unit: UnitInfo | None) -> Role:
    role = ROLE_WORDS.get(fold(text))
    if role is None:
        raise CellError(N_("Vai trò không hợp lệ: “%(value)s”."), value=text)
    admin = ctx.admin_scopes
    if (
        role == Role.ADMIN
        and admin is not None
        and (not admin or (unit is not None and not ctx.within(unit.path, admin)))
    ):
        raise CellError(N_("Bạn không có quyền giao vai trò quản trị hệ thống."))
    if (
        role == Role.COUNCIL_MEMBER
        and unit is not None
        and unit.tier == UnitTier.GRASSROOTS
    ):
        raise CellError(
            N_(
                "Hội đồng thẩm định không lập ở cấp cơ sở: thành viên hội đồng cần mã đơn vị cấp xã trở lên."
            )
        )
    return role


def validate_row(
    ctx: AccountContext, number: int, cells: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[RowError]]:
    """One row -> the account to create, or its errors (one per faulty cell)."""
    errors: list[RowError] = []
    data: dict[str, Any] = {}
    texts = {c.key: _text(cells.get(c.key, "")) for c in COLUMNS}
    for column in COLUMNS:
        text = texts[column.key]
        try:
            if column.required and not text:
                raise CellError(N_("Chưa nhập."))
            if len(text) > column.max_length:
                raise CellError(
                    N_("Dài quá %(max)s ký tự (có %(length)s)."),
                    max=column.max_length,
                    length=len(text),
                )
            if column.key == "unit_code":
                data["unit"] = ctx.unit(text)
            elif column.key == "role":
                data["role"] = _role(ctx, text, data.get("unit"))
            elif column.key == "username":
                username = text.casefold()
                if not USERNAME.match(username):
                    raise CellError(
                        N_(
                            "Tên đăng nhập “%(value)s” không hợp lệ: từ 3 ký tự, chỉ gồm chữ không dấu, số, dấu chấm, gạch."
                        ),
                        value=text,
                    )
                data["username"] = username
            elif column.key == "email" and text:
                try:
                    checked = validate_email(text, check_deliverability=False)
                except EmailNotValidError as exc:
                    raise CellError(
                        N_("Email không hợp lệ: “%(value)s”."), value=text
                    ) from exc
                data["email"] = checked.normalized.casefold()
            else:
                data[column.key] = text or None
        except CellError as exc:
            errors.append(RowError(number, column.header, exc.message, exc.values))
    return (None, errors) if errors else (data, [])


# ------------------------------------------------------------------------- check


@dataclass
class Checked:
    """What a check found: the accounts to create (a file holds at most a few
    thousand), the first errors and their count, and a sample for the preview."""

    accounts: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    #: Rows refused only because the database already holds their user name or
    #: e-mail (looked for once every row is good).
    db_duplicates: int = 0
    written: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add(self, errors: list[RowError]) -> None:
        self.error_count += len(errors)
        room = MAX_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def sample(self) -> list[dict[str, Any]]:
        return [
            {
                "row": a["row"],
                "unit_code": a["unit"].code,
                "role": a["role"].label,
                "name": a["name"],
                "username": a["username"],
                "email": a.get("email") or "",
            }
            for a in self.accounts[:SAMPLE_ROWS]
        ]


def _in_file(
    seen: dict[str, dict[str, int]], number: int, data: dict[str, Any]
) -> list[RowError]:
    errors = []
    for key, message in (
        ("username", N_("Tên đăng nhập trùng với dòng %(other)s của tệp.")),
        ("email", N_("Email trùng với dòng %(other)s của tệp.")),
    ):
        value = data.get(key)
        if value:
            first = seen[key].setdefault(value, number)
            if first != number:
                errors.append(
                    RowError(number, BY_KEY[key].header, message, {"other": first})
                )
    return errors


def check(
    ctx: AccountContext, path: Path, fmt: str, progress: Progress = no_progress
) -> Checked:
    """Validate every row of the file and look for duplicates in it and in the
    database. Nothing is written."""
    checked = Checked()
    seen: dict[str, dict[str, int]] = {"username": {}, "email": {}}
    max_rows = limit("ACCOUNTS_MAX_ROWS")
    try:
        rows, declared = open_rows(path, fmt, HEADERS)
        header_row, mapping = find_header(rows, HEADERS, NEEDED, NO_HEADER)
        total = max((declared or 0) - header_row, 0)
        progress("check", 0, total)
        for number, values in rows:
            cells = {
                column.key: clean_cell(values[index])
                for index, column in mapping.items()
                if index < len(values)
            }
            if not any(v != "" for v in cells.values()):
                continue  # empty rows (often trailing ones) are not data
            checked.rows += 1
            if checked.rows > max_rows:
                raise FileRefused(
                    N_("Tệp có hơn %(max)s tài khoản; hãy chia thành nhiều tệp."),
                    max=max_rows,
                )
            data, errors = validate_row(ctx, number, cells)
            if data is not None:
                errors = _in_file(seen, number, data)
            if errors:
                checked.add(errors)
            else:
                assert data is not None
                checked.accounts.append({"row": number, **data})
            if checked.rows % 200 == 0:
                progress("check", checked.rows, max(total, checked.rows))
        progress("check", checked.rows, checked.rows)
    except FileRefused as exc:
        checked.add([exc.error])
        return checked
    if checked.rows == 0:
        checked.add([RowError(0, "", N_("Tệp không có dòng dữ liệu nào."))])
    elif checked.ok:
        database_duplicates(checked)
    return checked


def database_duplicates(checked: Checked) -> None:
    """Refuse the rows whose user name or e-mail an account already has."""
    errors = []
    for key, column, message in (
        ("username", User.username, N_("Tên đăng nhập “%(value)s” đã được dùng.")),
        ("email", User.email, N_("Email “%(value)s” đã được dùng.")),
    ):
        rows = {a[key]: a["row"] for a in checked.accounts if a.get(key)}
        values = sorted(rows)
        for start in range(0, len(values), 500):
            taken = db.session.scalars(
                select(func.lower(column)).where(
                    func.lower(column).in_(values[start : start + 500])
                )
            )
            for value in taken:
                errors.append(
                    RowError(rows[value], BY_KEY[key].header, message, {"value": value})
                )
    checked.db_duplicates = len({e.row for e in errors})
    checked.add(sorted(errors, key=lambda e: e.row))
