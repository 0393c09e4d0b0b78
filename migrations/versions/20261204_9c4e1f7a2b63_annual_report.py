"""The recorded annual reports of supervision (issue 19)

Revision ID: 9c4e1f7a2b63
Revises: 6b2d4f8e1c37
Create Date: 2026-12-04 23:40:00
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = '9c4e1f7a2b63'
down_revision = "6b2d4f8e1c37"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('annual_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('computed_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('computed_by_id', sa.Integer(), nullable=True),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['computed_by_id'], ['user_account.id'], name=op.f('fk_annual_report_computed_by_id_user_account')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_annual_report_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report'))
    )
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_report_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_report_org_id'))
    op.drop_table('annual_report')
