"""360 external raters confirmed by HR, shared mail domains per cycle, confidential outbox
e-mails (one-time links)

Revision ID: privacy0010
Revises: keyalg0009
Create Date: 2026-12-05 02:00:00

"""
from alembic import op
import sqlalchemy as sa

import lms.core.database


# revision identifiers, used by Alembic.
revision = 'privacy0010'
down_revision = 'keyalg0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review360_rater', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', lms.core.database.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_review360_rater_confirmed_by_id_person'),
                                    'person', ['confirmed_by_id'], ['id'])
    with op.batch_alter_table('review360_cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_domains', sa.Text(), server_default='',
                                      nullable=False))
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidential', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_column('confidential')
    with op.batch_alter_table('review360_cycle', schema=None) as batch_op:
        batch_op.drop_column('shared_domains')
    with op.batch_alter_table('review360_rater', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_review360_rater_confirmed_by_id_person'),
                                 type_='foreignkey')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirmed_by_id')
