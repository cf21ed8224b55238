"""Corrected stage results: a pass the secretariat undid keeps its row (what the round
decided) with the date and the history record of the correction.

Revision ID: 0010gaps5c0r
Revises: c0a7d3e1a010
"""

import sqlalchemy as sa
from alembic import op

import dankheo.db

# revision identifiers, used by Alembic.
revision = "0010gaps5c0r"
down_revision = "c0a7d3e1a010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stage_results", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("corrected_at", dankheo.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("correction_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_stage_results_correction_id_history"),
            "history",
            ["correction_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("stage_results", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_stage_results_correction_id_history"), type_="foreignkey"
        )
        batch_op.drop_column("correction_id")
        batch_op.drop_column("corrected_at")
