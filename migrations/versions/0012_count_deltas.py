"""Summary counts without contended rows: on PostgreSQL the triggers insert delta rows
(folded into the base rows by a compaction) instead of upserting shared rows, and the
counts are read through the views ``tally_facets`` and ``tally_units``.

The counts are derived data: the upgrade drops the earlier tables and counts afresh
from the entries. A downgrade keeps the new layout (the code of the earlier revision
cannot be imported here to rebuild its triggers); 0005's downgrade removes it.

Revision ID: c0a7d3e1a010
Revises: 5e1f0a7c2b90
"""

from alembic import op

from dankheo.tallies import create_tallies
from dankheo.tallies.ddl import drop_earlier_layout

# revision identifiers, used by Alembic.
revision = "c0a7d3e1a010"
down_revision = "5e1f0a7c2b90"
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    drop_earlier_layout(conn)
    create_tallies(conn)


def downgrade():
    pass
