"""certification rules, awards, certificates, badges

Revision ID: certificates0006
Revises: review3600005
Create Date: 2026-11-23 19:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import lms.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'certificates0006'
down_revision = 'review3600005'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
