"""Stored derived state: each person's level per competency and standing per path, kept up to
date on write; people get an updated_at for the API's updated_since. Backfilled from the
evidence, certificates and approval requests already there.

Revision ID: derived0011
Revises: privacy0010
Create Date: 2026-12-05 04:00:00

"""
from alembic import op
import sqlalchemy as sa

import lms.core.database


# revision identifiers, used by Alembic.
revision = 'derived0011'
down_revision = 'privacy0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'competency_level',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('competency_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('exact', sa.Numeric(precision=18, scale=8), nullable=False),
        sa.Column('sources', sa.String(length=200), nullable=False),
        sa.Column('updated_at', lms.core.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['competency_id'], ['competency.id'],
                                name=op.f('fk_competency_level_competency_id_competency'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                                name=op.f('fk_competency_level_person_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('person_id', 'competency_id', name=op.f('pk_competency_level')),
    )
    op.create_index('ix_competency_level_competency', 'competency_level',
                    ['competency_id', 'level'], unique=False)
    op.create_table(
        'certification_standing',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=False),
        sa.Column('pending', sa.Boolean(), nullable=False),
        sa.Column('latest_certificate_id', sa.Integer(), nullable=True),
        sa.Column('latest_serial', sa.String(length=40), nullable=True),
        sa.Column('latest_status', sa.String(length=20), nullable=True),
        sa.Column('latest_issued_on', sa.Date(), nullable=True),
        sa.Column('latest_expires_on', sa.Date(), nullable=True),
        sa.Column('valid_certificate_id', sa.Integer(), nullable=True),
        sa.Column('valid_serial', sa.String(length=40), nullable=True),
        sa.Column('valid_issued_on', sa.Date(), nullable=True),
        sa.Column('valid_expires_on', sa.Date(), nullable=True),
        sa.Column('valid_composite', sa.Numeric(precision=18, scale=8), nullable=True),
        sa.Column('valid_components', sa.JSON(), nullable=True),
        sa.Column('updated_at', lms.core.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['path_id'], ['certification_path.id'],
                                name=op.f('fk_certification_standing_path_id_certification_path'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                                name=op.f('fk_certification_standing_person_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('person_id', 'path_id', name=op.f('pk_certification_standing')),
    )
    op.create_index('ix_certification_standing_path', 'certification_standing',
                    ['path_id', 'valid_expires_on'], unique=False)
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', lms.core.database.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column(
            'sort_name', sa.String(length=200).with_variant(
                sa.String(length=200, collation='C'), 'postgresql'), nullable=True))
    op.execute("UPDATE person SET updated_at = created_at")
    # Python's casefold, not SQL's lower(): the same key the application writes.
    bind = op.get_bind()
    person = sa.table('person', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('sort_name', sa.String))
    rows = [{"key": pid, "sort_name": (name or "").casefold()}
            for pid, name in bind.execute(sa.select(person.c.id, person.c.name))]
    if rows:
        bind.execute(person.update().where(person.c.id == sa.bindparam("key"))
                     .values(sort_name=sa.bindparam("sort_name")), rows)
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.alter_column('updated_at', nullable=False)
        batch_op.alter_column('sort_name', nullable=False)
        batch_op.create_index(batch_op.f('ix_person_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index('ix_person_sort_name', ['sort_name', 'id'], unique=False)

    # Backfill with the same code that keeps the tables up to date (and that check-derived
    # compares against), so the two can never disagree about the policy.
    from certificates.services.standing import check_standings
    from lms.competencies.services.evidence import check_levels
    from sqlalchemy.orm import Session

    session = Session(bind=op.get_bind())
    check_levels(session, fix=True)
    check_standings(session, fix=True)
    session.flush()


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_sort_name')
        batch_op.drop_index(batch_op.f('ix_person_updated_at'))
        batch_op.drop_column('sort_name')
        batch_op.drop_column('updated_at')
    op.drop_index('ix_certification_standing_path', table_name='certification_standing')
    op.drop_table('certification_standing')
    op.drop_index('ix_competency_level_competency', table_name='competency_level')
    op.drop_table('competency_level')
