"""Creating the checked accounts: a generated first password each (hashed before the
writing transaction starts: a hash costs a good part of a second), the users and
their roles inserted in one transaction the caller commits, one audit record per
account naming the import, and the password file for the importer.

Passwords exist in plain text only in memory and in the password file; they are never
logged."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from ..audit import record_event
from ..auth.models import RoleAssignment, User, new_session_token
from ..auth.operations import hash_password
from ..db import table_of, transaction_intent, utcnow
from ..domain import N_
from ..domain.enums import Role
from ..errors import translate
from ..extensions import db
from ..spreadsheets import Sheet, Styled, xlsx_bytes
from .checking import (
    AccountContext,
    Checked,
    Progress,
    check,
    database_duplicates,
    no_progress,
)

log = logging.getLogger(__name__)

#: Letters and digits nobody misreads on paper (no 0/O/o, 1/l/I, 5/S, 2/Z).
ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRTUVWXY346789"
GROUPS, GROUP_LENGTH = 3, 4


def generate_password() -> str:
    """A strong first password that reads well aloud: three groups of four
    (about 68 bits from :mod:`secrets`), e.g. ``k7Qm-x3Fa-9tRe``."""
    return "-".join(
        "".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH))
        for _ in range(GROUPS)
    )


def hash_all(checked: Checked, progress: Progress = no_progress) -> list[str]:
    """A password for every account, hashed onto it; returns the plain passwords in
    the accounts' order."""
    passwords = []
    total = len(checked.accounts)
    progress("hash", 0, total)
    for done, account in enumerate(checked.accounts, start=1):
        password = generate_password()
        account["password_hash"] = hash_password(password)
        passwords.append(password)
        progress("hash", done, total)
    return passwords


def write(ctx: AccountContext, checked: Checked, *, cause: str) -> int:
    """Insert the hashed accounts and their roles; never commits. The database is
    looked at again first, inside this transaction: another import may have landed
    since the check. ``cause`` (the file and the job) goes into each audit record."""
    assert checked.ok
    database_duplicates(checked)
    if not checked.ok:
        return 0
    now = utcnow()
    users = [
        {
            "username": a["username"],
            "email": a.get("email"),
            "name": a["name"],
            "position": a.get("position"),
            "password_hash": a["password_hash"],
            "unit_id": a["unit"].id,
            "active": True,
            "session_token": new_session_token(),
            "created_at": now,
            "must_change_password": True,
            "language": "vi",
        }
        for a in checked.accounts
    ]
    db.session.execute(insert(table_of(User)), users)
    names = [a["username"] for a in checked.accounts]
    ids: dict[str, int] = {}
    for start in range(0, len(names), 500):
        found = db.session.execute(
            select(User.username, User.id).where(
                User.username.in_(names[start : start + 500])
            )
        )
        ids.update({r.username: r.id for r in found})
    db.session.execute(
        insert(table_of(RoleAssignment)),
        [
            {
                "user_id": ids[a["username"]],
                "role": a["role"].value,
                "unit_id": a["unit"].id,
            }
            for a in checked.accounts
        ],
    )
    session = db.session()
    for a in checked.accounts:
        unit = a["unit"]
        changes: dict[str, list[Any]] = {
            "username": [None, a["username"]],
            "name": [None, a["name"]],
            "unit": [None, unit.code],
            "role": [None, a["role"].value],
            "cause": [None, cause],
        }
        if a.get("email"):
            changes["email"] = [None, a["email"]]
        record_event(
            session,
            "imported",
            "user",
            ids[a["username"]],
            f"{a['name']} ({a['username']})",
            unit_id=unit.id,
            changes=changes,
        )
    checked.written = len(users)
    log.info(
        "imported %d accounts by user %s (%s)",
        len(users),
        ctx.actor.id if ctx.actor else None,
        cause,
    )
    return len(users)


def import_accounts(
    ctx: AccountContext,
    path: Path,
    fmt: str,
    progress: Progress = no_progress,
    *,
    cause: str,
) -> tuple[Checked, list[str]]:
    """Check the file, hash a password for each account outside any transaction, then
    write them all (the caller commits, or rolls back when the outcome has errors).
    Returns the outcome and the plain passwords, in the accounts' order."""
    with transaction_intent(write=False):
        try:
            checked = check(ctx, path, fmt, progress)
        finally:
            db.session.rollback()  # nothing was written: this ends the read
    if not checked.ok:
        return checked, []
    passwords = hash_all(checked, progress)
    progress("write", 0, len(passwords))
    # The write step alone holds SQLite's write lock.
    with transaction_intent(write=True):
        write(ctx, checked, cause=cause)
    progress("write", checked.written, len(passwords))
    return checked, passwords if checked.ok else []


def password_file(checked: Checked, passwords: Iterable[str]) -> bytes:
    """The XLSX the importer hands out: one row per account with its first password."""
    header = [
        translate(N_("Dòng")),
        translate(N_("Mã đơn vị")),
        translate(N_("Họ và tên")),
        translate(N_("Tên đăng nhập")),
        translate(N_("Mật khẩu ban đầu")),
        translate(N_("Vai trò")),
    ]
    rows = [
        [
            a["row"],
            a["unit"].code,
            a["name"],
            a["username"],
            password,
            translate(Role(a["role"]).label),
        ]
        for a, password in zip(checked.accounts, passwords, strict=True)
    ]
    note = translate(
        N_(
            "Mỗi người đăng nhập bằng mật khẩu ban đầu và phải đổi mật khẩu ngay. Giữ tệp này kín; hủy sau khi đã trao."
        )
    )
    return xlsx_bytes(
        [
            Sheet(
                translate(N_("Mật khẩu ban đầu")),
                [*rows, [], [Styled(note, bold=False)]],
                header=header,
                widths=(8, 16, 28, 20, 20, 24),
            )
        ]
    )
