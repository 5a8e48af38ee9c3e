"""issuer keys name their algorithm (EdDSA and RS256 side by side, rotated keys kept)

Revision ID: keyalg0009
Revises: started0008
Create Date: 2026-12-05 02:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'keyalg0009'
down_revision = 'started0008'
branch_labels = None
depends_on = None


def upgrade():
    # The key made before this revision is the Ed25519 one.
    with op.batch_alter_table('issuer_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alg', sa.String(length=10), server_default='EdDSA',
                                      nullable=False))


def downgrade():
    # Only the Ed25519 keys were known before; the RSA ones cannot be kept without the column.
    op.execute("DELETE FROM issuer_key WHERE alg <> 'EdDSA'")
    with op.batch_alter_table('issuer_key', schema=None) as batch_op:
        batch_op.drop_column('alg')
