"""A per-domain setting: a credential for the domain needs a passed sector exam in it (rule 1 and 14); the
legal-qualification exemption with its evidence and second approval, and the credential's ground

Revision ID: 6b2d4f8e1c37
Revises: 7b2e4c1a9d55
Create Date: 2026-12-04 22:00:00
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = '6b2d4f8e1c37'
down_revision = "7b2e4c1a9d55"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enforcement_domain', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_sector_exam', sa.Boolean(), server_default=sa.false(), nullable=False))
    # The default: required for the domains that have sector questions.
    op.execute("UPDATE enforcement_domain SET needs_sector_exam = true "
               "WHERE id IN (SELECT domain_id FROM question WHERE domain_id IS NOT NULL)")
    op.create_table('legal_exemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('certificate_number', sa.String(length=40), nullable=False),
    sa.Column('certified_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], name=op.f('fk_legal_exemption_approved_by_id_user_account')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_legal_exemption_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_legal_exemption_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_exemption'))
    )
    with op.batch_alter_table('legal_exemption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_exemption_person_id'), ['person_id'], unique=False)
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exemption_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_credential_exemption_id_legal_exemption'), 'legal_exemption', ['exemption_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_credential_exemption_id_legal_exemption'), type_='foreignkey')
        batch_op.drop_column('exemption_id')
    with op.batch_alter_table('legal_exemption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_exemption_person_id'))
    op.drop_table('legal_exemption')
    with op.batch_alter_table('enforcement_domain', schema=None) as batch_op:
        batch_op.drop_column('needs_sector_exam')
