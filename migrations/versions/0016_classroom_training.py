"""Classroom training: events, sessions, trainers, enrolment, attendance, calendar feeds,
the mentoring log, front-line rotation shifts, the training-hours target; e-mail attachments (an invitation's .ics)

Revision ID: ilt220015
Revises: sso240015
Create Date: 2026-12-05 05:49:33.711988

"""
from alembic import op
import sqlalchemy as sa
import lms.core.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'ilt220015'
down_revision = 'sso240015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feed',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_calendar_feed_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash'))
    )
    op.create_table('training_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('path_id', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('self_signup', sa.Boolean(), nullable=False),
    sa.Column('cancelled_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_training_event_course_id_course'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_training_event_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['path_id'], ['certification_path.id'], name=op.f('fk_training_event_path_id_certification_path'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_event'))
    )
    with op.batch_alter_table('training_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_event_path_id'), ['path_id'], unique=False)

    op.create_table('event_enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('enrolled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('enrolled', 'waitlisted', 'cancelled')", name=op.f('ck_event_enrolment_known_enrolment_status')),
    sa.ForeignKeyConstraint(['enrolled_by_id'], ['person.id'], name=op.f('fk_event_enrolment_enrolled_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['training_event.id'], name=op.f('fk_event_enrolment_event_id_training_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_event_enrolment_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_enrolment')),
    sa.UniqueConstraint('event_id', 'person_id', name=op.f('uq_event_enrolment_event_id'))
    )
    with op.batch_alter_table('event_enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_enrolment_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_enrolment_person_id'), ['person_id'], unique=False)

    op.create_table('training_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('ends_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('room', sa.String(length=200), nullable=False),
    sa.Column('online_link', sa.String(length=500), nullable=False),
    sa.Column('checkin_secret', sa.String(length=64), nullable=False),
    sa.Column('confirmed_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_training_session_ends_after_start')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['person.id'], name=op.f('fk_training_session_confirmed_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['training_event.id'], name=op.f('fk_training_session_event_id_training_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_session'))
    )
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_session_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_starts_at'), ['starts_at'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('checkin_step', sa.Integer(), nullable=True),
    sa.Column('recorded_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('present', 'late', 'absent', 'excused')", name=op.f('ck_attendance_known_attendance_status')),
    sa.CheckConstraint('minutes >= 0', name=op.f('ck_attendance_minutes_not_negative')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_attendance_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], name=op.f('fk_attendance_recorded_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_attendance_session_id_training_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('session_id', 'person_id', name=op.f('uq_attendance_session_id'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_session_id'), ['session_id'], unique=False)

    op.create_table('training_session_trainer',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_training_session_trainer_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_training_session_trainer_session_id_training_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'person_id', name=op.f('pk_training_session_trainer'))
    )
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        # Existing mail had no attachments: '[]' fills the rows already there.
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))


    op.create_table('mentoring_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('topics', sa.Text(), nullable=False),
    sa.Column('competency_ids', sa.JSON(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('mentor_confirmed_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.Column('mentee_confirmed_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.Column('created_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('minutes >= 0', name=op.f('ck_mentoring_meeting_minutes_not_negative')),
    sa.ForeignKeyConstraint(['mentee_id'], ['person.id'], name=op.f('fk_mentoring_meeting_mentee_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['person.id'], name=op.f('fk_mentoring_meeting_mentor_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_meeting'))
    )
    with op.batch_alter_table('mentoring_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentoring_meeting_mentee_id'), ['mentee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentoring_meeting_mentor_id'), ['mentor_id'], unique=False)

    op.create_table('rotation_shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('worked_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('learned', sa.Text(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.Column('created_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_rotation_shift_minutes_positive')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['person.id'], name=op.f('fk_rotation_shift_confirmed_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_rotation_shift_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_rotation_shift_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_shift'))
    )
    with op.batch_alter_table('rotation_shift', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rotation_shift_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rotation_shift_team_id'), ['team_id'], unique=False)

    op.create_table('training_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_hours', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_settings'))
    )


def downgrade():
    op.drop_table('training_settings')
    with op.batch_alter_table('rotation_shift', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rotation_shift_team_id'))
        batch_op.drop_index(batch_op.f('ix_rotation_shift_person_id'))

    op.drop_table('rotation_shift')
    with op.batch_alter_table('mentoring_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentoring_meeting_mentor_id'))
        batch_op.drop_index(batch_op.f('ix_mentoring_meeting_mentee_id'))

    op.drop_table('mentoring_meeting')

    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_column('attachments')

    op.drop_table('training_session_trainer')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_session_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_person_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_session_starts_at'))
        batch_op.drop_index(batch_op.f('ix_training_session_event_id'))

    op.drop_table('training_session')
    with op.batch_alter_table('event_enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_enrolment_person_id'))
        batch_op.drop_index(batch_op.f('ix_event_enrolment_event_id'))

    op.drop_table('event_enrolment')
    with op.batch_alter_table('training_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_event_path_id'))

    op.drop_table('training_event')
    op.drop_table('calendar_feed')
