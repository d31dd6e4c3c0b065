"""ENVSUB against the test tables of the library goose expands with (``mfridman/interpolate``).

Every case of its ``interpolate_test.go`` that goes through ``Interpolate`` is here, named by
its Go test; ``TestParser`` (``parser_test.go``) checks parse trees, so its lines are here
with the text those trees expand to. ``TestExtractingIdentifiers`` tests an API goose does not
use and is left out. Then the escape corners the tables do not reach, each worked out from
the library's ``parseExpression``, and properties that hold for every line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llm_proxy.format.envsub import EnvsubError, expand
from llm_proxy.format.grammar import parse_lines

if TYPE_CHECKING:
    from _pytest.mark import ParameterSet

BASIC = {
    "TEST1": "A test",
    "TEST2": "Another",
    "TEST3": "Llamas",
    "TEST4": "Only one level of $TEST3 interpolation",
}
COMMIT = {"BUILDKITE_COMMIT": "1adf998e39f647b4b25842f107c6ed9d30a3a7c7"}
GREEDY = {"BUILDKITE_COMMIT": "cfeeee3fa7fa1a6311723f5cbff95b738ec6e683", "BUILDKITE_PARALLEL_JOB": "456"}
DAYS = {"DAY": "Blarghday", "EMPTY_DAY": ""}
NONE: dict[str, str] = {}


def table(name: str, environ: dict[str, str], rows: list[tuple[str, str]]) -> list[ParameterSet]:
    """One Go test's table as cases named after it."""
    return [pytest.param(environ, line, expected, id=f"{name}[{line}]") for line, expected in rows]


GO_CASES = [
    *table("ExampleInterpolate", {"NAME": "James"}, [
        ("Hello... ${NAME} welcome to the ${ANOTHER_VAR:-🏖}", "Hello... James welcome to the 🏖"),
    ]),
    *table("TestBasicInterpolation", BASIC, [
        ("", ""),
        ("foo", "foo"),
        ("test1", "test1"),
        ("TEST1", "TEST1"),
        ("$TEST1", "A test"),
        ("${TEST1}", "A test"),
        ("$TEST1, $TEST2, $TEST3", "A test, Another, Llamas"),
        ("$Test1, $Test2, $TeST3", ", , "),
        ("${TEST1}, ${Test2}, ${tEST3}", "A test, , "),
        ("my$TEST1", "myA test"),
        ("$TEST4", "Only one level of $TEST3 interpolation"),
        ("${TEST4}", "Only one level of $TEST3 interpolation"),
    ]),
    *table("TestNestedInterpolation", BASIC, [
        ("${TEST5:-${TEST6:-$TEST1}}", "A test"),
        ("${TEST5:-${TEST2:-$TEST1}}", "Another"),
        ("${TEST5:-Some text ${TEST2:-$TEST1} with $TEST3}", "Some text Another with Llamas"),
    ]),
    *table("TestIgnoresParentheses", NONE, [
        ("$(echo hello world)", "$(echo hello world)"),
        ("testing $(echo hello world)", "testing $(echo hello world)"),
        ("$(", "$("),
    ]),
    *table("TestMissingParameterValuesReturnEmptyStrings", NONE, [
        ("$BUILDKITE_COMMIT", ""),
        ("${BUILDKITE_COMMIT}", ""),
        ("${BUILDKITE_COMMIT:0:7}", ""),
        ("${BUILDKITE_COMMIT:7}", ""),
        ("${BUILDKITE_COMMIT:7:14}", ""),
    ]),
    *table("TestSubstringsWithOffsets", COMMIT, [
        ("${BUILDKITE_COMMIT:0}", "1adf998e39f647b4b25842f107c6ed9d30a3a7c7"),
        ("${BUILDKITE_COMMIT:7}", "e39f647b4b25842f107c6ed9d30a3a7c7"),
        ("${BUILDKITE_COMMIT: -7}", "0a3a7c7"),
        ("${BUILDKITE_COMMIT: -128}", "1adf998e39f647b4b25842f107c6ed9d30a3a7c7"),
        ("${BUILDKITE_COMMIT:128}", ""),
        ("${BUILDKITE_COMMIT:0:7}", "1adf998"),
        ("${BUILDKITE_COMMIT:7:7}", "e39f647"),
        ("${BUILDKITE_COMMIT:7:-7}", "e39f647b4b25842f107c6ed9d3"),
        ("${BUILDKITE_COMMIT:0:0}", ""),
        ("${BUILDKITE_COMMIT:7:0}", ""),
        ("${BUILDKITE_COMMIT:0:128}", "1adf998e39f647b4b25842f107c6ed9d30a3a7c7"),
        ("${BUILDKITE_COMMIT:7:128}", "e39f647b4b25842f107c6ed9d30a3a7c7"),
        ("${BUILDKITE_COMMIT:0:-128}", ""),
        ("${BUILDKITE_COMMIT:7:-128}", ""),
    ]),
    *table("TestInterpolateIsntGreedy", GREEDY, [
        ('echo "ENV_1=test_$BUILDKITE_COMMIT_$BUILDKITE_PARALLEL_JOB"', 'echo "ENV_1=test_456"'),
        (
            'echo "ENV_1=test-$BUILDKITE_COMMIT-$BUILDKITE_PARALLEL_JOB"',
            'echo "ENV_1=test-cfeeee3fa7fa1a6311723f5cbff95b738ec6e683-456"',
        ),
        (
            'echo "ENV_1=test_${BUILDKITE_COMMIT}_${BUILDKITE_PARALLEL_JOB}"',
            'echo "ENV_1=test_cfeeee3fa7fa1a6311723f5cbff95b738ec6e683_456"',
        ),
    ]),
    *table("TestDefaultValues", DAYS, [
        ("Today is ${TODAY-Tuesday}", "Today is Tuesday"),
        ("Tomorrow is ${TOMORROW-Wednesday}", "Tomorrow is Wednesday"),
        ("Today is ${DAY-Wednesday}", "Today is Blarghday"),
        ("Today is ${EMPTY_DAY-Wednesday}", "Today is "),
        ("Today is ${EMPTY_DAY:-Wednesday}", "Today is Wednesday"),
        ("${EMPTY_DAY:--:{}}", "-:{}"),
        ("${EMPTY:-${LLAMAS-test}}", "test"),
        ("${EMPTY:-127}", "127"),
    ]),
    *table("TestEscapingVariables", NONE, [
        ("Do this $$ESCAPE_PARTY", "Do this $ESCAPE_PARTY"),
        ("Do this \\$ESCAPE_PARTY", "Do this $ESCAPE_PARTY"),
        ("Do this $${SUCH_ESCAPE}", "Do this ${SUCH_ESCAPE}"),
        ("Do this \\${SUCH_ESCAPE}", "Do this ${SUCH_ESCAPE}"),
    ]),
    *table("TestParser", {"HELLO_WORLD": "hello world"}, [
        ("Buildkite... ${HELLO_WORLD} ${ANOTHER_VAR:-🏖}", "Buildkite... hello world 🏖"),
        ("${HELLO_WORLD:1}", "ello world"),
        ("${HELLO_WORLD: -1}", "d"),
        ("${HELLO_WORLD:-1}", "hello world"),
        ("${HELLO_WORLD:1:7}", "ello wo"),
        ("${HELLO_WORLD:1:-7}", "ell"),
        ("${HELLO_WORLD?Required}", "hello world"),
        ("$", "$"),
        ("\\", "\\"),
        ("$(echo hello world)", "$(echo hello world)"),
    ]),
    *table("TestParser", {"TEST3": "Llamas"}, [
        ("${TEST1:- ${TEST2:-$TEST3}}", " Llamas"),
        ("${HELLO_WORLD-blah}", "blah"),
        ("\\\\${HELLO_WORLD-blah}", "\\\\blah"),
        ("\\${HELLO_WORLD-blah}", "${HELLO_WORLD-blah}"),
        ("Test \\\\\\${HELLO_WORLD-blah}", "Test \\\\${HELLO_WORLD-blah}"),
    ]),
]

ESCAPES = {"NAME": "value", "EMPTY": ""}

ESCAPE_CASES = [
    pytest.param(line, expected, id=line)
    for line, expected in [
        ("SELECT '\\\\$NAME \\$NAME';", "SELECT '\\\\value $NAME';"),
        ("\\\\", "\\\\"),
        ("\\\\\\", "\\\\\\"),
        ("\\\\\\\\$NAME", "\\\\\\\\value"),
        ("\\\\\\$NAME", "\\\\$NAME"),
        ("\\\\$$NAME", "\\\\$NAME"),
        ("\\$$", "$$"),
        ("$$$", "$$"),
        ("$$$$", "$$"),
        ("\\n\\t\\'", "\\n\\t\\'"),
        ("a\\", "a\\"),
        ("a\\\\", "a\\\\"),
        ("cost: 5$", "cost: 5$"),
        ("\\$(", "$("),
        ("$$(", "$("),
        ("\\\\$(x)", "\\\\$(x)"),
        ("${EMPTY:-\\\\$NAME}", "\\\\value"),
        ("${EMPTY:-\\$NAME}", "$NAME"),
        ("${EMPTY:-$$}", "$"),
        ("${EMPTY:-a\\}b}", "a\\b}"),
        ("${EMPTY:-\\\\}", "\\\\"),
        ("${EMPTY:-\\}", "\\"),
        ("${EMPTY:-$(x)}", "$(x)"),
        ("${NAME?${UNSET?never evaluated}}", "value"),
        ("${NAME:-${UNSET?never evaluated}}", "value"),
        ("${NAME-${UNSET?never evaluated}}", "value"),
        ("${NAME:1\ufffd3}", "alu"),
        ("${NAME:9223372036854775807}", ""),
        ("${NAME:+1:+2}", "al"),
    ]
]

REJECTED = ["$\\$", "$\\", "${EMPTY:-$}", "${NAME:9223372036854775808}", "${NAME%.*}", "${NAME#*.}"]


@pytest.mark.parametrize(("environ", "line", "expected"), GO_CASES)
def test_library_tables(environ: dict[str, str], line: str, expected: str) -> None:
    assert expand(line, environ) == expected


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("$1 burgers", id="TestVariablesMustStartWithLetters[$1 burgers]"),
        pytest.param("$99bottles", id="TestVariablesMustStartWithLetters[$99bottles]"),
    ],
)
def test_library_rejects(line: str) -> None:
    with pytest.raises(EnvsubError):
        expand(line, NONE)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param(line, message, id=f"TestRequiredVariables[{line}]")
        for line, message in [
            ("Hello ${REQUIRED_VAR?}", "$REQUIRED_VAR: not set"),
            ("Hello ${REQUIRED_VAR?y u no set me? :-{}", "$REQUIRED_VAR: y u no set me? :-{"),
            ("Hello ${REQUIRED_VAR?{}}", "$REQUIRED_VAR: {"),
        ]
    ],
)
def test_library_required_messages(line: str, message: str) -> None:
    with pytest.raises(EnvsubError) as info:
        expand(line, NONE)
    assert str(info.value) == message


@pytest.mark.parametrize(("line", "expected"), ESCAPE_CASES)
def test_escapes(line: str, expected: str) -> None:
    assert expand(line, ESCAPES) == expected


@pytest.mark.parametrize("line", REJECTED)
def test_escapes_rejected(line: str) -> None:
    with pytest.raises(EnvsubError):
        expand(line, ESCAPES)


def test_required_message_is_expanded_with_the_same_escapes() -> None:
    with pytest.raises(EnvsubError) as info:
        expand("${UNSET?\\\\$NAME}", ESCAPES)
    assert str(info.value) == "$UNSET: \\\\value"


def test_doubled_backslash_reaches_the_statement() -> None:
    """The line goose's users reported, through the whole grammar."""
    parsed = parse_lines(
        ["-- +goose Up", "-- +goose ENVSUB ON", "SELECT '\\\\$NAME \\$NAME';"],
        environ={"NAME": "value"},
    )
    assert parsed.up_error is None
    assert [statement.text for statement in parsed.up] == ["SELECT '\\\\value $NAME';"]


@given(st.text().filter(lambda text: "$" not in text))
def test_text_without_dollar_is_unchanged(text: str) -> None:
    """Backslashes alone are never touched: only a ``$`` can change a line."""
    assert expand(text, ESCAPES) == text


@given(st.text().filter(lambda text: "\\" not in text))
def test_doubling_every_dollar_gives_the_text_back(text: str) -> None:
    assert expand(text.replace("$", "$$"), ESCAPES) == text


@given(st.text(alphabet="\\$N{}-:?(x"), st.sampled_from([ESCAPES, NONE]))
def test_escape_soup_never_fails_with_a_foreign_error(text: str, environ: dict[str, str]) -> None:
    """Any mix of the special characters gives text or an EnvsubError, never a crash; and
    backslashes are only ever copied or dropped (``\\$``, an unused default), never added."""
    try:
        result = expand(text, environ)
    except EnvsubError:
        return
    assert result.count("\\") <= text.count("\\")
