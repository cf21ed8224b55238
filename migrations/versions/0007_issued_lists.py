"""Issued lists: official lists registered with the digest of their content.

Revision ID: 5e1f0d1a7c3b
Revises: 4c8d2e6f1a93
"""

import sqlalchemy as sa
from alembic import op

import dankheo.db

# revision identifiers, used by Alembic.
revision = "5e1f0d1a7c3b"
down_revision = "4c8d2e6f1a93"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "issued_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("subtitle", sa.String(length=600), nullable=False),
        sa.Column("issuing_body", sa.String(length=300), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", dankheo.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ended_at", dankheo.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('issued', 'annulled', 'superseded')",
            name=op.f("ck_issued_lists_status"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_issued_lists_campaign_id_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"], name=op.f("fk_issued_lists_ended_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_issued_lists_issued_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["issued_lists.id"],
            name=op.f("fk_issued_lists_superseded_by_id_issued_lists"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_issued_lists_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_lists")),
        sa.UniqueConstraint("digest", name=op.f("uq_issued_lists_digest")),
    )
    with op.batch_alter_table("issued_lists", schema=None) as batch_op:
        batch_op.create_index(
            "ix_issued_lists_campaign", ["campaign_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_issued_lists_unit_id"), ["unit_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("issued_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_lists_unit_id"))
        batch_op.drop_index("ix_issued_lists_campaign")
    op.drop_table("issued_lists")
