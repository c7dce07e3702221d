"""Page numbers as the pager macro (templates/_macros.html) reads them, for lists that are
not a SQLAlchemy pagination (a list held in memory, ranked search results)."""
from __future__ import annotations


class PageNumbers:
    """Mixed into a page of results that has `page` and `pages` (both from 1)."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
