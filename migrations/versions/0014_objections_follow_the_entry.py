"""Objections no longer copy the entry's unit: the secretariat's queue is scoped on the
entry's current unit, so a merge of units (which moves entries) can never leave an
objection behind with the old unit.

Revision ID: 0b1ec7f1c013
Revises: 0010gaps5c0r
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0b1ec7f1c013"
down_revision = "0010gaps5c0r"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objections_unit_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_objections_unit_id_units"), type_="foreignkey"
        )
        batch_op.drop_column("unit_id")


def downgrade():
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE objections SET unit_id = "
        "(SELECT unit_id FROM exemplars WHERE exemplars.id = objections.exemplar_id)"
    )
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.alter_column("unit_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_objections_unit_id_units"), "units", ["unit_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_objections_unit_id"), ["unit_id"], unique=False
        )
