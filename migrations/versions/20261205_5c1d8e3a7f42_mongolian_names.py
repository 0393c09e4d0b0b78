"""Mongolian-script forms beside the Chinese names (issue 21): organisations, enforcement domains and people
carry `name_mn`, laws on the controlled list `title_mn`; empty when there is none

Revision ID: 5c1d8e3a7f42
Revises: 2b7e9d4c1a06
Create Date: 2026-12-05 22:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5c1d8e3a7f42'
down_revision = '2b7e9d4c1a06'
branch_labels = None
depends_on = None

COLUMNS = (('organisation', 'name_mn'), ('enforcement_domain', 'name_mn'), ('person', 'name_mn'), ('law', 'title_mn'))


def upgrade() -> None:
    for table, column in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.String(length=240), server_default='', nullable=False))


def downgrade() -> None:
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
