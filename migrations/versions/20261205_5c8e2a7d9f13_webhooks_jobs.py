"""Webhooks: subscriptions and deliveries (api.webhooks); on PostgreSQL, the job queue's own tables and
functions (procrastinate's schema, at the version pinned in requirements.txt)

Revision ID: 5c8e2a7d9f13
Revises: 5c1d8e3a7f42
Create Date: 2026-12-05 23:00:00
"""
import sqlalchemy as sa
from alembic import op

import examsys.db

revision = '5c8e2a7d9f13'
down_revision = "5c1d8e3a7f42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('webhook_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('events', sa.String(length=300), nullable=False),
    sa.Column('secret_encrypted', sa.String(length=300), nullable=False),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_webhook_subscription_client_id_api_client'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscription')),
    sa.UniqueConstraint('client_id', name=op.f('uq_webhook_subscription_client_id'))
    )
    op.create_table('webhook_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('event_key', sa.String(length=80), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=True),
    sa.Column('credential_number', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retry_from', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'delivered', 'failed', name='deliverystatus', native_enum=False, length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('next_try_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_webhook_delivery_client_id_api_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['credential_id'], ['credential.id'], name=op.f('fk_webhook_delivery_credential_id_credential')),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscription.id'],
                            name=op.f('fk_webhook_delivery_subscription_id_webhook_subscription'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
    sa.UniqueConstraint('subscription_id', 'event_key', name=op.f('uq_webhook_delivery_subscription_id_event_key'))
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_delivery_client_id'), ['client_id'], unique=False)

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        bind.connection.driver_connection.execute(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs", "procrastinate_workers",
                      "procrastinate_version"):
            op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        op.execute("DO $$ DECLARE f record; BEGIN FOR f IN SELECT oid::regprocedure AS sig FROM pg_proc "
                   "WHERE proname LIKE 'procrastinate%%' LOOP EXECUTE 'DROP FUNCTION ' || f.sig || ' CASCADE'; END LOOP; END $$")
        op.execute("DO $$ DECLARE t record; BEGIN FOR t IN SELECT typname FROM pg_type WHERE typname LIKE 'procrastinate%%' "
                   "AND typtype IN ('e', 'c') LOOP EXECUTE 'DROP TYPE IF EXISTS ' || quote_ident(t.typname) || ' CASCADE'; END LOOP; END $$")
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_client_id'))
    op.drop_table('webhook_delivery')
    op.drop_table('webhook_subscription')
