"""Command-line interface: ``flask --app app <command>``."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .accounts_import.cli import import_accounts_command
from .audit.cli import verify_history_command
from .backup import backup_command, restore_command
from .domain.enums import Role, UnitKind, UnitTier
from .duplicates.cli import find_duplicates_command
from .extensions import db
from .files.cli import copy_files_to_database
from .jobs.cli import jobs_group
from .registry.bulk_cli import import_exemplars, import_units
from .repair import repair_data
from .storage_check import check_storage_command
from .verification.cli import replay_command


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_if_empty)
    app.cli.add_command(optimize_db)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(check_storage_command)
    app.cli.add_command(copy_files_to_database)
    app.cli.add_command(repair_data)
    app.cli.add_command(jobs_group)
    app.cli.add_command(import_exemplars)
    app.cli.add_command(import_units)
    app.cli.add_command(import_accounts_command)
    app.cli.add_command(verify_history_command)
    app.cli.add_command(check_config)
    app.cli.add_command(replay_command)
    app.cli.add_command(find_duplicates_command)


@click.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--name", prompt="Họ và tên")
@click.option("--email", default=None)
@click.password_option()
def create_admin(username: str, name: str, email: str | None, password: str) -> None:
    """Create an administrator over the root unit (created if the tree is empty)."""
    from .auth.operations import MIN_PASSWORD_LENGTH, create_user
    from .errors import DomainError
    from .units.models import Unit
    from .units.operations import create_unit

    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"ít nhất {MIN_PASSWORD_LENGTH} ký tự", param_hint="password"
        )
    root = db.session.scalar(
        select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id)
    )
    if root is None:
        root = create_unit(
            code="TW", name="Trung ương", tier=UnitTier.CENTRAL, kind=UnitKind.PARTY
        )
    try:
        user = create_user(
            username=username,
            name=name,
            email=email,
            password=password,
            unit=root,
            roles=[(Role.ADMIN, root), (Role.SECRETARIAT, root)],
        )
    except DomainError as exc:
        raise click.ClickException(f"Không tạo được tài khoản: {exc.message}") from exc
    db.session.commit()
    click.echo(f"Đã tạo quản trị viên {user.username} ({root.name}).")


@click.command("seed-demo")
@click.option(
    "--seed",
    default=2026,
    show_default=True,
    help="Random seed (same seed, same data).",
)
@click.option(
    "--preset",
    type=click.Choice(["province", "quang-ninh"]),
    default="province",
    show_default=True,
)
@click.option("--reset", is_flag=True, help="Empty the database first.")
def seed_demo(seed: int, preset: str, reset: bool) -> None:
    """Build a realistic demo province (deterministic for a given seed)."""
    from .demo import run_preset

    if reset:
        from .schema import create_schema, drop_extra

        drop_extra(db.engine)
        db.drop_all()
        create_schema(db.engine)
    elif _has_units():
        raise click.ClickException(
            "Cơ sở dữ liệu đã có dữ liệu; dùng --reset để xóa và tạo lại dữ liệu mẫu."
        )
    with _row_logs_quiet():
        report = run_preset(preset, seed=seed, echo=click.echo)
    db.session.commit()
    optimize_database()
    for line in report:
        click.echo(line)


@contextmanager
def _row_logs_quiet() -> Iterator[None]:
    """Demo data goes through the real operations, which log one line per row: a few
    thousand INFO lines would bury the printed report. Unless DANKHEO_LOG_LEVEL asks
    for them, keep only warnings while the demo is built."""
    logger = logging.getLogger("dankheo")
    saved = logger.level
    if not os.environ.get("DANKHEO_LOG_LEVEL"):
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(saved)


@click.command("seed-if-empty")
@click.option("--seed", default=2026, show_default=True)
def seed_if_empty(seed: int) -> None:
    """Load the demo province only when the database holds no units (used by make run)."""
    if _has_units():
        click.echo("Cơ sở dữ liệu đã có dữ liệu, bỏ qua dữ liệu mẫu.")
        return
    from .demo import run_preset

    with _row_logs_quiet():
        report = run_preset("province", seed=seed, echo=click.echo)
    db.session.commit()
    optimize_database()
    for line in report:
        click.echo(line)


def _has_units() -> bool:
    from .units.models import Unit

    return bool(db.session.scalar(select(func.count(Unit.id))))


def optimize_database(*, full: bool = False) -> None:
    """Refresh the planner's statistics (after bulk loads, and from cron on big sites).

    Quick (after seeding): ``PRAGMA optimize`` analysing what may need it on SQLite,
    ``ANALYZE`` on PostgreSQL. ``full`` (the command): ``ANALYZE`` then ``PRAGMA
    optimize`` on SQLite; ``VACUUM ANALYZE`` on PostgreSQL (dead rows reclaimed and the
    visibility map kept current, so index-only scans stay index-only), outside any
    transaction as VACUUM requires."""
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as conn:
            if full:
                conn.exec_driver_sql("ANALYZE")
                conn.exec_driver_sql("PRAGMA optimize")
            else:
                conn.exec_driver_sql("PRAGMA optimize=0x10002")
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if full else "ANALYZE")


@click.command("optimize-db")
def optimize_db() -> None:
    """Refresh query-planner statistics (run after imports, or nightly): VACUUM
    ANALYZE on PostgreSQL, ANALYZE and PRAGMA optimize on SQLite."""
    optimize_database(full=True)
    click.echo("Đã cập nhật thống kê cho bộ tối ưu truy vấn.")


@click.command("check-config")
@with_appcontext
def check_config() -> None:
    """Say what a production deployment still lacks; exit 1 while anything does."""
    from .config import production_gaps

    gaps = production_gaps(current_app.config)
    missing = [gap for gap in gaps if gap.required]
    for gap in gaps:
        label = "THIẾU" if gap.required else "LƯU Ý"
        click.echo(f"{label} {gap.setting} {gap.message}")
    if missing:
        click.echo(
            f"Còn thiếu {len(missing)} mục cho môi trường vận hành "
            "(README, mục “Running in production”)."
        )
        raise SystemExit(1)
    click.echo("Cấu hình đủ cho môi trường vận hành.")
