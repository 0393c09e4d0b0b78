"""Public reports about officers; the credential status version

Revision ID: 0c99120944b4
Revises: 8b3981107647
Create Date: 2026-11-26 01:26:52.831712
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = '0c99120944b4'
down_revision = '8b3981107647'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row, written by the first status change (an upsert), so an empty table is a valid start.
    op.create_table('credential_status_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential_status_version'))
    )
    op.create_table('officer_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('photo_mismatch', 'conduct', 'misuse', 'wrong_details', 'other', name='reportcategory', native_enum=False, length=24), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'handled', name='reportstatus', native_enum=False, length=24), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handled_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['credential.id'], name=op.f('fk_officer_report_credential_id_credential')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user_account.id'], name=op.f('fk_officer_report_handled_by_id_user_account')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_officer_report_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer_report'))
    )
    with op.batch_alter_table('officer_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_officer_report_credential_id'), ['credential_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_officer_report_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_officer_report_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('officer_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_officer_report_status'))
        batch_op.drop_index(batch_op.f('ix_officer_report_org_id'))
        batch_op.drop_index(batch_op.f('ix_officer_report_credential_id'))

    op.drop_table('officer_report')
    op.drop_table('credential_status_version')
