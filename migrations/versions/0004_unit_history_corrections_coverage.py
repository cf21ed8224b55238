"""Unit history, corrections, registration coverage, imported accounts.

- ``unit_versions``: names and places a unit had before a rename, move or merge;
- ``commendations``: a decision may be corrected or annulled (one in force per exemplar);
- ``history.action``: the secretariat's ``correct`` action;
- ``registration_expectations``: how many exemplars a campaign expects per unit;
- ``users.must_change_password``: imported accounts choose their password at first login.

Revision ID: 14595e5000c1
Revises: b7e41c9a5d02
Create Date: 2026-12-01 09:00:00

"""
import sqlalchemy as sa
from alembic import op

import dankheo.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '14595e5000c1'
down_revision = 'b7e41c9a5d02'
branch_labels = None
depends_on = None


ACTIONS = (
    "submit",
    "withdraw",
    "resubmit",
    "pass_stage",
    "recommend",
    "reject",
    "return_for_supplement",
    "commend",
    "replicate",
)


def _history_actions(actions):
    # The history is append-only and hash-chained: only its CHECK changes here (batch
    # mode copies the rows unchanged on SQLite).
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_history_action'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_history_action'),
            "action IN (" + ", ".join(f"'{a}'" for a in actions) + ")",
        )


def upgrade():
    op.create_table('unit_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('valid_from', dankheo.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_to', dankheo.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['merged_into_id'], ['units.id'], name=op.f('fk_unit_versions_merged_into_id_units')),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_unit_versions_parent_id_units')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_versions_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_versions'))
    )
    with op.batch_alter_table('unit_versions', schema=None) as batch_op:
        batch_op.create_index('ix_unit_versions_unit_to', ['unit_id', 'valid_to'], unique=False)

    op.create_table('registration_expectations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('minimum', sa.Integer(), nullable=False),
    sa.Column('maximum', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IS NULL OR kind IN ('party', 'government', 'front', 'farmers', 'women', 'youth', 'veterans', 'trade_union', 'armed_forces', 'school', 'other')", name=op.f('ck_registration_expectations_kind')),
    sa.CheckConstraint("tier IN ('central', 'province', 'district', 'commune', 'grassroots')", name=op.f('ck_registration_expectations_tier')),
    sa.CheckConstraint('maximum IS NULL OR maximum >= minimum', name=op.f('ck_registration_expectations_maximum')),
    sa.CheckConstraint('minimum >= 0', name=op.f('ck_registration_expectations_minimum')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_registration_expectations_campaign_id_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_expectations')),
    sa.UniqueConstraint('campaign_id', 'tier', 'kind', name=op.f('uq_registration_expectations_campaign_id_tier_kind'))
    )
    with op.batch_alter_table('registration_expectations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_expectations_campaign_id'), ['campaign_id'], unique=False)

    with op.batch_alter_table('commendations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrected_at', dankheo.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('correction_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('annulled_at', dankheo.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('annul_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('annulled_by_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_commendations_exemplar_id'), type_='unique')
        batch_op.create_index('uq_commendations_one_in_force', ['exemplar_id'], unique=True, sqlite_where=sa.text('annulled_at IS NULL'), postgresql_where=sa.text('annulled_at IS NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_commendations_annulled_by_id_users'), 'users', ['annulled_by_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('must_change_password', server_default=None)
    _history_actions(ACTIONS + ("correct",))



def downgrade():
    _history_actions(ACTIONS)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('commendations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_commendations_annulled_by_id_users'), type_='foreignkey')
        batch_op.drop_index('uq_commendations_one_in_force', sqlite_where=sa.text('annulled_at IS NULL'), postgresql_where=sa.text('annulled_at IS NULL'))
        batch_op.create_unique_constraint(batch_op.f('uq_commendations_exemplar_id'), ['exemplar_id'])
        batch_op.drop_column('annulled_by_id')
        batch_op.drop_column('annul_reason')
        batch_op.drop_column('annulled_at')
        batch_op.drop_column('correction_reason')
        batch_op.drop_column('corrected_at')

    with op.batch_alter_table('registration_expectations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_expectations_campaign_id'))

    op.drop_table('registration_expectations')
    with op.batch_alter_table('unit_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_versions_unit_to')

    op.drop_table('unit_versions')
