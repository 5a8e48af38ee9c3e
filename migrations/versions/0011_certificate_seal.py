"""Certificate design: the organisation's seal image

Revision ID: seal0011
Revises: privacy0010
Create Date: 2026-12-05 03:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'seal0011'
down_revision = 'privacy0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate_design', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('certificate_design', schema=None) as batch_op:
        batch_op.drop_column('seal')
