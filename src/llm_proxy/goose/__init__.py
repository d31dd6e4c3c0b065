"""goose's own rules, as pure data and functions: no database, no Alembic.

The version table's state and SQL text (:mod:`.table`, :mod:`.state`), what a command runs
(:mod:`.plan`), what it returns (:mod:`.results`) and the markers of interrupted NO
TRANSACTION migrations (:mod:`.markers`). Everything above (the Alembic environment, the
services, the library and the command line) uses these; they import only ``format`` and
``errors``.
"""
