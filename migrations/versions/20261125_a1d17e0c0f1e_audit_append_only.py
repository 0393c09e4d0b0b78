"""Audit entries are append-only in the database itself (PostgreSQL): UPDATE and DELETE are refused.

The hash chain already shows any edit; the trigger stops the application (or a mistaken script) from
making one. A DBA can still disable it, which the chain then reveals.

Revision ID: a1d17e0c0f1e
Revises: 61ea67ffc98a
Create Date: 2026-11-25 22:20:00
"""
from alembic import op

revision = "a1d17e0c0f1e"
down_revision = "61ea67ffc98a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP;
        END
        $$
    """)
    op.execute("""
        CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
        FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
    op.execute("DROP FUNCTION audit_entry_append_only()")
