"""The lint catalogue: every lint's stable id, default severity and what it is about.

Ids never change meaning once released: CI configurations and ``-- llm-proxy: ignore``
comments refer to them. The numbering groups them: 1xx goose's line-based splitting,
2xx idempotent DDL, 3xx transactions, 4xx the Down section, 0xx the lint comments themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from llm_proxy.services.findings import Finding, Severity

if TYPE_CHECKING:
    from pathlib import Path

    from llm_proxy.format.direction import Direction


@dataclass(frozen=True, slots=True)
class Rule:
    """One lint: its id, default severity, a one-line title, and the usual fix."""

    id: str
    severity: Severity
    title: str
    hint: str

    def finding(
        self,
        path: Path,
        line: int | None,
        message: str,
        *,
        direction: Direction | None = None,
        hint: str | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        return Finding(
            self.id,
            message,
            file=path,
            line=line,
            hint=hint or self.hint,
            severity=severity or self.severity,
            direction=direction,
        )


_WRAP = "wrap the statement in '-- +goose StatementBegin' / '-- +goose StatementEnd'"

UNKNOWN_ID = Rule(
    "LP001", "warning", "unknown lint id in an ignore comment",
    "use ids listed by 'llm-proxy migrate validate --help', e.g. '-- llm-proxy: ignore LP201'",
)
CUT_IN_LITERAL = Rule(
    "LP101", "error", "goose cuts a statement at a ';' inside a literal or comment",
    _WRAP + " so that goose sends it whole",
)
HIDDEN_SEMICOLON = Rule(
    "LP102", "warning", "goose does not see a statement's ending ';'",
    "put a space between ';' and '--', keep '-- ' out of string literals on the last line, "
    "or move the comment to a line of its own",
)
BLOCK_COMMENT = Rule(
    "LP103", "warning", "/* */ comment between statements",
    "use '--' comments: goose reads '/* */' as SQL and glues it onto the next statement "
    "(after the last statement of a section it is an unfinished statement)",
)
SAME_LINE = Rule(
    "LP104", "warning", "several statements in one execution unit",
    "put each statement on a line of its own, ending with ';'",
)
EMPTY_BLOCK = Rule(
    "LP105", "warning", "empty StatementBegin/StatementEnd block",
    "remove the empty '-- +goose StatementBegin' / '-- +goose StatementEnd' pair",
)
WHITESPACE_GLUE = Rule(
    "LP106", "warning", "whitespace-only line glues comments onto the next statement",
    "make the line truly empty (remove its spaces or tabs)",
)
CREATE_TABLE = Rule(
    "LP201", "warning", "CREATE TABLE without IF NOT EXISTS",
    "write CREATE TABLE IF NOT EXISTS so that a re-run after a partial failure succeeds",
)
CREATE_INDEX = Rule(
    "LP202", "warning", "CREATE INDEX without IF NOT EXISTS",
    "write CREATE INDEX IF NOT EXISTS so that a re-run after a partial failure succeeds",
)
DROP_TABLE = Rule(
    "LP203", "warning", "DROP TABLE without IF EXISTS",
    "write DROP TABLE IF EXISTS so that a re-run after a partial failure succeeds",
)
DROP_INDEX = Rule(
    "LP204", "warning", "DROP INDEX without IF EXISTS",
    "write DROP INDEX IF EXISTS so that a re-run after a partial failure succeeds",
)
ADD_COLUMN = Rule(
    "LP205", "warning", "ADD COLUMN without IF NOT EXISTS",
    "write ADD COLUMN IF NOT EXISTS so that a re-run after a partial failure succeeds",
)
DROP_IF_NOT_EXISTS = Rule(
    "LP206", "error", "DROP ... IF NOT EXISTS is not SQL",
    "write DROP ... IF EXISTS",
)
TRANSACTION_CONTROL = Rule(
    "LP301", "error", "transaction control inside a migration",
    "remove it: the runner already runs each migration in one transaction "
    "(or add '-- +goose NO TRANSACTION' if the migration must manage its own transactions)",
)
CONCURRENTLY = Rule(
    "LP302", "error", "CONCURRENTLY inside a transaction",
    "add '-- +goose NO TRANSACTION' to the file and keep the statement in an execution unit "
    "of its own",
)
NOT_IN_TRANSACTION = Rule(
    "LP303", "error", "statement that cannot run inside a transaction block",
    "add '-- +goose NO TRANSACTION' to the file, or move the statement out of the migrations",
)
MYSQL_IMPLICIT_COMMIT = Rule(
    "LP304", "warning", "MySQL commits DDL implicitly: the migration is not atomic",
    "put one DDL statement in each migration, or make every statement safe to re-run "
    "(IF [NOT] EXISTS) so that re-running after a failure works",
)
NO_DOWN = Rule(
    "LP401", "warning", "no Down section",
    "add '-- +goose Down' with SQL that undoes the Up section, so that rollbacks and the "
    "up-down-up round trip work",
)
EMPTY_DOWN = Rule(
    "LP402", "warning", "Down section without statements",
    "write SQL that undoes the Up section (SQLite can DROP COLUMN since 3.35; a table "
    "rebuild works everywhere)",
)

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        UNKNOWN_ID, CUT_IN_LITERAL, HIDDEN_SEMICOLON, BLOCK_COMMENT, SAME_LINE, EMPTY_BLOCK,
        WHITESPACE_GLUE, CREATE_TABLE, CREATE_INDEX, DROP_TABLE, DROP_INDEX, ADD_COLUMN,
        DROP_IF_NOT_EXISTS, TRANSACTION_CONTROL, CONCURRENTLY, NOT_IN_TRANSACTION,
        MYSQL_IMPLICIT_COMMIT, NO_DOWN, EMPTY_DOWN,
    )
}
