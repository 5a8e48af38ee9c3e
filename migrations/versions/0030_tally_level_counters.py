"""Level counters for the heat map: active people per team, tier, competency and level
(level_tally), kept by triggers on competency_level and person; on PostgreSQL the triggers
append to level_tally_change, which readers fold in. Backfilled by a recount.

Revision ID: tally0022
Revises: standexp0022
Create Date: 2026-12-05 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'tally0022'
down_revision = 'standexp0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'level_tally',
        sa.Column('team_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('tier_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('competency_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('team_id', 'tier_id', 'competency_id', 'level',
                                name=op.f('pk_level_tally')))
    op.create_table(
        'level_tally_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('tier_id', sa.Integer(), nullable=False),
        sa.Column('competency_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('delta', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_level_tally_change')))
    # The triggers and the recount are the application's own (one definition of each).
    from reports.services.level_tally import install_triggers, rebuild

    connection = op.get_bind()
    install_triggers(connection)
    rebuild(connection)


def downgrade():
    from reports.services.level_tally import drop_triggers

    drop_triggers(op.get_bind())
    op.drop_table('level_tally_change')
    op.drop_table('level_tally')
