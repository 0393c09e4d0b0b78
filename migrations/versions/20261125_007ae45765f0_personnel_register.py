"""Personnel register: person details, domains, photos, tasks, corrections, clean-up campaigns

Revision ID: 007ae45765f0
Revises: 997bbfe667d3
Create Date: 2026-11-25 21:07:06.608733
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = '007ae45765f0'
down_revision = '997bbfe667d3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('person_domain',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['enforcement_domain.id'], name=op.f('fk_person_domain_domain_id_enforcement_domain')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_domain_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'domain_id', name=op.f('pk_person_domain'))
    )
    op.create_table('person_photo',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('jpeg', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_photo_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_person_photo'))
    )
    op.create_table('personnel_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('cancel_credential', name='taskkind', native_enum=False, length=24), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', name='taskstatus', native_enum=False, length=24), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_personnel_task_org_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_personnel_task_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personnel_task'))
    )
    with op.batch_alter_table('personnel_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personnel_task_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_personnel_task_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_personnel_task_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_personnel_task_status'), ['status'], unique=False)

    op.create_table('cleanup_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('cutoff', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='campaignstatus', native_enum=False, length=24), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_cleanup_campaign_opened_by_id_user_account')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_cleanup_campaign_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cleanup_campaign'))
    )
    with op.batch_alter_table('cleanup_campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cleanup_campaign_org_id'), ['org_id'], unique=False)

    op.create_table('correction_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', name='taskstatus', native_enum=False, length=24), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_correction_request_person_id_person')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_correction_request_resolved_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_request'))
    )
    with op.batch_alter_table('correction_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_request_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correction_request_status'), ['status'], unique=False)

    op.create_table('campaign_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=255), nullable=False),
    sa.Column('state', sa.Enum('pending', 'confirmed', 'removal', name='itemstate', native_enum=False, length=24), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['cleanup_campaign.id'], name=op.f('fk_campaign_item_campaign_id_cleanup_campaign')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_campaign_item_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_campaign_item_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_item')),
    sa.UniqueConstraint('campaign_id', 'person_id', name=op.f('uq_campaign_item_campaign_id_person_id'))
    )
    with op.batch_alter_table('campaign_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_item_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_item_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_item_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_item_state'), ['state'], unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('legal_qualification', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('training_hours', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('duties', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('hiring_conditions', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('directed_by', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('updated_at', examsys.db.UTCDateTime(timezone=True), nullable=False, server_default=sa.func.now()))
        batch_op.create_index(batch_op.f('ix_person_employment_status'), ['employment_status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_employment_status'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('directed_by')
        batch_op.drop_column('hiring_conditions')
        batch_op.drop_column('duties')
        batch_op.drop_column('training_hours')
        batch_op.drop_column('legal_qualification')
        batch_op.drop_column('phone')

    with op.batch_alter_table('campaign_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_item_state'))
        batch_op.drop_index(batch_op.f('ix_campaign_item_person_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_item_org_path'))
        batch_op.drop_index(batch_op.f('ix_campaign_item_campaign_id'))

    op.drop_table('campaign_item')
    with op.batch_alter_table('correction_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_request_status'))
        batch_op.drop_index(batch_op.f('ix_correction_request_person_id'))

    op.drop_table('correction_request')
    with op.batch_alter_table('cleanup_campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cleanup_campaign_org_id'))

    op.drop_table('cleanup_campaign')
    with op.batch_alter_table('personnel_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personnel_task_status'))
        batch_op.drop_index(batch_op.f('ix_personnel_task_person_id'))
        batch_op.drop_index(batch_op.f('ix_personnel_task_org_id'))
        batch_op.drop_index(batch_op.f('ix_personnel_task_kind'))

    op.drop_table('personnel_task')
    op.drop_table('person_photo')
    op.drop_table('person_domain')
