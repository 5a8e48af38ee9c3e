"""An index on the certificate in force's expiry date (certification_standing.valid_expires_on,
then person and path), so the HR table filtered by "expiring", "expired" or "certified" starts
from the standings in the date range instead of walking every person

Revision ID: standexp0022
Revises: kpiloop0022
Create Date: 2026-12-05 11:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'standexp0022'
down_revision = 'kpiloop0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_certification_standing_expires', 'certification_standing',
                    ['valid_expires_on', 'person_id', 'path_id'], unique=False)


def downgrade():
    op.drop_index('ix_certification_standing_expires', table_name='certification_standing')
