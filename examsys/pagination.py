"""Pagination done in the database: COUNT once, LIMIT/OFFSET for the page."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to show, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
        shown: list[int | None] = []
        for number in range(1, self.pages + 1):
            if number in (1, self.pages) or abs(number - self.page) <= around:
                shown.append(number)
            elif shown and shown[-1] is not None:
                shown.append(None)
        return shown

    def url_args(self, number: int) -> dict[str, Any]:
        """The current URL's arguments, path ones included (a plan's id), with another page number."""
        args = {**(request.view_args or {}), **request.args.to_dict()}
        args["page"] = number
        return args


def requested_page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def paginate_list(items: Sequence[T], per_page: int, page: int | None = None) -> Page[T]:
    """A page of a list already computed and sorted in full (figures that need every row, such as item statistics)."""
    last = max(1, -(-len(items) // per_page))
    page = min(page or requested_page(), last)
    return Page(list(items[(page - 1) * per_page:page * per_page]), page, per_page, len(items))


def count_rows(session: Session, query: Select[Any]) -> int:
    """How many rows `query` returns, counted by the database."""
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def paginate(session: Session, query: Select[Any], per_page: int, page: int | None = None, rows: bool = False) -> Page[Any]:
    """One page of `query`: its first column's values, or whole rows with `rows` (a query of columns)."""
    page = max(1, page if page is not None else requested_page())
    total = count_rows(session, query)
    last = max(1, -(-total // per_page))
    page = min(page, last)
    paged = query.limit(per_page).offset((page - 1) * per_page)
    items = list(session.execute(paged) if rows else session.scalars(paged))
    return Page(items, page, per_page, total)
