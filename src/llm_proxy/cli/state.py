"""``migrate status`` and ``migrate version``: read-only, and instant.

What they print is :mod:`llm_proxy.cli.reading`'s; most calls never get here, because
:mod:`llm_proxy.cli.quick` answers them before typer is even imported.
"""

from __future__ import annotations

from llm_proxy.cli.each import refuse_parallel_alone, status_each
from llm_proxy.cli.options import ConnectionOptions, EachOptions, JsonOutput, option_groups
from llm_proxy.cli.reading import show_status, show_version


@option_groups
def status(connection: ConnectionOptions, json_output: JsonOutput = False, each: EachOptions = EachOptions()) -> None:
    """Show every migration: applied (when) or pending, and versions applied without a file.

    Versions recorded in the database that have no file in the folder (goose does not show
    them) are listed and flagged, and so are pending files older than the newest applied
    version, which 'up' refuses to skip (see --allow-missing). With --each, one row per
    database of a list: its version and how many migrations are pending.

    Example: llm-proxy migrate status --db data/llm-proxy.db
    """
    if each.each is not None:
        status_each(each, connection, json_output=json_output)
        return
    refuse_parallel_alone(each)
    show_status(connection, json_output)


@option_groups
def version(connection: ConnectionOptions, json_output: JsonOutput = False) -> None:
    """Print the current version: the most recently applied migration (0 when none).

    The version comes from the database alone; --dir is accepted so that every command
    takes the same options.

    Example: llm-proxy migrate version --db data/llm-proxy.db
    """
    show_version(connection, json_output)
