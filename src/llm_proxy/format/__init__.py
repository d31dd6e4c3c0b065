"""Reading goose migration folders and files: pure Python, no database, no Alembic."""
