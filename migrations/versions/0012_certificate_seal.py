"""Certificate design: the organisation's seal image; designs still on the previous default
template move to the new one (laid out once per design, so certificates print in
milliseconds)

Revision ID: seal0012
Revises: derived0011
Create Date: 2026-12-05 03:40:00

"""
import hashlib
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'seal0012'
down_revision = 'derived0011'
branch_labels = None
depends_on = None

# SHA-256 of the previous default template (line endings as \n, stripped): a design whose
# template is exactly that was never restyled, so it takes the new default.
PREVIOUS_DEFAULT = "a4c0693a4656837f04646820795329b1361934562e1f55d63a81bd8c6d5f4b0e"
NEW_DEFAULT = Path(__file__).resolve().parents[2] / "certificates" / "certificate_template.html"


def upgrade():
    with op.batch_alter_table('certificate_design', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal', sa.Text(), server_default='', nullable=False))
    connection = op.get_bind()
    for row_id, template in connection.execute(
            sa.text("SELECT id, template FROM certificate_design")).fetchall():
        normalised = (template or "").replace("\r\n", "\n").strip()
        if hashlib.sha256(normalised.encode()).hexdigest() == PREVIOUS_DEFAULT:
            connection.execute(
                sa.text("UPDATE certificate_design SET template = :template WHERE id = :id"),
                {"template": NEW_DEFAULT.read_text(encoding="utf-8"), "id": row_id})


def downgrade():
    with op.batch_alter_table('certificate_design', schema=None) as batch_op:
        batch_op.drop_column('seal')
