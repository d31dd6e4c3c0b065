"""Names that both readers of the command line know: typer's, and the fast path's for the
read-only commands (:mod:`llm_proxy.cli.quick`), so that the two cannot spell them apart."""

DB = "--db"
DATABASE_URL = "--database-url"
DIR = "--dir"
TABLE = "--table"
JSON = "--json"
LOCK_MODE = "--lock-mode"

DIR_VARIABLE = "GOOSE_MIGRATION_DIR"
TABLE_VARIABLE = "GOOSE_TABLE"
TRACEBACK_VARIABLE = "LLM_PROXY_TRACEBACK"
