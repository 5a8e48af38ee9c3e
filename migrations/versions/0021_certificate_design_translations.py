"""Certificate texts in every language: a translations column on certificate_design (the
organisation and the signatory's title; names stay as written) and on recertification_slot
(its label)

Revision ID: demo180015
Revises: reports16_0015
Create Date: 2026-12-05 06:40:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'demo180015'
down_revision = 'reports16_0015'
branch_labels = None
depends_on = None


TABLES = ('certificate_design', 'recertification_slot')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=False,
                                          server_default='{}'))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('translations')
