"""Assessments that measure what they claim: the competency level each rubric level evidences

Revision ID: assess190015
Revises: packjobs0012
Create Date: 2026-12-05 06:00:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'assess190015'
down_revision = 'packjobs0012'
branch_labels = None
depends_on = None


def _spread(position, count):
    # assessments.roleplay.services.passmarks.default_competency_level, frozen here.
    if count <= 1:
        return 5
    return int(1 + position * 4 / (count - 1) + 0.5)


def upgrade():
    with op.batch_alter_table('roleplay_criterion_level', schema=None) as batch_op:
        batch_op.add_column(sa.Column('competency_level', sa.Integer(), nullable=True))
    levels = sa.table('roleplay_criterion_level', sa.column('id', sa.Integer),
                      sa.column('criterion_id', sa.Integer), sa.column('position', sa.Integer),
                      sa.column('competency_level', sa.Integer))
    connection = op.get_bind()
    rows = connection.execute(sa.select(levels.c.id, levels.c.criterion_id)
                              .order_by(levels.c.criterion_id, levels.c.position,
                                        levels.c.id)).all()
    by_criterion = {}
    for level_id, criterion_id in rows:
        by_criterion.setdefault(criterion_id, []).append(level_id)
    for ids in by_criterion.values():
        for position, level_id in enumerate(ids):
            connection.execute(levels.update().where(levels.c.id == level_id)
                               .values(competency_level=_spread(position, len(ids))))


def downgrade():
    with op.batch_alter_table('roleplay_criterion_level', schema=None) as batch_op:
        batch_op.drop_column('competency_level')
