"""The organisation tree: region → league/city → banner/county, with departments under any of them."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examsys import clock
from examsys.db import Base, LabelledEnum, UTCDateTime, enum_column


class OrgKind(LabelledEnum):
    REGION = "region", _l("Region")
    LEAGUE = "league", _l("League / city")
    COUNTY = "county", _l("Banner / county")
    DEPARTMENT = "department", _l("Department")

# Which kinds of node may stand directly under which.
ALLOWED_PARENTS: dict[OrgKind, tuple[OrgKind | None, ...]] = {
    OrgKind.REGION: (None,),
    OrgKind.LEAGUE: (OrgKind.REGION,),
    OrgKind.COUNTY: (OrgKind.LEAGUE,),
    OrgKind.DEPARTMENT: (OrgKind.REGION, OrgKind.LEAGUE, OrgKind.COUNTY),
}


class Organisation(Base):
    """One node. `path` is the materialised path of ids ("/1/4/9/") used for subtree checks."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_mn: Mapped[str] = mapped_column(String(240), default="", server_default="")  # traditional Mongolian (examsys.mongolian)
    division_code: Mapped[str] = mapped_column(String(6), index=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    active: Mapped[bool] = mapped_column(default=True)
    is_issuer: Mapped[bool] = mapped_column(default=False)  # an issuing authority for enforcement credentials
    # The six digits that begin the numbers of the credentials it issues (its division code unless the region's
    # administrator chose another). Unique, and kept when a designation is withdrawn, so no number is ever given twice.
    number_prefix: Mapped[str | None] = mapped_column(String(6), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent", order_by="Organisation.code")

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def contains(self, other: Organisation) -> bool:
        """True when `other` is this node or below it."""
        return other.path.startswith(self.path)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def __repr__(self) -> str:
        return f"<Organisation {self.code} {self.name}>"
