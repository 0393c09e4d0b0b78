"""REST API v1: clients, their hashed secrets and per-day usage; when each credential last changed (the
register feed's "changed since")

Revision ID: 7b2e4c1a9d55
Revises: 3e1d7a9c5b20
Create Date: 2026-12-04 22:00:00
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = '7b2e4c1a9d55'
down_revision = "3e1d7a9c5b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('rate_limit', sa.String(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_api_client_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_api_client_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client'))
    )
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_client_org_id'), ['org_id'], unique=False)

    op.create_table('api_secret',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_api_secret_client_id_api_client'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_secret')),
    sa.UniqueConstraint('key_id', name=op.f('uq_api_secret_key_id'))
    )
    with op.batch_alter_table('api_secret', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_secret_client_id'), ['client_id'], unique=False)

    op.create_table('api_usage',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('operation', sa.String(length=60), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_api_usage_client_id_api_client'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'day', 'operation', name=op.f('pk_api_usage'))
    )

    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', examsys.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE credential SET changed_at = issued_at")
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.alter_column('changed_at', existing_type=examsys.db.UTCDateTime(timezone=True), nullable=False)
        batch_op.create_index(batch_op.f('ix_credential_changed_at'), ['changed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credential_changed_at'))
        batch_op.drop_column('changed_at')
    op.drop_table('api_usage')
    with op.batch_alter_table('api_secret', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_secret_client_id'))
    op.drop_table('api_secret')
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_client_org_id'))
    op.drop_table('api_client')
