"""360 questionnaires, cycles, nominations, responses

Revision ID: review3600005
Revises: roleplay0004
Create Date: 2026-11-23 19:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import lms.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'review3600005'
down_revision = 'roleplay0004'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
