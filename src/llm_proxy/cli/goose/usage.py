"""goose's usage text, as its binary prints it: the head and the command list on stdout,
the flag list (``flag.PrintDefaults``) on stderr."""

from __future__ import annotations

import sys

from llm_proxy.cli.goose.flags import print_defaults

SUPPORTED_DRIVERS = ("postgres", "pgx", "mysql", "sqlite3", "sqlite")

_HEAD = """Usage: llm-proxy goose DRIVER DBSTRING [OPTIONS] COMMAND

or

Set environment key
GOOSE_DRIVER=DRIVER
GOOSE_DBSTRING=DBSTRING
GOOSE_MIGRATION_DIR=MIGRATION_DIR

Usage: llm-proxy goose [OPTIONS] COMMAND

Drivers:
    postgres
    pgx
    mysql
    sqlite3
    sqlite

Examples:
    llm-proxy goose sqlite3 ./foo.db status
    llm-proxy goose sqlite3 ./foo.db create init sql
    llm-proxy goose sqlite3 ./foo.db up

    llm-proxy goose postgres "user=postgres dbname=postgres sslmode=disable" status
    llm-proxy goose mysql "user:password@/dbname?parseTime=true" status

    GOOSE_DRIVER=sqlite3 GOOSE_DBSTRING=./foo.db llm-proxy goose status
    GOOSE_DRIVER=postgres GOOSE_DBSTRING="user=postgres dbname=postgres sslmode=disable" llm-proxy goose status

Options:
"""

_COMMANDS = """
Commands:
    up                   Migrate the DB to the most recent version available
    up-by-one            Migrate the DB up by 1
    up-to VERSION        Migrate the DB to a specific VERSION
    down                 Roll back the version by 1
    down-to VERSION      Roll back to a specific VERSION
    redo                 Re-run the latest migration
    reset                Roll back all migrations
    status               Dump the migration status for the current DB
    version              Print the current version of the database
    create NAME [sql|py] Creates new migration file with the current timestamp
    fix                  Apply sequential ordering to migrations
    validate             Check migration files without running them
    env                  Print the GOOSE_* environment goose reads
"""


def usage() -> None:
    """goose's ``usage()``: ``fmt.Println(prefix)``, ``PrintDefaults()``, ``fmt.Println(commands)``."""
    sys.stdout.write(_HEAD + "\n")
    sys.stdout.flush()
    print_defaults()
    sys.stderr.flush()
    sys.stdout.write(_COMMANDS + "\n")
    sys.stdout.flush()
