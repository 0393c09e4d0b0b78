"""Re-issuance campaigns (换发): the campaign, its chosen domains, one item per officer

Revision ID: 8b3981107647
Revises: fa79258b1212
Create Date: 2026-11-26 01:26:57.667703
"""
from alembic import op
import sqlalchemy as sa
import examsys.db


revision = '8b3981107647'
down_revision = 'fa79258b1212'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reissue_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('cleanup_id', sa.Integer(), nullable=False),
    sa.Column('decision_number', sa.String(length=80), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=True),
    sa.Column('region', sa.String(length=120), nullable=False),
    sa.Column('legal_source', sa.String(length=200), nullable=False),
    sa.Column('domain_source', sa.Enum('previous', 'register', 'chosen', name='domainsource', native_enum=False, length=24), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', examsys.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_run_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cleanup_id'], ['cleanup_campaign.id'], name=op.f('fk_reissue_campaign_cleanup_id_cleanup_campaign')),
    sa.ForeignKeyConstraint(['issuer_id'], ['organisation.id'], name=op.f('fk_reissue_campaign_issuer_id_organisation')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_reissue_campaign_opened_by_id_user_account')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_reissue_campaign_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reissue_campaign'))
    )
    with op.batch_alter_table('reissue_campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reissue_campaign_cleanup_id'), ['cleanup_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reissue_campaign_org_id'), ['org_id'], unique=False)

    op.create_table('reissue_campaign_domain',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['reissue_campaign.id'], name=op.f('fk_reissue_campaign_domain_campaign_id_reissue_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['domain_id'], ['enforcement_domain.id'], name=op.f('fk_reissue_campaign_domain_domain_id_enforcement_domain')),
    sa.PrimaryKeyConstraint('campaign_id', 'domain_id', name=op.f('pk_reissue_campaign_domain'))
    )
    op.create_table('reissue_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=255), nullable=False),
    sa.Column('state', sa.Enum('pending', 'issued', 'ineligible', name='reissuestate', native_enum=False, length=24), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('credential_id', sa.Integer(), nullable=True),
    sa.Column('processed_at', examsys.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['reissue_campaign.id'], name=op.f('fk_reissue_item_campaign_id_reissue_campaign')),
    sa.ForeignKeyConstraint(['credential_id'], ['credential.id'], name=op.f('fk_reissue_item_credential_id_credential')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_reissue_item_person_id_person')),
    sa.ForeignKeyConstraint(['previous_id'], ['credential.id'], name=op.f('fk_reissue_item_previous_id_credential')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reissue_item')),
    sa.UniqueConstraint('campaign_id', 'person_id', name=op.f('uq_reissue_item_campaign_id_person_id')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_reissue_item_credential_id'))
    )
    with op.batch_alter_table('reissue_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reissue_item_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reissue_item_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_reissue_item_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reissue_item_state'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reissue_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reissue_item_state'))
        batch_op.drop_index(batch_op.f('ix_reissue_item_person_id'))
        batch_op.drop_index(batch_op.f('ix_reissue_item_org_path'))
        batch_op.drop_index(batch_op.f('ix_reissue_item_campaign_id'))

    op.drop_table('reissue_item')
    op.drop_table('reissue_campaign_domain')
    with op.batch_alter_table('reissue_campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reissue_campaign_org_id'))
        batch_op.drop_index(batch_op.f('ix_reissue_campaign_cleanup_id'))

    op.drop_table('reissue_campaign')
