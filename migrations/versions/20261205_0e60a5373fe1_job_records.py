"""Job records: the progress of long work on the queue (opening a plan, a re-issuance run, a print batch)

Revision ID: 0e60a5373fe1
Revises: 6c1d8e3a5f27
Create Date: 2026-12-05 22:37:54.167605
"""
import sqlalchemy as sa
from alembic import op

import examsys.db

revision = '0e60a5373fe1'
down_revision = '6c1d8e3a5f27'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=40), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='jobstate', native_enum=False, length=24), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('queue_job_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_job_record_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_record'))
    )
    with op.batch_alter_table('job_record', schema=None) as batch_op:
        batch_op.create_index('ix_job_record_target', ['target_type', 'target_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('job_record', schema=None) as batch_op:
        batch_op.drop_index('ix_job_record_target')

    op.drop_table('job_record')
