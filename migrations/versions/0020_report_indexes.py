"""Report indexes: on person: by team (with active and tier, so per-team totals and the heat
map's head-counts read the index alone, in team order) and by manager (a reporting line is a
recursive walk down manager_id, one index seek per step instead of a scan of everyone); on
certification_standing and competency_level by updated_at (the last change of any standing or
level, read by the dashboard and the heat map to know whether the aggregates they counted
are still right: reports.services.totals)

Revision ID: reports16_0015
Revises: assess190015
Create Date: 2026-12-05 06:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'reports16_0015'
down_revision = 'assess190015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_team', ['team_id', 'active', 'tier_id'], unique=False)
        batch_op.create_index('ix_person_manager', ['manager_id'], unique=False)
    with op.batch_alter_table('certification_standing', schema=None) as batch_op:
        batch_op.create_index('ix_certification_standing_updated_at', ['updated_at'],
                              unique=False)
    with op.batch_alter_table('competency_level', schema=None) as batch_op:
        batch_op.create_index('ix_competency_level_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('competency_level', schema=None) as batch_op:
        batch_op.drop_index('ix_competency_level_updated_at')
    with op.batch_alter_table('certification_standing', schema=None) as batch_op:
        batch_op.drop_index('ix_certification_standing_updated_at')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_manager')
        batch_op.drop_index('ix_person_team')
