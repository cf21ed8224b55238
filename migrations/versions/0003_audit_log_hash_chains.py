"""The audit log, and hash chains over it and over the history.

Existing history rows are chained here, in id order (so no separate "seal" step is
needed): the columns are added empty, every row gets its position and hashes, then the
columns become NOT NULL and the position UNIQUE.

Revision ID: b7e41c9a5d02
Revises: 7b1e4c2a9d10
Create Date: 2026-11-29 09:00:00

"""

import sqlalchemy as sa
from alembic import op

import dankheo.db

# revision identifiers, used by Alembic.
revision = "b7e41c9a5d02"
down_revision = "7b1e4c2a9d10"
branch_labels = None
depends_on = None

#: The history as this revision knows it (never the current model: it may change).
_history = sa.table(
    "history",
    sa.column("id", sa.Integer()),
    sa.column("exemplar_id", sa.Integer()),
    sa.column("actor_id", sa.Integer()),
    sa.column("at", dankheo.db.UTCDateTime(timezone=True)),
    sa.column("action", sa.String()),
    sa.column("from_state", sa.String()),
    sa.column("to_state", sa.String()),
    sa.column("stage_id", sa.Integer()),
    sa.column("note", sa.Text()),
    sa.column("chain_seq", sa.Integer()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)
_heads = sa.table(
    "chain_heads",
    sa.column("name", sa.String()),
    sa.column("length", sa.Integer()),
    sa.column("hash", sa.String()),
)


def upgrade():
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", dankheo.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("object_label", sa.String(length=400), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("unit_path", sa.String(length=400), nullable=True),
        sa.Column("exemplar_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_actor", ["actor_id"], unique=False)
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_log_exemplar", ["exemplar_id"], unique=False)
        batch_op.create_index(
            "ix_audit_log_object", ["object_type", "object_id"], unique=False
        )
        batch_op.create_index("ix_audit_log_unit_path", ["unit_path"], unique=False)

    op.create_table(
        "chain_heads",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_chain_heads")),
    )

    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))

    _chain_existing_history()

    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.alter_column("chain_seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column(
            "prev_hash", existing_type=sa.String(length=64), nullable=False
        )
        batch_op.alter_column(
            "hash", existing_type=sa.String(length=64), nullable=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_history_chain_seq"), ["chain_seq"]
        )


def _chain_existing_history():
    """Chain the rows written before this revision, oldest first (see dankheo.audit.chain
    for the hash input)."""
    from dankheo.audit.chain import AUDIT, GENESIS, HISTORY, record_hash

    bind = op.get_bind()
    rows = bind.execute(sa.select(_history).order_by(_history.c.id)).mappings().all()
    prev, updates = GENESIS, []
    for seq, row in enumerate(rows, start=1):
        digest = record_hash(HISTORY, seq, prev, row)
        updates.append(
            {"row_id": row["id"], "seq": seq, "prev": prev, "digest": digest}
        )
        prev = digest
    stmt = (
        sa.update(_history)
        .where(_history.c.id == sa.bindparam("row_id"))
        .values(
            chain_seq=sa.bindparam("seq"),
            prev_hash=sa.bindparam("prev"),
            hash=sa.bindparam("digest"),
        )
    )
    for start in range(0, len(updates), 5000):
        bind.execute(stmt, updates[start : start + 5000])
    bind.execute(
        sa.insert(_heads),
        [
            {"name": HISTORY.name, "length": len(rows), "hash": prev},
            {"name": AUDIT.name, "length": 0, "hash": GENESIS},
        ],
    )


def downgrade():
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_history_chain_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("chain_seq")

    op.drop_table("chain_heads")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_unit_path")
        batch_op.drop_index("ix_audit_log_object")
        batch_op.drop_index("ix_audit_log_exemplar")
        batch_op.drop_index("ix_audit_log_at")
        batch_op.drop_index("ix_audit_log_actor")

    op.drop_table("audit_log")
