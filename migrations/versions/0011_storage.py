"""The database file store: stored_files and their chunks (DANKHEO_FILE_STORE=database).

Revision ID: 5e1f0a7c2b90
Revises: 0a1b2c3d4e10
"""

import sqlalchemy as sa
from alembic import op

import dankheo.db

# revision identifiers, used by Alembic.
revision = "5e1f0a7c2b90"
down_revision = "0a1b2c3d4e10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("modified_at", dankheo.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
        sa.UniqueConstraint("area", "key", name=op.f("uq_stored_files_area_key")),
    )
    op.create_table(
        "stored_file_chunks",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_files.id"],
            name=op.f("fk_stored_file_chunks_file_id_stored_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", "seq", name=op.f("pk_stored_file_chunks")),
    )


def downgrade():
    op.drop_table("stored_file_chunks")
    op.drop_table("stored_files")
