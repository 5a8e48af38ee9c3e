"""Names in both languages: a translations column on team, and the organisation's own name
(one row, with its translations) that the header, e-mails and badges show

Revision ID: content180022
Revises: mystery0022
Create Date: 2026-12-05 09:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'content180022'
down_revision = 'mystery0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=False,
                                      server_default='{}'))
    op.create_table(
        'organisation_name',
        sa.Column('translations', sa.JSON(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_name')),
    )


def downgrade():
    op.drop_table('organisation_name')
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_column('translations')
