"""certification evaluations say whether anything is started (reports filter on it)

Revision ID: started0008
Revises: reports0007
Create Date: 2026-12-02 06:30:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'started0008'
down_revision = 'reports0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certification_evaluation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    # The same rule as certificates.services.awards.store_evaluation, for the rows already there.
    bind = op.get_bind()
    table = sa.table('certification_evaluation', sa.column('id', sa.Integer),
                     sa.column('percent', sa.Integer), sa.column('components', sa.JSON),
                     sa.column('started', sa.Boolean))
    started = []
    for row in bind.execute(sa.select(table.c.id, table.c.percent, table.c.components)):
        components = row.components
        if isinstance(components, str):
            components = json.loads(components)
        if row.percent > 0 or any(v is not None for v in (components or {}).values()):
            started.append(row.id)
    for start in range(0, len(started), 500):
        bind.execute(table.update().where(table.c.id.in_(started[start:start + 500]))
                     .values(started=True))


def downgrade():
    with op.batch_alter_table('certification_evaluation', schema=None) as batch_op:
        batch_op.drop_column('started')
