"""The outcome summary keeps the candidate's organisation when the row was computed (the statistics read it without
joining the people, and a transfer does not move a closed year's figures; backfilled with the people's organisation);
monthly snapshots of the dashboard's figures (issue 19)

Revision ID: 2b7e9d4c1a06
Revises: 4f7a2c9e1b58
Create Date: 2026-12-05 22:00:00
"""
import sqlalchemy as sa

import examsys.db
from alembic import op

revision = '2b7e9d4c1a06'
down_revision = "4f7a2c9e1b58"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exam_outcome', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_id', sa.Integer(), nullable=True))
    op.execute("UPDATE exam_outcome SET org_id = (SELECT person.org_id FROM person WHERE person.id = exam_outcome.person_id)")
    with op.batch_alter_table('exam_outcome', schema=None) as batch_op:
        batch_op.alter_column('org_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_exam_outcome_org_id'), ['org_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_exam_outcome_org_id_organisation'), 'organisation', ['org_id'], ['id'])
    op.create_table('figure_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('taken_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_figure_snapshot_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_snapshot')),
    sa.UniqueConstraint('org_id', 'month', name=op.f('uq_figure_snapshot_org_id_month'))
    )
    with op.batch_alter_table('figure_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_figure_snapshot_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('figure_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_figure_snapshot_org_id'))
    op.drop_table('figure_snapshot')
    with op.batch_alter_table('exam_outcome', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_exam_outcome_org_id_organisation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_exam_outcome_org_id'))
        batch_op.drop_column('org_id')
