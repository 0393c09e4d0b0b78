"""The controlled list of laws (title, version, dates, superseded by), seeded with the laws the bank holds;
a plan's preference for less-exposed questions

Revision ID: 8d4a1f6c2e90
Revises: 9c4e1f7a2b63
Create Date: 2026-12-04 23:40:00
"""
from alembic import op
import sqlalchemy as sa

import examsys.db


revision = '8d4a1f6c2e90'
down_revision = "9c4e1f7a2b63"
branch_labels = None
depends_on = None


def upgrade() -> None:
    law = op.create_table(
        'law',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=80), nullable=False),
        sa.Column('short_name', sa.String(length=40), nullable=False),
        sa.Column('version', sa.String(length=20), nullable=False),
        sa.Column('version_date', sa.Date(), nullable=True),
        sa.Column('effective_date', sa.Date(), nullable=True),
        sa.Column('superseded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['superseded_by_id'], ['law.id'], name=op.f('fk_law_superseded_by_id_law')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_law')),
        sa.UniqueConstraint('title', 'version', name=op.f('uq_law_title_version')),
    )
    op.create_index(op.f('ix_law_title'), 'law', ['title'], unique=False)
    # The laws the banks already cite stay valid: each (law, version) a question names comes onto the list.
    # The starter banks' laws are added by `flask bank import` and `flask seed-demo` (examsys.bank.laws).
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT DISTINCT law, law_version FROM question_version")).all()
    if rows:
        from datetime import datetime, timezone

        now = datetime.now(timezone.utc)
        op.bulk_insert(law, [{"title": title, "short_name": "", "version": version or "", "created_at": now}
                             for title, version in rows])


    with op.batch_alter_table('exam_plan') as batch:
        batch.add_column(sa.Column('prefer_less_exposed', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('exam_plan') as batch:
        batch.drop_column('prefer_less_exposed')
    op.drop_index(op.f('ix_law_title'), table_name='law')
    op.drop_table('law')
