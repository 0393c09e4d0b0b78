"""Credentials: credentials, number counters, events, card recovery; issuing authorities

Revision ID: fe7529d204e5
Revises: a1d17e0c0f1e
Create Date: 2026-11-25 22:17:50.695374
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = 'fe7529d204e5'
down_revision = 'a1d17e0c0f1e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credential_number_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['enforcement_domain.id'], name=op.f('fk_credential_number_counter_domain_id_enforcement_domain')),
    sa.ForeignKeyConstraint(['issuer_id'], ['organisation.id'], name=op.f('fk_credential_number_counter_issuer_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential_number_counter')),
    sa.UniqueConstraint('issuer_id', 'domain_id', name=op.f('uq_credential_number_counter_issuer_id_domain_id'))
    )
    op.create_table('credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=120), nullable=False),
    sa.Column('legal_source', sa.String(length=200), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('active', 'suspended', 'revoked', 'cancelled', 'superseded', name='credentialstatus', native_enum=False, length=24), nullable=False),
    sa.Column('suspended_until', sa.Date(), nullable=True),
    sa.Column('predecessor_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issuer_id'], ['organisation.id'], name=op.f('fk_credential_issuer_id_organisation')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_credential_org_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_credential_person_id_person')),
    sa.ForeignKeyConstraint(['predecessor_id'], ['credential.id'], name=op.f('fk_credential_predecessor_id_credential')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential')),
    sa.UniqueConstraint('number', name=op.f('uq_credential_number')),
    sa.UniqueConstraint('public_id', name=op.f('uq_credential_public_id')),
    sa.UniqueConstraint('status_index', name=op.f('uq_credential_status_index'))
    )
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credential_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credential_status'), ['status'], unique=False)

    op.create_table('credential_domain',
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['credential.id'], name=op.f('fk_credential_domain_credential_id_credential'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['domain_id'], ['enforcement_domain.id'], name=op.f('fk_credential_domain_domain_id_enforcement_domain')),
    sa.PrimaryKeyConstraint('credential_id', 'domain_id', name=op.f('pk_credential_domain'))
    )
    op.create_table('credential_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('ground', sa.String(length=200), nullable=False),
    sa.Column('decision_number', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['credential.id'], name=op.f('fk_credential_event_credential_id_credential')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_credential_event_decided_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential_event'))
    )
    with op.batch_alter_table('credential_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_event_credential_id'), ['credential_id'], unique=False)

    op.create_table('credential_recovery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['credential.id'], name=op.f('fk_credential_recovery_credential_id_credential')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential_recovery'))
    )
    with op.batch_alter_table('credential_recovery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_recovery_credential_id'), ['credential_id'], unique=False)

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_issuer', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('is_issuer')

    with op.batch_alter_table('credential_recovery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credential_recovery_credential_id'))

    op.drop_table('credential_recovery')
    with op.batch_alter_table('credential_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credential_event_credential_id'))

    op.drop_table('credential_event')
    op.drop_table('credential_domain')
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credential_status'))
        batch_op.drop_index(batch_op.f('ix_credential_person_id'))
        batch_op.drop_index(batch_op.f('ix_credential_org_id'))

    op.drop_table('credential')
    op.drop_table('credential_number_counter')
