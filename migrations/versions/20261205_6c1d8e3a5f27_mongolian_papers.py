"""Exam papers in Mongolian (issue 21): a question version's Mongolian text and its own second-person review, a plan
offering the Mongolian paper, the script an attempt was taken in

Revision ID: 6c1d8e3a5f27
Revises: 5c8e2a7d9f13
Create Date: 2026-12-05 22:30:00
"""
import sqlalchemy as sa

import examsys.db
from alembic import op

revision = '6c1d8e3a5f27'
down_revision = "5c8e2a7d9f13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('question_version', schema=None) as batch:
        batch.add_column(sa.Column('content_mn', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('mn_reviewed_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('mn_reviewed_at', examsys.db.UTCDateTime(timezone=True), nullable=True))
        batch.create_foreign_key(batch.f('fk_question_version_mn_reviewed_by_id_user_account'), 'user_account',
                                 ['mn_reviewed_by_id'], ['id'])
    with op.batch_alter_table('exam_plan', schema=None) as batch:
        batch.add_column(sa.Column('offers_mongolian', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('attempt', schema=None) as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='zh'))


def downgrade() -> None:
    with op.batch_alter_table('attempt', schema=None) as batch:
        batch.drop_column('language')
    with op.batch_alter_table('exam_plan', schema=None) as batch:
        batch.drop_column('offers_mongolian')
    with op.batch_alter_table('question_version', schema=None) as batch:
        batch.drop_constraint(batch.f('fk_question_version_mn_reviewed_by_id_user_account'), type_='foreignkey')
        batch.drop_column('mn_reviewed_at')
        batch.drop_column('mn_reviewed_by_id')
        batch.drop_column('content_mn')
