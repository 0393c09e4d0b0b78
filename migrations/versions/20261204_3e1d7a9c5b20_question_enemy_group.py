"""Question.enemy_group: questions of one group never share a paper

Revision ID: 3e1d7a9c5b20
Revises: 3c1d2e7f9a10
Create Date: 2026-12-04 21:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '3e1d7a9c5b20'
down_revision = "3c1d2e7f9a10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('question') as batch:
        batch.add_column(sa.Column('enemy_group', sa.String(length=60), nullable=True))
        batch.create_index('ix_question_enemy_group', ['enemy_group'])


def downgrade() -> None:
    with op.batch_alter_table('question') as batch:
        batch.drop_index('ix_question_enemy_group')
        batch.drop_column('enemy_group')
