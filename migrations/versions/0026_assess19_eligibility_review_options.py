"""Eligibility everywhere: a path stage on quizzes and scenarios, who a 360 cycle evaluates
and who may rate in it as a peer; existing closed-book exams get the protective review options

Revision ID: assess190022
Revises: content180022
Create Date: 2026-12-05 09:00:00

The data step: a closed-book (certification) quiz whose review options are still what the
application shipped before #19 — nothing chosen ({}), or the old demo exam's "score, responses
and feedback immediately and while open" — gets CERTIFICATION_REVIEW (score and the
competencies to work on until the last attempt or the close, then everything). Any other
options were chosen by an author and are left alone: the new moments ("final") and items
("competencies") only exist since #19, and old options that differ from the shipped ones
were ticked by someone. Downgrading does not restore the old options (nothing records them),
only the columns.
"""
import json

from alembic import op
import sqlalchemy as sa
import lms.core.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'assess190022'
down_revision = 'content180022'
branch_labels = None
depends_on = None

# assessments.quiz.models.CERTIFICATION_REVIEW and REVIEW_ITEMS, frozen here.
ITEMS = ["score", "competencies", "responses", "right_answers", "feedback"]
CERTIFICATION_REVIEW = {"immediately": ["score", "competencies"],
                        "open": ["score", "competencies"], "final": ITEMS, "closed": ITEMS}
# What the application set before #19 when nobody chose: the empty form and the demo exam.
_OLD_DEMO = ["score", "responses", "feedback"]
SHIPPED = ({}, {"immediately": _OLD_DEMO, "open": _OLD_DEMO})

SIDES = ('subject', 'rater')


def _stage_columns(table):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage_path_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stage', sa.String(length=12), server_default='',
                                      nullable=False))
        batch_op.create_foreign_key(batch_op.f(f'fk_{table}_stage_path_id_certification_path'),
                                    'certification_path', ['stage_path_id'], ['id'],
                                    ondelete='SET NULL')


def _protect_closed_book_exams():
    connection = op.get_bind()
    quiz = sa.table('quiz', sa.column('id', sa.Integer), sa.column('closed_book', sa.Boolean),
                    sa.column('review_options', sa.JSON))
    for quiz_id, options in connection.execute(
            sa.select(quiz.c.id, quiz.c.review_options).where(quiz.c.closed_book.is_(True))):
        if isinstance(options, str):
            options = json.loads(options or '{}')
        shipped = {moment: items for moment, items in (options or {}).items() if items}
        if shipped in SHIPPED:
            connection.execute(quiz.update().where(quiz.c.id == quiz_id)
                               .values(review_options=CERTIFICATION_REVIEW))


def upgrade():
    _stage_columns('quiz')
    _stage_columns('roleplay_scenario')
    with op.batch_alter_table('review360_cycle', schema=None) as batch_op:
        for side in SIDES:
            batch_op.add_column(sa.Column(f'{side}_tier_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column(f'{side}_cert_path_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column(f'{side}_cert_rule', sa.String(length=10),
                                          server_default='', nullable=False))
            batch_op.add_column(sa.Column(f'{side}_stage_path_id', sa.Integer(),
                                          nullable=True))
            batch_op.add_column(sa.Column(f'{side}_stage', sa.String(length=12),
                                          server_default='', nullable=False))
            for column in ('tier_id', 'cert_path_id', 'stage_path_id'):
                batch_op.create_foreign_key(
                    batch_op.f(f'fk_review360_cycle_{side}_{column}_certification_path'),
                    'certification_path', [f'{side}_{column}'], ['id'], ondelete='SET NULL')
    _protect_closed_book_exams()


def downgrade():
    with op.batch_alter_table('review360_cycle', schema=None) as batch_op:
        for side in SIDES:
            for column in ('tier_id', 'cert_path_id', 'stage_path_id'):
                batch_op.drop_constraint(
                    batch_op.f(f'fk_review360_cycle_{side}_{column}_certification_path'),
                    type_='foreignkey')
            for column in ('stage', 'stage_path_id', 'cert_rule', 'cert_path_id', 'tier_id'):
                batch_op.drop_column(f'{side}_{column}')
    for table in ('roleplay_scenario', 'quiz'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_stage_path_id_certification_path'),
                                     type_='foreignkey')
            batch_op.drop_column('stage')
            batch_op.drop_column('stage_path_id')
