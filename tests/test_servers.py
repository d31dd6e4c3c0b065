"""The scratch-database fixtures really reach the servers and really isolate tests."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text


def test_each_dialect_gets_an_empty_database_of_its_own(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            assert inspect(conn).get_table_names() == []
            conn.execute(text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))
            conn.execute(text("INSERT INTO probe (id) VALUES (1)"))
            assert conn.execute(text("SELECT count(*) FROM probe")).scalar_one() == 1
    finally:
        engine.dispose()
