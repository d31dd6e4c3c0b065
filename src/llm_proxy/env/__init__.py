"""The Alembic environment: goose files as revisions, applied state in goose's version table.

Importing this package imports nothing heavy; Alembic is loaded only by the modules that
run migrations.
"""
