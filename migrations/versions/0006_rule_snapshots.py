"""Rule snapshots: the rule and rubric each closed round was decided under.

Rounds closed before this revision get a snapshot rebuilt from their stage's current
rule and rubric and their members' current units, marked ``backfilled`` (the record
says so: the stage may have changed since the close).

Revision ID: 4c8d2e6f1a93
Revises: 7a11e5c0c0de
Create Date: 2026-12-02 09:00:00

"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import dankheo.db

# revision identifiers, used by Alembic.
revision = "4c8d2e6f1a93"
down_revision = "7a11e5c0c0de"
branch_labels = None
depends_on = None

#: The rule as this revision knows it (never the current model: it may change).
RULE_FIELDS = (
    "ballot_mode",
    "base",
    "threshold_num",
    "threshold_den",
    "threshold_strict",
    "quorum_percent",
    "min_average_score",
    "quota",
    "tie_rule",
    "recuse_ancestors",
)

_snapshots = sa.table(
    "rule_snapshots",
    sa.column("round_id", sa.Integer()),
    sa.column("rule", sa.JSON()),
    sa.column("rubric", sa.JSON()),
    sa.column("recusal", sa.JSON()),
    sa.column("rubric_digest", sa.String()),
    sa.column("backfilled", sa.Boolean()),
    sa.column("recorded_at", dankheo.db.UTCDateTime(timezone=True)),
)


def upgrade():
    op.create_table(
        "rule_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("rubric", sa.JSON(), nullable=False),
        sa.Column("recusal", sa.JSON(), nullable=False),
        sa.Column("rubric_digest", sa.String(length=64), nullable=False),
        sa.Column("backfilled", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", dankheo.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_rule_snapshots_round_id_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_snapshots")),
        sa.UniqueConstraint("round_id", name=op.f("uq_rule_snapshots_round_id")),
    )
    _backfill()


def _rubric(lines):
    canonical = json.dumps(lines, sort_keys=True, separators=(",", ":"))
    return {
        "criteria": lines,
        "max_total": sum(c["max_points"] for c in lines),
        "digest": hashlib.sha256(canonical.encode()).hexdigest(),
    }


def _backfill():
    """One snapshot per closed round, from the stage as it is now."""
    bind = op.get_bind()
    rounds = bind.execute(
        sa.text(
            "SELECT r.id, r.number, r.council_id, c.stage_id, u.path"
            " FROM rounds r JOIN councils c ON c.id = r.council_id"
            " JOIN units u ON u.id = c.unit_id"
            " WHERE r.closed_at IS NOT NULL ORDER BY r.id"
        )
    ).all()
    if not rounds:
        return
    columns = ", ".join(RULE_FIELDS)
    stages = {
        row[0]: dict(zip(RULE_FIELDS, row[1:], strict=True))
        for row in bind.execute(sa.text(f"SELECT id, {columns} FROM stages"))
    }
    for rule in stages.values():
        rule["threshold_strict"] = bool(rule["threshold_strict"])
        rule["recuse_ancestors"] = bool(rule["recuse_ancestors"])
    criteria = {}
    for stage_id, cid, name, points in bind.execute(
        sa.text(
            "SELECT stage_id, id, name, max_points FROM criteria"
            " ORDER BY stage_id, position, id"
        )
    ):
        criteria.setdefault(stage_id, []).append(
            {"id": cid, "name": name, "max_points": points}
        )
    members = {}
    for round_id, member_id, path in bind.execute(
        sa.text(
            "SELECT a.round_id, a.member_id, u.path FROM round_attendance a"
            " JOIN council_members m ON m.id = a.member_id"
            " JOIN users us ON us.id = m.user_id"
            " LEFT JOIN units u ON u.id = us.unit_id"
        )
    ):
        members.setdefault(round_id, {})[str(member_id)] = path
    passed = {}
    for round_id, n in bind.execute(
        sa.text(
            "SELECT round_id, COUNT(*) FROM stage_results"
            " WHERE outcome = 'passed' GROUP BY round_id"
        )
    ):
        passed[round_id] = n
    now = datetime.now(UTC)
    seats = {}
    rows = []
    for round_id, _number, council_id, stage_id, council_path in sorted(
        rounds, key=lambda r: (r[2], r[1])
    ):
        rubric = _rubric(criteria.get(stage_id, []))
        rows.append(
            {
                "round_id": round_id,
                "rule": {**stages[stage_id], "seats_before": seats.get(council_id, 0)},
                "rubric": rubric,
                "recusal": {
                    "council_unit_path": council_path,
                    "member_units": members.get(round_id, {}),
                },
                "rubric_digest": rubric["digest"],
                "backfilled": True,
                "recorded_at": now,
            }
        )
        seats[council_id] = seats.get(council_id, 0) + passed.get(round_id, 0)
    for start in range(0, len(rows), 1000):
        bind.execute(sa.insert(_snapshots), rows[start : start + 1000])


def downgrade():
    op.drop_table("rule_snapshots")
