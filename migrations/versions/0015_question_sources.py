"""Question sources: Moodle idnumbers and tags on questions, and question attachments

Revision ID: moodle230015
Revises: packjobs0012
Create Date: 2026-12-05 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'moodle230015'
down_revision = 'packjobs0012'
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


def downgrade():
    with op.batch_alter_table('question_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_attachment_question_id'))
    op.drop_table('question_attachment')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('tags')
        batch_op.drop_column('idnumber')
