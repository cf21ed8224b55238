"""``flask --app app recount``: rebuild the showcase's summary tables from scratch."""

from __future__ import annotations

import click
from flask import Blueprint

from .. import tallies
from ..extensions import db


def register_commands(bp: Blueprint) -> None:
    bp.cli.add_command(recount_command)


@click.command("recount")
def recount_command() -> None:
    """Recount every public count from the entries (after a bulk load that wrote
    around the triggers, or to check them: the numbers are the same otherwise)."""
    with db.engine.begin() as conn:
        tallies.recount(conn)
    click.echo("recounted")
