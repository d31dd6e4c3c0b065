"""Snapshots of a database schema, and what changed between two of them.

A snapshot names every object a migration may create or drop: tables, columns (type,
default, nullability), primary keys, indexes, unique, foreign-key and check constraints,
views and triggers, and on PostgreSQL and MySQL also functions and procedures. SQLAlchemy's
inspector covers tables and their parts; views, triggers and routines come from each
dialect's catalog (``sqlite_master``, ``pg_views``/``pg_trigger``/``pg_proc``,
``information_schema``), where the inspector is blind or slow.

Objects are grouped by the table they belong to, and a group carries a fingerprint: two
snapshots differ only in the groups whose fingerprints differ, so comparing them is cheap
even with thousands of tables. On SQLite the fingerprint is the group's rows of
``sqlite_master`` (the whole schema lives there), so a group is inspected only the first
time its rows are seen: a round trip over 1,000 migrations inspects each table a few times,
not 1,000 times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llm_proxy.dialects import dialect_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from sqlalchemy.engine import Connection

Definition = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SchemaObject:
    """One object of a schema: ``kind`` (``column``, ``index``, ...), its name, its table."""

    kind: str
    name: str
    table: str | None = None
    definition: Definition = ()

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.kind, self.table, self.name)

    @property
    def label(self) -> str:
        """How a person names it: ``column tokens.cache_hit_count``, ``index idx_x on t``."""
        if self.kind == "column":
            return f"column {self.table}.{self.name}"
        if self.table is None or self.kind == "table":
            return f"{self.kind} {self.name}"
        return f"{self.kind} {self.name} on {self.table}"


@dataclass(frozen=True, slots=True)
class Group:
    """The objects of one table (or one view, routine), with a cheap fingerprint."""

    fingerprint: object
    objects: tuple[SchemaObject, ...]


Snapshot = dict[tuple[str, str], Group]


@dataclass(frozen=True, slots=True)
class Change:
    """One object that differs between the schema before Up and after Down."""

    change: str  # "left" (in after-Down only), "missing" (before-Up only) or "changed"
    before: SchemaObject | None
    after_up: SchemaObject | None
    after_down: SchemaObject | None

    @property
    def subject(self) -> SchemaObject:
        found = self.after_down or self.before
        assert found is not None
        return found

    def describe(self) -> str:
        """The difference in words, e.g. ``column t.c is still there (added by Up)``."""
        label = self.subject.label
        if self.change == "left":
            if self.after_up is not None:
                return f"{label} is still there (added by Up)"
            return f"{label} was created by Down (it did not exist before Up)"
        if self.change == "missing":
            if self.after_up is not None:
                return f"{label} was dropped by Down but was not created by its Up (it existed before Up)"
            return f"{label} was dropped by Up and not restored by Down"
        assert self.before is not None and self.after_down is not None
        fields = dict(self.before.definition), dict(self.after_down.definition)
        parts = [
            f"{name} {fields[0].get(name, 'none')} before Up, {fields[1].get(name, 'none')} after Down"
            for name in dict.fromkeys([*fields[0], *fields[1]])
            if fields[0].get(name) != fields[1].get(name)
        ]
        return f"{label} differs: {'; '.join(parts)}"


def compare(before: Snapshot, after_up: Snapshot, after_down: Snapshot) -> list[Change]:
    """Every object that differs between ``before`` and ``after_down``, in a stable order.

    A table that is left over or missing as a whole is one change, not one per column.
    """
    changes: list[Change] = []
    for group in sorted(set(before) | set(after_down)):
        old, new = before.get(group), after_down.get(group)
        if old is not None and new is not None and old.fingerprint == new.fingerprint:
            continue
        was = _by_key(old)
        now = _by_key(new)
        up = _by_key(after_up.get(group))
        whole: set[str] = set()
        for key in sorted(set(was) | set(now), key=_order):
            kind, table, name = key
            if table in whole:
                continue
            if key not in was:
                changes.append(Change("left", None, up.get(key), now[key]))
            elif key not in now:
                changes.append(Change("missing", was[key], up.get(key), None))
            elif was[key] != now[key]:
                changes.append(Change("changed", was[key], up.get(key), now[key]))
                continue
            else:
                continue
            if kind == "table":
                whole.add(name)
    return changes


def _by_key(group: Group | None) -> dict[tuple[str, str | None, str], SchemaObject]:
    return {o.key: o for o in group.objects} if group is not None else {}


def _order(key: tuple[str, str | None, str]) -> tuple[int, str, str]:
    kind, table, name = key
    return (0 if kind == "table" else 1, table or "", f"{kind} {name}")


class SchemaReader:
    """Takes snapshots of one database through one connection, ignoring ``exclude`` tables.

    Remembers what it inspected, so that a snapshot re-inspects only what changed (SQLite).
    Each snapshot ends its read transaction, so the reader never holds locks while migrations
    run on other connections.
    """

    def __init__(self, connection: Connection, *, exclude: Iterable[str] = ()) -> None:
        self.connection = connection
        self.dialect = dialect_of(connection)
        self.exclude = {name.lower() for name in exclude}
        self._known: dict[object, tuple[SchemaObject, ...]] = {}
        self._recent: list[tuple[object, Snapshot]] = []

    def snapshot(self) -> Snapshot:
        try:
            if self.dialect == "sqlite":
                return self._sqlite()
            return self._server()
        finally:
            if self.connection.in_transaction():
                self.connection.rollback()

    # -- SQLite ----------------------------------------------------------------------------

    def _sqlite(self) -> Snapshot:
        rows = self.connection.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
            "ORDER BY tbl_name, type, name"
        ).fetchall()
        # A rolled-back migration leaves the catalog exactly as it was: reuse that snapshot.
        for seen, snapshot in self._recent:
            if seen == rows:
                return snapshot
        snapshot = {}
        by_table: dict[str, list[tuple[str, str, str, str | None]]] = {}
        for kind, name, table, sql in rows:
            if kind == "view":
                snapshot[("view", name)] = Group(("view", name, sql), (SchemaObject("view", name, None, _sql(sql)),))
            elif table.lower() not in self.exclude:
                by_table.setdefault(table, []).append((kind, name, table, sql))
        known = self._known
        for table, table_rows in by_table.items():
            fingerprint = tuple(table_rows)
            objects = known.get(fingerprint)
            if objects is None:
                objects = known[fingerprint] = self._sqlite_table(table, table_rows)
            snapshot[("table", table)] = Group(fingerprint, objects)
        self._recent = [(rows, snapshot), *self._recent[:2]]
        return snapshot

    def _sqlite_table(self, table: str, rows: list[tuple[str, str, str, str | None]]) -> tuple[SchemaObject, ...]:
        from sqlalchemy import inspect

        if not any(kind == "table" for kind, *_ in rows):
            # An index or trigger whose table is gone cannot exist; keep the rows as they are.
            return tuple(SchemaObject(kind, name, table, _sql(sql)) for kind, name, _, sql in rows)
        inspector = inspect(self.connection)
        parts = _inspect_table(inspector, table)
        parts["unique"] = [*parts["unique"], *self._sqlite_inline_unique(table, parts["unique"])]
        found = list(_table_objects(self.connection, table, **parts))
        found.extend(SchemaObject("trigger", name, table, _sql(sql)) for kind, name, _, sql in rows if kind == "trigger")
        return tuple(found)

    def _sqlite_inline_unique(self, table: str, known: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Column-level UNIQUE, which only SQLite's automatic indexes record."""
        seen = {tuple(u["column_names"]) for u in known}
        found = []
        quoted = table.replace('"', '""')
        for row in self.connection.exec_driver_sql(f'PRAGMA index_list("{quoted}")').fetchall():
            name, origin = row[1], row[3]
            if origin != "u":
                continue
            index = name.replace('"', '""')
            columns = tuple(r[2] for r in self.connection.exec_driver_sql(f'PRAGMA index_info("{index}")').fetchall())
            if columns not in seen:
                seen.add(columns)
                found.append({"name": None, "column_names": list(columns)})
        return found

    # -- PostgreSQL, MySQL/MariaDB ---------------------------------------------------------

    def _server(self) -> Snapshot:
        from sqlalchemy import inspect

        inspector = inspect(self.connection)
        tables = [t for t in inspector.get_table_names() if t.lower() not in self.exclude]
        multi: dict[str, Mapping[tuple[str | None, str], object]] = {
            "columns": inspector.get_multi_columns(filter_names=tables),
            "primary_key": inspector.get_multi_pk_constraint(filter_names=tables),
            "indexes": inspector.get_multi_indexes(filter_names=tables),
            "unique": inspector.get_multi_unique_constraints(filter_names=tables),
            "foreign_keys": inspector.get_multi_foreign_keys(filter_names=tables),
            "checks": inspector.get_multi_check_constraints(filter_names=tables),
        }
        parts: dict[str, dict[str, Any]] = {t: {} for t in tables}
        for part, per_table in multi.items():
            for (_schema, table), value in per_table.items():
                if table in parts:
                    parts[table][part] = value
        catalog = _CATALOG[self.dialect]
        if self.dialect == "mysql":
            # The inspector reads CHECK constraints from SHOW CREATE TABLE and misses MariaDB's
            # column-level ones; information_schema has them all.
            query = catalog["checks_mariadb" if getattr(self.connection.dialect, "is_mariadb", False) else "checks"]
            for table in parts:
                parts[table]["checks"] = []
            for table, name, clause in self.connection.exec_driver_sql(query).fetchall():
                if table in parts:
                    parts[table]["checks"].append({"name": name, "sqltext": clause})
        snapshot: Snapshot = {}
        triggers: dict[str, list[SchemaObject]] = {}
        for name, table, definition in self.connection.exec_driver_sql(catalog["triggers"]).fetchall():
            triggers.setdefault(table, []).append(SchemaObject("trigger", name, table, _sql(definition)))
        for table in tables:
            objects = (*_table_objects(self.connection, table, **parts[table]), *triggers.get(table, ()))
            snapshot[("table", table)] = Group(objects, objects)
        for kind, query in (("view", catalog["views"]), ("routine", catalog["routines"])):
            for name, definition in self.connection.exec_driver_sql(query).fetchall():
                obj = SchemaObject(kind, name, None, _sql(definition))
                snapshot[(kind, name)] = Group(obj, (obj,))
        return snapshot


_CATALOG: Mapping[str, Mapping[str, str]] = {
    "postgres": {
        "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema() "
        "UNION ALL SELECT matviewname, definition FROM pg_matviews WHERE schemaname = current_schema()",
        "triggers": "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT t.tgisinternal AND n.nspname = current_schema()",
        "routines": "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', "
        "md5(pg_get_functiondef(p.oid)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p')",
    },
    "mysql": {
        "views": "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()",
        "triggers": "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, CONCAT_WS(' ', ACTION_TIMING, EVENT_MANIPULATION, "
        "ACTION_STATEMENT) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
        "routines": "SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME), MD5(ROUTINE_DEFINITION) "
        "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()",
        "checks": "SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS cc "
        "JOIN information_schema.TABLE_CONSTRAINTS tc ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA "
        "AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'CHECK' "
        "WHERE cc.CONSTRAINT_SCHEMA = DATABASE()",
        "checks_mariadb": "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
        "WHERE CONSTRAINT_SCHEMA = DATABASE()",
    },
}


def _inspect_table(inspector: Any, table: str) -> dict[str, Any]:
    return {
        "columns": inspector.get_columns(table),
        "primary_key": inspector.get_pk_constraint(table),
        "indexes": inspector.get_indexes(table),
        "unique": inspector.get_unique_constraints(table),
        "foreign_keys": inspector.get_foreign_keys(table),
        "checks": inspector.get_check_constraints(table),
    }


def _table_objects(
    connection: Connection,
    table: str,
    *,
    columns: list[dict[str, Any]] = (),  # type: ignore[assignment]
    primary_key: dict[str, Any] | None = None,
    indexes: list[dict[str, Any]] = (),  # type: ignore[assignment]
    unique: list[dict[str, Any]] = (),  # type: ignore[assignment]
    foreign_keys: list[dict[str, Any]] = (),  # type: ignore[assignment]
    checks: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> Iterator[SchemaObject]:
    """The table, then its columns and constraints, as comparable objects."""
    yield SchemaObject("table", table, table)
    for column in columns:
        yield SchemaObject(
            "column",
            column["name"],
            table,
            (
                ("type", _type(connection, column["type"])),
                ("nullability", "NULL" if column.get("nullable", True) else "NOT NULL"),
                ("default", _default(column.get("default"))),
            ),
        )
    if primary_key and primary_key.get("constrained_columns"):
        yield SchemaObject("primary key", _columns(primary_key["constrained_columns"]), table)
    for index in indexes:
        if index.get("name") is None:
            continue
        yield SchemaObject(
            "index",
            index["name"],
            table,
            (
                ("columns", _columns(c if c is not None else "<expression>" for c in index["column_names"])),
                ("uniqueness", "UNIQUE" if index.get("unique") else "not unique"),
            ),
        )
    for constraint in unique:
        yield SchemaObject("unique constraint", constraint.get("name") or _columns(constraint["column_names"]), table,
                           (("columns", _columns(constraint["column_names"])),))
    for key in foreign_keys:
        target = f"{key['referred_table']}({_columns(key['referred_columns'])})"
        options = key.get("options") or {}
        yield SchemaObject(
            "foreign key",
            key.get("name") or f"{_columns(key['constrained_columns'])} -> {target}",
            table,
            (
                ("columns", f"({_columns(key['constrained_columns'])}) -> {target}"),
                ("ON DELETE", str(options.get("ondelete") or "none").upper()),
                ("ON UPDATE", str(options.get("onupdate") or "none").upper()),
            ),
        )
    for check in checks:
        sqltext = _normalized(check["sqltext"])
        yield SchemaObject("check constraint", check.get("name") or sqltext, table, (("condition", sqltext),))


def _type(connection: Connection, type_: Any) -> str:
    try:
        return str(type_.compile(dialect=connection.dialect))
    except Exception:  # noqa: BLE001 - a type the dialect cannot render still compares by repr
        return repr(type_)


def _default(value: object) -> str:
    return "none" if value is None else _normalized(str(value))


def _columns(names: Iterable[str]) -> str:
    return ", ".join(names)


def _sql(text: str | None) -> Definition:
    return (("definition", _normalized(text or "")),)


_SPACE = re.compile(r"\s+")


def _normalized(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
