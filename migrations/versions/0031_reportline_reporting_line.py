"""The stored reporting line (reporting_line: one row per manager and person below them,
directly or not), filled from person.manager_id: a manager's scope becomes one index range
instead of a recursive walk that PostgreSQL misjudged by orders of magnitude at 100,000 people

Revision ID: reportline0022
Revises: tally0022
Create Date: 2026-12-05 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'reportline0022'
down_revision = 'tally0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reporting_line',
        sa.Column('manager_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['manager_id'], ['person.id'],
                                name=op.f('fk_reporting_line_manager_id_person'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                                name=op.f('fk_reporting_line_person_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('manager_id', 'person_id', name=op.f('pk_reporting_line')),
    )
    with op.batch_alter_table('reporting_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporting_line_person_id'), ['person_id'],
                              unique=False)
    # The walk lms.people.services.reporting_line keeps the table with, written out: UNION
    # (not UNION ALL) over (manager, person) pairs, so a manager_id cycle ends too.
    op.execute(sa.text(
        "INSERT INTO reporting_line (manager_id, person_id) "
        "WITH RECURSIVE up(manager_id, person_id) AS ("
        " SELECT manager_id, id FROM person WHERE manager_id IS NOT NULL"
        " UNION"
        " SELECT boss.manager_id, up.person_id FROM up JOIN person AS boss"
        " ON boss.id = up.manager_id WHERE boss.manager_id IS NOT NULL) "
        "SELECT manager_id, person_id FROM up"))


def downgrade():
    with op.batch_alter_table('reporting_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporting_line_person_id'))
    op.drop_table('reporting_line')
