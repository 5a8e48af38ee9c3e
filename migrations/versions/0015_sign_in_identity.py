"""Sign-in: organisation settings, identity providers and their linked accounts, the replay
guard, SCIM tokens

Revision ID: sso240015
Revises: packjobs0012
Create Date: 2026-12-05 06:00:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.database  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'sso240015'
down_revision = 'packjobs0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('local_passwords', sa.Boolean(), nullable=False),
    sa.Column('updated_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_settings'))
    )
    op.create_table('identity_provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('protocol', sa.String(length=10), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=300), nullable=False),
    sa.Column('client_secret_encrypted', sa.Text(), nullable=False),
    sa.Column('scopes', sa.String(length=300), nullable=False),
    sa.Column('employee_id_claim', sa.String(length=100), nullable=False),
    sa.Column('provisioning', sa.Boolean(), nullable=False),
    sa.Column('default_team_id', sa.Integer(), nullable=True),
    sa.Column('default_tier_id', sa.Integer(), nullable=True),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('metadata_doc', sa.JSON(), nullable=False),
    sa.Column('created_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['default_team_id'], ['team.id'], name=op.f('fk_identity_provider_default_team_id_team')),
    sa.ForeignKeyConstraint(['default_tier_id'], ['certification_path.id'], name=op.f('fk_identity_provider_default_tier_id_certification_path')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_provider')),
    sa.UniqueConstraint('key', name=op.f('uq_identity_provider_key'))
    )
    op.create_table('external_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('last_sign_in_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_external_identity_person_id_person')),
    sa.ForeignKeyConstraint(['provider_id'], ['identity_provider.id'], name=op.f('fk_external_identity_provider_id_identity_provider'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_identity')),
    sa.UniqueConstraint('provider_id', 'subject', name=op.f('uq_external_identity_provider_id'))
    )
    with op.batch_alter_table('external_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_identity_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_identity_provider_id'), ['provider_id'], unique=False)
    op.create_table('used_token',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('expires_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_used_token'))
    )
    with op.batch_alter_table('used_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_token_expires_at'), ['expires_at'], unique=False)
    op.create_table('scim_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.core.database.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', lms.core.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_scim_token_created_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_scim_token_token_hash'))
    )


def downgrade():
    op.drop_table('scim_token')
    with op.batch_alter_table('used_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_token_expires_at'))
    op.drop_table('used_token')
    with op.batch_alter_table('external_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_identity_provider_id'))
        batch_op.drop_index(batch_op.f('ix_external_identity_person_id'))
    op.drop_table('external_identity')
    op.drop_table('identity_provider')
    op.drop_table('sign_in_settings')
