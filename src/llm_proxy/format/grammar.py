"""The goose SQL migration grammar: annotations, statement splitting, ENVSUB.

This is a faithful port of goose's parser (spec §2): for every file goose accepts it yields
the same statements byte for byte, and it rejects every file goose rejects, with a message
that names the line and says how to fix it.

goose parses one direction per call and each direction can fail on its own: an unfinished
statement in the Down section does not stop ``up``. We read the file once and drive two
small state machines, one per direction, so both results (or errors) come out of a single
streaming pass. A line of the Up section only matters to the Down machine when it is an
annotation or when ENVSUB is on (goose expands it before throwing it away), so the common
line costs one machine step.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llm_proxy.errors import ParseError
from llm_proxy.format.envsub import EnvsubError, expand
from llm_proxy.format.direction import Direction
from llm_proxy.format.gotext import GO_WHITESPACE, go_fields, go_lower, go_trim
from llm_proxy.format.statements import Statement, Statements

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from pathlib import Path
    from typing import BinaryIO


class Annotation(enum.Enum):
    UP = "up"
    DOWN = "down"
    STATEMENT_BEGIN = "statementbegin"
    STATEMENT_END = "statementend"
    NO_TRANSACTION = "no transaction"
    ENVSUB_ON = "envsub on"
    ENVSUB_OFF = "envsub off"


_ANNOTATIONS = {a.value: a for a in Annotation}
_FILE_WIDE = (Annotation.NO_TRANSACTION, Annotation.ENVSUB_ON, Annotation.ENVSUB_OFF)

# goose's states. A block's "ended" state lasts from its StatementEnd line until the
# statement is emitted; after an EMPTY block it lasts until the next non-comment line, which
# is then swallowed (spec §2.5).
START, UP, UP_BLOCK, UP_ENDED, DOWN, DOWN_BLOCK, DOWN_ENDED = range(7)
_SECTION = {
    START: None,
    UP: Direction.UP,
    UP_BLOCK: Direction.UP,
    UP_ENDED: Direction.UP,
    DOWN: Direction.DOWN,
    DOWN_BLOCK: Direction.DOWN,
    DOWN_ENDED: Direction.DOWN,
}
_ENDED = (UP_ENDED, DOWN_ENDED)

_SPLIT_HINT = (
    "end its last line with ';' (a comment may follow after a space), "
    "or wrap it in '-- +goose StatementBegin' / '-- +goose StatementEnd'"
)


@dataclass(frozen=True, slots=True)
class ParsedSQL:
    """Both directions of one file, each either statements or the error goose would give."""

    use_transaction: bool
    up: Sequence[Statement]
    down: Sequence[Statement]
    up_error: ParseError | None
    down_error: ParseError | None

    def statements(self, direction: Direction) -> Sequence[Statement]:
        """The statements of ``direction``; raises its parse error if it has one."""
        error = self.error(direction)
        if error is not None:
            raise error
        return self.up if direction is Direction.UP else self.down

    def error(self, direction: Direction) -> ParseError | None:
        return self.up_error if direction is Direction.UP else self.down_error

    @property
    def errors(self) -> list[ParseError]:
        """Distinct errors of both directions, in file order."""
        found = [e for e in (self.up_error, self.down_error) if e is not None]
        if len(found) == 2 and str(found[0]) == str(found[1]):
            return found[:1]
        return sorted(found, key=lambda e: e.line or 0)


def ends_with_semicolon(line: str) -> bool:
    """goose's statement terminator test (spec §2.3).

    The last whitespace-separated word before the first word that starts with ``--`` ends
    with ``;``. No lexing: ``SELECT 1;-- c`` does not end (its word is ``1;--``).
    """
    if "--" not in line:
        return go_trim(line).endswith(";")
    last = ""
    for word in go_fields(line):
        if word.startswith("--"):
            break
        last = word
    return last.endswith(";")


def parse_annotation(line: str, *, lineno: int | None = None) -> Annotation:
    """The annotation on a line that starts with ``--`` and mentions ``+goose`` (spec §2.1)."""
    if line.startswith((" ", "\t")):
        raise ParseError(
            "an annotation must start at the beginning of the line",
            line=lineno,
            text=line,
            hint="remove the spaces or tabs before '--'",
        )
    command = line.replace("--", "").replace("+goose", "", 1)
    if "+goose" in command:
        raise ParseError(
            "more than one '+goose' on the line",
            line=lineno,
            text=line,
            hint="put each annotation on a line of its own, and do not mention '+goose' in comments",
        )
    command = go_trim(command)
    annotation = _ANNOTATIONS.get(go_lower(command))
    if annotation is None:
        what = f"unknown annotation {command!r}" if command else "empty annotation"
        raise ParseError(
            what,
            line=lineno,
            text=line,
            hint=(
                "use one of Up, Down, StatementBegin, StatementEnd, NO TRANSACTION, "
                "ENVSUB ON, ENVSUB OFF, alone after '-- +goose'; a comment line must not "
                "contain '+goose'"
            ),
        )
    return annotation


class _Machine:
    """goose's parser for one direction, fed one line at a time."""

    __slots__ = ("direction", "state", "buffer", "buffer_line", "block", "statements", "error")

    def __init__(self, direction: Direction) -> None:
        self.direction = direction
        self.state = START
        self.buffer: list[str] = []
        self.buffer_line = 0  # the first line with text in the buffer (0: none yet)
        self.block: tuple[int, str] | None = None  # the open StatementBegin: line, text
        self.statements = Statements()
        self.error: ParseError | None = None

    def in_own_section(self) -> bool:
        return _SECTION[self.state] in (None, self.direction)

    def unfinished(self) -> bool:
        return any(go_trim(part) for part in self.buffer)

    def unfinished_error(self, problem: str) -> ParseError:
        start = self.buffer_line
        first = next(part for part in self.buffer if go_trim(part))
        return ParseError(
            f"the statement starting at line {start} never ends{problem}",
            line=start,
            text=first,
            hint=_SPLIT_HINT,
        )

    def annotate(self, annotation: Annotation, lineno: int, line: str) -> bool:
        """Apply a section annotation; True when the line goes on to the buffer steps."""
        state = self.state
        if annotation is Annotation.UP:
            if state != START:
                raise ParseError(
                    "a second '-- +goose Up'",
                    line=lineno,
                    text=line,
                    hint="a file has one Up section; remove this line",
                )
            self.state = UP
            return False
        if annotation is Annotation.DOWN:
            if state not in (UP, UP_ENDED):
                raise ParseError(_misplaced_down(state), line=lineno, text=line, hint=_down_hint(state))
            if self.unfinished():
                raise self.unfinished_error(" before '-- +goose Down'")
            self.state = DOWN
            return False
        if annotation is Annotation.STATEMENT_BEGIN:
            if state in (UP, UP_ENDED):
                self.state = UP_BLOCK
            elif state in (DOWN, DOWN_ENDED):
                self.state = DOWN_BLOCK
            else:
                raise ParseError(
                    "'-- +goose StatementBegin' "
                    + ("before '-- +goose Up'" if state == START else "inside another block"),
                    line=lineno,
                    text=line,
                    hint=(
                        "put StatementBegin after '-- +goose Up' or '-- +goose Down'"
                        if state == START
                        else "close the open block with '-- +goose StatementEnd' first"
                    ),
                )
            self.block = (lineno, line)
            return False
        # StatementEnd: the only annotation whose line goes on through the buffer steps.
        if state == UP_BLOCK:
            self.state = UP_ENDED
        elif state == DOWN_BLOCK:
            self.state = DOWN_ENDED
        else:
            raise ParseError(
                "'-- +goose StatementEnd' without a matching StatementBegin",
                line=lineno,
                text=line,
                hint="add '-- +goose StatementBegin' before the statement, or remove this line",
            )
        return True

    def take(self, lineno: int, line: str, stripped: str, environ: Mapping[str, str] | None) -> None:
        """The buffer steps (spec §2.2, steps 3-6) for a line that is not a skipped annotation.

        ``stripped`` is the line without surrounding whitespace, computed once per line by
        the caller because this is the hot path of large data migrations.
        """
        buffer = self.buffer
        if not buffer and (line == "" or stripped.startswith("--")):
            return
        state = self.state
        if state not in _ENDED:
            if environ is not None:
                expanded = _expand(line, lineno, environ)
                if expanded != line:
                    line, stripped = expanded, go_trim(expanded)
            if not self.buffer_line and stripped:
                self.buffer_line = lineno
            buffer.append(line)
        section = _SECTION[state]
        if section is None:
            raise ParseError(
                "SQL before '-- +goose Up'",
                line=lineno,
                text=line,
                hint="start the file with a line '-- +goose Up' (only comments and blank lines may come before it)",
            )
        if section is not self.direction:
            buffer.clear()
            self.buffer_line = 0
            return
        if state in _ENDED:
            self.emit(lineno)
            self.state = UP if state == UP_ENDED else DOWN
        elif state in (UP, DOWN) and (
            stripped.endswith(";") if "--" not in line else ends_with_semicolon(line)
        ):
            self.emit(lineno, stripped if len(buffer) == 1 else None)

    def emit(self, lineno: int, single: str | None = None) -> None:
        """Close the statement; ``single`` is its text when it is one already-trimmed line.

        Its line is where its text starts; an empty statement (spec §2.5) gets ``lineno``.
        """
        text = single if single is not None else go_trim("\n".join(self.buffer))
        self.statements.append(text, self.buffer_line or lineno)
        self.buffer.clear()
        self.buffer_line = 0

    def finish(self) -> None:
        if self.state == START:
            raise ParseError(
                "no '-- +goose Up' annotation",
                hint="every migration file starts with a line '-- +goose Up'",
            )
        if self.state in (UP_BLOCK, DOWN_BLOCK) and self.block is not None:
            line, text = self.block
            raise ParseError(
                "this '-- +goose StatementBegin' block is never closed",
                line=line,
                text=text,
                hint="add '-- +goose StatementEnd' after the block's last line",
            )
        if self.unfinished():
            raise self.unfinished_error(" (end of file reached)")


def _misplaced_down(state: int) -> str:
    if state == START:
        return "'-- +goose Down' before '-- +goose Up'"
    if state in (UP_BLOCK, DOWN_BLOCK):
        return "'-- +goose Down' inside a StatementBegin block"
    return "a second '-- +goose Down'"


def _down_hint(state: int) -> str:
    if state == START:
        return "put '-- +goose Up' and its SQL first, then '-- +goose Down'"
    if state in (UP_BLOCK, DOWN_BLOCK):
        return "close the block with '-- +goose StatementEnd' first"
    return "a file has one Down section; remove this line"


def _expand(line: str, lineno: int, environ: Mapping[str, str]) -> str:
    try:
        return expand(line, environ)
    except EnvsubError as exc:
        raise ParseError(
            f"ENVSUB: {exc}",
            line=lineno,
            text=line,
            hint="set the variable, fix the ${...} syntax, or turn '-- +goose ENVSUB OFF' around this SQL",
        ) from None


def parse_lines(
    lines: Iterable[str],
    *,
    path: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ParsedSQL:
    """Parse a migration given as lines (without their ``\\n``; one ``\\r`` is dropped).

    ``path`` names the file in error messages; ``environ`` is where ENVSUB reads variables
    from (the process environment when None). Grammar errors are returned per direction,
    never raised.
    """
    env = os.environ if environ is None else environ
    up, down = _Machine(Direction.UP), _Machine(Direction.DOWN)
    live = [up, down]
    use_transaction = True
    envsub_on = False
    active = live
    fast: _Machine | None = None
    for lineno, line in enumerate(lines, 1):
        if line.endswith("\r"):
            line = line[:-1]
        stripped = line.strip(GO_WHITESPACE)
        if fast is not None and stripped.endswith(";") and not fast.buffer and "--" not in line:
            # The common line of a data migration: a whole statement, in the section of
            # the one machine that reads it. take() would come to the same.
            fast.statements.append(stripped, lineno)
            continue
        annotation = None
        if "+goose" in line and stripped.startswith("--"):
            try:
                annotation = parse_annotation(line, lineno=lineno)
            except ParseError as exc:
                for machine in live:
                    machine.error = exc
                live = []
                break
            if annotation in _FILE_WIDE:
                if annotation is Annotation.NO_TRANSACTION:
                    use_transaction = False
                else:
                    envsub_on = annotation is Annotation.ENVSUB_ON
                    fast = _fast_reader(active, envsub_on)
                continue
        failed = False
        for machine in live if (annotation is not None or envsub_on) else active:
            try:
                if machine.state == START and not stripped:
                    continue
                if annotation is not None and not machine.annotate(annotation, lineno, line):
                    continue
                machine.take(lineno, line, stripped, env if envsub_on else None)
            except ParseError as exc:
                machine.error = exc
                failed = True
        if failed:
            live = [m for m in live if m.error is None]
            if not live:
                break
        if failed or annotation is not None:
            active = [m for m in live if m.in_own_section()]
        fast = _fast_reader(active, envsub_on)
    for machine in live:
        try:
            machine.finish()
        except ParseError as exc:
            machine.error = exc
    return ParsedSQL(
        use_transaction=use_transaction,
        up=up.statements if up.error is None else (),
        down=down.statements if down.error is None else (),
        up_error=_located(up.error, path),
        down_error=_located(down.error, path),
    )


def _fast_reader(active: list[_Machine], envsub_on: bool) -> _Machine | None:
    """The machine that alone reads the next line, if it is in its section outside a
    block: a line that is a whole statement (ends with ``;``, no ``--``) goes straight to
    it when its buffer is empty, because take() would make it a statement as it is."""
    if envsub_on or len(active) != 1:
        return None
    machine = active[0]
    return machine if machine.state in (UP, DOWN) else None


def parse_file(path: Path | str, *, environ: Mapping[str, str] | None = None) -> ParsedSQL:
    """Parse a migration file in one streaming pass.

    Bytes that are not UTF-8 text (invalid sequences, NUL bytes of a binary file, a byte
    order mark that goose would choke on) and unreadable files are reported as an error of
    both directions, like a grammar error, so that callers have one kind of result to read.
    """
    try:
        with open(path, "rb") as handle:
            return parse_lines(_text_lines(handle), path=path, environ=environ)
    except ParseError as exc:
        error = exc.with_path(path)
    except OSError as exc:
        error = ParseError(
            f"cannot read the file: {exc.strerror or exc}",
            path=path,
            hint="check that the file exists and that this user may read it",
        )
    return ParsedSQL(use_transaction=True, up=(), down=(), up_error=error, down_error=error)


_CHUNK = 1 << 18  # bytes read at a time: a larger block parses no faster and holds more


def _text_lines(handle: BinaryIO) -> Iterator[str]:
    """The lines of a binary file as text, split on ``\\n`` only (as goose does).

    Reads and decodes 256 KB of whole lines at a time: much faster than line by line,
    and the only strings left behind are the lines themselves (which become statements),
    so memory does not fragment on files with millions of statements.
    """
    lineno = 0
    pending: list[bytes] = []
    while True:
        block = handle.read(_CHUNK)
        cut = block.rfind(b"\n")
        if block and cut < 0:
            pending.append(block)
            continue
        if block:
            data, rest = b"".join([*pending, block[:cut]]), block[cut + 1 :]
        else:
            data, rest = b"".join(pending), b""
            if not data:
                return
        pending = [rest] if rest else []
        yield from _decode(data, lineno)
        lineno += data.count(b"\n") + 1
        if not block:
            return


def _decode(data: bytes, lineno: int) -> list[str]:
    """Whole lines of bytes (following line ``lineno``) as text, or a ParseError."""

    def line_of(offset: int) -> tuple[int, int]:
        start = data.rfind(b"\n", 0, offset) + 1
        return lineno + data.count(b"\n", 0, offset) + 1, offset - start + 1

    if lineno == 0 and data.startswith(b"\xef\xbb\xbf"):
        raise ParseError(
            "the file starts with a byte order mark (BOM), which goose reads as SQL before '-- +goose Up'",
            line=1,
            hint="save the file as UTF-8 without a BOM",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ParseError(
            "the line holds a NUL byte: this is a binary file, not SQL text",
            line=line_of(nul)[0],
            hint="migration files must be UTF-8 text",
        )
    try:
        return data.decode("utf-8").split("\n")
    except UnicodeDecodeError as exc:
        line, column = line_of(exc.start)
        raise ParseError(
            f"invalid UTF-8 at byte {column} of the line",
            line=line,
            hint="save the file as UTF-8",
        ) from None


def _located(error: ParseError | None, path: Path | str | None) -> ParseError | None:
    if error is None or path is None:
        return error
    return error.with_path(path)
