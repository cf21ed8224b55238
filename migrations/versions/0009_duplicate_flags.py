"""Possible duplicates: the flags the secretariat decides, and the band keys that find
candidates (see dankheo.domain.similarity). Existing entries get their keys from
``flask find-duplicates``.

Revision ID: d0b1e5ca4d00
Revises: 960ad997a185
"""

import sqlalchemy as sa
from alembic import op

import dankheo.db

# revision identifiers, used by Alembic.
revision = "d0b1e5ca4d00"
down_revision = "960ad997a185"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "duplicate_keys",
        sa.Column("exemplar_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exemplar_id"],
            ["exemplars.id"],
            name=op.f("fk_duplicate_keys_exemplar_id_exemplars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("exemplar_id", "band", name=op.f("pk_duplicate_keys")),
    )
    with op.batch_alter_table("duplicate_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_duplicate_keys_key", ["key", "exemplar_id"], unique=False
        )

    op.create_table(
        "duplicate_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name_score", sa.Float(), nullable=False),
        sa.Column("text_score", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("detected_at", dankheo.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", dankheo.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('same_campaign', 'recycled')", name=op.f("ck_duplicate_flags_kind")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'dismissed', 'confirmed')",
            name=op.f("ck_duplicate_flags_status"),
        ),
        sa.CheckConstraint(
            "first_id <> second_id", name=op.f("ck_duplicate_flags_distinct_pair")
        ),
        sa.CheckConstraint(
            "score >= 0 AND score <= 1", name=op.f("ck_duplicate_flags_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["first_id"],
            ["exemplars.id"],
            name=op.f("fk_duplicate_flags_first_id_exemplars"),
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["exemplars.id"],
            name=op.f("fk_duplicate_flags_second_id_exemplars"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_duplicate_flags_decided_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_flags")),
        sa.UniqueConstraint(
            "first_id", "second_id", name=op.f("uq_duplicate_flags_first_id_second_id")
        ),
    )
    with op.batch_alter_table("duplicate_flags", schema=None) as batch_op:
        batch_op.create_index("ix_duplicate_flags_second", ["second_id"], unique=False)
        batch_op.create_index(
            "ix_duplicate_flags_status", ["status", "id"], unique=False
        )


def downgrade():
    op.drop_table("duplicate_flags")
    op.drop_table("duplicate_keys")
