"""Exams: plans, blueprints, attempts, answers, marks, integrity events, practice

Revision ID: 61ea67ffc98a
Revises: 007ae45765f0
Create Date: 2026-11-25 22:03:01.209649
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = '61ea67ffc98a'
down_revision = '007ae45765f0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exam_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('qualification', 'makeup', 'renewal', 'practice', name='examkind', native_enum=False, length=24), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.Enum('common', 'sector', name='bankpart', native_enum=False, length=24), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('opens_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('pass_mark', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('attempts_allowed', sa.Integer(), nullable=False),
    sa.Column('partial_credit', sa.Boolean(), nullable=False),
    sa.Column('shuffle_questions', sa.Boolean(), nullable=False),
    sa.Column('shuffle_options', sa.Boolean(), nullable=False),
    sa.Column('paper_mode', sa.Enum('individual', 'shared', name='papermode', native_enum=False, length=24), nullable=False),
    sa.Column('review', sa.Enum('none', 'score', 'answers', name='reviewpolicy', native_enum=False, length=24), nullable=False),
    sa.Column('max_departures', sa.Integer(), nullable=True),
    sa.Column('include_auxiliary', sa.Boolean(), nullable=False),
    sa.Column('makeup_of_id', sa.Integer(), nullable=True),
    sa.Column('double_marking', sa.Boolean(), nullable=False),
    sa.Column('marking_tolerance', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', name='planstatus', native_enum=False, length=24), nullable=False),
    sa.Column('pools', sa.JSON(), nullable=True),
    sa.Column('results_published_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_exam_plan_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['domain_id'], ['enforcement_domain.id'], name=op.f('fk_exam_plan_domain_id_enforcement_domain')),
    sa.ForeignKeyConstraint(['makeup_of_id'], ['exam_plan.id'], name=op.f('fk_exam_plan_makeup_of_id_exam_plan')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_exam_plan_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_plan'))
    )
    with op.batch_alter_table('exam_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_plan_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_plan_status'), ['status'], unique=False)

    op.create_table('attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=32), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'submitted', 'auto_submitted', 'graded', name='attemptstatus', native_enum=False, length=24), nullable=False),
    sa.Column('started_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deadline', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('graded_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('extra_minutes', sa.Integer(), nullable=False),
    sa.Column('device_token', sa.String(length=64), nullable=True),
    sa.Column('departures', sa.Integer(), nullable=False),
    sa.Column('auto_submitted', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_attempt_person_id_person')),
    sa.ForeignKeyConstraint(['plan_id'], ['exam_plan.id'], name=op.f('fk_attempt_plan_id_exam_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt')),
    sa.UniqueConstraint('plan_id', 'person_id', 'number', name=op.f('uq_attempt_plan_id_person_id_number'))
    )
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_status'), ['status'], unique=False)

    op.create_table('blueprint_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('type', sa.Enum('single_choice', 'multiple_choice', 'true_false', 'fill_in', 'case_analysis', name='questiontype', native_enum=False, length=24), nullable=False),
    sa.Column('law', sa.String(length=80), nullable=True),
    sa.Column('difficulty', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('points_each', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['exam_plan.id'], name=op.f('fk_blueprint_section_plan_id_exam_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blueprint_section'))
    )
    with op.batch_alter_table('blueprint_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blueprint_section_plan_id'), ['plan_id'], unique=False)

    op.create_table('practice_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_practice_answer_person_id_person')),
    sa.ForeignKeyConstraint(['version_id'], ['question_version.id'], name=op.f('fk_practice_answer_version_id_question_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_answer'))
    )
    with op.batch_alter_table('practice_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_answer_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_answer_version_id'), ['version_id'], unique=False)

    op.create_table('answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('saved_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('grader_comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_answer_attempt_id_attempt')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer')),
    sa.UniqueConstraint('attempt_id', 'position', name=op.f('uq_answer_attempt_id_position'))
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_attempt_id'), ['attempt_id'], unique=False)

    op.create_table('integrity_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_integrity_event_attempt_id_attempt')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrity_event'))
    )
    with op.batch_alter_table('integrity_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integrity_event_attempt_id'), ['attempt_id'], unique=False)

    op.create_table('case_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('grader_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('reconciles', sa.Boolean(), nullable=False),
    sa.Column('at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], name=op.f('fk_case_mark_answer_id_answer')),
    sa.ForeignKeyConstraint(['grader_id'], ['user_account.id'], name=op.f('fk_case_mark_grader_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_mark')),
    sa.UniqueConstraint('answer_id', 'grader_id', name=op.f('uq_case_mark_answer_id_grader_id'))
    )
    with op.batch_alter_table('case_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_mark_answer_id'), ['answer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_mark_answer_id'))

    op.drop_table('case_mark')
    with op.batch_alter_table('integrity_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integrity_event_attempt_id'))

    op.drop_table('integrity_event')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_attempt_id'))

    op.drop_table('answer')
    with op.batch_alter_table('practice_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_answer_version_id'))
        batch_op.drop_index(batch_op.f('ix_practice_answer_person_id'))

    op.drop_table('practice_answer')
    with op.batch_alter_table('blueprint_section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blueprint_section_plan_id'))

    op.drop_table('blueprint_section')
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_status'))
        batch_op.drop_index(batch_op.f('ix_attempt_plan_id'))
        batch_op.drop_index(batch_op.f('ix_attempt_person_id'))

    op.drop_table('attempt')
    with op.batch_alter_table('exam_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_plan_status'))
        batch_op.drop_index(batch_op.f('ix_exam_plan_org_id'))

    op.drop_table('exam_plan')
