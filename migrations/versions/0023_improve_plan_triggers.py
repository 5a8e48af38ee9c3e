"""Improvement plans opened by exams, role-plays and 360s: practice and follow-up items, closed
in time, and the loop's settings

Revision ID: improve0022
Revises: me0022
Create Date: 2026-12-05 09:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'improve0022'
down_revision = 'me0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('improvement_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_in_time', sa.Boolean(), nullable=True))

    op.create_table('improvement_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reference_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=True),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['improvement_plan.id'], name=op.f('fk_improvement_item_plan_id_improvement_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_item'))
    )
    with op.batch_alter_table('improvement_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_item_plan_id'), ['plan_id'], unique=False)

    op.create_table('improvement_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('weak_level', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('plan_days', sa.Integer(), nullable=False),
    sa.Column('checkin_days', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_settings'))
    )


def downgrade():
    op.drop_table('improvement_settings')
    with op.batch_alter_table('improvement_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_item_plan_id'))
    op.drop_table('improvement_item')
    with op.batch_alter_table('improvement_plan', schema=None) as batch_op:
        batch_op.drop_column('closed_in_time')
