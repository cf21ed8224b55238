"""One word per idea: a stage's ``ballot`` is its ``ballot_mode``; a cast vote is a vote.

Renames ``stages.ballot`` -> ``ballot_mode``, ``rounds.ballot_writes`` ->
``vote_writes`` and ``round_attendance.ballots`` -> ``votes``, with their CHECK
constraints. Batch mode rebuilds the tables on SQLite; PostgreSQL renames in place.

Revision ID: 7b1e4c2a9d10
Revises: d3adfe903fa0
Create Date: 2026-11-30 09:00:00

"""
import sqlalchemy as sa
from alembic import op

import dankheo.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '7b1e4c2a9d10'
down_revision = 'd3adfe903fa0'
branch_labels = None
depends_on = None


def _rename(old, new, *, stage_check, round_check):
    with op.batch_alter_table('stages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_stages_{old[0]}'), type_='check')
        batch_op.alter_column(
            old[0], new_column_name=new[0],
            existing_type=sa.String(length=10), existing_nullable=False,
        )
        batch_op.create_check_constraint(op.f(f'ck_stages_{new[0]}'), stage_check)
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_rounds_{old[1]}'), type_='check')
        batch_op.alter_column(
            old[1], new_column_name=new[1],
            existing_type=sa.Integer(), existing_nullable=False,
        )
        batch_op.create_check_constraint(op.f(f'ck_rounds_{new[1]}'), round_check)
    with op.batch_alter_table('round_attendance', schema=None) as batch_op:
        batch_op.alter_column(
            old[2], new_column_name=new[2],
            existing_type=sa.Integer(), existing_nullable=False,
        )


def upgrade():
    _rename(
        ('ballot', 'ballot_writes', 'ballots'),
        ('ballot_mode', 'vote_writes', 'votes'),
        stage_check="ballot_mode IN ('open', 'secret')",
        round_check='vote_writes >= 0',
    )


def downgrade():
    _rename(
        ('ballot_mode', 'vote_writes', 'votes'),
        ('ballot', 'ballot_writes', 'ballots'),
        stage_check="ballot IN ('open', 'secret')",
        round_check='ballot_writes >= 0',
    )
