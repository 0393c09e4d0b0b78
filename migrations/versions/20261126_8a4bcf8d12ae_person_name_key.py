"""Person.name_key: the name's pinyin sort key, stored, for the lists

Revision ID: 8a4bcf8d12ae
Revises: 0c99120944b4
Create Date: 2026-11-26 11:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '8a4bcf8d12ae'
down_revision = '0c99120944b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('person', sa.Column('name_key', sa.LargeBinary(length=240), server_default=sa.text("''"), nullable=False))
    # The key of every name already there: the name in GB18030 (personnel.models.name_key, as it is today).
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("UPDATE person SET name_key = convert_to(name, 'GB18030')")
    else:
        person = sa.table('person', sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('name_key', sa.LargeBinary))
        rows = bind.execute(sa.select(person.c.id, person.c.name)).all()
        if rows:
            bind.execute(person.update().where(person.c.id == sa.bindparam('person_id')).values(name_key=sa.bindparam('key')),
                         [{'person_id': id_, 'key': (name or '').encode('gb18030', errors='replace')} for id_, name in rows])


def downgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.drop_column('name_key')
