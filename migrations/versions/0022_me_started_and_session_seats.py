"""A person with a lesson done in a path's required courses is in training on that path:
mark their stored evaluations started (the engine does so from now on, rules.Answer.started);
a classroom session may hold fewer seats than its event (training_session.capacity);
per-person preferences (person_preference: the HR table's columns)

Revision ID: me0022
Revises: demo180015
Create Date: 2026-12-05 09:10:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'me0022'
down_revision = 'demo180015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'person_preference',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_at', lms.core.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('person_id', 'key'))
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))
    evaluation = sa.table('certification_evaluation', sa.column('person_id'),
                          sa.column('path_id'), sa.column('route'),
                          sa.column('started', sa.Boolean))
    completion = sa.table('lesson_completion', sa.column('person_id'), sa.column('course_id'))
    path_course = sa.table('path_course', sa.column('path_id'), sa.column('course_id'),
                           sa.column('required', sa.Boolean))
    studied = sa.select(sa.literal(1)).select_from(completion).join(
        path_course, path_course.c.course_id == completion.c.course_id).where(
        completion.c.person_id == evaluation.c.person_id,
        path_course.c.path_id == evaluation.c.path_id,
        path_course.c.required.is_(True))
    op.execute(evaluation.update()
               .where(evaluation.c.started.is_(False), evaluation.c.route == 'initial',
                      studied.exists())
               .values(started=True))


def downgrade():
    # The started flag only gained a reason to be true; the engine rewrites it on the next
    # evaluation.
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_column('capacity')
    op.drop_table('person_preference')
