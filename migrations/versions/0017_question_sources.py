"""Content from Moodle and authoring tools: Moodle idnumbers, tags and attachments of
questions; SCORM packages and attempts; the xAPI outbox

Revision ID: moodle230015
Revises: ilt220015
Create Date: 2026-12-05 06:00:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'moodle230015'
down_revision = 'ilt220015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idnumber', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('tags', sa.JSON(), nullable=False, server_default='[]'))
    op.create_table('question_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_attachment_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_attachment')),
    sa.UniqueConstraint('question_id', 'filename', name=op.f('uq_question_attachment_question_id'))
    )
    with op.batch_alter_table('question_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_attachment_question_id'), ['question_id'], unique=False)
    op.create_table('scorm_package',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=10), nullable=False),
    sa.Column('identifier', sa.String(length=255), nullable=False),
    sa.Column('launch', sa.String(length=500), nullable=False),
    sa.Column('mastery_score', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('lesson_key', sa.String(length=36), nullable=True),
    sa.Column('competency_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['competency_id'], ['competency.id'], name=op.f('fk_scorm_package_competency_id_competency'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_scorm_package_course_id_course'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_scorm_package_created_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorm_package'))
    )
    with op.batch_alter_table('scorm_package', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorm_package_lesson_key'), ['lesson_key'], unique=False)
    op.create_table('scorm_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('cmi', sa.JSON(), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('completion_status', sa.String(length=20), nullable=False),
    sa.Column('success_status', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Numeric(precision=8, scale=4), nullable=True),
    sa.Column('total_seconds', sa.Integer(), nullable=False),
    sa.Column('commits', sa.Integer(), nullable=False),
    sa.Column('started_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('completed_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['package_id'], ['scorm_package.id'], name=op.f('fk_scorm_attempt_package_id_scorm_package'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_scorm_attempt_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorm_attempt')),
    sa.UniqueConstraint('package_id', 'person_id', 'number', name=op.f('uq_scorm_attempt_package_id'))
    )
    with op.batch_alter_table('scorm_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_scorm_attempt_person_package', ['person_id', 'package_id'], unique=False)
    op.create_table('xapi_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.String(length=36), nullable=False),
    sa.Column('statement', sa.JSON(), nullable=False),
    sa.Column('created_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('sent_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_outbox')),
    sa.UniqueConstraint('statement_id', name=op.f('uq_xapi_outbox_statement_id'))
    )
    with op.batch_alter_table('xapi_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_xapi_outbox_sent_at'), ['sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('xapi_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_xapi_outbox_sent_at'))
    op.drop_table('xapi_outbox')
    with op.batch_alter_table('scorm_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_scorm_attempt_person_package')
    op.drop_table('scorm_attempt')
    with op.batch_alter_table('scorm_package', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorm_package_lesson_key'))
    op.drop_table('scorm_package')
    with op.batch_alter_table('question_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_attachment_question_id'))
    op.drop_table('question_attachment')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('tags')
        batch_op.drop_column('idnumber')
