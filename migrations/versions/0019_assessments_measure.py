"""Assessments that measure what they claim: the competency level each rubric level evidences,
the questions a quiz attempt needs per competency, evidence kind weights, who may take a quiz or a scenario

Revision ID: assess190015
Revises: kpi210015
Create Date: 2026-12-05 06:00:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'assess190015'
down_revision = 'kpi210015'
branch_labels = None
depends_on = None


def _spread(position, count):
    # assessments.roleplay.services.passmarks.default_competency_level, frozen here.
    if count <= 1:
        return 5
    return int(1 + position * 4 / (count - 1) + 0.5)


def upgrade():
    with op.batch_alter_table('roleplay_scenario', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tier_only', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('certificate_path_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('certificate_rule', sa.String(length=10), server_default='',
                                      nullable=False))
        batch_op.create_foreign_key(
            batch_op.f('fk_roleplay_scenario_certificate_path_id_certification_path'),
            'certification_path', ['certificate_path_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tier_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('certificate_path_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('certificate_rule', sa.String(length=10), server_default='',
                                      nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_quiz_tier_id_certification_path'),
                                    'certification_path', ['tier_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_quiz_certificate_path_id_certification_path'),
                                    'certification_path', ['certificate_path_id'], ['id'],
                                    ondelete='SET NULL')
    op.create_table('evidence_kind_weight',
    sa.Column('source_kind', sa.String(length=40), nullable=False),
    sa.Column('weight', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('source_kind', name=op.f('pk_evidence_kind_weight'))
    )
    with op.batch_alter_table('competency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_items', sa.Integer(), server_default='3',
                                      nullable=False))
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
    with op.batch_alter_table('roleplay_scenario', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_roleplay_scenario_certificate_path_id_certification_path'),
            type_='foreignkey')
        batch_op.drop_column('certificate_rule')
        batch_op.drop_column('certificate_path_id')
        batch_op.drop_column('tier_only')
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_quiz_certificate_path_id_certification_path'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_quiz_tier_id_certification_path'),
                                 type_='foreignkey')
        batch_op.drop_column('certificate_rule')
        batch_op.drop_column('certificate_path_id')
        batch_op.drop_column('tier_id')
    op.drop_table('evidence_kind_weight')
    with op.batch_alter_table('competency', schema=None) as batch_op:
        batch_op.drop_column('min_items')
    with op.batch_alter_table('roleplay_criterion_level', schema=None) as batch_op:
        batch_op.drop_column('competency_level')
