"""Issuing authorities' number prefixes; at most one current credential per person; revocation cases

Revision ID: 3c1f0e2d9b7a
Revises: 3c1f5e9a7b21
Create Date: 2026-12-04 20:30:00
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = '3c1f0e2d9b7a'
down_revision = "3c1f5e9a7b21"
branch_labels = None
depends_on = None

CURRENT = "status IN ('active', 'suspended')"


def upgrade() -> None:
    with op.batch_alter_table('organisation') as batch:
        batch.add_column(sa.Column('number_prefix', sa.String(length=6), nullable=True))
        batch.create_unique_constraint(batch.f('uq_organisation_number_prefix'), ['number_prefix'])
    # Issuers designated before prefixes existed numbered with their division code: keep that as their prefix
    # (the first of two issuers sharing a division code keeps it; the other is given one when re-designated).
    bind = op.get_bind()
    org = sa.table('organisation', sa.column('id', sa.Integer), sa.column('division_code', sa.String),
                   sa.column('is_issuer', sa.Boolean), sa.column('number_prefix', sa.String))
    taken: set[str] = set()
    for id_, division in bind.execute(sa.select(org.c.id, org.c.division_code).where(org.c.is_issuer.is_(True)).order_by(org.c.id)).all():
        if division not in taken:
            taken.add(division)
            bind.execute(org.update().where(org.c.id == id_).values(number_prefix=division))
    # A database that already holds two current credentials of one person stops here: the index cannot be built
    # until HR has ended one of them (the error names the index).
    op.create_index('uq_credential_current_person', 'credential', ['person_id'], unique=True,
                    sqlite_where=sa.text(CURRENT), postgresql_where=sa.text(CURRENT))
    op.create_table('revocation_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=80), nullable=False),
    sa.Column('decision_number', sa.String(length=80), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('document_ref', sa.String(length=200), nullable=False),
    sa.Column('ground', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['credential.id'], name=op.f('fk_revocation_case_credential_id_credential')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_revocation_case_org_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_revocation_case_person_id_person')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_revocation_case_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revocation_case')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_revocation_case_credential_id'))
    )
    with op.batch_alter_table('revocation_case') as batch:
        batch.create_index(batch.f('ix_revocation_case_org_id'), ['org_id'], unique=False)
        batch.create_index(batch.f('ix_revocation_case_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_table('revocation_case')
    op.drop_index('uq_credential_current_person', table_name='credential')
    with op.batch_alter_table('organisation') as batch:
        batch.drop_constraint('uq_organisation_number_prefix', type_='unique')
        batch.drop_column('number_prefix')
