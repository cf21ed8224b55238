"""``flask import-accounts FILE --passwords PATH``: the command-line twin of the page.
A bad file exits non-zero, prints every error with its Excel row number and creates
nothing; a good one creates every account and writes the password file (mode 0600)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..actors import acting_as
from ..errors import DomainError
from ..extensions import db
from ..registry.bulk.reading import detect_format
from ..registry.bulk_cli import ProgressBars, cli_user, echo_errors
from .checking import context_for
from .writing import import_accounts, password_file


def _write_private(path: Path, data: bytes) -> None:
    """Create ``path`` readable by its owner only; an existing file is not replaced."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)  # whatever the umask


@click.command("import-accounts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--passwords",
    "passwords_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tệp .xlsx sẽ ghi mật khẩu ban đầu (chưa tồn tại; chỉ chủ sở hữu đọc được).",
)
@click.option(
    "--as",
    "username",
    default=None,
    help="Nhập với quyền của tài khoản này (mặc định: toàn hệ thống).",
)
@with_appcontext
def import_accounts_command(
    file: Path, passwords_path: Path, username: str | None
) -> None:
    """Create accounts from an XLSX or CSV file: every row, or none."""
    if passwords_path.exists():
        raise click.ClickException(f"Tệp {passwords_path} đã có; hãy chọn tên khác.")
    try:
        fmt = detect_format(file.name)
        ctx = context_for(cli_user(username))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    bars = ProgressBars()
    try:
        checked, passwords = import_accounts(
            ctx, file, fmt, bars, cause=f"{file.name} (flask import-accounts)"
        )
    finally:
        bars.close()
    if not checked.ok:
        db.session.rollback()
        echo_errors(checked.errors, checked.error_count)
        click.echo(
            f"Chưa nhập: tệp có {checked.error_count} lỗi; không tài khoản nào được tạo.",
            err=True,
        )
        raise SystemExit(1)
    try:
        _write_private(passwords_path, password_file(checked, passwords))
    except OSError as exc:
        db.session.rollback()
        raise click.ClickException(
            f"Không ghi được tệp mật khẩu ({exc.strerror}); không tài khoản nào được tạo."
        ) from exc
    try:
        with acting_as(ctx.actor):
            db.session.commit()
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(passwords_path)
        raise
    click.echo(
        f"Đã tạo {checked.written} tài khoản; mật khẩu ban đầu ở {passwords_path}."
    )
