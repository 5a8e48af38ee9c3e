"""Review-pack jobs: a team's review packs zipped by the background worker

Revision ID: packjobs0012
Revises: contentlang0012
Create Date: 2026-12-05 04:00:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'packjobs0012'
down_revision = 'contentlang0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_pack_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('finished_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['person.id'], name=op.f('fk_review_pack_job_requested_by_id_person')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_review_pack_job_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_pack_job'))
    )
    with op.batch_alter_table('review_pack_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_pack_job_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_pack_job_team_id'), ['team_id'], unique=False)


def downgrade():
    with op.batch_alter_table('review_pack_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_pack_job_team_id'))
        batch_op.drop_index(batch_op.f('ix_review_pack_job_requested_by_id'))

    op.drop_table('review_pack_job')
