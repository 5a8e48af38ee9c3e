"""360 questionnaires, cycles, nominations, responses

Revision ID: review3600005
Revises: roleplay0004
Create Date: 2026-11-23 19:00:00

"""
import sqlalchemy as sa
from alembic import op

import lms.core.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'review3600005'
down_revision = 'roleplay0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review360_questionnaire',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.Column('created_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review360_questionnaire')),
    sa.UniqueConstraint('code', name=op.f('uq_review360_questionnaire_code'))
    )
    op.create_table('review360_questionnaire_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('scale_min', sa.Integer(), nullable=False),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.Column('anchors', sa.JSON(), nullable=False),
    sa.Column('in_use', sa.Boolean(), nullable=False),
    sa.Column('created_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['review360_questionnaire.id'], name=op.f('fk_review360_questionnaire_version_questionnaire_id_review360_questionnaire'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review360_questionnaire_version')),
    sa.UniqueConstraint('questionnaire_id', 'number', name=op.f('uq_review360_questionnaire_version_questionnaire_id'))
    )
    op.create_table('review360_cycle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('anonymity_threshold', sa.Integer(), nullable=False),
    sa.Column('pass_mark', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('link_days', sa.Integer(), nullable=False),
    sa.Column('closed_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_review360_cycle_created_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review360_cycle'))
    )
    op.create_table('review360_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['review360_questionnaire_version.id'], name=op.f('fk_review360_item_version_id_review360_questionnaire_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review360_item'))
    )
    with op.batch_alter_table('review360_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review360_item_version_id'), ['version_id'], unique=False)

    op.create_table('review360_cycle_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('group', sa.String(length=20), nullable=False),
    sa.Column('weight', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('min_raters', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['review360_cycle.id'], name=op.f('fk_review360_cycle_group_cycle_id_review360_cycle'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review360_cycle_group')),
    sa.UniqueConstraint('cycle_id', 'group', name=op.f('uq_review360_cycle_group_cycle_id'))
    )
    op.create_table('review360_item_competency',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competency_id'], ['competency.id'], name=op.f('fk_review360_item_competency_competency_id_competency'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['review360_item.id'], name=op.f('fk_review360_item_competency_item_id_review360_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'competency_id', name=op.f('pk_review360_item_competency'))
    )
    op.create_table('review360_subject',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('rated_as_manager', sa.Boolean(), nullable=False),
    sa.Column('nomination_state', sa.String(length=20), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.Column('score', sa.Numeric(precision=8, scale=4), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['person.id'], name=op.f('fk_review360_subject_approved_by_id_person')),
    sa.ForeignKeyConstraint(['cycle_id'], ['review360_cycle.id'], name=op.f('fk_review360_subject_cycle_id_review360_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_review360_subject_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['review360_questionnaire_version.id'], name=op.f('fk_review360_subject_version_id_review360_questionnaire_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review360_subject')),
    sa.UniqueConstraint('cycle_id', 'person_id', name=op.f('uq_review360_subject_cycle_id'))
    )
    with op.batch_alter_table('review360_subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review360_subject_person_id'), ['person_id'], unique=False)

    op.create_table('review360_rater',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('group', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('external_name', sa.String(length=200), nullable=False),
    sa.Column('external_email', sa.String(length=254), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('invited_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('token_expires_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.Column('reminded_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_review360_rater_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['person.id'], name=op.f('fk_review360_rater_proposed_by_id_person')),
    sa.ForeignKeyConstraint(['subject_id'], ['review360_subject.id'], name=op.f('fk_review360_rater_subject_id_review360_subject'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review360_rater')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_review360_rater_token_hash'))
    )
    with op.batch_alter_table('review360_rater', schema=None) as batch_op:
        batch_op.create_index('ix_review360_rater_person', ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review360_rater_subject_id'), ['subject_id'], unique=False)

    op.create_table('review360_subject_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('group', sa.String(length=20), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.ForeignKeyConstraint(['competency_id'], ['competency.id'], name=op.f('fk_review360_subject_score_competency_id_competency'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['review360_subject.id'], name=op.f('fk_review360_subject_score_subject_id_review360_subject'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review360_subject_score')),
    sa.UniqueConstraint('subject_id', 'group', 'competency_id', name=op.f('uq_review360_subject_score_subject_id'))
    )
    with op.batch_alter_table('review360_subject_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review360_subject_score_subject_id'), ['subject_id'], unique=False)

    op.create_table('review360_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('saved_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['rater_id'], ['review360_rater.id'], name=op.f('fk_review360_response_rater_id_review360_rater'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review360_response')),
    sa.UniqueConstraint('rater_id', name=op.f('uq_review360_response_rater_id'))
    )
    op.create_table('review360_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['review360_item.id'], name=op.f('fk_review360_answer_item_id_review360_item')),
    sa.ForeignKeyConstraint(['response_id'], ['review360_response.id'], name=op.f('fk_review360_answer_response_id_review360_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review360_answer')),
    sa.UniqueConstraint('response_id', 'item_id', name=op.f('uq_review360_answer_response_id'))
    )


def downgrade():
    op.drop_table('review360_answer')
    op.drop_table('review360_response')
    with op.batch_alter_table('review360_subject_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review360_subject_score_subject_id'))

    op.drop_table('review360_subject_score')
    with op.batch_alter_table('review360_rater', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review360_rater_subject_id'))
        batch_op.drop_index('ix_review360_rater_person')

    op.drop_table('review360_rater')
    with op.batch_alter_table('review360_subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review360_subject_person_id'))

    op.drop_table('review360_subject')
    op.drop_table('review360_item_competency')
    op.drop_table('review360_cycle_group')
    with op.batch_alter_table('review360_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review360_item_version_id'))

    op.drop_table('review360_item')
    op.drop_table('review360_cycle')
    op.drop_table('review360_questionnaire_version')
    op.drop_table('review360_questionnaire')
