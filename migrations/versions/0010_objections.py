"""Objections (phản ánh, kiến nghị) to an entry of an issued recommended list, and each
campaign's objection window (days, 15 unless the secretariat sets another).

Revision ID: 0a1b2c3d4e10
Revises: d0b1e5ca4d00
"""

import sqlalchemy as sa
from alembic import op

import dankheo.db

# revision identifiers, used by Alembic.
revision = "0a1b2c3d4e10"
down_revision = "d0b1e5ca4d00"
branch_labels = None
depends_on = None


#: Notification messages and kinds before this revision (a new objection is told to
#: the secretariat: one more of each).
MESSAGES = (
    "returned",
    "passed",
    "recommended",
    "rejected",
    "round_opened",
    "round_closing",
    "registration_deadline",
    "supplement_deadline",
    "commended",
    "digest",
)
KINDS = ("returned", "decided", "round", "deadline", "commended")


#: The triggers on ``campaigns`` at this revision (0005's count trigger), frozen here.
#: On SQLite the batch alter copies ``campaigns`` into a new table and drops the old
#: one with its triggers; both directions make them again after it.
SQLITE_CAMPAIGN_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS tally_campaigns_au AFTER UPDATE ON campaigns "
    "BEGIN UPDATE tally_version SET n = n + 1; END",
)


def _restore_campaign_triggers():
    if op.get_context().dialect.name == "sqlite":
        for sql in SQLITE_CAMPAIGN_TRIGGERS:
            op.execute(sql)


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _notification_checks(messages, kinds):
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_message"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_notifications_message"), _in("message", messages)
        )
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_notification_preferences_kind"), type_="check"
        )
        batch_op.create_check_constraint(
            op.f("ck_notification_preferences_kind"), _in("kind", kinds)
        )


def upgrade():
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("issued_list_id", sa.Integer(), nullable=False),
        sa.Column("exemplar_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=220), nullable=True),
        sa.Column("file_stored_name", sa.String(length=60), nullable=True),
        sa.Column("file_content_type", sa.String(length=120), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("lodged_at", dankheo.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "token_expires_at", dankheo.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("received_at", dankheo.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review", sa.Text(), nullable=False),
        sa.Column("reviewed_at", dankheo.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("decided_at", dankheo.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(state = 'decided') = (outcome IS NOT NULL)",
            name=op.f("ck_objections_decided_outcome"),
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('dismissed', 'corrected', 'withdrawn')",
            name=op.f("ck_objections_outcome"),
        ),
        sa.CheckConstraint(
            "state IN ('unverified', 'received', 'reviewing', 'decided')",
            name=op.f("ck_objections_state"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_objections_campaign_id_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_objections_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["exemplar_id"],
            ["exemplars.id"],
            name=op.f("fk_objections_exemplar_id_exemplars"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_list_id"],
            ["issued_lists.id"],
            name=op.f("fk_objections_issued_list_id_issued_lists"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_objections_reviewed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_objections_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_objections_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_objections_token_hash")),
    )
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_objections_campaign_state", ["campaign_id", "state"], unique=False
        )
        batch_op.create_index(
            "ix_objections_exemplar", ["exemplar_id", "state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_objections_issued_list_id"), ["issued_list_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_objections_unit_id"), ["unit_id"], unique=False
        )

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "objection_days", sa.Integer(), server_default="15", nullable=False
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_campaigns_objection_days"),
            "objection_days >= 1 AND objection_days <= 90",
        )
    _restore_campaign_triggers()
    _notification_checks(MESSAGES + ("objection",), KINDS + ("objection",))


def downgrade():
    _notification_checks(MESSAGES, KINDS)
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaigns_objection_days"), type_="check")
        batch_op.drop_column("objection_days")
    _restore_campaign_triggers()
    op.drop_table("objections")
