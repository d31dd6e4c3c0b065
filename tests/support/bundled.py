"""The schema the bundled migrations must leave after each step, on every dialect.

One logical schema, spelled out by hand, for SQLite, PostgreSQL and MariaDB/MySQL alike:
the bundled-migrations replay (tests/test_bundled_migrations.py) and the command-line tests
compare what the inspector reads back with it after every step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect
from support.databases import VERSION_TABLE, dialect_of, probing

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# The bundled migrations of every dialect, in order.
FILE_NAMES = (
    "00001_initial_schema.sql",
    "00002_add_deactivated_at.sql",
    "00003_add_token_cache_hit_count.sql",
    "00004_token_id_primary_key.sql",
    "00005_rename_openai_api_key.sql",
    "00006_widen_audit_outcome.sql",
)


# --- The expected schema of each step ----------------------------------------------------

# Column kinds, and the types each dialect is expected to use for them.
TEXT, BOOL, TIME, INT = "text", "bool", "time", "int"
NATIVE_TYPES = {
    "sqlite": {TEXT: {"TEXT"}, BOOL: {"BOOLEAN"}, TIME: {"DATETIME"}, INT: {"INTEGER"}},
    "postgres": {TEXT: {"TEXT"}, BOOL: {"BOOLEAN"}, TIME: {"TIMESTAMP"}, INT: {"INTEGER"}},
    "mysql": {TEXT: {"VARCHAR", "TEXT"}, BOOL: {"TINYINT"}, TIME: {"DATETIME"}, INT: {"INTEGER"}},
}
NULL, NOT_NULL = True, False
# Meaning of a default: None (no default), "true", "0", or "now" (the current timestamp).


@dataclass
class Table:
    columns: dict[str, tuple[str, bool, str | None]]  # name -> (kind, nullable, default)
    primary_key: tuple[str, ...]
    # Indexes and unique constraints together (MySQL does not tell them apart):
    # name -> (columns, unique).
    indexes: dict[str, tuple[tuple[str, ...], bool]]
    # name -> (columns, referred table, referred columns, ON DELETE)
    foreign_keys: dict[str, tuple[tuple[str, ...], str, tuple[str, ...], str | None]] = field(
        default_factory=dict
    )
    checks: dict[str, frozenset[str]] = field(default_factory=dict)  # name -> allowed values


def expected_schema(step: int) -> dict[str, Table]:
    """The logical schema after migration ``step`` (0 = nothing applied)."""
    if step == 0:
        return {}
    projects = Table(
        columns={
            "id": (TEXT, NOT_NULL, None),
            "name": (TEXT, NOT_NULL, None),
            ("api_key" if step >= 5 else "openai_api_key"): (TEXT, NOT_NULL, None),
            "is_active": (BOOL, NOT_NULL, "true"),
            "created_at": (TIME, NOT_NULL, "now"),
            "updated_at": (TIME, NOT_NULL, "now"),
        },
        primary_key=("id",),
        indexes={"idx_projects_name": (("name",), True)},
    )
    tokens = Table(
        columns={
            "token": (TEXT, NOT_NULL, None),
            "project_id": (TEXT, NOT_NULL, None),
            "expires_at": (TIME, NULL, None),
            "is_active": (BOOL, NOT_NULL, "true"),
            "request_count": (INT, NOT_NULL, "0"),
            "max_requests": (INT, NULL, None),
            "created_at": (TIME, NOT_NULL, "now"),
            "last_used_at": (TIME, NULL, None),
        },
        primary_key=("token",),
        indexes={
            "idx_tokens_project_id": (("project_id",), False),
            "idx_tokens_expires_at": (("expires_at",), False),
            "idx_tokens_is_active": (("is_active",), False),
        },
        foreign_keys={
            "fk_tokens_project_id": (("project_id",), "projects", ("id",), "CASCADE"),
        },
    )
    audit_events = Table(
        columns={
            "id": (TEXT, NOT_NULL, None),
            "timestamp": (TIME, NOT_NULL, None),
            "action": (TEXT, NOT_NULL, None),
            "actor": (TEXT, NOT_NULL, None),
            **{
                name: (TEXT, NULL, None)
                for name in (
                    "project_id", "request_id", "correlation_id", "client_ip", "method",
                    "path", "user_agent", "reason", "token_id", "metadata",
                )
            },
            "outcome": (TEXT, NOT_NULL, None),
        },
        primary_key=("id",),
        indexes={
            "idx_audit_events_timestamp": (("timestamp",), False),
            "idx_audit_events_action": (("action",), False),
            "idx_audit_events_project_id": (("project_id",), False),
            "idx_audit_events_client_ip": (("client_ip",), False),
            "idx_audit_events_request_id": (("request_id",), False),
            "idx_audit_events_outcome": (("outcome",), False),
            "idx_audit_events_client_ip_action": (("client_ip", "action"), False),
        },
        checks={"ck_audit_events_outcome": frozenset({"success", "failure"})},
    )
    if step >= 2:
        projects.columns["deactivated_at"] = (TIME, NULL, None)
        tokens.columns["deactivated_at"] = (TIME, NULL, None)
    if step >= 3:
        tokens.columns["cache_hit_count"] = (INT, NOT_NULL, "0")
    if step >= 4:
        tokens.columns["id"] = (TEXT, NOT_NULL, None)
        tokens.primary_key = ("id",)
        tokens.indexes["uq_tokens_token"] = (("token",), True)
    if step >= 6:
        audit_events.checks["ck_audit_events_outcome"] = frozenset(
            {"success", "failure", "denied", "error"}
        )
    return {"projects": projects, "tokens": tokens, "audit_events": audit_events}


# --- Reading the schema back --------------------------------------------------------------


def _kind(dialect: str, column_type: Any) -> str:
    type_name = type(column_type).__name__.upper()
    if dialect == "postgres" and type_name == "TIMESTAMP" and not column_type.timezone:
        return "unexpected TIMESTAMP WITHOUT TIME ZONE"
    if dialect == "mysql" and type_name == "TINYINT" and column_type.display_width != 1:
        return f"unexpected {column_type!r}"
    for kind, names in NATIVE_TYPES[dialect].items():
        if type_name in names:
            return kind
    return f"unexpected {column_type!r}"


def _default(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip().lower()
    if "current_timestamp" in value or "now()" in value:
        return "now"
    value = value.strip("'()")
    if value == "null":
        return None
    if value in ("1", "true"):
        return "true"
    return value


def read_schema(engine: Engine, dialect: str) -> dict[str, Table]:
    """The schema as the inspector reports it, in the terms of :func:`expected_schema`."""
    inspector = inspect(engine)
    tables = {}
    for name in inspector.get_table_names():
        indexes = {}
        for index in inspector.get_indexes(name):
            indexes[index["name"]] = (tuple(index["column_names"]), bool(index["unique"]))
        for unique in inspector.get_unique_constraints(name):
            indexes[unique["name"]] = (tuple(unique["column_names"]), True)
        tables[name] = Table(
            columns={
                column["name"]: (
                    _kind(dialect, column["type"]),
                    column["nullable"],
                    _default(column["default"]),
                )
                for column in inspector.get_columns(name)
            },
            primary_key=tuple(inspector.get_pk_constraint(name)["constrained_columns"]),
            indexes=indexes,
            foreign_keys={
                fk["name"]: (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    (fk["options"].get("ondelete") or "").upper() or None,
                )
                for fk in inspector.get_foreign_keys(name)
            },
            checks={
                check["name"]: frozenset(re.findall(r"'([^']*)'", check["sqltext"]))
                for check in inspector.get_check_constraints(name)
            },
        )
    return tables


def assert_schema_at(url: str, step: int) -> None:
    """The database holds exactly the bundled schema after migration ``step``, plus goose's table."""
    with probing(url) as db:
        schema = read_schema(db.engine, dialect_of(url))
    assert schema.pop(VERSION_TABLE, None) is not None, "goose's version table is missing"
    assert schema == expected_schema(step), f"schema after step {step}"
