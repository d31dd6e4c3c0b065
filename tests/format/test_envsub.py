"""ENVSUB substitution, one line at a time (spec §2.6)."""

from __future__ import annotations

import pytest

from llm_proxy.format.envsub import EnvsubError, expand

ENV = {"NAME": "alice", "EMPTY": "", "WORD": "abcdef", "UTF": "h\u00e9llo", "REF": "$NAME"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("plain text", "plain text"),
        ("$NAME", "alice"),
        ("${NAME}", "alice"),
        ("$UNSET|${UNSET}", "|"),
        ("$NAME.x $NAME_x $NAME9", "alice.x  "),
        ("${UNSET:-d} ${EMPTY:-d} ${NAME:-d}", "d d alice"),
        ("${UNSET-d} ${EMPTY-d} ${NAME-d}", "d  alice"),
        ("${UNSET:-}", ""),
        ("${UNSET:-a b c}", "a b c"),
        ("${UNSET:-${NAME}}", "alice"),
        ("${UNSET:-$NAME}", "alice"),
        ("${NAME?msg} ${EMPTY?msg}", "alice "),
        ("${WORD:2}", "cdef"),
        ("${WORD:0}", "abcdef"),
        ("${WORD:1:3}", "bcd"),
        ("${WORD: -2}", "ef"),
        ("${WORD: -2:1}", "e"),
        ("${WORD:0:-1}", "abcde"),
        ("${WORD:10}", ""),
        ("${WORD:2:100}", "cdef"),
        ("${WORD:2:0}", ""),
        ("${WORD:-2}", "abcdef"),
        ("${UNSET:1:2}", ""),
        ("${UTF:3}", "llo"),
        ("${UTF:1:2}", "\u00e9"),
        ("$$", "$"),
        ("\\$", "$"),
        ("\\$NAME", "$NAME"),
        ("$$NAME", "$NAME"),
        ("$$ BEGIN $$", "$ BEGIN $"),
        ("cost $", "cost $"),
        ("$", "$"),
        ("$(date)", "$(date)"),
        ("a\\nb", "a\\nb"),
        ("\\", "\\"),
        ("${REF}", "$NAME"),
        ("${N\u00e4me}", ""),
        ("caf\u00e9 $NAME", "caf\u00e9 alice"),
    ],
)
def test_expand(line: str, expected: str) -> None:
    assert expand(line, ENV) == expected


@pytest.mark.parametrize(
    "line",
    [
        "$1",
        "SELECT $1;",
        "$_x",
        "$ 5",
        "'$'",
        "cost $5",
        "${}",
        "${1}",
        "${_x}",
        "${UNSET?}",
        "${UNSET?must be set}",
        "${NAME:?msg}",
        "${UNSET:?msg}",
        "${NAME",
        "${NAME:-x",
        "${NAME+x}",
        "${NAME:x}",
        "${NAME:1:y}",
        "${NAME:1",
    ],
)
def test_expand_errors(line: str) -> None:
    with pytest.raises(EnvsubError) as info:
        expand(line, ENV)
    assert str(info.value)


def test_required_message_is_reported() -> None:
    with pytest.raises(EnvsubError, match="please set it"):
        expand("${UNSET?please set it}", ENV)


def test_required_without_message_says_not_set() -> None:
    with pytest.raises(EnvsubError, match="not set"):
        expand("${UNSET?}", ENV)


def test_values_are_not_expanded_again() -> None:
    assert expand("$REF$REF", ENV) == "$NAME$NAME"
