"""Issuing authorities' number prefixes; at most one current credential per person

Revision ID: 3c1f0e2d9b7a
Revises: 8a4bcf8d12ae
Create Date: 2026-12-04 20:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '3c1f0e2d9b7a'
down_revision = '8a4bcf8d12ae'
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


def downgrade() -> None:
    op.drop_index('uq_credential_current_person', table_name='credential')
    with op.batch_alter_table('organisation') as batch:
        batch.drop_constraint('uq_organisation_number_prefix', type_='unique')
        batch.drop_column('number_prefix')
