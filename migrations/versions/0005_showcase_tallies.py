"""Summary tables of the showcase's public counts, kept by triggers, filled by a recount.

Revision ID: 7a11e5c0c0de
Revises: 14595e5000c1
"""

from alembic import op

from dankheo.tallies import create_tallies, drop_tallies

# revision identifiers, used by Alembic.
revision = "7a11e5c0c0de"
down_revision = "14595e5000c1"
branch_labels = None
depends_on = None


def upgrade():
    # Idempotent: a database created at the previous revision by this code already has
    # them; one upgraded from older code gets them, counted from its entries.
    create_tallies(op.get_bind())


def downgrade():
    drop_tallies(op.get_bind())
