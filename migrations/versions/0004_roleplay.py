"""role-play scenarios, rubrics, submissions, grades, calibration

Revision ID: roleplay0004
Revises: d1af90b9b9b5
Create Date: 2026-11-23 19:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import lms.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'roleplay0004'
down_revision = 'd1af90b9b9b5'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
