"""Lints about the Down section (LP401, LP402).

A migration without a working Down cannot be rolled back, and the up-down-up round trip CI
relies on fails. The original llm-proxy shipped Down sections made only of comments
("SQLite cannot drop a column"); going up again then failed with "duplicate column name".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm_proxy.format.gotext import go_trim
from llm_proxy.services.lint import rules

if TYPE_CHECKING:
    from collections.abc import Iterator

    from llm_proxy.services.findings import Finding
    from llm_proxy.services.lint.source import Source


def check(source: Source) -> Iterator[Finding]:
    """LP401 when there is no Down section, LP402 when it runs nothing."""
    parsed = source.parsed
    if parsed.down_error is not None or parsed.down:
        return
    down = source.down_line()
    if down is None:
        yield rules.NO_DOWN.finding(source.path, None, "the migration has no '-- +goose Down' section: it cannot be rolled back")
        return
    comments = [
        n
        for n in range(down + 1, len(source.lines) + 1)
        if n not in source.annotations and go_trim(source.text(n)).startswith("--")
    ]
    if comments:
        message = (
            f"the Down section holds only comments (line {comments[0]}: "
            f"{go_trim(source.text(comments[0]))!r}): rolling back does nothing"
        )
    else:
        message = "the Down section is empty: rolling back does nothing"
    yield rules.EMPTY_DOWN.finding(source.path, down, message)
