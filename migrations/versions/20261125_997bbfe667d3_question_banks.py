"""question banks: questions, versions, enforcement domains

Revision ID: 997bbfe667d3
Revises: de676aa8c555
Create Date: 2026-11-25 20:59:11.622494
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = '997bbfe667d3'
down_revision = 'de676aa8c555'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('enforcement_domain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enforcement_domain')),
    sa.UniqueConstraint('code', name=op.f('uq_enforcement_domain_code'))
    )
    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.Enum('common', 'sector', name='bankpart', native_enum=False, length=24), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=True),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['enforcement_domain.id'], name=op.f('fk_question_domain_id_enforcement_domain')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_question_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question')),
    sa.UniqueConstraint('ref', name=op.f('uq_question_ref'))
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_domain_id'), ['domain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_part'), ['part'], unique=False)

    op.create_table('question_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'reviewed', 'active', 'retired', name='versionstatus', native_enum=False, length=24), nullable=False),
    sa.Column('type', sa.Enum('single_choice', 'multiple_choice', 'true_false', 'fill_in', 'case_analysis', name='questiontype', native_enum=False, length=24), nullable=False),
    sa.Column('stem', sa.Text(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=True),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('rubric', sa.JSON(), nullable=True),
    sa.Column('reference_answer', sa.Text(), nullable=True),
    sa.Column('law', sa.String(length=80), nullable=False),
    sa.Column('law_version', sa.String(length=20), nullable=False),
    sa.Column('article', sa.String(length=120), nullable=False),
    sa.Column('difficulty', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('is_latest', sa.Boolean(), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.Column('change_note', sa.String(length=200), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('activated_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retired_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_question_version_author_id_user_account')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_version_question_id_question')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_question_version_reviewed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_version')),
    sa.UniqueConstraint('question_id', 'number', name=op.f('uq_question_version_question_id_number'))
    )
    with op.batch_alter_table('question_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_version_difficulty'), ['difficulty'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_version_is_latest'), ['is_latest'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_version_law'), ['law'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_version_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_version_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_version_type'), ['type'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('question_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_version_type'))
        batch_op.drop_index(batch_op.f('ix_question_version_status'))
        batch_op.drop_index(batch_op.f('ix_question_version_question_id'))
        batch_op.drop_index(batch_op.f('ix_question_version_law'))
        batch_op.drop_index(batch_op.f('ix_question_version_is_latest'))
        batch_op.drop_index(batch_op.f('ix_question_version_difficulty'))

    op.drop_table('question_version')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_part'))
        batch_op.drop_index(batch_op.f('ix_question_org_id'))
        batch_op.drop_index(batch_op.f('ix_question_domain_id'))

    op.drop_table('question')
    op.drop_table('enforcement_domain')
