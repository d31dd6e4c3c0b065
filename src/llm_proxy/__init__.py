"""goose-format SQL migrations for llm-proxy, run by Alembic, kept in goose's version table."""

__version__ = "0.1.0"
