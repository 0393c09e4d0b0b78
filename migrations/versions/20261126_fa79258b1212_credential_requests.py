"""Credential requests: four-eyes issuance, renewal and replacement of a lost card

Revision ID: fa79258b1212
Revises: 1eff1ad09cda
Create Date: 2026-11-26 01:22:39.474450
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = 'fa79258b1212'
down_revision = '1eff1ad09cda'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credential_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('issue', 'renewal', 'replacement', name='requestkind', native_enum=False, length=24), nullable=False),
    sa.Column('status', sa.Enum('pending', 'returned', 'approved', 'withdrawn', name='requeststatus', native_enum=False, length=24), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('open_person_id', sa.Integer(), nullable=True),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=120), nullable=False),
    sa.Column('legal_source', sa.String(length=200), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=True),
    sa.Column('issued_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('card_loss', sa.Enum('lost', 'damaged', name='cardloss', native_enum=False, length=24), nullable=True),
    sa.Column('loss_declared', sa.Boolean(), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['credential_id'], ['credential.id'], name=op.f('fk_credential_request_credential_id_credential')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_credential_request_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['issued_id'], ['credential.id'], name=op.f('fk_credential_request_issued_id_credential')),
    sa.ForeignKeyConstraint(['issuer_id'], ['organisation.id'], name=op.f('fk_credential_request_issuer_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_credential_request_person_id_person')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_credential_request_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_credential_request_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential_request')),
    sa.UniqueConstraint('open_person_id', name=op.f('uq_credential_request_open_person_id'))
    )
    with op.batch_alter_table('credential_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_request_issuer_id'), ['issuer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credential_request_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credential_request_status'), ['status'], unique=False)

    op.create_table('credential_request_domain',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['enforcement_domain.id'], name=op.f('fk_credential_request_domain_domain_id_enforcement_domain')),
    sa.ForeignKeyConstraint(['request_id'], ['credential_request.id'], name=op.f('fk_credential_request_domain_request_id_credential_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'domain_id', name=op.f('pk_credential_request_domain'))
    )


def downgrade() -> None:
    op.drop_table('credential_request_domain')
    with op.batch_alter_table('credential_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credential_request_status'))
        batch_op.drop_index(batch_op.f('ix_credential_request_person_id'))
        batch_op.drop_index(batch_op.f('ix_credential_request_issuer_id'))

    op.drop_table('credential_request')
