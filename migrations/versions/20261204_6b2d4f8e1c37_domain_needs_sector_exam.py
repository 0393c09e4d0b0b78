"""A per-domain setting: a credential for the domain needs a passed sector exam in it (rule 1 and 14)

Revision ID: 6b2d4f8e1c37
Revises: 3c1d2e7f9a10
Create Date: 2026-12-04 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '6b2d4f8e1c37'
down_revision = "3c1d2e7f9a10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enforcement_domain', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_sector_exam', sa.Boolean(), server_default=sa.false(), nullable=False))
    # The default: required for the domains that have sector questions.
    op.execute("UPDATE enforcement_domain SET needs_sector_exam = true "
               "WHERE id IN (SELECT domain_id FROM question WHERE domain_id IS NOT NULL)")


def downgrade() -> None:
    with op.batch_alter_table('enforcement_domain', schema=None) as batch_op:
        batch_op.drop_column('needs_sector_exam')
