"""Practice in Mongolian (issue 21): the script a practice answer was given in, so that the wrong-answer book
shows each question in it

Revision ID: 3d9a6b1e7c24
Revises: 0e60a5373fe1
Create Date: 2026-12-06 01:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '3d9a6b1e7c24'
down_revision = '0e60a5373fe1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('practice_answer', schema=None) as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='zh'))


def downgrade() -> None:
    with op.batch_alter_table('practice_answer', schema=None) as batch:
        batch.drop_column('language')
