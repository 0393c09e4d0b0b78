"""Person.name_key in pinyin order (pypinyin, not GB18030 bytes) and Person.name_pinyin for search

Revision ID: 5e7c2a91d3b0
Revises: 8a4bcf8d12ae
Create Date: 2026-12-04 20:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5e7c2a91d3b0'
down_revision = '8a4bcf8d12ae'
branch_labels = None
depends_on = None


def _recompute(keys) -> None:
    """Every person's sort key and search text from their name, computed in Python by `keys` (the
    model's own function on upgrade, so SQLite and PostgreSQL get identical bytes)."""
    bind = op.get_bind()
    person = sa.table('person', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('name_key', sa.LargeBinary), sa.column('name_pinyin', sa.String))
    rows = bind.execute(sa.select(person.c.id, person.c.name)).all()
    for start in range(0, len(rows), 1000):
        bind.execute(person.update().where(person.c.id == sa.bindparam('person_id'))
                     .values(name_key=sa.bindparam('key'), name_pinyin=sa.bindparam('letters')),
                     [dict(zip(('person_id', 'key', 'letters'), (id_, *keys(name)), strict=True)) for id_, name in rows[start:start + 1000]])


def upgrade() -> None:
    from examsys.personnel import pinyin

    # name_key's model length grows from 240 to 1024 (a pinyin key is longer than GB18030 bytes); BLOB
    # and bytea carry no length, so there is nothing to alter.
    op.add_column('person', sa.Column('name_pinyin', sa.String(length=480), server_default=sa.text("''"), nullable=False))
    _recompute(pinyin.keys)


def downgrade() -> None:
    _recompute(lambda name: ((name or '').encode('gb18030', errors='replace'), ''))  # the keys as revision 8a4bcf8d12ae made them
    with op.batch_alter_table('person') as batch:
        batch.drop_column('name_pinyin')
