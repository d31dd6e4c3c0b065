"""Helpers that test modules across the suite share: import them from here.

conftest.py files cannot be imported by the tests they serve, so helpers that lived
there were handed to tests as fixtures, and helpers needed in two folders were copied.
Here each exists once: fixtures (setup and clean-up) stay in the conftest.py files and
call these.

- :mod:`support.cli`: run ``llm-proxy`` (typer's runner, or the installed executable) and
  read what it printed.
- :mod:`support.databases`: look at a database behind the migrator's back: goose's
  rows, tables, schema snapshots.
- :mod:`support.migrations`: sample migrations and migration folders written on the fly.
- :mod:`support.bundled`: the schema the bundled migrations must leave after each step.
- :mod:`support.goose_text`: text cut into lines as goose's scanner cuts it.
- :mod:`support.git`: git run in a temporary repository.
"""
