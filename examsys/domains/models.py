"""The enforcement domain record."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column

from examsys.db import Base


class EnforcementDomain(Base):
    """An enforcement domain (执法类别), e.g. market regulation: what an officer may enforce, what a
    sector exam covers and what a credential names."""

    __tablename__ = "enforcement_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    name_mn: Mapped[str] = mapped_column(String(240), default="", server_default="")  # traditional Mongolian
    active: Mapped[bool] = mapped_column(default=True)
    # Rule 1 and 14: a credential for this domain needs a passed sector exam in it besides the common part.
    # Set when a sector bank first names the domain (it has a sector part); `flask bank sector-exam` changes it.
    needs_sector_exam: Mapped[bool] = mapped_column(default=False, server_default=false())


def domains_of(owner_table: str, owner_column: str) -> Table:
    """The link table naming the enforcement domains of one kind of record (a person, a credential, a
    request, a campaign): `<owner_table>_domain`, removed with its owner."""
    return Table(
        f"{owner_table}_domain",
        Base.metadata,
        Column(owner_column, ForeignKey(f"{owner_table}.id", ondelete="CASCADE"), primary_key=True),
        Column("domain_id", ForeignKey("enforcement_domain.id"), primary_key=True),
    )
