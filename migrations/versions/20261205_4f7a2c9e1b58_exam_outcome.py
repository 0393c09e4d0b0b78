"""The per-candidate outcome summary (one row per person and plan), kept in step with the attempts by
examsys/exams/outcomes.py; backfilled here from the attempts (issue 19, item 5)

Revision ID: 4f7a2c9e1b58
Revises: 8d4a1f6c2e90
Create Date: 2026-12-05 00:50:00
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = '4f7a2c9e1b58'
down_revision = "8d4a1f6c2e90"
branch_labels = None
depends_on = None

# the same figures as examsys.exams.outcomes.summary(), written out so that the migration does not depend on the code
BACKFILL = """
INSERT INTO exam_outcome (person_id, plan_id, sat, passed, first_fail, last_sat, first_pass, last_pass, graded_at)
SELECT person_id, plan_id,
       max(CASE WHEN status IN ('submitted', 'auto_submitted', 'graded') THEN 1 ELSE 0 END) = 1,
       max(CASE WHEN passed THEN 1 ELSE 0 END) = 1,
       min(CASE WHEN status = 'graded' AND passed = false THEN submitted_at END),
       max(CASE WHEN status IN ('submitted', 'auto_submitted', 'graded') THEN submitted_at END),
       min(CASE WHEN passed THEN submitted_at END),
       max(CASE WHEN passed THEN submitted_at END),
       max(graded_at)
FROM attempt GROUP BY person_id, plan_id
"""


def upgrade() -> None:
    op.create_table('exam_outcome',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('sat', sa.Boolean(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('first_fail', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_sat', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_pass', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_pass', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('graded_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_exam_outcome_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['exam_plan.id'], name=op.f('fk_exam_outcome_plan_id_exam_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'plan_id', name=op.f('pk_exam_outcome'))
    )
    with op.batch_alter_table('exam_outcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_outcome_plan_id'), ['plan_id'], unique=False)
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table('exam_outcome', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_outcome_plan_id'))
    op.drop_table('exam_outcome')
