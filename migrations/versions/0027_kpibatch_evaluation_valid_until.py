"""The last day a stored certification answer holds with nothing written
(certification_evaluation.valid_until), so answers that time moves on (a KPI period or the
quarter of rotation hours ends) are re-evaluated; evidence indexed by its source, which a
result or a KPI import replaces (without it each replacement read the whole table)

Revision ID: kpibatch0022
Revises: assess190022
Create Date: 2026-12-05 09:30:00

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'kpibatch0022'
down_revision = 'assess190022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certification_evaluation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.create_index('ix_certification_evaluation_valid_until', ['valid_until'],
                              unique=False)
    # Answers stored before this column may already be out of date (a quarter turned): the
    # next `send-reminders` re-evaluates them once, which then stores their real dates.
    table = sa.table('certification_evaluation', sa.column('valid_until', sa.Date()))
    op.execute(table.update().values(valid_until=date(2000, 1, 1)))
    op.create_index('ix_evidence_source', 'competency_evidence', ['source_kind', 'source_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_evidence_source', table_name='competency_evidence')
    with op.batch_alter_table('certification_evaluation', schema=None) as batch_op:
        batch_op.drop_index('ix_certification_evaluation_valid_until')
        batch_op.drop_column('valid_until')
