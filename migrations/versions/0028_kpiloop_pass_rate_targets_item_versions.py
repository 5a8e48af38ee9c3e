"""Pass-rate targets per tier, set on the path's form (certification_path.pass_rate_target,
backfilled with the plans' 80 / 85 / 95 % for NEWHIRE / SENIOR / MANAGER), and mystery
checklist items that succeed an edited item (mystery_item.replaces_id)

Revision ID: kpiloop0022
Revises: kpibatch0022
Create Date: 2026-12-05 11:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'kpiloop0022'
down_revision = 'kpibatch0022'
branch_labels = None
depends_on = None

# The targets the group figures report held as constants until now.
TARGETS = {"SENIOR": 85, "MANAGER": 95}


def upgrade():
    with op.batch_alter_table('certification_path', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pass_rate_target', sa.Numeric(precision=5, scale=2),
                                      server_default='80', nullable=False))
    paths = sa.table('certification_path', sa.column('code', sa.String()),
                     sa.column('pass_rate_target', sa.Numeric(5, 2)))
    for code, target in TARGETS.items():
        op.execute(paths.update().where(paths.c.code == code)
                   .values(pass_rate_target=target))
    with op.batch_alter_table('mystery_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_mystery_item_replaces_id_mystery_item'),
                                    'mystery_item', ['replaces_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('mystery_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mystery_item_replaces_id_mystery_item'),
                                 type_='foreignkey')
        batch_op.drop_column('replaces_id')
    with op.batch_alter_table('certification_path', schema=None) as batch_op:
        batch_op.drop_column('pass_rate_target')
