"""Training records (培训) per person, and public verify look-ups counted per credential and day

Revision ID: 3c1d2e7f9a10
Revises: 3c1f0e2d9b7a
Create Date: 2026-12-04 21:00:00
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = '3c1d2e7f9a10'
down_revision = "3c1f0e2d9b7a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('training_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('course', sa.String(length=120), nullable=False),
    sa.Column('provider', sa.String(length=120), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_training_record_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_training_record_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_record')),
    sa.UniqueConstraint('person_id', 'completed_on', 'course', name=op.f('uq_training_record_person_id_completed_on_course'))
    )
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_record_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_record_year'), ['year'], unique=False)

    op.create_table('verify_count',
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('lookups', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['credential.id'], name=op.f('fk_verify_count_credential_id_credential'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('credential_id', 'day', name=op.f('pk_verify_count'))
    )


def downgrade() -> None:
    op.drop_table('verify_count')
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_record_year'))
        batch_op.drop_index(batch_op.f('ix_training_record_person_id'))
    op.drop_table('training_record')
