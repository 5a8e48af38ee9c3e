"""HR reporting: API tokens and report snapshots

Revision ID: reports0007
Revises: certificates0006
Create Date: 2026-11-23 19:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import lms.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'reports0007'
down_revision = 'certificates0006'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
